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
    assert [part.field for part in report.suggestions] == ["milestones", "dimension_codes"]
    assert [part.points for part in report.suggestions] == [5, 5]


def test_a_short_description_is_named_with_the_minimum(app, make_commitment):
    report = smart_check(make_commitment(description="Short"))
    minimum = app.config["SMART_MIN_DESCRIPTION"]
    assert not report.passed
    assert report.errors() == {
        "description": [f"Describe the commitment in at least {minimum} characters (now 5)."]
    }
    assert report.score == 80


def test_due_date_must_come_after_the_start(make_commitment):
    report = smart_check(make_commitment(start_date=date(2027, 1, 1), due_date=date(2027, 1, 1)))
    assert [part.field for part in report.missing] == ["due_date"]


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
    assert report.score == 80


def _vague(db, smart_commitment, unit="things", **fields):
    """The commitment of issue 13: complete in form, empty in substance."""
    commitment = smart_commitment(due_date=date(2035, 12, 31), **fields)
    commitment.indicators = [Indicator(name="Things", unit=unit, baseline=0, target=1)]
    db.session.flush()
    return commitment


def test_improve_things_by_2035_cannot_be_ready_and_each_point_off_is_named(db, smart_commitment):
    commitment = _vague(
        db,
        smart_commitment,
        title="Improve things",
        description="We will improve things and promote change as much as possible. " * 4,
    )
    report = smart_check(commitment)
    assert not report.passed
    assert report.score <= 60
    missing = {part.code: part for part in report.missing}
    assert set(missing) == {"due_date", "unit", "title_wording"}
    assert missing["title_wording"].field == "title"
    assert missing["title_wording"].terms == ("Improve", "things")
    assert missing["title_wording"].points == 10
    assert "“Improve”, “things”" in str(missing["title_wording"].message)
    assert missing["unit"].field == "indicators" and missing["unit"].terms == ("things",)
    assert missing["due_date"].terms == ("2035-12-31",)
    assert "2030-12-31" in str(missing["due_date"].message)
    suggestions = {part.code: part for part in report.suggestions}
    assert suggestions["description_wording"].terms == (
        "improve",
        "things",
        "promote",
        "as much as possible",
    )
    assert report.score == 100 - sum(p.points for p in [*report.missing, *report.suggestions])


def test_french_vague_wording_is_named_in_the_words_written(db, smart_commitment):
    commitment = _vague(
        db,
        smart_commitment,
        title="Améliorer les choses et sensibiliser le public",
        description="Nous allons promouvoir l'économie sociale et améliorer la situation. " * 4,
        unit="choses",
    )
    report = smart_check(commitment)
    assert not report.passed
    by_code = {part.code: part for part in [*report.missing, *report.suggestions]}
    assert by_code["title_wording"].terms == ("Améliorer", "choses", "sensibiliser")
    assert by_code["title_wording"].points == 10  # three terms, at most the part's points
    assert by_code["unit"].terms == ("choses",)
    assert by_code["description_wording"].terms == ("promouvoir", "améliorer")


def test_vague_words_in_the_description_lower_the_score_without_blocking(smart_commitment):
    commitment = smart_commitment(
        description="We train young jobseekers and promote cooperative management. " * 4
    )
    report = smart_check(commitment)
    assert report.passed
    assert report.score == 95
    (part,) = report.suggestions
    assert (part.code, part.field, part.points, part.terms) == (
        "description_wording",
        "description",
        5,
        ("promote",),
    )


def test_a_target_that_does_not_move_in_its_direction_blocks(db, smart_commitment):
    commitment = smart_commitment()
    commitment.indicators = [
        Indicator(
            name="Waste sent to landfill",
            unit="tonnes",
            baseline=50,
            target=60,
            direction="decrease",
        )
    ]
    db.session.flush()
    report = smart_check(commitment)
    assert [(p.code, p.field, p.terms) for p in report.missing] == [
        ("direction", "indicators", ("Waste sent to landfill",))
    ]
    commitment.indicators[0].target = 20
    db.session.flush()
    assert smart_check(commitment).passed


def test_a_commitment_that_names_no_beneficiary_is_told_to(db, smart_commitment):
    commitment = smart_commitment(
        title="Install 40 solar panels on our roofs",
        description="Forty panels on the roofs of our two warehouses, installed by 2027. " * 4,
    )
    commitment.indicators = [
        Indicator(name="Panels installed", unit="panels", baseline=0, target=40)
    ]
    db.session.flush()
    report = smart_check(commitment)
    assert report.passed and report.score == 95
    assert [(p.code, p.field) for p in report.suggestions] == [("beneficiaries", "description")]


def test_the_horizon_is_the_configured_end_of_the_2030_agenda(app, smart_commitment):
    assert smart_check(smart_commitment(due_date=date(2030, 12, 31))).passed
    report = smart_check(smart_commitment(due_date=date(2031, 1, 1)))
    assert [p.code for p in report.missing] == ["due_date"]
    assert report.horizon == date(2030, 12, 31) == date.fromisoformat(app.config["SMART_HORIZON"])
