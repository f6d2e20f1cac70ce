"""The SMART check: a score out of 100 and the missing parts, by field."""

from datetime import date

from pact_tracker.commitments.models import Indicator
from pact_tracker.commitments.services import smart_check


def test_a_complete_commitment_scores_100(smart_commitment):
    report = smart_check(smart_commitment())
    assert report.passed
    assert report.score == 100
    assert report.missing == [] and report.suggestions == []


def test_the_fixture_draft_passes_with_suggestions_for_milestones_and_dimensions(make_commitment):
    report = smart_check(make_commitment())
    assert report.passed
    assert report.score == 90
    assert [field for field, _ in report.suggestions] == ["milestones", "dimension_codes"]


def test_a_short_description_is_named_with_the_minimum(app, make_commitment):
    report = smart_check(make_commitment(description="Short"))
    minimum = app.config["SMART_MIN_DESCRIPTION"]
    assert not report.passed
    assert report.missing == [
        ("description", f"Describe the commitment in at least {minimum} characters (now 5).")
    ]
    assert report.score == 70


def test_due_date_must_come_after_the_start(make_commitment):
    report = smart_check(make_commitment(start_date=date(2027, 1, 1), due_date=date(2027, 1, 1)))
    assert [field for field, _ in report.missing] == ["due_date"]


def test_an_indicator_needs_a_target_and_a_baseline(db, make_commitment):
    commitment = make_commitment()
    commitment.indicators = [Indicator(name="Jobs", unit="jobs", baseline=3)]
    db.session.flush()
    report = smart_check(commitment)
    assert report.errors()["indicators"] == [
        "Add at least one indicator with a target value.",
        "Give the baseline (the value today) of an indicator that has a target.",
    ]
    commitment.indicators = [Indicator(name="Jobs", unit="jobs", target=10)]
    db.session.flush()
    assert smart_check(commitment).errors() == {
        "indicators": ["Give the baseline (the value today) of an indicator that has a target."]
    }


def test_no_sdg_target_is_named(db, make_commitment):
    commitment = make_commitment()
    commitment.targets = []
    report = smart_check(commitment)
    assert report.errors() == {"target_codes": ["Link at least one SDG target."]}
    assert report.score == 70
