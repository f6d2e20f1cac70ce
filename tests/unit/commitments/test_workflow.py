"""The workflow table, the one transition function, and the actions built on it."""

import pytest

from pact_tracker.commitments.models import (
    CLOSED_STATUSES,
    COMMITMENT_TRANSITIONS,
    CommitmentStatus,
    StatusChange,
)
from pact_tracker.commitments.services import (
    approve_commitment,
    change_status,
    close_commitment,
    request_changes,
    submit_commitment,
    withdraw_commitment,
)
from pact_tracker.core.activity import Activity
from pact_tracker.core.errors import InvalidInput, InvalidTransition

_DISALLOWED = [
    (old, new)
    for old in CommitmentStatus
    for new in CommitmentStatus
    if new not in COMMITMENT_TRANSITIONS[old]
]
_ALLOWED = [(old, new) for old in CommitmentStatus for new in COMMITMENT_TRANSITIONS[old]]


def _changes(db, commitment):
    return db.session.scalars(
        db.select(StatusChange).where(StatusChange.commitment_id == commitment.id)
    ).all()


@pytest.mark.parametrize(("old", "new"), _DISALLOWED, ids=lambda s: str(s))
def test_every_disallowed_transition_is_refused_naming_both_states(
    db, make_commitment, secretariat, old, new
):
    commitment = make_commitment(status=old)
    with pytest.raises(InvalidTransition) as refused:
        change_status(commitment, new, secretariat)
    message = refused.value.message
    assert str(old).replace("_", " ") in message and str(new).replace("_", " ") in message
    assert commitment.status == old
    assert _changes(db, commitment) == []


@pytest.mark.parametrize(("old", "new"), _ALLOWED, ids=lambda s: str(s))
def test_every_allowed_transition_is_logged(db, make_commitment, secretariat, old, new):
    commitment = make_commitment(status=old)
    change = change_status(commitment, new, secretariat, "because")
    assert commitment.status == new
    assert (change.from_status, change.to_status, change.comment) == (old, new, "because")
    assert _changes(db, commitment) == [change]
    logged = db.session.scalars(
        db.select(Activity.action).where(
            Activity.subject_type == "commitment", Activity.subject_id == commitment.id
        )
    ).all()
    assert logged == [f"commitment.status.{new}"]


def test_closed_statuses_are_final():
    assert all(COMMITMENT_TRANSITIONS[status] == frozenset() for status in CLOSED_STATUSES)


def test_submission_approval_and_closing_set_their_timestamps(db, smart_commitment, secretariat):
    commitment = smart_commitment()
    submit_commitment(commitment, secretariat)
    assert commitment.submitted_at is not None and commitment.approved_at is None
    approve_commitment(commitment, secretariat, "Good")
    assert commitment.approved_at is not None
    assert commitment.published_at == commitment.approved_at
    assert commitment.report_due_at is not None and commitment.inactive_at is not None
    close_commitment(commitment, "achieved", secretariat, "Done")
    assert commitment.closed_at is not None
    assert commitment.report_due_at is None and commitment.reporting_state is None


def test_approval_without_publishing_keeps_it_private(db, smart_commitment, secretariat):
    commitment = smart_commitment(status=CommitmentStatus.submitted)
    approve_commitment(commitment, secretariat, publish=False)
    assert commitment.status == CommitmentStatus.approved
    assert commitment.published_at is None and not commitment.is_published


def test_submitting_an_incomplete_draft_names_every_missing_part_and_changes_nothing(
    db, make_commitment, secretariat
):
    commitment = make_commitment(description="Too short.")
    commitment.targets = []
    commitment.indicators[0].target = None
    db.session.flush()
    with pytest.raises(InvalidInput) as refused:
        submit_commitment(commitment, secretariat)
    assert set(refused.value.errors) == {"description", "target_codes", "indicators"}
    assert "/100" in refused.value.message
    assert commitment.status == CommitmentStatus.draft
    assert commitment.submitted_at is None
    assert _changes(db, commitment) == []


def test_only_drafts_and_sent_back_commitments_can_be_submitted(db, smart_commitment, secretariat):
    commitment = smart_commitment(status=CommitmentStatus.approved)
    with pytest.raises(InvalidTransition, match="approved"):
        submit_commitment(commitment, secretariat)


def test_changes_requested_need_a_comment_and_allow_resubmission(db, smart_commitment, secretariat):
    commitment = smart_commitment(status=CommitmentStatus.submitted)
    with pytest.raises(InvalidInput) as refused:
        request_changes(commitment, secretariat, "  ")
    assert "comment" in refused.value.errors
    assert commitment.status == CommitmentStatus.submitted
    request_changes(commitment, secretariat, "Add a baseline")
    assert commitment.is_editable
    submit_commitment(commitment, secretariat)
    assert commitment.status == CommitmentStatus.submitted


def test_closing_needs_a_closing_status(db, smart_commitment, secretariat):
    commitment = smart_commitment(status=CommitmentStatus.approved)
    with pytest.raises(InvalidInput) as refused:
        close_commitment(commitment, "withdrawn", secretariat)
    assert "status" in refused.value.errors
    with pytest.raises(InvalidInput):
        close_commitment(commitment, "finished", secretariat)
    assert commitment.status == CommitmentStatus.approved


def test_a_withdrawn_commitment_cannot_be_withdrawn_again(db, make_commitment, secretariat):
    commitment = make_commitment()
    withdraw_commitment(commitment, secretariat, "Changed our plans")
    assert commitment.status == CommitmentStatus.withdrawn and commitment.closed_at
    with pytest.raises(InvalidTransition, match="withdrawn to withdrawn"):
        withdraw_commitment(commitment, secretariat)
