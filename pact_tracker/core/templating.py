"""Filters and globals every template can use."""

from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
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


def select_options(field) -> Markup:
    """The ``<option>``s of a WTForms select field, in their groups, its value selected.

    Written here rather than by a template loop or WTForms' widget: the
    explorer's filters have some 480 options, and either way cost a few
    milliseconds a page, more than the page's queries. The options are the
    same for every visitor (per language), so each list is escaped once per
    process and only the selected option is written per request.
    """
    choices = [
        choice if isinstance(choice, SelectChoice) else SelectChoice.from_input(choice)
        for choice in field.choices or ()
    ]
    # A comprehension, not a function per option: this runs for 480 options a page.
    key = tuple(
        (str(c.value), str(c.label), None if c.optgroup is None else str(c.optgroup))
        for c in choices
    )
    rendered = _rendered_options(key)
    index = rendered.position.get(field.data if isinstance(field.data, str) else None)
    if index is None:
        return rendered.markup
    value, label, _group = key[index]
    parts = list(rendered.parts)
    parts[rendered.part_of[index]] = _OPTION.format(" selected", value, label)
    return Markup("").join(parts)


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
        date=format_date,
        datetime=format_datetime,
        number=format_decimal,
    )
    app.jinja_env.globals.update(
        permissions=permissions,
        url_with=url_with,
        select_options=select_options,
        status_badge=status_badge,
        reporting_light=reporting_light,
        sdg_chip=sdg_chip,
        STATUS_LABELS=STATUS_LABELS,
        REPORTING_LABELS=REPORTING_LABELS,
    )
