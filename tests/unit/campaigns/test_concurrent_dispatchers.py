"""Dispatchers running at once on their own connections share the outbox without duplicates.

Unlike the other tests, this one needs rows that other connections can see, so
it uses a database of its own (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite:
``BEGIN IMMEDIATE`` serialises the claims).
"""

import threading

import pytest
import sqlalchemy as sa
from smtp_sink import SmtpSink, point_mail_at

from pact_tracker.campaigns.dispatcher import dispatch_outbox
from pact_tracker.campaigns.models import OutboxMessage, OutboxStatus
from pact_tracker.campaigns.services import queue_email
from pact_tracker.coalition.models import User
from pact_tracker.core.activity import commit
from pact_tracker.extensions import db

MESSAGES = 60
DISPATCHERS = 3


@pytest.fixture
def outbox_app(own_app):
    return own_app("outbox", reference=False)


def test_three_dispatchers_at_once_deliver_each_message_once(outbox_app):
    sink = SmtpSink()
    sink.start()
    try:
        point_mail_at(outbox_app, sink.port)
        outbox_app.config["OUTBOX_BATCH_SIZE"] = 5
        with outbox_app.test_request_context():
            for n in range(MESSAGES):
                user = User(email=f"reader-{n}@example.org", name=f"Reader {n}")
                db.session.add(user)
                db.session.flush()
                queue_email(
                    user,
                    "sign_in_link",
                    idempotency_key=f"concurrent:{n}",
                    context={"url": f"http://pact.test/{n}", "minutes": 15},
                )
            commit()
            db.session.remove()

        start = threading.Barrier(DISPATCHERS)
        results, errors = [], []

        def run():
            with outbox_app.app_context():
                try:
                    start.wait()
                    results.append(dispatch_outbox())
                except Exception as error:  # noqa: BLE001 - reported by the assertion below
                    errors.append(error)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(DISPATCHERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        received = sink.handler.wait_for(MESSAGES)
    finally:
        sink.stop()

    recipients = [r.recipient for r in received]
    assert len(recipients) == MESSAGES == len(set(recipients))
    assert sum(r.claimed for r in results) == MESSAGES
    with outbox_app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.status, OutboxMessage.message_id)).all()
        db.session.remove()
    assert {status for status, _ in rows} == {OutboxStatus.sent}
    assert {r.message_id for r in received} == {message_id for _, message_id in rows}
