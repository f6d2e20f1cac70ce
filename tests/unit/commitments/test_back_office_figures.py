"""The secretariat's home reuses its counts over every approved commitment for a while."""

from datetime import timedelta

from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.commitments.services import review
from pact_tracker.core.types import utcnow


def _gone_quiet(db, make_commitment, signatory=None):
    """An approved commitment with no report for two cadences."""
    overrides = {"signatory": signatory} if signatory else {}
    commitment = make_commitment(status=CommitmentStatus.approved, **overrides)
    commitment.inactive_at = utcnow() - timedelta(days=1)
    db.session.flush()
    return commitment


def test_the_counts_are_reused_and_the_signatories_read_fresh(db, shared_cache, make_commitment):
    quiet = _gone_quiet(db, make_commitment)
    counts = review.recent_reporting_state_counts()
    assert review.quiet_signatories() == [(quiet.signatory, 1)]

    _gone_quiet(db, make_commitment, quiet.signatory)
    quiet.signatory.name = "Renamed Coop"
    db.session.flush()

    assert review.recent_reporting_state_counts() == counts
    [(signatory, number)] = review.quiet_signatories()
    assert (signatory.name, number) == ("Renamed Coop", 1)


def test_without_the_shared_cache_the_counts_are_fresh(db, make_commitment):
    quiet = _gone_quiet(db, make_commitment)
    before = review.recent_reporting_state_counts()
    _gone_quiet(db, make_commitment, quiet.signatory)

    assert review.recent_reporting_state_counts()["inactive"] == before["inactive"] + 1
    assert review.quiet_signatories() == [(quiet.signatory, 2)]
