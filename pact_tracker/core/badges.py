"""Badges of every list: a status, the reporting traffic light, an SDG goal chip.

Python rather than template macros: a list page shows three or four of them
on each of its 25 rows, and a macro call, with the lookup of its translated
label, cost more than the row's data. Each badge is written once per process,
value and language (a label changes only with a new release).
"""

from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

#: Labels of statuses and reporting states, for badges, filters and exports. Lazy: each
#: is translated when shown, in the language of the page.
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
#: Bootstrap colour of each reporting state.
LIGHT_CLASSES = {
    "on_time": "success",
    "due": "warning",
    "overdue": "danger",
    "inactive": "secondary",
}


def status_badge(status) -> Markup:
    """The status of a commitment or a signatory, as a labelled badge."""
    return _status_badge(str(status), str(get_locale()))


@lru_cache(maxsize=256)
def _status_badge(status: str, _locale: str) -> Markup:
    label = STATUS_LABELS.get(status, status)
    return Markup('<span class="badge text-bg-light border" data-status="{}">{}</span>').format(
        status, str(label)
    )


def reporting_light(state) -> Markup:
    """The reporting traffic light of a commitment; nothing when it need not report."""
    if not state:
        return Markup("")
    return _reporting_light(str(state), str(get_locale()))


@lru_cache(maxsize=64)
def _reporting_light(state: str, _locale: str) -> Markup:
    return Markup(
        '<span class="badge text-bg-{}" data-reporting-state="{}">'
        '<span aria-hidden="true">●</span> {}</span>'
    ).format(LIGHT_CLASSES[state], state, str(REPORTING_LABELS[state]))


def sdg_chip(goal, href: str | None = None) -> Markup:
    """An SDG goal's number and short name on its colour, a link when ``href`` is given.

    :param goal: anything with ``number`` and a bilingual ``short`` (``SdgGoal``,
        ``explorer.GoalChip``).
    """
    return _sdg_chip(goal.number, goal.localised("short", str(get_locale())), href)


@lru_cache(maxsize=1024)
def _sdg_chip(number: int, short: str, href: str | None) -> Markup:
    if href is None:
        return Markup('<span class="badge sdg-chip sdg-{0}">{0} · {1}</span>').format(number, short)
    return Markup('<a class="badge sdg-chip sdg-{0}" href="{2}">{0} · {1}</a>').format(
        number, short, href
    )
