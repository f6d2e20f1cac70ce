"""``flask pact campaign``: list, show and the lifecycle steps, as the system or ``--as``."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from pact_tracker.campaigns.models import CampaignStatus, OutboxMessage, OutboxStatus
from pact_tracker.campaigns.services import campaigns as service
from pact_tracker.coalition.models import Role
from pact_tracker.core.activity import Activity
from pact_tracker.core.types import utcnow

BODY = "Hello {{ recipient_name }}, report for {{ signatory_name }}: <{{ update_url }}>"


@pytest.fixture
def people(db, make_signatory, make_user):
    lyon = make_signatory(name="Coop Lyon")
    return {
        "member": make_user(signatory=lyon, name="Mia Member"),
        "secretariat": make_user(role=Role.secretariat, name="Sam Secretariat"),
        "organiser": make_user(role=Role.organiser, name="Olly Organiser"),
    }


@pytest.fixture
def write(db, people):
    def make(name="Spring call", **fields):
        data = {"name": name, "contents": {"en": {"subject": "Your progress", "body": BODY}}}
        data.update(fields)
        campaign = service.create_campaign(data, people["secretariat"])
        db.session.commit()
        return campaign

    return make


@pytest.fixture
def running(db, write):
    campaign = write()
    service.schedule_campaign(campaign, None, None)
    assert service.start_due_campaigns(utcnow()) == 1
    db.session.commit()
    return campaign


def _actions(db, campaign) -> list[tuple[str, int | None]]:
    return db.session.execute(
        sa.select(Activity.action, Activity.actor_id)
        .where(Activity.subject_type == "campaign", Activity.subject_id == campaign.id)
        .order_by(Activity.id)
    ).all()


def test_list_shows_campaigns_newest_first_and_filters_by_status(db, pact, write, people):
    first, second = write("Spring call"), write("Autumn call")
    service.schedule_campaign(second, datetime(2030, 1, 6, 8, 0, tzinfo=UTC), None)
    db.session.commit()

    result = pact("campaign", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == [str(second.id), str(first.id)]
    assert "scheduled" in lines[0] and "2030-01-06 08:00 UTC" in lines[0]
    assert lines[0].endswith("Autumn call") and lines[1].endswith("Spring call")

    drafts = pact("campaign", "list", "--status", "draft")
    assert drafts.output.splitlines()[0].endswith("Spring call")
    assert len(drafts.output.splitlines()) == 1
    assert pact("campaign", "list", "--status", "finished").output == "No finished campaign.\n"
    bad = pact("campaign", "list", "--status", "sunk")
    assert bad.exit_code == 2
    assert "'sunk' is not one of" in bad.output


def test_list_without_campaigns_says_so(db, pact):
    result = pact("campaign", "list")
    assert (result.exit_code, result.output) == (0, "No campaign.\n")


def test_show_gives_the_settings_and_the_messages(db, pact, running):
    result = pact("campaign", "show", str(running.id))
    assert result.exit_code == 0, result.output
    assert f"Campaign {running.id}: Spring call" in result.output
    assert "Status: running" in result.output
    assert "Audience: everyone" in result.output
    assert "Languages: en (default en)" in result.output
    assert "Recipients: 1, answered: 0" in result.output
    assert "Messages: 1 (queued 1, sent 0, failed 0)" in result.output


@pytest.mark.parametrize("campaign_id", ["999999", "0", "-3", str(2**40)])
def test_an_unknown_id_is_an_error(db, pact, campaign_id):
    for command in ("show", "schedule", "pause", "resume", "cancel", "resend-failed"):
        result = pact("campaign", command, "--", campaign_id)
        assert result.exit_code == 1, (command, result.output)
        assert f"No campaign has the id {campaign_id}." in result.output


def test_a_non_number_id_is_a_usage_error(db, pact):
    result = pact("campaign", "show", "spring")
    assert result.exit_code == 2
    assert "'spring' is not a valid integer" in result.output


def test_schedule_at_a_time_with_an_offset_as_the_system(db, pact, write):
    campaign = write()
    result = pact("campaign", "schedule", str(campaign.id), "--at", "2030-01-06T09:00+01:00")
    assert result.exit_code == 0, result.output
    assert result.output == f"Campaign {campaign.id} scheduled for 2030-01-06 08:00 UTC.\n"
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.scheduled
    assert campaign.scheduled_at == datetime(2030, 1, 6, 8, 0, tzinfo=UTC)
    assert _actions(db, campaign)[-1] == ("campaign.scheduled", None)


def test_schedule_now_as_a_secretariat_member(db, pact, write, people):
    campaign = write()
    before = utcnow()
    result = pact("campaign", "schedule", str(campaign.id), "--as", people["secretariat"].email)
    assert result.exit_code == 0, result.output
    db.session.refresh(campaign)
    assert before <= campaign.scheduled_at <= utcnow()
    assert _actions(db, campaign)[-1] == ("campaign.scheduled", people["secretariat"].id)


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2030-01-06T09:00", "has no offset"),
        ("next monday", "is not an ISO 8601 date and time"),
        ("2030-13-06T09:00Z", "is not an ISO 8601 date and time"),
    ],
)
def test_schedule_refuses_a_bad_time_and_writes_nothing(db, pact, write, at, message):
    campaign = write()
    result = pact("campaign", "schedule", str(campaign.id), "--at", at)
    assert result.exit_code == 2
    assert message in result.output
    db.session.refresh(campaign)
    assert (campaign.status, campaign.scheduled_at) == (CampaignStatus.draft, None)


def test_schedule_refuses_a_campaign_to_nobody_naming_the_field(db, pact, write):
    campaign = write(audience={"organisation_types": ["state"]})
    result = pact("campaign", "schedule", str(campaign.id))
    assert result.exit_code == 1
    assert "Nobody would receive this campaign" in result.output
    assert "audience: nobody to write to" in result.output
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.draft


def test_as_must_name_an_active_secretariat_member(db, pact, write, people):
    campaign = write()
    for email, message in (
        ("nobody@example.org", "no user has the address 'nobody@example.org'"),
        (people["organiser"].email, "may not manage campaigns"),
        (people["member"].email, "may not manage campaigns"),
    ):
        result = pact("campaign", "schedule", str(campaign.id), "--as", email)
        assert result.exit_code == 1, email
        assert message in result.output
    people["secretariat"].active = False
    db.session.commit()
    closed = pact("campaign", "cancel", str(campaign.id), "--as", people["secretariat"].email)
    assert closed.exit_code == 1
    assert "may not manage campaigns" in closed.output
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.draft


def test_pause_resume_cancel_a_running_campaign(db, pact, running, people):
    campaign_id = str(running.id)
    paused = pact("campaign", "pause", campaign_id, "--reason", "a typo in the body")
    assert (paused.exit_code, paused.output) == (0, f"Campaign {running.id} paused.\n")
    db.session.refresh(running)
    assert (running.status, running.pause_reason) == (CampaignStatus.paused, "a typo in the body")

    twice = pact("campaign", "pause", campaign_id)
    assert twice.exit_code == 1
    assert "A paused campaign cannot become paused." in twice.output

    resumed = pact("campaign", "resume", campaign_id, "--as", people["secretariat"].email)
    assert resumed.exit_code == 0, resumed.output
    db.session.refresh(running)
    assert running.status == CampaignStatus.running

    cancelled = pact("campaign", "cancel", campaign_id)
    assert cancelled.exit_code == 0, cancelled.output
    assert cancelled.output == f"Campaign {running.id} cancelled; 1 unsent message(s) withdrawn.\n"
    db.session.refresh(running)
    assert running.status == CampaignStatus.cancelled
    assert _actions(db, running)[-3:] == [
        ("campaign.paused", None),
        ("campaign.running", people["secretariat"].id),
        ("campaign.cancelled", None),
    ]
    again = pact("campaign", "resume", campaign_id)
    assert again.exit_code == 1
    assert "A cancelled campaign cannot become running." in again.output


def test_a_draft_cannot_be_paused_or_resent(db, pact, write):
    campaign = write()
    paused = pact("campaign", "pause", str(campaign.id))
    assert paused.exit_code == 1
    assert "A draft campaign cannot become paused." in paused.output
    resent = pact("campaign", "resend-failed", str(campaign.id))
    assert resent.exit_code == 1
    assert "A draft campaign has nothing to resend." in resent.output


def test_resend_failed_queues_again_only_when_something_failed(db, pact, running):
    nothing = pact("campaign", "resend-failed", str(running.id))
    assert nothing.exit_code == 1
    assert "nothing to resend" in nothing.output

    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.campaign_id == running.id)
    )
    message.status = OutboxStatus.failed
    db.session.commit()
    result = pact("campaign", "resend-failed", str(running.id))
    assert result.exit_code == 0, result.output
    assert result.output == f"Campaign {running.id}: 1 message(s) queued again.\n"
    statuses = db.session.scalars(
        sa.select(OutboxMessage.status)
        .where(OutboxMessage.campaign_id == running.id)
        .order_by(OutboxMessage.id)
    ).all()
    assert statuses == [OutboxStatus.failed, OutboxStatus.queued]
    db.session.refresh(running)
    assert running.resend_count == 1


def test_pause_refuses_a_reason_too_long(db, pact, running):
    result = pact("campaign", "pause", str(running.id), "--reason", "x" * 501)
    assert result.exit_code == 2
    assert "at most 500 characters" in result.output
    db.session.refresh(running)
    assert running.status == CampaignStatus.running
