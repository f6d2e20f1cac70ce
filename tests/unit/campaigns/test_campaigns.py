"""Campaigns: writing, the audience, the lifecycle, starting, finishing, resending, pausing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pact_tracker.campaigns.link_models import UpdateLink
from pact_tracker.campaigns.models import (
    CampaignRecipient,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
)
from pact_tracker.campaigns.services import audience, lift_suppression, suppress_address
from pact_tracker.campaigns.services import campaigns as service
from pact_tracker.coalition.models import Membership, SignatoryStatus
from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.core.activity import Activity
from pact_tracker.core.errors import InvalidInput, InvalidTransition
from pact_tracker.core.types import utcnow

BODY = "Hello {{ recipient_name }},\n\nPlease report for {{ signatory_name }}: <{{ update_url }}>"


def content(subject="Your progress report", body=BODY, **more_locales):
    contents = {"en": {"subject": subject, "body": body}}
    contents.update(more_locales)
    return contents


@pytest.fixture
def write(secretariat):
    """``write(**fields)``: a draft campaign by the secretariat."""

    def make(**fields):
        data = {"name": "Progress before the summit", "contents": content()}
        data.update(fields)
        return service.create_campaign(data, secretariat)

    return make


@pytest.fixture
def started(db, write, secretariat):
    """``started(**fields)``: a campaign scheduled now and started by the worker's tick."""

    def make(**fields):
        campaign = write(**fields)
        service.schedule_campaign(campaign, None, secretariat)
        assert service.start_due_campaigns(utcnow()) == 1
        db.session.refresh(campaign)
        return campaign

    return make


def messages(db, campaign):
    return db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.campaign_id == campaign.id)
        .order_by(OutboxMessage.id)
    ).all()


# Writing.


