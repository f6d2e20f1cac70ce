"""A quick sign-in for the corpus tests, which sign in hundreds of times.

The sign-in form hashes a password (slow on purpose); it has its own tests.
Here a client gets what ``auth.views`` puts in the session after a sign-in,
as the permission matrix does.
"""

import pytest

from pact_tracker.auth.services import start_session


@pytest.fixture
def signed_in(app, db):
    """``signed_in(user)`` returns a new test client with a session for ``user``."""

    def make(user):
        client = app.test_client()
        sid = start_session(user, "bad-input-corpus")
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
            session["sid"] = sid
        return client

    return make
