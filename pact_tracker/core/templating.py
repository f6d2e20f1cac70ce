"""Filters and globals every template can use."""

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from pact_tracker.core import permissions
from pact_tracker.core.markdown import render_markdown

#: Labels of statuses and reporting states, for the badges of every list. Lazy: each row
#: translates only the label it shows (a dict of them written in the macro translated
#: all fifteen for every row, a third of a list page's time).
STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "achieved": _l("Achieved"),
    "partially_achieved": _l("Partially achieved"),
    "not_achieved": _l("Not achieved"),
    "withdrawn": _l("Withdrawn"),
    "applied": _l("Applied"),
    "rejected": _l("Rejected"),
    "suspended": _l("Suspended"),
}
REPORTING_LABELS = {
    "on_time": _l("On time"),
    "due": _l("Report due"),
    "overdue": _l("Overdue"),
    "inactive": _l("Inactive"),
}


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
    """The ``<option>``s of a WTForms select field, in their groups.

    Written here rather than by a template loop or WTForms' widget: the
    explorer's filters have some 480 options, and either way cost a few
    milliseconds a page, more than the page's queries.
    """
    option = Markup('<option{} value="{}">{}</option>')
    parts = []
    for group, options in field.iter_groups():
        if group:
            parts.append(Markup('<optgroup label="{}">').format(group))
        for choice in options:
            selected = " selected" if choice.selected else ""
            # Markup.format escapes the value and the label.
            parts.append(option.format(selected, choice.value, choice.label))
        if group:
            parts.append(Markup("</optgroup>"))
    return Markup("").join(parts)


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
        STATUS_LABELS=STATUS_LABELS,
        REPORTING_LABELS=REPORTING_LABELS,
    )
