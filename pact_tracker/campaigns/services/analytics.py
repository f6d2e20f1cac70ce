"""A campaign's figures as its page shows them: computed once for every process, not per view.

Each is a pass over every recipient (by programme, over every asked
signatory's commitments): on a campaign to 20,000 people, about 45 ms for the
progress, as much for those who never answered and for the people a resend
would write to, and 500 ms for the response rates, on every view (PostgreSQL,
on a busy machine). They are stored together in ``core.figure_store`` under a
key that changes with what moves them:

- the campaign's own last change (``updated_at``, with its status and resend
  count): pausing, resuming, resending;
- the newest activity of the coalition: a progress report answering the
  campaign, a suppression lifted, an account deactivated, each records one;

so that the secretariat sees the effect of what it did on the next view, and
every worker shows the same figures. Messages delivered by the dispatcher and
answers found by the worker record no activity: the figures expire after
``CHANGING_LIFETIME`` to catch up with them, while the page's script polls the
live progress of a running campaign.
"""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from pact_tracker.campaigns.models import Campaign
from pact_tracker.campaigns.services.campaigns import (
    Progress,
    Rate,
    campaign_progress,
    held_back_count,
    held_back_ids,
    never_answered,
    resendable_count,
    response_rates,
)
from pact_tracker.coalition.models import Signatory
from pact_tracker.core import figure_store
from pact_tracker.core.activity import Activity
from pact_tracker.core.pagination import count_from
from pact_tracker.extensions import db

#: How long the figures are stored: how late deliveries may show (see above).
CHANGING_LIFETIME = timedelta(minutes=1)
#: Signatories that never answered listed on the campaign page.
NEVER_ANSWERED_SHOWN = 10
#: People held back from a resend listed on the campaign page, each with its action.
HELD_BACK_SHOWN = 20


@dataclass(frozen=True)
class Named:
    """A signatory as a list links it, without its row."""

    slug: str
    name: str


@dataclass(frozen=True)
class FirstOfList:
    """The first rows of a list, and how many it has (up to ``COUNT_AHEAD``; see ``exact``)."""

    items: list
    total: int
    exact: bool


@dataclass(frozen=True)
class CampaignFigures:
    """What the campaign page shows over every recipient."""

    progress: Progress
    #: People "resend to failed" would write to now.
    resendable: int
    #: People whose message failed and who may not be written to again.
    held_back: int
    #: The first ``HELD_BACK_SHOWN`` of them, by email (user ids).
    first_held_back: list[int]
    #: None before the campaign started.
    rates: dict[str, list[Rate]] | None
    #: None before the campaign started.
    never_answered: FirstOfList | None


def campaign_figures(campaign: Campaign, locale: str) -> CampaignFigures:
    """The campaign page's figures, computed once for every process (see above)."""
    newest_activity = db.session.scalar(sa.select(sa.func.max(Activity.id)))
    name = figure_store.key(
        "campaign",
        campaign.id,
        campaign.status,
        campaign.resend_count,
        campaign.updated_at,
        newest_activity,
        locale,
    )
    stored = figure_store.get_or_compute(
        name, lambda: _compute(campaign, locale), CHANGING_LIFETIME
    )
    return _read(stored)


def _compute(campaign: Campaign, locale: str) -> dict:
    progress = campaign_progress(campaign)
    failed = bool(progress.failed)
    started = campaign.started_at is not None
    return {
        "progress": [progress.recipients, progress.messages, progress.by_status, progress.answered],
        "resendable": resendable_count(campaign) if failed else 0,
        "held_back": held_back_count(campaign) if failed else 0,
        "first_held_back": held_back_ids(campaign, HELD_BACK_SHOWN) if failed else [],
        "rates": _rates_rows(response_rates(campaign, locale)) if started else None,
        "never_answered": _never_answered_rows(campaign) if started else None,
    }


def _rates_rows(rates: dict[str, list[Rate]]) -> dict[str, list]:
    return {
        kind: [[rate.label, rate.asked, rate.answered] for rate in lines]
        for kind, lines in rates.items()
    }


def _never_answered_rows(campaign: Campaign) -> dict:
    query = never_answered(campaign)
    counted = count_from(query, 0)
    rows = db.session.execute(
        query.with_only_columns(Signatory.slug, Signatory.name).limit(NEVER_ANSWERED_SHOWN)
    ).all()
    return {"items": [list(row) for row in rows], "total": counted.total, "exact": counted.exact}


def _read(stored: dict) -> CampaignFigures:
    rates = stored["rates"]
    never = stored["never_answered"]
    return CampaignFigures(
        progress=Progress(*stored["progress"]),
        resendable=stored["resendable"],
        held_back=stored["held_back"],
        first_held_back=stored["first_held_back"],
        rates=None
        if rates is None
        else {kind: [Rate(*line) for line in lines] for kind, lines in rates.items()},
        never_answered=None
        if never is None
        else FirstOfList([Named(*item) for item in never["items"]], never["total"], never["exact"]),
    )
