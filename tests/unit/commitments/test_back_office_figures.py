"""The secretariat's home reuses its counts over every approved commitment until they change."""

from datetime import timedelta

import sqlalchemy as sa

from pact_tracker.commitments.models import Commitment, CommitmentStatus
from pact_tracker.commitments.services import review
from pact_tracker.core.types import utcnow


def _gone_quiet(db, make_commitment, signatory=None):
    """An approved commitment with no report for two cadences."""
    overrides = {"signatory": signatory} if signatory else {}
    commitment = make_commitment(status=CommitmentStatus.approved, **overrides)
    commitment.inactive_at = utcnow() - timedelta(days=1)
    db.session.flush()
    return commitment


def test_the_counts_are_reused_and_the_signatories_read_fresh(db, make_commitment):
    quiet = _gone_quiet(db, make_commitment)
    figures = review.home_figures()
    assert figures.quiet == [(quiet.signatory, 1)]
    # Changed behind the services' back: nothing marks the change.
    db.session.execute(
        sa.update(Commitment).where(Commitment.id == quiet.id).values(inactive_at=None)
    )
    quiet.signatory.name = "Renamed Coop"
    db.session.flush()

    again = review.home_figures()
    assert again.reporting == figures.reporting
    [(signatory, number)] = again.quiet
    assert (signatory.name, number) == ("Renamed Coop", 1)


def test_a_new_commitment_gone_quiet_counts_at_once(db, make_commitment):
    quiet = _gone_quiet(db, make_commitment)
    before = review.home_figures()
    _gone_quiet(db, make_commitment, quiet.signatory)

    after = review.home_figures()
    assert after.reporting["inactive"] == before.reporting["inactive"] + 1
    assert after.quiet == [(quiet.signatory, 2)]
