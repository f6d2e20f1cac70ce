"""Progress updates, corrections (a chain of new rows), assessments and the history."""

from datetime import timedelta
from decimal import Decimal

import pytest

from pact_tracker.commitments.models import (
    AssessmentLevel,
    CommitmentStatus,
    ProgressStatus,
    ProgressUpdate,
    ReportingState,
    UpdateSource,
)
from pact_tracker.commitments.services import (
    assess_commitment,
    commitment_history,
    correct_update,
    report_progress,
)
from pact_tracker.core.activity import Activity
from pact_tracker.core.errors import InvalidInput, InvalidTransition
from pact_tracker.core.types import utcnow


def _count(db, model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_report_is_stored_with_its_values_evidence_and_milestones(
    db, approved_commitment, make_user
):
    commitment = approved_commitment()
    member = make_user(signatory=commitment.signatory)
    indicator = commitment.indicators[0]
    milestone = commitment.milestones[0]
    narrative = "We trained **40** people.\n\n<script>kept verbatim</script>"
    update = report_progress(
        commitment,
        {
            "status": "on_track",
            "percent_complete": 20,
            "narrative": narrative,
            "indicator_values": [{"indicator_id": indicator.id, "value": "40"}],
            "evidence": [
                {
                    "kind": "testimony",
                    "dimension_code": "social_performance",
                    "title": "Amina's story",
                    "url": "https://example.org/amina",
                }
            ],
            "milestones_done": [milestone.id],
        },
        member,
        source=UpdateSource.api,
    )
    assert (update.status, update.percent_complete, update.source) == (
        ProgressStatus.on_track,
        20,
        UpdateSource.api,
    )
    assert update.narrative == narrative
    assert update.reported_at == update.recorded_at
    assert [(v.indicator_id, v.value) for v in update.values] == [(indicator.id, Decimal(40))]
    assert update.evidence[0].title == "Amina's story"
    assert milestone.done_on == update.reported_at.date()
    assert commitment.last_reported_at == update.reported_at
    assert commitment.report_due_at > update.reported_at + timedelta(days=150)
    assert commitment.reporting_state == ReportingState.on_time
    assert indicator.current_value == Decimal(40) and indicator.progress(Decimal(40)) == 20.0
    logged = db.session.scalars(
        db.select(Activity).where(Activity.action == "progress.reported")
    ).one()
    assert (logged.subject_id, logged.actor_id) == (update.id, member.id)


def test_a_backdated_report_keeps_its_moment(db, approved_commitment, secretariat):
    commitment = approved_commitment()
    commitment.approved_at = utcnow() - timedelta(days=30)
    moment = utcnow() - timedelta(days=3)
    update = report_progress(commitment, {"status": "delayed", "reported_at": moment}, secretariat)
    assert update.reported_at == moment < update.recorded_at
    assert commitment.last_reported_at == moment


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "status", "required"),
        ({"status": "finished"}, "status", "Must be one of"),
        ({"status": "on_track", "percent_complete": 101}, "percent_complete", "between 0"),
        ({"status": "on_track", "reported_at": "tomorrow"}, "reported_at", "ISO 8601"),
        ({"status": "on_track", "narrative": "a\x00b"}, "narrative", "NUL"),
        (
            {"status": "on_track", "evidence": [{"kind": "photo", "title": "x", "url": "ftp://x"}]},
            "evidence[0].url",
            "http",
        ),
        (
            {"status": "on_track", "evidence": [{"kind": "rumour", "title": "x"}]},
            "evidence[0].kind",
            "Must be one of",
        ),
        ({"status": "on_track", "milestones_done": [999999]}, "milestones_done[0]", "not one"),
        (
            {"status": "on_track", "indicator_values": [{"indicator_id": 999999, "value": 1}]},
            "indicator_values[0].indicator_id",
            "not one of this commitment's",
        ),
        ({"status": "on_track", "mood": "good"}, "mood", "Unknown field"),
    ],
)
def test_bad_reports_are_refused_naming_the_field(
    db, approved_commitment, secretariat, data, field, message
):
    commitment = approved_commitment()
    with pytest.raises(InvalidInput) as refused:
        report_progress(commitment, data, secretariat)
    assert message in refused.value.errors[field][0]
    assert _count(db, ProgressUpdate) == 0


def test_a_report_cannot_speak_for_the_future_or_before_approval(
    db, approved_commitment, secretariat
):
    commitment = approved_commitment()
    for moment in (utcnow() + timedelta(hours=1), commitment.approved_at - timedelta(days=1)):
        with pytest.raises(InvalidInput) as refused:
            report_progress(commitment, {"status": "on_track", "reported_at": moment}, secretariat)
        assert "reported_at" in refused.value.errors


