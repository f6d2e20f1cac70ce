"""A campaign's page reuses its figures between views, and shows fresh ones once it is acted on."""

import pytest
import sqlalchemy as sa

from pact_tracker.campaigns.models import CampaignRecipient
from pact_tracker.campaigns.services import analytics
from pact_tracker.campaigns.services import campaigns as service
from pact_tracker.core import activity
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
    figures = analytics.campaign_figures(campaign, "en")
    [overall] = figures.rates["overall"]
    names = [named.name for named in figures.never_answered.items]
    return figures.progress.answered, overall.answered, names


def test_the_figures_are_reused_until_the_campaign_is_acted_on(db, campaign, secretariat):
    before = _figures(campaign)
    assert before == (0, 0, ["Answering Coop", "Quiet Ltd"])
    # Written behind the services' back: nothing marks the change.
    _answer(db, campaign, "Answering Coop")

    assert _figures(campaign) == before  # reused: not recounted per view

    service.pause_campaign(campaign, secretariat)
    assert _figures(campaign) == (1, 1, ["Quiet Ltd"])


def test_any_activity_of_the_coalition_gives_fresh_figures(db, campaign, secretariat):
    assert _figures(campaign) == (0, 0, ["Answering Coop", "Quiet Ltd"])
    _answer(db, campaign, "Answering Coop")
    # A progress report answering the campaign records one, as does a suppression lifted.
    activity.record("progress.reported", campaign, actor=secretariat)
    db.session.flush()

    assert _figures(campaign) == (1, 1, ["Quiet Ltd"])


def test_the_figures_are_shown_in_the_language_of_the_page(db, campaign):
    english = analytics.campaign_figures(campaign, "en").rates["organisation_type"]
    french = analytics.campaign_figures(campaign, "fr").rates["organisation_type"]
    assert [rate.label for rate in english] == ["Cooperative"]
    assert [rate.label for rate in french] == ["Coopérative"]
