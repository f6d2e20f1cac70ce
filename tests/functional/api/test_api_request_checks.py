"""What the API refuses before any handler runs (ASVS 13.2): methods, content types, fields."""

import pytest

from pact_tracker.coalition.models import Role
from pact_tracker.commitments.models import CommitmentStatus, ProgressUpdate


@pytest.fixture
def reporter(make_user, make_signatory, make_commitment, token_for):
    signatory = make_signatory()
    member = make_user(role=Role.member, signatory=signatory)
    commitment = make_commitment(signatory=signatory, status=CommitmentStatus.approved)
    return f"/api/v1/commitments/{commitment.id}/updates", token_for(member)


def _updates(db) -> int:
    return db.session.scalar(db.select(db.func.count(ProgressUpdate.id)))


def test_a_form_body_is_not_read_as_json(db, client, reporter):
    url, headers = reporter
    response = client.post(url, data={"status": "on_track"}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["status"] == ["Missing data for required field."]
    assert _updates(db) == 0


def test_unknown_fields_are_refused_by_name(db, client, reporter):
    url, headers = reporter
    response = client.post(url, json={"status": "on_track", "is_admin": True}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["is_admin"] == ["Unknown field."]
    assert _updates(db) == 0


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_methods_a_route_does_not_declare_get_405(db, client, reporter, method):
    url, headers = reporter
    response = client.open(url, method=method, json={"status": "on_track"}, headers=headers)
    assert response.status_code == 405
    assert response.get_json()["code"] == 405
    assert _updates(db) == 0
