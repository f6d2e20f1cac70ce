"""The SMART score is kept on the commitment's row when it changes, for the review queue."""

from datetime import date

from pact_tracker.commitments.models import Commitment, CommitmentStatus
from pact_tracker.commitments.services import (
    create_commitment,
    smart_check,
    submit_commitment,
    update_commitment,
)
from pact_tracker.commitments.services.review import queue_scores

DESCRIPTION = (
    "We train young jobseekers far from employment in the management of a cooperative, "
    "with a mentor from one of our member cooperatives, and hire those who wish to stay. "
    "Each cohort is followed for a year after the training so that the results last."
)


def _vague_draft(signatory, programme, actor):
    return create_commitment(
        signatory,
        {
            "programme_id": programme.id,
            "title": "Improve things",
            "description": DESCRIPTION,
            "due_date": date(2028, 12, 31),
            "target_codes": ["8.5"],
            "indicators": [{"name": "Things", "unit": "things", "baseline": 0, "target": 5}],
        },
        actor,
    )


def test_writing_a_commitment_keeps_the_score_the_check_gives_it(
    make_signatory, make_programme, secretariat
):
    commitment = _vague_draft(make_signatory(), make_programme(), secretariat)
    vague = smart_check(commitment)
    assert not vague.passed
    assert (commitment.smart_score, commitment.smart_passed) == (vague.score, False)

    update_commitment(
        commitment,
        {
            "title": "Train 40 young jobseekers in cooperative management",
            "indicators": [
                {"id": commitment.indicators[0].id, "name": "People trained", "unit": "people"}
                | {"baseline": 0, "target": 40}
            ],
            "milestones": [{"title": "First cohort", "due_date": date(2027, 6, 30)}],
            "dimension_codes": ["social_performance"],
        },
        secretariat,
    )
    fixed = smart_check(commitment)
    assert fixed.passed and fixed.score > vague.score
    assert (commitment.smart_score, commitment.smart_passed) == (fixed.score, True)


def test_the_queue_reads_kept_scores_and_checks_rows_a_bulk_loader_left_unscored(
    db, make_commitment, smart_commitment, secretariat
):
    loaded = make_commitment(status=CommitmentStatus.submitted)  # written without the services
    assert loaded.smart_score is None
    submitted = smart_commitment()
    submit_commitment(submitted, secretariat)
    assert submitted.smart_passed is True
    # Not the check's answer: proves the queue reads the row rather than checking again.
    submitted.smart_score = 37
    db.session.flush()
    db.session.expire_all()

    page = db.session.scalars(
        db.select(Commitment).where(Commitment.id.in_([loaded.id, submitted.id]))
    ).all()

    scores = queue_scores(page)

    expected = smart_check(db.session.get(Commitment, loaded.id))
    assert (scores[loaded.id].score, scores[loaded.id].passed) == (expected.score, expected.passed)
    assert (scores[submitted.id].score, scores[submitted.id].passed) == (37, True)
