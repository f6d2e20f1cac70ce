"""The back office's cast: the secretariat (two-factor sign-in), an organiser, a member,
and clients signed in as each of them."""

import pytest

from pact_tracker.coalition.models import Role


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