def test_an_indicator_of_another_commitment_is_refused(db, approved_commitment, secretariat):
    other = approved_commitment()
    commitment = approved_commitment()
    data = {
        "status": "on_track",
        "indicator_values": [{"indicator_id": other.indicators[0].id, "value": 1}],
    }
    with pytest.raises(InvalidInput):
        report_progress(commitment, data, secretariat)


@pytest.mark.parametrize("status", [CommitmentStatus.draft, CommitmentStatus.achieved])
def test_only_approved_commitments_report(db, smart_commitment, secretariat, status):
    commitment = smart_commitment(status=status)
    with pytest.raises(InvalidTransition, match="approved"):
        report_progress(commitment, {"status": "on_track"}, secretariat)


def test_a_correction_supersedes_the_update_and_keeps_its_moment(
    db, approved_commitment, secretariat
):
    commitment = approved_commitment()
    indicator = commitment.indicators[0]
    original = report_progress(
        commitment,
        {
            "status": "on_track",
            "percent_complete": 50,
            "narrative": "Half way",
            "indicator_values": [{"indicator_id": indicator.id, "value": 100}],
        },
        secretariat,
    )
    correction = correct_update(
        original, {"percent_complete": 25}, secretariat, reason="Counted twice"
    )
    assert correction.supersedes == original and original.superseded_by == correction
    assert correction.reported_at == original.reported_at
    assert correction.correction_reason == "Counted twice"
    assert (correction.status, correction.percent_complete, correction.narrative) == (
        ProgressStatus.on_track,
        25,
        "Half way",
    )
    db.session.expire(original)
    assert original.percent_complete == 50 and original.supersedes_id is None
    assert indicator.current_value == Decimal(100)
    assert commitment.last_reported_at == original.reported_at
    assert db.session.scalars(
        db.select(Activity.action).where(Activity.subject_id == correction.id)
    ).all() == ["progress.corrected"]


def test_corrections_form_a_chain_and_only_its_newest_link_can_be_corrected(
    db, approved_commitment, secretariat
):
    commitment = approved_commitment()
    original = report_progress(commitment, {"status": "on_track"}, secretariat)
    first = correct_update(original, {"status": "delayed"}, secretariat, reason="Late")
    second = correct_update(first, {"status": "blocked"}, secretariat, reason="Stuck")
    assert (second.supersedes_id, first.supersedes_id) == (first.id, original.id)
    with pytest.raises(InvalidTransition, match=f"corrected by update {first.id}"):
        correct_update(original, {"status": "completed"}, secretariat, reason="Again")
    assert _count(db, ProgressUpdate) == 3


def test_a_correction_needs_a_reason_and_keeps_the_reported_moment(
    db, approved_commitment, secretariat
):
    commitment = approved_commitment()
    original = report_progress(commitment, {"status": "on_track"}, secretariat)
    with pytest.raises(InvalidInput) as refused:
        correct_update(original, {"status": "delayed"}, secretariat, reason=" ")
    assert "reason" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        correct_update(original, {"reported_at": utcnow()}, secretariat, reason="Moved")
    assert "reported_at" in refused.value.errors
    assert _count(db, ProgressUpdate) == 1


def test_assessments_are_recorded_beside_the_self_declared_progress(
    db, approved_commitment, secretariat
):
    commitment = approved_commitment()
    assessment = assess_commitment(commitment, "substantial", "Verified on site", secretariat)
    assert (assessment.level, assessment.assessor_id) == (
        AssessmentLevel.substantial,
        secretariat.id,
    )
    with pytest.raises(InvalidInput) as refused:
        assess_commitment(commitment, "stellar", "", secretariat)
    assert "level" in refused.value.errors


def test_drafts_cannot_be_assessed(db, make_commitment, secretariat):
    with pytest.raises(InvalidTransition):
        assess_commitment(make_commitment(), "limited", "", secretariat)


def test_history_lists_status_changes_updates_corrections_and_assessments_in_time_order(
    db, approved_commitment, secretariat
):
    commitment = approved_commitment()
    original = report_progress(commitment, {"status": "on_track"}, secretariat)
    correction = correct_update(original, {"status": "delayed"}, secretariat, reason="Oops")
    assessment = assess_commitment(commitment, "limited", "", secretariat)
    history = commitment_history(commitment)
    assert [entry.kind for entry in history] == [
        "status_change",
        "status_change",
        "progress_update",
        "correction",
        "assessment",
    ]
    assert [entry.subject.to_status for entry in history[:2]] == [
        CommitmentStatus.submitted,
        CommitmentStatus.approved,
    ]
    assert [entry.subject for entry in history[2:]] == [original, correction, assessment]
    assert [entry.at for entry in history] == sorted(entry.at for entry in history)
