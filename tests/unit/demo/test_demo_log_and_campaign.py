"""The demo's activity log (as long as its history) and its campaign before the autumn summit."""

from datetime import timedelta

import sqlalchemy as sa

from pact_tracker.campaigns.link_models import UpdateLink
from pact_tracker.campaigns.models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    OutboxMessage,
    Suppression,
)
from pact_tracker.coalition.models import Membership, Signatory, SignatoryStatus, User
from pact_tracker.commitments.models import Commitment, ProgressUpdate, StatusChange
from pact_tracker.commitments.services.smart import smart_check
from pact_tracker.core.activity import Activity
from pact_tracker.demo import campaigns, load_demo


def _count(db, model, *conditions) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))


def test_every_report_is_logged_by_its_author_when_it_was_recorded(db, loaded):
    logged = {
        entry.subject_id: entry
        for entry in db.session.scalars(
            sa.select(Activity).where(Activity.subject_type == "progress_update")
        )
    }
    updates = db.session.execute(
        sa.select(ProgressUpdate, Commitment.signatory_id).join(Commitment)
    ).all()
    assert len(updates) == len(logged) > 0
    for update, signatory_id in updates:
        entry = logged[update.id]
        corrected = update.supersedes_id is not None
        assert entry.action == ("progress.corrected" if corrected else "progress.reported")
        assert (entry.actor_id, entry.occurred_at) == (update.author_id, update.recorded_at)
        assert entry.signatory_id == signatory_id
        assert entry.payload == {"commitment_id": update.commitment_id, "source": update.source}


def test_every_status_change_of_a_commitment_is_logged_with_its_move(db, loaded):
    changes = db.session.scalars(sa.select(StatusChange)).all()
    logged = db.session.scalars(
        sa.select(Activity).where(Activity.subject_type == "commitment")
    ).all()
    assert len(logged) == len(changes) == loaded["commitment_status_change"]
    moves = {(e.subject_id, e.occurred_at): e for e in logged}
    for change in changes:
        entry = moves[(change.commitment_id, change.changed_at)]
        if change.from_status is None:
            assert entry.action == "commitment.created"
        else:
            assert entry.action == f"commitment.status.{change.to_status}"
            assert (entry.payload["from"], entry.payload["to"]) == (
                change.from_status,
                change.to_status,
            )
        assert entry.actor_id == change.actor_id


def test_every_signatory_has_its_application_logged_and_its_decision(db, loaded):
    for signatory in db.session.scalars(sa.select(Signatory)):
        actions = set(
            db.session.scalars(
                sa.select(Activity.action).where(
                    Activity.subject_type == "signatory", Activity.subject_id == signatory.id
                )
            )
        )
        assert "signatory.applied" in actions
        if signatory.status != SignatoryStatus.applied:
            assert f"signatory.{signatory.status}" in actions


def test_the_campaign_reached_every_member_of_an_approved_signatory(db, loaded):
    campaign = db.session.scalar(sa.select(Campaign))
    assert campaign.status == CampaignStatus.finished
    assert campaign.started_at == campaigns.STARTED_AT
    recipients = db.session.scalars(sa.select(CampaignRecipient)).all()
    reachable = db.session.execute(
        sa.select(Membership.user_id, Membership.signatory_id)
        .join(Signatory)
        .join(User, User.id == Membership.user_id)
        .where(Signatory.status == SignatoryStatus.approved, User.reminders_opt_out.is_(False))
    ).all()
    assert {(r.user_id, r.signatory_id) for r in recipients} == set(reachable)
    assert len(recipients) == loaded["campaign_recipient"]
    assert _count(db, UpdateLink) == len(recipients)
    assert _count(db, OutboxMessage, OutboxMessage.status.in_(("queued", "retry"))) == 0


def test_bounced_addresses_are_suppressed_and_never_answered(db, loaded):
    failed = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == "failed")
    ).all()
    suppressed = {s.address: s.reason for s in db.session.scalars(sa.select(Suppression))}
    for message in failed:
        assert suppressed[message.to_address.lower()].startswith("bounce: 550")
        assert message.answered_at is None
    assert len(suppressed) == len(failed) + sum(
        reason == "unsubscribed" for reason in suppressed.values()
    )


def test_a_recipient_answered_when_its_member_reported_within_the_links_life(db, loaded):
    window_end = campaigns.STARTED_AT + timedelta(days=campaigns.LINK_VALID_DAYS)
    answered = 0
    for recipient in db.session.scalars(sa.select(CampaignRecipient)):
        reports = db.session.scalars(
            sa.select(ProgressUpdate.recorded_at)
            .join(Commitment)
            .where(
                Commitment.signatory_id == recipient.signatory_id,
                ProgressUpdate.author_id == recipient.user_id,
                ProgressUpdate.recorded_at >= campaigns.STARTED_AT,
                ProgressUpdate.recorded_at < window_end,
            )
        ).all()
        delivered = recipient.outbox_message.status == "sent"
        assert recipient.answered_at == (min(reports) if reports and delivered else None)
        answered += recipient.answered_at is not None
    assert answered > 0


def test_without_events_the_demo_sends_no_campaign(db, tiny):
    totals = load_demo(tiny, seed=7, password_hash="x", with_events=False)

    assert "campaign" not in totals
    assert _count(db, Campaign) == 0
    assert totals["activity"] > totals["progress_update"]


def test_every_commitment_the_review_queue_may_list_keeps_its_smart_score(db, loaded):
    reviewable = db.session.scalars(
        sa.select(Commitment).where(
            Commitment.status.in_(("draft", "changes_requested", "submitted"))
        )
    ).all()
    assert reviewable
    for commitment in reviewable:
        report = smart_check(commitment)
        assert (commitment.smart_score, commitment.smart_passed) == (report.score, report.passed)