def test_a_template_error_names_the_field_and_writes_nothing(db, secretariat):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Activity))
    with pytest.raises(InvalidInput) as refused:
        service.create_campaign(
            {
                "name": " ",
                "contents": {
                    "en": {"subject": "Hi {{ recipient_nme }}", "body": "{% for x in %}"},
                    "fr": {"subject": "Bonjour", "body": ""},
                },
            },
            secretariat,
        )
    errors = refused.value.errors
    assert errors["name"] == ["required"]
    assert "recipient_nme" in errors["subject_en"][0]
    assert errors["body_en"][0].startswith("line 1:")
    assert errors["body_fr"] == ["required when the other one is written"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == before


def test_the_sandbox_refuses_to_reach_python_internals(secretariat):
    with pytest.raises(InvalidInput) as refused:
        service.create_campaign(
            {"name": "Sneaky", "contents": content(body="{{ recipient_name.__class__.__mro__ }}")},
            secretariat,
        )
    assert "body_en" in refused.value.errors


def test_the_default_language_must_be_written(secretariat):
    with pytest.raises(InvalidInput) as refused:
        service.create_campaign(
            {
                "name": "French only",
                "default_locale": "en",
                "contents": {"fr": {"subject": "Bonjour", "body": "Texte"}},
            },
            secretariat,
        )
    assert "subject_en" in refused.value.errors


def test_unknown_audience_values_are_refused_by_name(secretariat):
    with pytest.raises(InvalidInput) as refused:
        service.create_campaign(
            {
                "name": "Bad filters",
                "contents": content(),
                "audience": {"countries": ["ZZ"], "reporting_states": ["late"], "colour": ["red"]},
            },
            secretariat,
        )
    errors = refused.value.errors
    assert errors["audience.countries"] == ["unknown country: ZZ"]
    assert errors["audience.reporting_states"] == ["unknown reporting state: late"]
    assert errors["audience.colour"] == ["not a filter"]


# The audience.


def test_the_count_follows_the_filters_and_counts_unreachable_people_apart(
    db, make_signatory, make_user, make_commitment, make_programme
):
    programme = make_programme()
    french = make_signatory(country_code="FR")
    german = make_signatory(country_code="DE", organisation_type_code="committed_company")
    applied = make_signatory(status=SignatoryStatus.applied)
    make_commitment(signatory=french, programme=programme, status=CommitmentStatus.approved)
    make_commitment(signatory=german, status=CommitmentStatus.approved)
    reader = make_user(signatory=french)
    make_user(signatory=french, reminders_opt_out=True)
    bounced = make_user(signatory=german)
    suppress_address(bounced.email, "bounce: 550")
    make_user(signatory=german, active=False)
    make_user(signatory=applied)
    invited = make_user()
    db.session.add(Membership(user=invited, signatory=french, pending=True))
    db.session.flush()

    everyone = audience.count_audience({})
    assert (everyone.people, everyone.signatories, everyone.excluded) == (1, 1, 2)
    assert audience.count_audience({"countries": ["DE"]}).people == 0
    in_programme = audience.count_audience({"programme_ids": [programme.id]})
    assert (in_programme.people, in_programme.excluded) == (1, 1)
    pairs = db.session.execute(audience.audience_pairs({})).all()
    assert pairs == [(reader.id, french.id)]


# The lifecycle.


def test_starting_freezes_the_audience_into_one_message_per_person(
    db, make_signatory, make_user, started
):
    first, second = make_signatory(name="Alpha Coop"), make_signatory(name="Beta Coop")
    both = make_user(signatory=first, name="Ada")
    db.session.add(Membership(user=both, signatory=second))
    only_second = make_user(signatory=second, name="Bo", locale="fr")
    db.session.flush()
    campaign = started(
        contents=content(
            body="{% for s in signatories %}{{ s.name }}: <{{ s.update_url }}>\n{% endfor %}",
            fr={"subject": "Votre point d'avancement", "body": "Bonjour {{ recipient_name }}"},
        )
    )
    assert campaign.status == CampaignStatus.running and campaign.started_at is not None
    sent = {m.user_id: m for m in messages(db, campaign)}
    assert set(sent) == {both.id, only_second.id}
    assert sent[both.id].idempotency_key == f"campaign:{campaign.id}:{both.id}"
    assert "Alpha Coop" in sent[both.id].body_text and "Beta Coop" in sent[both.id].body_text
    assert sent[only_second.id].subject == "Votre point d'avancement"
    assert sent[only_second.id].locale == "fr"
    assert "Bonjour Bo" in sent[only_second.id].body_html
    links = db.session.scalars(
        sa.select(UpdateLink).where(UpdateLink.outbox_message_id == sent[both.id].id)
    ).all()
    assert {link.signatory_id for link in links} == {first.id, second.id}
    recipients = db.session.scalars(
        sa.select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
    ).all()
    assert len(recipients) == 3
    # Someone who joins afterwards is not added: the audience is frozen.
    make_user(signatory=first)
    with pytest.raises(InvalidTransition):
        service.update_campaign(campaign, {"audience": {"countries": ["DE"]}}, campaign.created_by)
    assert service.start_due_campaigns(utcnow()) == 0
    assert len(messages(db, campaign)) == 2


def test_a_campaign_scheduled_later_waits_for_its_time(db, make_signatory, make_user, write):
    make_user(signatory=make_signatory())
    campaign = write()
    later = utcnow() + timedelta(hours=2)
    service.schedule_campaign(campaign, later, campaign.created_by)
    assert service.start_due_campaigns(utcnow()) == 0
    assert campaign.status == CampaignStatus.scheduled
    assert service.start_due_campaigns(later) == 1
    assert campaign.status == CampaignStatus.running


def test_nobody_to_write_to_cannot_be_scheduled(db, write, secretariat):
    campaign = write(audience={"countries": ["IS"]})
    with pytest.raises(InvalidInput) as refused:
        service.schedule_campaign(campaign, None, secretariat)
    assert "audience" in refused.value.errors
    assert campaign.status == CampaignStatus.draft


def test_the_status_machine_refuses_what_it_does_not_allow(
    db, make_signatory, make_user, write, secretariat
):
    make_user(signatory=make_signatory())
    campaign = write()
    for step in (service.pause_campaign, service.resume_campaign, service.resend_failed):
        with pytest.raises(InvalidTransition):
            step(campaign, secretariat)
    service.cancel_campaign(campaign, secretariat)
    assert campaign.status == CampaignStatus.cancelled
    with pytest.raises(InvalidTransition):
        service.update_campaign(campaign, {"name": "Renamed"}, secretariat)
    with pytest.raises(InvalidTransition):
        service.schedule_campaign(campaign, None, secretariat)


def test_pause_holds_and_cancel_withdraws_the_unsent_messages(
    db, make_signatory, make_user, started, secretariat
):
    for _ in range(3):
        make_user(signatory=make_signatory())
    campaign = started()
    service.pause_campaign(campaign, secretariat, "Wrong date in the text")
    assert campaign.pause_reason == "Wrong date in the text"
    service.resume_campaign(campaign, secretariat)
    service.cancel_campaign(campaign, secretariat)
    assert {m.status for m in messages(db, campaign)} == {OutboxStatus.cancelled}
    links = db.session.scalars(
        sa.select(UpdateLink).where(
            UpdateLink.outbox_message_id.in_([m.id for m in messages(db, campaign)])
        )
    ).all()
    assert len(links) == 3 and all(link.revoked_at is not None for link in links)


def test_editing_a_paused_campaign_renders_its_unsent_messages_again(
    db, make_signatory, make_user, started, secretariat
):
    make_user(signatory=make_signatory(), name="Ada")
    campaign = started()
    [message] = messages(db, campaign)
    old_link = db.session.scalars(
        sa.select(UpdateLink).where(UpdateLink.outbox_message_id == message.id)
    ).one()
    message_id = message.message_id
    service.pause_campaign(campaign, secretariat)
    with pytest.raises(InvalidInput) as refused:
        service.update_campaign(campaign, {"audience": {"countries": ["DE"]}}, secretariat)
    assert refused.value.errors == {"audience": ["frozen since the campaign started"]}
    service.update_campaign(
        campaign, {"contents": content(subject="Corrected: your report")}, secretariat
    )
    db.session.refresh(message)
    db.session.refresh(old_link)
    assert message.subject == "Corrected: your report"
    assert message.message_id == message_id
    assert old_link.revoked_at is not None
    fresh = db.session.scalars(
        sa.select(UpdateLink).where(
            UpdateLink.outbox_message_id == message.id, UpdateLink.revoked_at.is_(None)
        )
    ).one()
    assert fresh.id != old_link.id


def test_a_campaign_finishes_when_nothing_is_left_to_send(db, make_signatory, make_user, started):
    make_user(signatory=make_signatory())
    campaign = started()
    assert service.finish_done_campaigns(utcnow()) == 0
    [message] = messages(db, campaign)
    message.status = OutboxStatus.sent
    db.session.flush()
    assert service.finish_done_campaigns(utcnow()) == 1
    assert campaign.status == CampaignStatus.finished and campaign.finished_at is not None


def test_resend_to_failed_writes_again_only_to_those_whose_message_failed(
    db, make_signatory, make_user, started, secretariat
):
    readers = [make_user(signatory=make_signatory()) for _ in range(3)]
    campaign = started()
    first, second, third = messages(db, campaign)
    first.status, second.status, third.status = (
        OutboxStatus.sent,
        OutboxStatus.failed,
        OutboxStatus.failed,
    )
    suppress_address(readers[2].email, "bounce: 550 5.1.1 no such user")
    db.session.flush()
    service.finish_done_campaigns(utcnow())
    assert service.resend_failed(campaign, secretariat) == 1
    assert campaign.status == CampaignStatus.running
    resent = messages(db, campaign)[-1]
    assert resent.user_id == readers[1].id
    assert resent.idempotency_key == f"campaign:{campaign.id}:{readers[1].id}:resend-1"
    assert resent.message_id != second.message_id
    recipient = db.session.scalars(
        sa.select(CampaignRecipient).where(CampaignRecipient.user_id == readers[1].id)
    ).one()
    assert recipient.outbox_message_id == resent.id
    assert db.session.get(OutboxMessage, second.id).status == OutboxStatus.failed


def test_a_recipient_counts_once_by_their_latest_message_after_a_resend(
    db, make_signatory, make_user, started, secretariat
):
    for _ in range(3):
        make_user(signatory=make_signatory())
    campaign = started()
    first, second, third = messages(db, campaign)
    first.status, second.status, third.status = (
        OutboxStatus.sent,
        OutboxStatus.sent,
        OutboxStatus.failed,
    )
    db.session.flush()
    progress = service.campaign_progress(campaign)
    assert (progress.recipients, progress.sent, progress.failed) == (3, 2, 1)
    assert service.resend_failed(campaign, secretariat) == 1
    progress = service.campaign_progress(campaign)
    assert (progress.recipients, progress.sent, progress.queued, progress.failed) == (3, 2, 1, 0)
    messages(db, campaign)[-1].status = OutboxStatus.sent
    db.session.flush()
    progress = service.campaign_progress(campaign)
    assert (progress.recipients, progress.messages) == (3, 4)
    assert (progress.sent, progress.queued, progress.failed, progress.done) == (3, 0, 0, 3)
    assert progress.by_status == {"sent": 3}
    assert service.campaigns_progress([campaign.id])[campaign.id] == progress


def test_a_failure_a_resend_replaced_no_longer_counts_towards_pausing(
    app, db, make_signatory, make_user, started, secretariat
):
    for _ in range(2):
        make_user(signatory=make_signatory())
    campaign = started()
    first, second = messages(db, campaign)
    first.status, second.status = OutboxStatus.failed, OutboxStatus.sent
    db.session.flush()
    service.resend_failed(campaign, secretariat)
    messages(db, campaign)[-1].status = OutboxStatus.failed
    db.session.flush()
    app.config.update(CAMPAIGN_PAUSE_MIN_FAILURES=2, CAMPAIGN_PAUSE_FAILURE_RATE=0.5)
    try:
        assert service.note_failures(campaign.id) is False
    finally:
        app.config.pop("CAMPAIGN_PAUSE_MIN_FAILURES")
        app.config.pop("CAMPAIGN_PAUSE_FAILURE_RATE")
    assert campaign.status == CampaignStatus.running


def test_resending_when_every_failed_address_is_suppressed_says_why_until_it_is_lifted(
    db, make_signatory, make_user, started, secretariat
):
    make_user(signatory=make_signatory())
    bounced = make_user(signatory=make_signatory(), email="gone@example.org")
    campaign = started()
    sent, failed = messages(db, campaign)
    assert failed.to_address == bounced.email
    sent.status, failed.status = OutboxStatus.sent, OutboxStatus.failed
    suppress_address(bounced.email, "bounce: 550 5.1.1 no such user")
    db.session.flush()
    with pytest.raises(InvalidInput) as refused:
        service.resend_failed(campaign, secretariat)
    [why] = refused.value.errors["recipients"]
    assert why.startswith("gone@example.org: the address is suppressed since ")
    assert why.endswith("(bounce: 550 5.1.1 no such user)")
    assert campaign.resend_count == 0 and len(messages(db, campaign)) == 2
    [held] = service.held_back(campaign)
    assert (held.user, held.reason) == (bounced, "suppressed")
    assert held.suppression.reason == "bounce: 550 5.1.1 no such user"
    assert service.resendable_count(campaign) == 0

    lift_suppression(held.suppression, secretariat)
    assert service.held_back(campaign) == [] and service.resendable_count(campaign) == 1
    assert service.resend_failed(campaign, secretariat) == 1
    assert messages(db, campaign)[-1].to_address == "gone@example.org"


def test_a_message_skipped_for_a_suppressed_address_is_resent_once_it_is_lifted(
    db, make_signatory, make_user, started, secretariat
):
    reader = make_user(signatory=make_signatory())
    campaign = started()
    [message] = messages(db, campaign)
    message.status = OutboxStatus.suppressed
    db.session.flush()
    assert service.campaign_progress(campaign).failed == 1
    assert service.resend_failed(campaign, secretariat) == 1
    assert messages(db, campaign)[-1].user_id == reader.id


def test_a_scheduled_campaign_can_be_paused_and_resumed_to_scheduled(
    db, make_signatory, make_user, write, secretariat
):
    make_user(signatory=make_signatory(country_code="FR"))
    make_user(signatory=make_signatory(country_code="BE"))
    campaign = write()
    later = utcnow() + timedelta(hours=2)
    service.schedule_campaign(campaign, later, secretariat)
    service.pause_campaign(campaign, secretariat, "waiting for the programme's figures")
    assert campaign.status == CampaignStatus.paused
    assert campaign.pause_reason == "waiting for the programme's figures"
    assert service.start_due_campaigns(later) == 0
    # Not started: its audience is not frozen yet.
    service.update_campaign(campaign, {"audience": {"countries": ["BE"]}}, secretariat)
    service.resume_campaign(campaign, secretariat)
    assert campaign.status == CampaignStatus.scheduled and campaign.pause_reason is None
    assert campaign.scheduled_at == later
    assert service.start_due_campaigns(later) == 1
    assert campaign.status == CampaignStatus.running
    assert len(messages(db, campaign)) == 1
    service.pause_campaign(campaign, secretariat)
    service.resume_campaign(campaign, secretariat)
    assert campaign.status == CampaignStatus.running


def test_too_many_permanent_failures_pause_the_campaign_and_alert_the_secretariat(
    app, db, make_signatory, make_user, started, secretariat
):
    for _ in range(4):
        make_user(signatory=make_signatory())
    campaign = started()
    rows = messages(db, campaign)
    app.config.update(CAMPAIGN_PAUSE_MIN_FAILURES=2, CAMPAIGN_PAUSE_FAILURE_RATE=0.5)
    try:
        rows[0].status, rows[1].status = OutboxStatus.sent, OutboxStatus.failed
        db.session.flush()
        assert service.note_failures(campaign.id) is False
        rows[2].status = OutboxStatus.failed
        db.session.flush()
        assert service.note_failures(campaign.id) is True
    finally:
        app.config.pop("CAMPAIGN_PAUSE_MIN_FAILURES")
        app.config.pop("CAMPAIGN_PAUSE_FAILURE_RATE")
    assert campaign.status == CampaignStatus.paused
    assert campaign.pause_reason == "paused by itself: 2 messages failed for good out of 3"
    alert = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.template == "alert_campaign_paused",
            OutboxMessage.user_id == secretariat.id,
        )
    ).one()
    assert campaign.name in alert.subject
    assert f"/admin/campaigns/{campaign.id}" in alert.body_text


