"""The member space's cast: an owner member of a cooperative, a member of another
signatory, the secretariat, and clients signed in as each of them."""

from datetime import date

import pytest

from pact_tracker.commitments import services as commitments
from pact_tracker.commitments.models import CommitmentStatus, Milestone


@pytest.fixture
def own(make_signatory):
    """The owner's signatory: an approved cooperative in France."""
    return make_signatory(name="Coop Horizon", slug="coop-horizon")


@pytest.fixture
def owner(make_user, own):
    return make_user(name="Olga Owner", signatory=own)


@pytest.fixture
def other_signatory(make_signatory):
    return make_signatory(name="Ville Voisine", slug="ville-voisine")


@pytest.fixture
def outsider(make_user, other_signatory):
    """A member (admin) of another signatory."""
    return make_user(name="Otto Other", signatory=other_signatory)


@pytest.fixture
def member_client(sign_in, owner):
    return sign_in(owner)


@pytest.fixture
def approved(db, make_commitment, own, secretariat):
    """An approved, published commitment of ``own`` with a milestone, ready for progress."""
    commitment = make_commitment(
        signatory=own, status=CommitmentStatus.approved, title="Open three repair workshops"
    )
    commitment.milestones = [Milestone(title="First workshop open", due_date=date(2026, 9, 1))]
    db.session.flush()
    commitments.refresh_schedule(commitment)
    return commitment
