"""The dispatcher against a real SMTP server: once per row, same Message-ID, retries, bounces."""

from datetime import timedelta

import sqlalchemy as sa
from smtp_sink import SmtpSink, free_port, point_mail_at

from pact_tracker.campaigns.dispatcher import backoff, claim_due, dispatch_outbox
from pact_tracker.campaigns.models import OutboxMessage, OutboxStatus
from pact_tracker.campaigns.services import is_suppressed
from pact_tracker.core.types import utcnow


def later(**delta):
    """A clock that many minutes/hours ahead, for rows whose retry is not due yet."""
    return lambda: utcnow() + timedelta(**delta)


def _reload(db, message):
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def test_each_row_is_delivered_exactly_once_with_its_message_id(db, make_user, queue, smtp_sink):
    users = [make_user(locale=locale) for locale in ("en", "fr", "en")]
    messages = [queue(user, f"once-{user.id}") for user in users]
    first = dispatch_outbox()
    again = dispatch_outbox()
    assert (first.sent, again.claimed) == (3, 0)
    received = smtp_sink.wait_for(3)
    assert sorted(r.recipient for r in received) == sorted(u.email for u in users)
    for message, user in zip(messages, users, strict=True):
        (mail,) = smtp_sink.to(user.email)
        row = _reload(db, message)
        assert mail.message_id == row.message_id
        assert mail.message["Subject"] == row.subject
        assert mail.message["Auto-Submitted"] == "auto-generated"
        assert "sign-in/link/once-" in mail.text and "sign-in/link/once-" in mail.html
        assert row.status == OutboxStatus.sent and row.attempts == 1
        assert row.sent_at is not None and row.lease_expires_at is None
        assert row.last_reply.startswith("250 2.0.0 Ok: queued as M")
    french = smtp_sink.to(users[1].email)[0]
    assert french.message["Subject"] == "Votre lien de connexion"
    assert "Bonjour" in french.text


def test_a_451_is_retried_later_with_the_same_message_id(db, make_user, queue, smtp_sink):
    user = make_user()
    message = queue(user, "greylisted")
    smtp_sink.refuse(user.email, "451 4.7.1 Greylisted, try again later")
    result = dispatch_outbox()
    row = _reload(db, message)
    assert (result.retried, result.sent) == (1, 0)
    assert row.status == OutboxStatus.retry and row.attempts == 1
    assert row.last_reply == "451 4.7.1 Greylisted, try again later"
    assert row.next_attempt_at > utcnow() + backoff(1) - timedelta(seconds=5)
    assert smtp_sink.received == []
    assert dispatch_outbox().claimed == 0  # not due yet
    assert dispatch_outbox(clock=later(minutes=2)).sent == 1
    (mail,) = smtp_sink.wait_for(1)
    row = _reload(db, message)
    assert mail.message_id == row.message_id
    assert row.status == OutboxStatus.sent and row.attempts == 2


def test_a_550_fails_suppresses_the_address_and_the_others_still_go(
    db, make_user, queue, smtp_sink
):
    gone, fine = make_user(), make_user()
    bounced = queue(gone, "bounce-1")
    delivered = queue(fine, "bounce-2")
    smtp_sink.refuse(gone.email, "550 5.1.1 No such user")
    result = dispatch_outbox()
    assert (result.failed, result.sent) == (1, 1)
    assert _reload(db, bounced).status == OutboxStatus.failed
    assert _reload(db, bounced).last_reply == "550 5.1.1 No such user"
    assert _reload(db, delivered).status == OutboxStatus.sent
    assert is_suppressed(gone.email) and not is_suppressed(fine.email)
    assert [r.recipient for r in smtp_sink.received] == [fine.email]
    assert queue(gone, "bounce-3") is None


def test_a_row_queued_before_the_address_was_suppressed_is_not_sent(
    db, make_user, queue, smtp_sink
):
    user = make_user()
    first, second = queue(user, "before-1"), queue(user, "before-2")
    smtp_sink.refuse(user.email, "550 5.1.1 No such user")
    result = dispatch_outbox()
    assert (result.failed, result.suppressed) == (1, 1)
    assert _reload(db, first).status == OutboxStatus.failed
    assert _reload(db, second).status == OutboxStatus.suppressed
    assert smtp_sink.received == []


