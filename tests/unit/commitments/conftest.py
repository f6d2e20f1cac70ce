"""Fixtures of the commitments tests: commitments at each step of the workflow."""

from datetime import date, timedelta

import pytest

from pact_tracker.commitments.models import CommitmentStatus, Milestone
from pact_tracker.commitments.services import approve_commitment, change_status
from pact_tracker.core.types import utcnow
from pact_tracker.reference.models import ImpactDimension


@pytest.fixture
def smart_commitment(db, make_commitment):
    """A draft that passes the SMART check, with a milestone and a dimension."""

    def make(**overrides):
        commitment = make_commitment(**overrides)
        commitment.milestones = [Milestone(title="First cohort", due_date=date(2026, 9, 1))]
        commitment.dimensions = [db.session.get(ImpactDimension, "social_performance")]
        db.session.flush()
        return commitment

    return make


@pytest.fixture
def approved_commitment(db, smart_commitment, secretariat):
    """An approved, published commitment that went through the workflow."""

    def make(**overrides):
        commitment = smart_commitment(**overrides)
        change_status(commitment, CommitmentStatus.submitted, secretariat)
        approve_commitment(commitment, secretariat)
        return commitment

    return make


@pytest.fixture
def an_hour_ago():
    return utcnow() - timedelta(hours=1)
