"""The back office's cast: the secretariat (two-factor sign-in), an organiser, a member,
and clients signed in as each of them."""

import pyotp
import pytest

from pact_tracker.auth import services as auth
from pact_tracker.coalition.models import Role

PASSWORD = "correct horse battery staple"


@pytest.fixture
def sign_in(app, db):
    """``sign_in(user)`` returns a new test client signed in as ``user`` (TOTP included)."""

    def make(user):
        auth.set_password(user, PASSWORD)
        if user.role == Role.secretariat:
            credential = auth.begin_totp_enrolment(user)
        client = app.test_client()
        response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        if user.role == Role.secretariat:
            code = pyotp.TOTP(credential.secret).now()
            response = client.post("/sign-in/two-factor", data={"code": code})
            assert response.status_code == 302
        return client

    return make


@pytest.fixture
def admin(sign_in, secretariat):
    """A client signed in as the secretariat."""
    return sign_in(secretariat)


@pytest.fixture
def organiser(make_user):
    return make_user(role=Role.organiser, name="Orla Organiser")


@pytest.fixture
def member(make_user, make_signatory):
    return make_user(name="Mia Member", signatory=make_signatory(name="Coop Membre"))