def test_a_dead_server_leaves_every_row_for_a_retry(app, db, make_user, queue, mail_config):
    point_mail_at(app, free_port())  # nothing listens there
    messages = [queue(make_user(), f"dead-{n}") for n in range(3)]
    result = dispatch_outbox()
    assert result.unreachable and result.retried == 3 and result.sent == 0
    for message in messages:
        row = _reload(db, message)
        assert row.status == OutboxStatus.retry and row.attempts == 1
        assert row.last_reply.startswith("connection error: ConnectionRefusedError")
    sink = SmtpSink()
    sink.start()
    try:
        point_mail_at(app, sink.port)
        assert dispatch_outbox(clock=later(minutes=2)).sent == 3
        received = sink.handler.wait_for(3)
    finally:
        sink.stop()
    ids = {r.message_id for r in received}
    assert ids == {_reload(db, m).message_id for m in messages}


def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(db, make_user, queue, smtp_sink):
    held = queue(make_user(), "lease-live")
    abandoned = queue(make_user(), "lease-dead")
    claimed, lease = claim_due(limit=10)
    assert sorted(claimed) == sorted([held.id, abandoned.id])
    assert dispatch_outbox().claimed == 0  # both are leased to the "dead" dispatcher
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == abandoned.id)
        .values(lease_expires_at=utcnow() - timedelta(seconds=1))
    )
    result = dispatch_outbox()
    assert (result.claimed, result.sent) == (1, 1)
    row = _reload(db, abandoned)
    assert row.status == OutboxStatus.sent and row.attempts == 2
    assert _reload(db, held).status == OutboxStatus.sending
    assert [r.recipient for r in smtp_sink.received] == [row.to_address]


def test_reclaiming_expired_leases_puts_them_back_as_retries(db, make_user, queue):
    from pact_tracker.campaigns.dispatcher import reclaim_expired_leases

    message = queue(make_user(), "reclaim-1")
    other = queue(make_user(), "reclaim-2")
    claim_due(limit=10)
    assert reclaim_expired_leases() == 0
    assert reclaim_expired_leases(clock=later(hours=1)) == 2
    assert reclaim_expired_leases(clock=later(hours=1)) == 0
    row = _reload(db, message)
    assert row.status == OutboxStatus.retry and row.lease_expires_at is None
    assert row.last_reply == "lease expired: the worker sending it stopped"
    assert _reload(db, other).status == OutboxStatus.retry


def test_claims_take_batches_and_never_the_same_row_twice(db, make_user, queue, mail_config):
    messages = [queue(make_user(), f"batch-{n}") for n in range(5)]
    first, _ = claim_due(limit=3)
    second, _ = claim_due(limit=3)
    third, _ = claim_due(limit=3)
    assert len(first) == 3 and len(second) == 2 and third == []
    assert set(first) | set(second) == {m.id for m in messages}


def test_one_session_is_reused_and_renewed_every_n_messages(
    app, db, make_user, queue, smtp_sink, mail_config
):
    mail_config["MAIL_RECONNECT_EVERY"] = 2
    mail_config["OUTBOX_BATCH_SIZE"] = 2
    for n in range(5):
        queue(make_user(), f"session-{n}")
    result = dispatch_outbox()
    assert result.sent == 5
    received = smtp_sink.wait_for(5)
    sessions = [r.peer for r in received]
    assert len(set(sessions)) == 3
    assert sessions[0] == sessions[1] != sessions[2] == sessions[3] != sessions[4]


def test_temporary_failures_back_off_up_to_a_cap_then_give_up(
    db, make_user, queue, smtp_sink, mail_config
):
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert backoff(30).total_seconds() == 3600
    mail_config["OUTBOX_MAX_ATTEMPTS"] = 2
    user = make_user()
    message = queue(user, "give-up")
    smtp_sink.refuse(user.email, "421 4.3.2 Busy", "452 4.2.2 Mailbox full")
    assert dispatch_outbox().retried == 1
    assert dispatch_outbox(clock=later(hours=2)).failed == 1
    row = _reload(db, message)
    assert row.status == OutboxStatus.failed
    assert row.last_reply == "gave up after 2 attempts: 452 4.2.2 Mailbox full"
    assert not is_suppressed(user.email)
