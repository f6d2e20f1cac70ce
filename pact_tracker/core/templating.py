"""Filters and globals every template can use."""

from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, has_request_context, request, url_for
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_timezone,
)
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from pact_tracker.core import permissions
from pact_tracker.core.badges import (
    REPORTING_LABELS,
    STATUS_LABELS,
    reporting_light,
    sdg_chip,
    status_badge,
)
from pact_tracker.core.markdown import render_markdown


def localised(obj, field: str) -> str:
    """``obj.<field>_fr`` on French pages, ``obj.<field>_en`` otherwise (or as fallback)."""
    if obj is None:
        return ""
    return obj.localised(field, str(get_locale()))


def remembered_date(value, format: str | None = None) -> str:  # noqa: A002 - Babel's name
    """``flask_babel.format_date`` for the templates, each date written once per language.

    A commitment's page dates each of its reports twice; Babel's formatting was a
    tenth of the page. The text depends only on the value, the format, the
    language and the time zone.
    """
    if value is None:
        return format_date(value, format)
    return _remembered_date(value, format, str(get_locale()), str(get_timezone()))


@lru_cache(maxsize=4096)
def _remembered_date(value, format: str | None, _locale: str, _zone: str) -> str:  # noqa: A002
    return format_date(value, format)


def remembered_datetime(value, format: str | None = None) -> str:  # noqa: A002 - Babel's name
    """``flask_babel.format_datetime`` for the templates, each moment written once per language.

    A commitment's timeline writes two moments per report: on a long history Babel's
    formatting was a seventh of the member's commitment page. As for dates, the
    text depends only on the value, the format, the language and the time zone.
    """
    if value is None:
        return format_datetime(value, format)
    return _remembered_datetime(value, format, str(get_locale()), str(get_timezone()))


@lru_cache(maxsize=4096)
def _remembered_datetime(value, format: str | None, _locale: str, _zone: str) -> str:  # noqa: A002
    return format_datetime(value, format)


#: A moment in UTC, as the back office's campaign pages write it.
_UTC_MOMENT = Markup('<time datetime="%s">%s UTC</time>')


def utc_moment(moment) -> Markup | str:
    """``moment`` as a ``<time>`` in UTC, or a dash when there is none.

    A filter rather than a macro: the back office's lists write three a row, and
    a macro call costs more than the text it writes. ``%`` rather than
    ``Markup.format``, whose formatter machinery cost more than the dates.
    """
    if not moment:
        return "—"
    return _UTC_MOMENT % (moment.isoformat(), moment.strftime("%Y-%m-%d %H:%M"))


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (None removes one).

    Lists use it for pagination and filter links, so that a filtered, paged
    view stays a shareable URL.
    """
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [value]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def remembered_url_for(endpoint: str, **values) -> str:
    """Flask's ``url_for`` for the templates, each URL built once per process.

    A list page links each of its 25 rows two or three times: building those
    URLs cost a tenth of the page. A site-relative URL depends only on the
    endpoint, its values and the site's root path (the URL map does not change
    while the process runs), so the last 4,096 are kept. External URLs, anchors,
    endpoints relative to the current blueprint, and values that cannot be a
    key (lists) are built each time.
    """
    if (
        not has_request_context()
        or endpoint.startswith(".")
        or any(name.startswith("_") for name in values)
    ):
        return url_for(endpoint, **values)
    try:
        return _remembered_url(request.script_root, endpoint, tuple(sorted(values.items())))
    except TypeError:  # unhashable: a list of query arguments
        return url_for(endpoint, **values)


@lru_cache(maxsize=4096)
def _remembered_url(_script_root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **dict(values))


def select_options(field) -> Markup:
    """The ``<option>``s of a WTForms select field, in their groups, its value selected.

    Written here rather than by a template loop or WTForms' widget: the
    explorer's filters have some 480 options, and either way cost a few
    milliseconds a page, more than the page's queries. The options are the
    same for every visitor (per language), so each list is escaped once per
    process and only the selected option is written per request.
    """
    key, rendered = _options_of(field.choices or [])
    index = rendered.position.get(field.data if isinstance(field.data, str) else None)
    if index is None:
        return rendered.markup
    value, label, _group = key[index]
    parts = list(rendered.parts)
    parts[rendered.part_of[index]] = _OPTION.format(" selected", value, label)
    return Markup("").join(parts)


#: The options of the choice lists seen last, by the list's identity: the filters' lists
#: are reused for a minute (``core.caching``), and reading 480 choices to make a key
#: cost as much as writing them. Each entry keeps its list, so that its id is not reused.
_OPTIONS_BY_LIST: dict[int, tuple[list, tuple, "_RenderedOptions"]] = {}
_OPTIONS_BY_LIST_SIZE = 64


def _options_of(choices: list) -> tuple[tuple, "_RenderedOptions"]:
    kept = _OPTIONS_BY_LIST.get(id(choices))
    if kept is not None and kept[0] is choices:
        return kept[1], kept[2]
    key = tuple(
        (str(c.value), str(c.label), None if c.optgroup is None else str(c.optgroup))
        for c in (
            choice if isinstance(choice, SelectChoice) else SelectChoice.from_input(choice)
            for choice in choices
        )
    )
    rendered = _rendered_options(key)
    if len(_OPTIONS_BY_LIST) >= _OPTIONS_BY_LIST_SIZE:
        _OPTIONS_BY_LIST.clear()
    _OPTIONS_BY_LIST[id(choices)] = (choices, key, rendered)
    return key, rendered


_OPTION = Markup('<option{} value="{}">{}</option>')


@dataclass(frozen=True)
class _RenderedOptions:
    #: The options and group tags, escaped, none selected.
    parts: tuple[Markup, ...]
    markup: Markup
    #: ``{option value: option index}`` and, for each option, its index in ``parts``.
    position: dict[str, int]
    part_of: tuple[int, ...]


@lru_cache(maxsize=128)
def _rendered_options(choices: tuple[tuple[str, str, str | None], ...]) -> _RenderedOptions:
    parts: list[Markup] = []
    part_of: list[int] = []
    position: dict[str, int] = {}
    open_group = None
    for index, (value, label, group) in enumerate(choices):
        if group != open_group:
            if open_group is not None:
                parts.append(Markup("</optgroup>"))
            if group is not None:
                parts.append(Markup('<optgroup label="{}">').format(group))
            open_group = group
        position.setdefault(value, index)
        part_of.append(len(parts))
        # Markup.format escapes the value and the label.
        parts.append(_OPTION.format("", value, label))
    if open_group is not None:
        parts.append(Markup("</optgroup>"))
    return _RenderedOptions(
        parts=tuple(parts),
        markup=Markup("").join(parts),
        position=position,
        part_of=tuple(part_of),
    )


def init_templating(app: Flask) -> None:
    app.jinja_env.filters.update(
        markdown=render_markdown,
        localised=localised,
        date=remembered_date,
        datetime=remembered_datetime,
        number=format_decimal,
        utc=utc_moment,
    )
    app.jinja_env.globals.update(
        permissions=permissions,
        url_for=remembered_url_for,
        url_with=url_with,
        select_options=select_options,
        status_badge=status_badge,
        reporting_light=reporting_light,
        sdg_chip=sdg_chip,
        STATUS_LABELS=STATUS_LABELS,
        REPORTING_LABELS=REPORTING_LABELS,
    )
