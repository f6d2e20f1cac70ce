"""Fixtures: queueing helpers (the SMTP sink and mail settings are in tests/conftest.py)."""

import pytest

import pact_tracker.campaigns.models  # noqa: F401 - the outbox tables in the metadata
from pact_tracker.campaigns.services import queue_email


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
