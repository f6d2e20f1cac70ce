"""Reminder planning: one weekly digest per person, listing every commitment to update."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from pact_tracker.campaigns import reminders, update_links
from pact_tracker.campaigns.models import OutboxMessage
from pact_tracker.campaigns.services import suppress_address
from pact_tracker.coalition.models import Membership
from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.core.types import utcnow

#: A Wednesday in ISO week 2026-W48.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def due_commitment(make_commitment):
    """``due_commitment(signatory, due_in_days)``: an approved commitment with that schedule."""

    def make(signatory, due_in_days: float, *, now: datetime = NOW, cadence: int = 6, **fields):
        due = now + timedelta(days=due_in_days)
        return make_commitment(
            signatory=signatory,
            status=CommitmentStatus.approved,
            cadence_months=cadence,
            report_due_at=due,
            inactive_at=due + timedelta(days=30 * cadence),
            **fields,
        )

    return make


def digests(db, user=None):
    statement = sa.select(OutboxMessage).where(OutboxMessage.template == "reminder_digest")
    if user is not None:
        statement = statement.where(OutboxMessage.user_id == user.id)
    return db.session.scalars(statement.order_by(OutboxMessage.id)).all()


def test_a_member_gets_one_digest_listing_all_commitments_that_need_an_update(
    db, make_signatory, make_user, due_commitment
):
    signatory = make_signatory(name="Cooperative Alpha")
    member = make_user(signatory=signatory, name="Ada")
    due_commitment(signatory, 10, title="Train forty apprentices")
    due_commitment(signatory, -0.25, title="Open two community kitchens")
    result = reminders.plan_reminders(NOW)
    assert result.planned == 1
    assert result.commitments == 2
    [message] = digests(db, member)
    assert message.idempotency_key == f"reminder:digest:2026-W48:{member.id}"
    assert message.subject == "2 commitments need a progress update"
    for body in (message.body_text, message.body_html):
        assert "Hello Ada," in body
        assert "Train forty apprentices" in body
        assert "Open two community kitchens" in body
        assert "Cooperative Alpha" in body
        assert "Report due" in body
        assert "Overdue" in body
    # One update link for the signatory, in both parts, recorded against this digest.
    tokens = {
        part: set(re.findall(r"/u/([A-Za-z0-9_-]{20,})", body))
        for part, body in (("text", message.body_text), ("html", message.body_html))
    }
    assert len(tokens["text"]) == 1
    assert tokens["text"] == tokens["html"]
    link = update_links.find_link(tokens["text"].pop())
    assert (link.user_id, link.signatory_id, link.outbox_message_id) == (
        member.id,
        signatory.id,
        message.id,
    )


def test_every_person_acting_for_the_signatory_gets_their_own_digest(
    db, make_signatory, make_user, due_commitment
):
    signatory = make_signatory()
    first, second = make_user(signatory=signatory), make_user(signatory=signatory)
    invited = make_user()
    db.session.add(Membership(user=invited, signatory=signatory, pending=True))
    outsider = make_user(signatory=make_signatory())
    due_commitment(signatory, 10)
    assert reminders.plan_reminders(NOW).planned == 2
    assert {m.user_id for m in digests(db)} == {first.id, second.id}
    assert not digests(db, invited)
    assert not digests(db, outsider)


def test_running_twice_in_a_week_queues_nothing_more_and_next_week_queues_again(
    db, make_signatory, make_user, due_commitment
):
    signatory = make_signatory()
    member = make_user(signatory=signatory)
    due_commitment(signatory, -1)
    assert reminders.plan_reminders(NOW).planned == 1
    again = reminders.plan_reminders(NOW + timedelta(hours=30))
    assert (again.planned, again.already_planned) == (0, 1)
    assert len(digests(db, member)) == 1
    # A week later it is six days overdue: the due-date reminder is still pending.
    next_week = reminders.plan_reminders(NOW + timedelta(days=7))
    assert next_week.planned == 1
    assert [m.idempotency_key for m in digests(db, member)] == [
        f"reminder:digest:2026-W48:{member.id}",
        f"reminder:digest:2026-W49:{member.id}",
    ]


def test_a_report_moves_the_due_date_and_ends_the_reminders(
    db, make_signatory, make_user, due_commitment
):
    signatory = make_signatory()
    member = make_user(signatory=signatory)
    commitment = due_commitment(signatory, -1)
    assert reminders.plan_reminders(NOW).planned == 1
    commitment.report_due_at = NOW + timedelta(days=180)
    commitment.inactive_at = NOW + timedelta(days=360)
    db.session.flush()
    assert reminders.plan_reminders(NOW + timedelta(days=7)).planned == 0
    assert len(digests(db, member)) == 1


def test_opted_out_deactivated_and_suppressed_people_get_nothing(
    db, make_signatory, make_user, due_commitment
):
    signatory = make_signatory()
    opted_out = make_user(signatory=signatory, reminders_opt_out=True)
    deactivated = make_user(signatory=signatory, active=False)
    suppressed = make_user(signatory=signatory)
    suppress_address(suppressed.email, "550 no such user")
    keen = make_user(signatory=signatory)
    due_commitment(signatory, 10)
    result = reminders.plan_reminders(NOW)
    assert (result.planned, result.suppressed) == (1, 1)
    assert [m.user_id for m in digests(db)] == [keen.id]
    for person in (opted_out, deactivated, suppressed):
        assert not digests(db, person)


def test_commitments_on_time_between_reminders_or_not_reporting_get_none(
    db, make_signatory, make_user, make_commitment, due_commitment
):
    signatory = make_signatory()
    member = make_user(signatory=signatory)
    due_commitment(signatory, 60)  # on time
    due_commitment(signatory, 15)  # on time, the reminder starts tomorrow
    due_commitment(signatory, 3)  # reminded 11 days ago; the next reminder is on the due date
    make_commitment(signatory=signatory, status=CommitmentStatus.draft)
    closed = due_commitment(signatory, 1)
    closed.status = CommitmentStatus.achieved
    db.session.flush()
    result = reminders.plan_reminders(NOW)
    assert (result.planned, result.commitments) == (0, 0)
    assert not digests(db, member)


def test_overdue_and_inactive_commitments_are_included(
    db, make_signatory, make_user, due_commitment
):
    signatory = make_signatory()
    member = make_user(signatory=signatory)
    overdue = due_commitment(signatory, -8, title="Eight days late")
    late = due_commitment(signatory, -33, title="A month late")
    inactive = due_commitment(signatory, -32, cadence=1, title="Gone quiet")
    inactive.inactive_at = NOW - timedelta(days=2)
    db.session.flush()
    between = due_commitment(signatory, -20, title="Between two reminders")
    assert reminders.plan_reminders(NOW).commitments == 3
    [message] = digests(db, member)
    for commitment in (overdue, late, inactive):
        assert commitment.title in message.body_text
    assert between.title not in message.body_text
    assert "Inactive" in message.body_text
    assert message.body_text.count("Overdue") == 2


def test_the_french_recipient_gets_french(db, make_signatory, make_user, due_commitment):
    signatory = make_signatory()
    french = make_user(signatory=signatory, name="Françoise", locale="fr")
    due_commitment(signatory, 10)
    reminders.plan_reminders(NOW)
    [message] = digests(db, french)
    assert message.locale == "fr"
    assert message.subject == "1 engagement attend un point d'avancement"
    assert "Bonjour Françoise," in message.body_text
    assert "Bonjour Françoise," in message.body_html
    assert '<html lang="fr">' in message.body_html


def test_the_worker_delivers_the_digest_and_its_link_reports_progress_without_signing_in(
    app, db, client, runner, make_signatory, make_user, due_commitment, smtp_sink
):
    signatory = make_signatory()
    member = make_user(signatory=signatory)
    commitment = due_commitment(signatory, 10, now=utcnow(), title="Plant a thousand trees")
    db.session.commit()
    result = runner.invoke(args=["pact", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "plan-reminders: planned 1," in result.output
    [received] = smtp_sink.wait_for(1)
    assert received.recipient == member.email
    assert "Plant a thousand trees" in received.text
    assert app.config["COALITION_NAME"] in received.text
    [url] = set(re.findall(r"https?://\S+/u/[A-Za-z0-9_-]+", received.text))
    assert f'href="{url}"' in received.html
    opened = client.get(urlsplit(url).path)
    assert opened.status_code == 302 and opened.headers["Location"] == "/u/"
    form = client.get(f"/u/commitments/{commitment.id}/progress")
    assert "Plant a thousand trees" in form.get_data(as_text=True)
    assert 'name="status"' in form.get_data(as_text=True)
    reported = client.post(
        f"/u/commitments/{commitment.id}/progress",
        data={"status": "on_track", "percent_complete": "30", "narrative": "Saplings ordered."},
    )
    assert reported.status_code == 302, reported.get_data(as_text=True)
    db.session.expire_all()
    [message] = digests(db, member)
    assert message.answered_at is not None
    again = runner.invoke(args=["pact", "worker", "--once"])
    assert "plan-reminders: planned 0" in again.output
    assert len(smtp_sink.received) == 1


def test_a_second_planner_never_plans_the_same_digest_again(
    app, db, make_signatory, make_user, due_commitment
):
    signatory = make_signatory()
    make_user(signatory=signatory)
    due_commitment(signatory, 10)
    if db.session.get_bind().dialect.name == "postgresql":
        # While another worker holds the advisory lock, this one plans nothing.
        lock = sa.select(sa.func.pg_try_advisory_xact_lock(reminders.ADVISORY_LOCK_KEY))
        with db.engine.connect() as other:
            assert other.scalar(lock) is True
            result = reminders.plan_reminders(NOW)
            assert result.locked is False
            assert str(result) == "another worker is planning"
            other.rollback()
    # SQLite serialises writers (BEGIN IMMEDIATE); on both, the week's key stops a repeat.
    assert reminders.plan_reminders(NOW).planned == 1
    again = reminders.plan_reminders(NOW)
    assert again.locked is True and again.planned == 0
    assert len(digests(db)) == 1


def test_the_period_is_the_iso_week():
    assert reminders.period_of(NOW) == "2026-W48"
    assert reminders.period_of(datetime(2027, 1, 1, tzinfo=UTC)) == "2026-W53"
    assert reminders.digest_key(NOW, 7) == "reminder:digest:2026-W48:7"
