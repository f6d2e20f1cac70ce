"""Fixtures of the commitments tests: commitments at each step of the workflow."""

from datetime import date, timedelta

import pytest

from pact_tracker.commitments.models import CommitmentStatus, Milestone
from pact_tracker.commitments.services import approve_commitment, change_status
from pact_tracker.core.types import utcnow
from pact_tracker.programmes.models import Proposal, ProposalIndicator
from pact_tracker.reference.models import ImpactDimension, OrganisationType, SdgTarget


@pytest.fixture
def make_proposal(db, make_programme):
    """The shared fixture, built without autoflushing a half-linked row (which warns)."""

    def make(organisation_types=("cooperative",), **overrides) -> Proposal:
        fields = {
            "programme": overrides.pop("programme", None) or make_programme(),
            "title_en": "Create jobs for people far from employment",
            "title_fr": "Créer des emplois pour les personnes éloignées de l'emploi",
            "text_en": "Hire and train people who have been out of work for a long time.",
            "text_fr": "Embaucher et former des personnes longtemps privées d'emploi.",
        }
        fields.update(overrides)
        with db.session.no_autoflush:
            proposal = Proposal(**fields)
            proposal.organisation_types = [
                db.session.get(OrganisationType, code) for code in organisation_types
            ]
            proposal.targets = [db.session.get(SdgTarget, "8.5")]
            proposal.dimensions = [db.session.get(ImpactDimension, "social_performance")]
            proposal.indicators = [
                ProposalIndicator(name_en="Jobs created", name_fr="Emplois créés", unit="jobs")
            ]
            db.session.add(proposal)
        db.session.flush()
        return proposal

    return make


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
