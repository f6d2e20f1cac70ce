"""Fixtures: the SMTP sink, mail settings restored after each test, queueing helpers."""

import pytest
from smtp_sink import MAIL_KEYS, SmtpSink, point_mail_at

import pact_tracker.campaigns.models  # noqa: F401 - the outbox tables in the metadata
from pact_tracker.campaigns.mailer import init_mail
from pact_tracker.campaigns.services import queue_email


@pytest.fixture
def mail_config(app):
    """Restores the app's mail settings after a test that changed them."""
    saved = {key: app.config[key] for key in MAIL_KEYS if key in app.config}
    saved_state = app.extensions.get("mail")
    init_mail(app)  # sets the outbox defaults, as the factory does
    yield app.config
    for key in MAIL_KEYS:
        app.config.pop(key, None)
    app.config.update(saved)
    if saved_state is None:
        app.extensions.pop("mail", None)
    else:
        app.extensions["mail"] = saved_state


@pytest.fixture
def smtp_sink(app, mail_config):
    """An SMTP server on loopback that records what it receives; the mailer sends to it."""
    sink = SmtpSink()
    sink.start()
    point_mail_at(app, sink.port)
    yield sink.handler
    sink.stop()


@pytest.fixture
def queue(db, mail_config):
    """``queue(user, key)`` queues a sign-in-link email to ``user`` under ``key``."""

    def make(user, key: str):
        return queue_email(
            user,
            "sign_in_link",
            idempotency_key=key,
            context={"url": f"http://pact.test/sign-in/link/{key}", "minutes": 15},
        )

    return make
