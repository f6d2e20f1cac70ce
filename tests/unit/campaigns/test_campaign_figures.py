"""A campaign's page reuses its figures for a while, and shows fresh ones once it is acted on."""

import pytest
import sqlalchemy as sa

from pact_tracker.campaigns.models import CampaignRecipient
from pact_tracker.campaigns.services import analytics
from pact_tracker.campaigns.services import campaigns as service
from pact_tracker.core.types import utcnow


@pytest.fixture
def campaign(db, make_signatory, make_user, secretariat):
    """A campaign started to two signatories, nobody having answered yet."""
    for name in ("Answering Coop", "Quiet Ltd"):
        make_user(signatory=make_signatory(name=name))
    campaign = service.create_campaign(
        {
            "name": "Progress call",
            "contents": {"en": {"subject": "Your progress", "body": "Hello"}},
        },
        secretariat,
    )
    service.schedule_campaign(campaign, None, secretariat)
    service.start_campaign(campaign, utcnow())
    return campaign


def _answer(db, campaign, signatory_name: str) -> None:
    recipients = db.session.scalars(
        sa.select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
    ).all()
    [answering] = [r for r in recipients if r.signatory.name == signatory_name]
    answering.answered_at = utcnow()
    db.session.flush()


def _figures(campaign) -> tuple:
    progress = analytics.recent_campaign_progress(campaign)
    [overall] = analytics.recent_response_rates(campaign, "en")["overall"]
    never = analytics.recent_never_answered(campaign)
    return progress.answered, overall.answered, [named.name for named in never.items]


def test_the_figures_are_reused_until_the_campaign_is_acted_on(
    db, shared_cache, campaign, secretariat
):
    before = _figures(campaign)
    assert before == (0, 0, ["Answering Coop", "Quiet Ltd"])
    _answer(db, campaign, "Answering Coop")

    assert _figures(campaign) == before  # reused: not recounted per view

    service.pause_campaign(campaign, secretariat)
    assert _figures(campaign) == (1, 1, ["Quiet Ltd"])


def test_without_the_shared_cache_every_view_counts_afresh(db, campaign):
    assert _figures(campaign) == (0, 0, ["Answering Coop", "Quiet Ltd"])
    _answer(db, campaign, "Answering Coop")
    assert _figures(campaign) == (1, 1, ["Quiet Ltd"])
