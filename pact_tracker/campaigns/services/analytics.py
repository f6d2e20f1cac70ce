"""A campaign's figures as its page shows them: reused for a while, not recounted per view.

Each is a pass over every recipient (by programme, over every asked
signatory's commitments): on a campaign to 20,000 people, about 45 ms for the
progress, as much for those who never answered, and 500 ms for the response
rates, on every view (PostgreSQL, on a busy machine). They move only as
messages go out and people answer, so the page may show them a minute late
(``core.caching``); while the campaign runs its script polls the live
progress. The key holds the campaign's status and resend count, so that the
page shows fresh figures right after the secretariat acts on the campaign.
"""

from dataclasses import dataclass

from pact_tracker.campaigns.models import Campaign
from pact_tracker.campaigns.services.campaigns import (
    Progress,
    Rate,
    campaign_progress,
    never_answered,
    response_rates,
)
from pact_tracker.coalition.models import Signatory
from pact_tracker.core.caching import recent
from pact_tracker.core.pagination import count_from
from pact_tracker.extensions import db


def _figures_key(name: str, campaign: Campaign, *extra) -> tuple:
    return (name, campaign.id, str(campaign.status), campaign.resend_count, *extra)


def recent_campaign_progress(campaign: Campaign) -> Progress:
    """``campaign_progress`` as the campaign page shows it (see above)."""
    return recent(_figures_key("progress", campaign), lambda: campaign_progress(campaign))


def recent_response_rates(campaign: Campaign, locale: str) -> dict[str, list[Rate]]:
    """``response_rates`` as the campaign page shows it (see above)."""
    return recent(
        _figures_key("response-rates", campaign, locale),
        lambda: response_rates(campaign, locale),
    )


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


def recent_never_answered(campaign: Campaign, limit: int = 10) -> FirstOfList:
    """The first signatories (by name) that ``never_answered``, and their number (see above)."""

    def first() -> FirstOfList:
        query = never_answered(campaign)
        counted = count_from(query, 0)
        rows = db.session.execute(
            query.with_only_columns(Signatory.slug, Signatory.name).limit(limit)
        ).all()
        return FirstOfList([Named(slug, name) for slug, name in rows], counted.total, counted.exact)

    return recent(_figures_key("never-answered", campaign, limit), first)
