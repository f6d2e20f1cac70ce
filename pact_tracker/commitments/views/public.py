"""Commitments pages for the public: the explorer and a commitment's page."""

import threading
from functools import lru_cache

from cachetools import LRUCache
from flask import abort, get_template_attribute, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from pact_tracker.commitments.forms.public import ExplorerFilterForm
from pact_tracker.commitments.services import assessments_of, updates_of
from pact_tracker.commitments.services import explorer as explorer_service
from pact_tracker.commitments.views import blueprint
from pact_tracker.core import permissions
from pact_tracker.core.lookup import MAX_ID

#: The labels a commitment's page shows by value, for each kind of value.
PAGE_LABELS = {
    "progress": {
        "not_started": _l("Not started"),
        "on_track": _l("On track"),
        "delayed": _l("Delayed"),
        "blocked": _l("Blocked"),
        "completed": _l("Completed"),
    },
    "scope": {
        "international": _l("International"),
        "national": _l("National"),
        "subnational": _l("Subnational"),
    },
    "evidence": {
        "testimony": _l("Testimony"),
        "case_study": _l("Case study"),
        "survey": _l("Survey"),
        "photo": _l("Photo"),
        "document": _l("Document"),
    },
    "assessment": {
        "no_evidence": _l("No evidence"),
        "not_started": _l("Not started"),
        "limited": _l("Limited"),
        "substantial": _l("Substantial"),
        "complete": _l("Complete"),
    },
    "direction": {
        "increase": _l("increase"),
        "decrease": _l("decrease"),
        "maintain": _l("maintain"),
    },
}


def _page_labels() -> dict[str, dict[str, str]]:
    """``PAGE_LABELS`` in the page's language.

    Translated once per process and language (a label changes only with a new
    release): the page's template translated all 21 on every view.
    """
    return _page_labels_in(str(get_locale()))


@lru_cache(maxsize=8)
def _page_labels_in(_locale: str) -> dict[str, dict[str, str]]:
    return {
        kind: {value: str(label) for value, label in labels.items()}
        for kind, labels in PAGE_LABELS.items()
    }


#: Rows written by ``public_row``, by what they show: the last 1,024 used (about 2 MB).
_ROWS: LRUCache = LRUCache(maxsize=1024)
_ROWS_LOCK = threading.Lock()


@blueprint.app_template_global()
def public_row(commitment: explorer_service.PublicRow, goals: dict, show_signatory: bool) -> Markup:
    """One row of a public list of commitments (``_table.html``), written once per process.

    The explorer, a goal's page and a signatory's page write 25 a page, each with a
    dozen links, badges and translations: most of the page's CPU. A row shows only
    its ``PublicRow``'s values (the reporting state as computed when it was read),
    the goals' chips and the site's URLs, which do not change while the process
    runs, in the page's language: the last rows used are kept (``_ROWS``),
    under those values (``goals``, reference data, is not part of the key).

    :param goals: ``explorer.sdg_goals()``, as the page has it.
    """
    key = (commitment, show_signatory, str(get_locale()), request.script_root)
    with _ROWS_LOCK:  # an LRU cache reorders itself on every read
        row = _ROWS.get(key)
    if row is None:
        row = get_template_attribute("commitments/public/_row.html", "row")(
            commitment, goals, show_signatory
        )
        with _ROWS_LOCK:
            _ROWS[key] = row
    return row


def _viewer():
    """The signed-in user, or None: what ``core.permissions`` expects."""
    return current_user._get_current_object() if current_user.is_authenticated else None


@blueprint.get("/commitments")
def explorer():
    """Published commitments, filtered by programme, SDG, organisation, place, status, reporting."""
    form = ExplorerFilterForm(request.args)
    form.validate()
    page = explorer_service.public_page(
        form.filters(), request.args.get("page", 1, type=int), shared_count=True
    )
    return render_template(
        "commitments/public/explorer.html",
        form=form,
        page=page,
        goals=explorer_service.sdg_goals(),
    )


@blueprint.get("/commitments/<int:commitment_id>")
def commitment_page(commitment_id: int):
    """A commitment, its indicators and milestones, and the timeline of its progress."""
    commitment = (
        explorer_service.commitment_for_page(commitment_id) if commitment_id <= MAX_ID else None
    )
    if commitment is None or not permissions.can_view_commitment(_viewer(), commitment):
        abort(404)
    timeline = updates_of(commitment)
    return render_template(
        "commitments/public/commitment.html",
        commitment=commitment,
        timeline=timeline,
        current_values=explorer_service.current_values(timeline),
        assessments=assessments_of(commitment),
        dimensions=explorer_service.impact_dimensions(),
        labels=_page_labels(),
    )