# Trying it out, and what happened.


def test_preview_and_test_send_issue_no_link_and_count_for_nothing(
    db, make_signatory, make_user, write, secretariat
):
    reader = make_user(signatory=make_signatory(name="Gamma Coop"), name="Gus")
    campaign = write()
    shown = service.preview(campaign, reader)
    assert shown.subject == "Your progress report"
    assert "Hello Gus," in shown.text and "Gamma Coop" in shown.text
    assert "/u/preview" in shown.html
    test = service.send_test(campaign, secretariat, as_user=reader)
    assert test.to_address == secretariat.email and test.campaign_id is None
    assert test.subject == "[Test] Your progress report"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UpdateLink)) == 0
    assert service.campaign_progress(campaign).messages == 0


def test_progress_and_response_rates_count_answers_per_signatory(
    db, make_signatory, make_user, make_commitment, started
):
    answering = make_signatory(name="Answering Coop")
    quiet = make_signatory(name="Quiet Ltd", organisation_type_code="committed_company")
    make_commitment(signatory=answering, status=CommitmentStatus.approved)
    make_commitment(signatory=quiet, status=CommitmentStatus.approved)
    make_user(signatory=answering)
    make_user(signatory=quiet)
    campaign = started()
    recipient = db.session.scalars(
        sa.select(CampaignRecipient).where(CampaignRecipient.signatory_id == answering.id)
    ).one()
    recipient.answered_at = utcnow()
    db.session.flush()
    progress = service.campaign_progress(campaign)
    assert (progress.recipients, progress.messages, progress.queued, progress.answered) == (
        2,
        2,
        2,
        1,
    )
    rates = service.response_rates(campaign, "en")
    [overall] = rates["overall"]
    assert (overall.asked, overall.answered, overall.rate) == (2, 1, 0.5)
    by_type = {rate.label: (rate.asked, rate.answered) for rate in rates["organisation_type"]}
    assert by_type == {"Cooperative": (1, 1), "Committed company": (1, 0)}
    assert sum(rate.asked for rate in rates["programme"]) == 2
    never = db.session.scalars(service.never_answered(campaign)).all()
    assert [s.name for s in never] == ["Quiet Ltd"]
