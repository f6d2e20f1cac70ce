"""Helpers for the programmes' service tests."""

import pytest

from pact_tracker.core.activity import Activity
from pact_tracker.programmes.models import Proposal, ProposalIndicator
from pact_tracker.reference.models import ImpactDimension, OrganisationType, SdgTarget


@pytest.fixture
def count(db):
    """``count(Model)``: how many rows the table holds now."""

    def run(model) -> int:
        return db.session.scalar(db.select(db.func.count()).select_from(model))

    return run


@pytest.fixture
def activities(db):
    """``activities(action=None)``: the activity rows recorded, oldest first."""

    def run(action: str | None = None) -> list[Activity]:
        query = db.select(Activity).order_by(Activity.id)
        if action is not None:
            query = query.where(Activity.action == action)
        return list(db.session.scalars(query))

    return run


@pytest.fixture
def make_proposal(db, make_programme):
    """Like the shared fixture, but builds the proposal without autoflushing a half-made row.

    The shared one links the proposal to its programme before adding it to the
    session, so its reference look-ups autoflush and warn (an error here).
    """

    def make(organisation_types=("cooperative",), **overrides) -> Proposal:
        programme = overrides.pop("programme", None) or make_programme()
        fields = {
            "programme": programme,
            "title_en": "Create jobs for people far from employment",
            "title_fr": "Créer des emplois pour les personnes éloignées de l'emploi",
            "text_en": "Hire and train people who have been out of work for a long time.",
            "text_fr": "Embaucher et former des personnes longtemps privées d'emploi.",
        }
        fields.update(overrides)
        with db.session.no_autoflush:
            proposal = Proposal(**fields)
            proposal.organisation_types = [
                db.session.get(OrganisationType, c) for c in organisation_types
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
