"""The back office's commitment review: one at a time, in bulk, closing, assessing."""

import re

import pytest

from pact_tracker.commitments import services as commitments
from pact_tracker.commitments.models import Assessment, CommitmentStatus, StatusChange
from pact_tracker.core.activity import Activity


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def own(make_signatory):
    return make_signatory(name="Coop Revue", slug="coop-revue")


@pytest.fixture
def owner(make_user, own):
    return make_user(name="Olga Owner", signatory=own)


@pytest.fixture
def submitted(make_commitment, own):
    def make(title: str):
        return make_commitment(signatory=own, status=CommitmentStatus.submitted, title=title)

    return make


def test_the_review_queue_lists_submitted_commitments_with_their_smart_score(
    admin, submitted, make_commitment, own
):
    waiting = submitted("Repair bicycles for schools")
    make_commitment(signatory=own, title="A draft nobody should review")
    page = text_of(admin.get("/admin/review"))
    assert "Repair bicycles for schools" in page
    assert "A draft nobody should review" not in page
    row = re.search(rf'data-commitment-id="{waiting.id}".*?</tr>', page, re.S).group(0)
    assert 'data-smart-score="' in row and "/100" in row


def test_the_review_queue_filters_by_programme(admin, submitted, make_commitment, make_programme):
    submitted("In the default programme")
    other = make_programme(code="OTHER-PRG")
    make_commitment(status=CommitmentStatus.submitted, programme=other, title="Elsewhere")
    page = text_of(admin.get("/admin/review?programme=OTHER-PRG"))
    assert "Elsewhere" in page and "In the default programme" not in page


def test_request_changes_needs_a_comment_then_approve_after_resubmission(
    db, admin, submitted, owner, secretariat
):
    commitment = submitted("Train forty apprentices")
    url = f"/admin/commitments/{commitment.id}/review"
    refused = admin.post(url, data={"action": "request_changes", "comment": " "})
    assert refused.status_code == 422
    assert "Say what should change." in text_of(refused)
    db.session.refresh(commitment)
    assert commitment.status == CommitmentStatus.submitted

    response = admin.post(url, data={"action": "request_changes", "comment": "Add a baseline."})
    assert response.status_code == 302
    assert "sent back with your comment" in text_of(admin.get(response.headers["Location"]))
    db.session.refresh(commitment)
    assert commitment.status == CommitmentStatus.changes_requested
    change = db.session.scalar(
        db.select(StatusChange).where(
            StatusChange.commitment_id == commitment.id,
            StatusChange.to_status == CommitmentStatus.changes_requested,
        )
    )
    assert change.comment == "Add a baseline." and change.actor_id == secretariat.id

    commitments.submit_commitment(commitment, owner)
    response = admin.post(url, data={"action": "approve", "comment": ""})
    assert response.status_code == 302
    db.session.refresh(commitment)
    assert commitment.status == CommitmentStatus.approved and commitment.is_published
    page = text_of(admin.get(f"/admin/commitments/{commitment.id}"))
    assert "Add a baseline." in page and 'data-entry-kind="status_change"' in page


def test_bulk_approval_reports_each_success_and_each_refusal(
    db, admin, submitted, make_commitment, own
):
    first, second = submitted("First"), submitted("Second")
    draft = make_commitment(signatory=own, title="Still a draft")
    response = admin.post(
        "/admin/review/bulk",
        data={"ids": [str(first.id), str(draft.id), str(second.id)], "action": "approve"},
    )
    assert response.status_code == 302
    page = text_of(admin.get(response.headers["Location"]))
    assert f"Approved: #{first.id}, #{second.id}." in page
    assert f"#{draft.id} was not changed: A commitment cannot go from draft to approved." in page
    for commitment in (first, second, draft):
        db.session.refresh(commitment)
    assert first.status == second.status == CommitmentStatus.approved
    assert draft.status == CommitmentStatus.draft


def test_bulk_request_changes_takes_one_comment_for_all(db, admin, submitted):
    first, second = submitted("First"), submitted("Second")
    refused = admin.post(
        "/admin/review/bulk",
        data={"ids": [str(first.id), str(second.id)], "action": "request_changes"},
    )
    assert refused.status_code == 422 and "Say what should change." in text_of(refused)
    admin.post(
        "/admin/review/bulk",
        data={
            "ids": [str(first.id), str(second.id)],
            "action": "request_changes",
            "comment": "Give dates to the milestones.",
        },
    )
    comments = db.session.scalars(
        db.select(StatusChange.comment).where(
            StatusChange.to_status == CommitmentStatus.changes_requested
        )
    ).all()
    assert comments == ["Give dates to the milestones."] * 2


def test_an_assessment_is_recorded_and_shown(db, admin, make_commitment, own, secretariat):
    commitment = make_commitment(signatory=own, status=CommitmentStatus.approved)
    refused = admin.post(f"/admin/commitments/{commitment.id}/assess", data={"level": "huge"})
    assert refused.status_code == 422 and "Not a valid choice" in text_of(refused)

    response = admin.post(
        f"/admin/commitments/{commitment.id}/assess",
        data={"level": "substantial", "comment": "Visited the workshop."},
    )
    assert response.status_code == 302
    (assessment,) = db.session.scalars(
        db.select(Assessment).where(Assessment.commitment_id == commitment.id)
    ).all()
    assert assessment.level == "substantial" and assessment.assessor_id == secretariat.id
    assert db.session.scalar(db.select(Activity.id).where(Activity.action == "commitment.assessed"))
    page = text_of(admin.get(f"/admin/commitments/{commitment.id}"))
    assert "Assessment: Substantial" in page and "Visited the workshop." in page


def test_closing_and_withdrawing(db, admin, make_commitment, own):
    running = make_commitment(signatory=own, status=CommitmentStatus.approved)
    response = admin.post(
        f"/admin/commitments/{running.id}/close", data={"status": "partially_achieved"}
    )
    assert response.status_code == 302
    db.session.refresh(running)
    assert running.status == CommitmentStatus.partially_achieved

    refused = admin.post(f"/admin/commitments/{running.id}/withdraw", data={"comment": "Late."})
    assert refused.status_code == 422
    assert "cannot go from partially achieved to withdrawn" in text_of(refused)

    draft = make_commitment(signatory=own)
    response = admin.post(f"/admin/commitments/{draft.id}/withdraw", data={"comment": "Twice."})
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.status == CommitmentStatus.withdrawn


def test_members_and_organisers_cannot_review(db, sign_in, owner, organiser, submitted):
    commitment = submitted("Not theirs to approve")
    for person in (owner, organiser):
        client = sign_in(person)
        assert client.get("/admin/review").status_code == 403
        assert client.get(f"/admin/commitments/{commitment.id}").status_code == 403
        response = client.post(
            f"/admin/commitments/{commitment.id}/review", data={"action": "approve"}
        )
        assert response.status_code == 403
    db.session.refresh(commitment)
    assert commitment.status == CommitmentStatus.submitted
