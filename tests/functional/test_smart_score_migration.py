"""Upgrading scores the commitments that existed before the SMART score was kept on the row."""

from datetime import date

import pytest
from flask_migrate import downgrade, upgrade

from pact_tracker import create_app
from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.commitments.models import Commitment, CommitmentStatus, Indicator, Milestone
from pact_tracker.commitments.services import smart_check
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import ImpactDimension, SdgTarget
from pact_tracker.reference.services import load_reference_data

#: The head before the score was kept.
BEFORE_SCORES = "7d3e1f2a9b64"


@pytest.fixture
def migrations_app(new_database):
    app = create_app(
        {"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": new_database("smart_scores")}
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _commitments() -> dict[str, int]:
    """A vague and a complete commitment submitted, and an approved one, written as a
    release without scores did."""
    load_reference_data()
    signatory = Signatory(
        name="Coop Lyon",
        slug="coop-lyon",
        organisation_type_code="cooperative",
        country_code="FR",
        status=SignatoryStatus.approved,
    )
    programme = Programme(code="EDU", name_en="Education", name_fr="Éducation")
    ids = {}
    for key, title, unit in (
        ("vague", "Improve things", "things"),
        ("complete", "Train 200 young jobseekers in cooperative management", "people"),
        ("approved", "Train 300 young jobseekers in cooperative management", "people"),
    ):
        commitment = Commitment(
            signatory=signatory,
            programme=programme,
            title=title,
            description="A two-year training programme for young jobseekers. " * 5,
            status=CommitmentStatus.approved if key == "approved" else CommitmentStatus.submitted,
            start_date=date(2026, 1, 1),
            due_date=date(2028, 12, 31),
            cadence_months=6,
            country_code="FR",
        )
        commitment.indicators = [Indicator(name="Trained", unit=unit, baseline=0, target=200)]
        if key == "complete":
            commitment.targets = [db.session.get(SdgTarget, "4.4")]
            commitment.dimensions = [db.session.get(ImpactDimension, "social_performance")]
            commitment.milestones = [Milestone(title="First cohort", due_date=date(2027, 1, 1))]
        db.session.add(commitment)
        db.session.flush()
        ids[key] = commitment.id
    db.session.commit()
    return ids


def test_upgrading_scores_the_commitments_under_review_as_the_check_does(migrations_app):
    upgrade()
    ids = _commitments()
    db.session.remove()
    downgrade(revision=BEFORE_SCORES)

    upgrade()

    approved = db.session.get(Commitment, ids.pop("approved"))
    assert (approved.smart_score, approved.smart_passed) == (None, None)  # nothing lists it
    for commitment_id in ids.values():
        commitment = db.session.get(Commitment, commitment_id)
        report = smart_check(commitment)
        assert (commitment.smart_score, commitment.smart_passed) == (report.score, report.passed)
    vague, complete = (db.session.get(Commitment, ids[key]) for key in ("vague", "complete"))
    assert complete.smart_passed and not vague.smart_passed
    assert complete.smart_score > vague.smart_score
