"""The commitments API: who sees what, who may write, and bad input that writes nothing."""

from datetime import date, timedelta

import pytest

from pact_tracker.coalition.models import Role, SignatoryStatus
from pact_tracker.commitments.models import (
    Assessment,
    Commitment,
    CommitmentStatus,
    Indicator,
    Milestone,
    ProgressUpdate,
    StatusChange,
    Visibility,
)
from pact_tracker.commitments.services import report_progress
from pact_tracker.core.activity import Activity
from pact_tracker.core.types import utcnow
from pact_tracker.events.services import events as event_services
from pact_tracker.reference.models import ImpactDimension, SdgTarget

_COUNTED = (Commitment, Indicator, Milestone, ProgressUpdate, StatusChange, Assessment, Activity)


def _counts(db):
    return {
        model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in _COUNTED
    }


@pytest.fixture
def people(db, make_signatory, make_user, token_for):
    """Two cooperatives with a member each, the secretariat, and their tokens."""
    ours = make_signatory(name="Ours")
    theirs = make_signatory(name="Theirs")
    return {
        "ours": ours,
        "theirs": theirs,
        "member": token_for(make_user(signatory=ours)),
        "outsider": token_for(make_user(signatory=theirs)),
        "secretariat": token_for(make_user(role=Role.secretariat)),
    }


@pytest.fixture
def commitments(db, people, make_commitment, make_programme, secretariat):
    """Ours at every interesting step, plus a published one of theirs."""
    programme = make_programme(code="CLIMATE")
    ours = people["ours"]
    made = {
        "draft": make_commitment(signatory=ours),
        "submitted": make_commitment(signatory=ours, status=CommitmentStatus.submitted),
        "approved": make_commitment(
            signatory=ours, programme=programme, status=CommitmentStatus.approved
        ),
        "private": make_commitment(
            signatory=ours, status=CommitmentStatus.approved, visibility=Visibility.private
        ),
        "theirs": make_commitment(
            signatory=people["theirs"],
            status=CommitmentStatus.approved,
            country_code="BE",
        ),
    }
    made["approved"].dimensions = [db.session.get(ImpactDimension, "territorial_anchoring")]
    made["approved"].targets = [db.session.get(SdgTarget, "13.2")]
    made["approved"].milestones = [Milestone(title="Audit", due_date=date(2026, 12, 1))]
    for commitment in made.values():
        commitment.report_due_at = commitment.inactive_at = None
        if commitment.status == CommitmentStatus.approved:
            commitment.report_due_at = commitment.approved_at.replace(year=2027)
            commitment.inactive_at = commitment.approved_at.replace(year=2028)
    made["update"] = report_progress(made["approved"], {"status": "on_track"}, secretariat)
    db.session.commit()
    return made


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()}


def test_anonymous_readers_see_only_published_public_commitments_of_approved_signatories(
    client, db, people, commitments
):
    assert _ids(client.get("/api/v1/commitments?page_size=100")) >= {
        commitments["approved"].id,
        commitments["theirs"].id,
    }
    seen = _ids(client.get("/api/v1/commitments?signatory=ours"))
    assert seen == {commitments["approved"].id}
    people["theirs"].status = SignatoryStatus.suspended
    db.session.commit()
    assert _ids(client.get("/api/v1/commitments?signatory=theirs")) == set()
    assert client.get(f"/api/v1/commitments/{commitments['theirs'].id}").status_code == 404


def test_members_also_see_their_own_and_the_secretariat_sees_everything(
    client, people, commitments
):
    own = {commitments[key].id for key in ("draft", "submitted", "approved", "private")}
    assert _ids(client.get("/api/v1/commitments?signatory=ours", headers=people["member"])) == own
    outsider = client.get("/api/v1/commitments?signatory=ours", headers=people["outsider"])
    assert _ids(outsider) == {commitments["approved"].id}
    secretariat = client.get("/api/v1/commitments?signatory=ours", headers=people["secretariat"])
    assert _ids(secretariat) == own


@pytest.mark.parametrize("key", ["draft", "submitted", "private"])
def test_invisible_commitments_are_404_for_outsiders(client, people, commitments, key):
    commitment = commitments[key]
    for path in ("", "/smart", "/updates", "/assessments", "/history"):
        response = client.get(f"/api/v1/commitments/{commitment.id}{path}")
        assert response.status_code == 404
        assert response.get_json()["message"] == f"No commitment {commitment.id}."
        owner = client.get(f"/api/v1/commitments/{commitment.id}{path}", headers=people["member"])
        assert owner.status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("programme=CLIMATE", {"approved"}),
        ("goal=13", {"approved"}),
        ("target=13.2", {"approved"}),
        ("dimension=territorial_anchoring", {"approved"}),
        ("country=be", {"theirs"}),
        ("organisation_type=cooperative&signatory=theirs", {"theirs"}),
        ("organisation_type=state", set()),
        ("status=submitted", {"submitted"}),
        ("reporting_state=on_time&signatory=ours", {"approved", "private"}),
        ("reporting_state=overdue", set()),
    ],
)
def test_list_filters(client, people, commitments, query, expected):
    response = client.get(f"/api/v1/commitments?{query}", headers=people["secretariat"])
    assert _ids(response) == {commitments[key].id for key in expected}


def test_list_is_paginated(client, people, commitments):
    response = client.get("/api/v1/commitments?page_size=2", headers=people["secretariat"])
    assert len(response.get_json()) == 2
    assert '"total": ' in response.headers["X-Pagination"]


def test_bad_filters_are_refused_naming_the_parameter(client):
    response = client.get("/api/v1/commitments?goal=18&status=lost")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["query"]) == {"goal", "status"}


def test_detail_shows_indicators_with_their_current_value(client, db, people, commitments):
    commitment = commitments["approved"]
    indicator = commitment.indicators[0]
    report_progress(
        commitment,
        {"status": "on_track", "indicator_values": [{"indicator_id": indicator.id, "value": 50}]},
        None,
    )
    db.session.commit()
    body = client.get(f"/api/v1/commitments/{commitment.id}").get_json()
    assert body["indicators"][0]["current_value"] == "50.0000"
    assert body["indicators"][0]["progress"] == 25.0
    assert body["milestones"][0]["title"] == "Audit"


def _write_requests(commitments):
    """Every write endpoint, with a valid body, aimed at our commitments."""
    draft, submitted = commitments["draft"].id, commitments["submitted"].id
    approved, update = commitments["approved"].id, commitments["update"].id
    return [
        ("post", "/api/v1/signatories/ours/commitments", {"title": "x", "due_date": "2030-01-01"}),
        ("patch", f"/api/v1/commitments/{draft}", {"title": "Taken over"}),
        ("post", f"/api/v1/commitments/{draft}/submit", None),
        ("post", f"/api/v1/commitments/{submitted}/review", {"decision": "approve"}),
        ("post", f"/api/v1/commitments/{approved}/close", {"status": "achieved"}),
        ("post", f"/api/v1/commitments/{approved}/withdraw", {"comment": "Bye"}),
        ("post", f"/api/v1/commitments/{approved}/updates", {"status": "on_track"}),
        ("post", f"/api/v1/updates/{update}/correct", {"reason": "Mine now"}),
        ("post", f"/api/v1/commitments/{approved}/assessments", {"level": "complete"}),
    ]


def test_a_member_of_another_signatory_cannot_write_anything(client, db, people, commitments):
    before = _counts(db)
    for method, url, body in _write_requests(commitments):
        response = getattr(client, method)(url, json=body, headers=people["outsider"])
        assert response.status_code in (403, 404), (url, response.get_json())
        assert response.get_json()["message"]
    assert _counts(db) == before
    assert (
        client.get(
            f"/api/v1/commitments/{commitments['draft'].id}", headers=people["member"]
        ).get_json()["title"]
        != "Taken over"
    )


def test_writes_need_a_token(client, db, commitments):
    before = _counts(db)
    for method, url, body in _write_requests(commitments):
        response = getattr(client, method)(url, json=body)
        assert response.status_code == 401, url
    assert _counts(db) == before


def test_members_cannot_review_close_or_assess_their_own_commitments(
    client, db, people, commitments
):
    before = _counts(db)
    for method, url, body in _write_requests(commitments)[3:]:
        if url.endswith(("/review", "/close", "/assessments")):
            response = getattr(client, method)(url, json=body, headers=people["member"])
            assert response.status_code == 403
            assert "secretariat" in response.get_json()["message"]
    assert _counts(db) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/signatories/ours/commitments", {"title": "x", "due_date": "soon"}, "due_date"),
        ("post", "/signatories/ours/commitments", {"title": "x"}, "programme_id"),
        ("post", "/signatories/ours/commitments", {"proposal_id": 99999}, "proposal_id"),
        ("patch", "/commitments/{draft}", {"cadence_months": 48}, "cadence_months"),
        ("patch", "/commitments/{draft}", {"target_codes": ["99.1"]}, "target_codes"),
        ("patch", "/commitments/{draft}", {"funding_amount": 10}, "funding_currency"),
        ("patch", "/commitments/{draft}", {"colour": "red"}, "colour"),
        ("post", "/commitments/{submitted}/review", {"decision": "maybe"}, "decision"),
        ("post", "/commitments/{submitted}/review", {"decision": "request_changes"}, "comment"),
        ("post", "/commitments/{approved}/close", {"status": "withdrawn"}, "status"),
        ("post", "/commitments/{approved}/withdraw", {"comment": 5}, "comment"),
        ("post", "/commitments/{approved}/updates", {"percent_complete": 150}, "percent_complete"),
        (
            "post",
            "/commitments/{approved}/updates",
            {"status": "on_track", "evidence": [{}]},
            "evidence",
        ),
        ("post", "/updates/{update}/correct", {"status": "on_track"}, "reason"),
        ("post", "/updates/{update}/correct", {"reason": "x", "narrative": "\x00"}, "narrative"),
        ("post", "/commitments/{approved}/assessments", {"level": "great"}, "level"),
    ],
)
def test_bad_input_to_a_write_endpoint_names_the_field_and_writes_nothing(
    client, db, people, commitments, method, path, body, field
):
    ids = {key: commitments[key].id for key in ("draft", "submitted", "approved", "update")}
    before = _counts(db)
    response = getattr(client, method)(
        "/api/v1" + path.format(**ids), json=body, headers=people["secretariat"]
    )
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]
    assert _counts(db) == before


def test_submitting_an_incomplete_draft_is_a_422_with_the_score(client, db, people, commitments):
    draft = commitments["draft"]
    draft.description = "Short."
    db.session.commit()
    before = _counts(db)
    response = client.post(f"/api/v1/commitments/{draft.id}/submit", headers=people["member"])
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {
        "description": ["Describe the commitment in at least 200 characters (now 6)."]
    }
    assert "80/100" in response.get_json()["message"]
    assert _counts(db) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/commitments/{approved}", {"title": "Too late"}),
        ("post", "/commitments/{approved}/submit", None),
        ("post", "/commitments/{draft}/updates", {"status": "on_track"}),
        ("post", "/commitments/{draft}/review", {"decision": "approve"}),
        ("post", "/commitments/{submitted}/close", {"status": "achieved"}),
    ],
)
def test_steps_the_status_does_not_allow_are_409(
    client, db, people, commitments, method, path, body
):
    ids = {key: commitments[key].id for key in ("draft", "submitted", "approved")}
    before = _counts(db)
    response = getattr(client, method)(
        "/api/v1" + path.format(**ids), json=body, headers=people["secretariat"]
    )
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["message"]
    assert _counts(db) == before


def test_member_withdraws_their_commitment_and_it_is_locked(client, people, commitments):
    url = f"/api/v1/commitments/{commitments['approved'].id}"
    response = client.post(
        f"{url}/withdraw", json={"comment": "Funding lost"}, headers=people["member"]
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "withdrawn" and response.get_json()["closed_at"]
    again = client.post(f"{url}/withdraw", json={}, headers=people["member"])
    assert again.status_code == 409
    update = client.post(f"{url}/updates", json={"status": "on_track"}, headers=people["member"])
    assert update.status_code == 409


def test_secretariat_closes_and_sends_back(client, people, commitments):
    closed = client.post(
        f"/api/v1/commitments/{commitments['approved'].id}/close",
        json={"status": "partially_achieved", "comment": "Half the target"},
        headers=people["secretariat"],
    )
    assert closed.get_json()["status"] == "partially_achieved"
    sent_back = client.post(
        f"/api/v1/commitments/{commitments['submitted'].id}/review",
        json={"decision": "request_changes", "comment": "Add milestones"},
        headers=people["secretariat"],
    )
    assert sent_back.get_json()["status"] == "changes_requested"
    history = client.get(
        f"/api/v1/commitments/{commitments['submitted'].id}/history", headers=people["member"]
    ).get_json()
    assert history[-1]["status_change"]["comment"] == "Add milestones"


def test_openapi_documents_every_commitment_route(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/commitments/{commitment_id}/updates"]) >= {"get", "post"}
    post = paths["/api/v1/updates/{update_id}/correct"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(post["responses"])


def test_ids_too_large_for_the_database_are_plain_404s(client):
    huge = 2**63
    for url in (f"/api/v1/commitments/{huge}", f"/api/v1/updates/{huge}"):
        response = client.get(url)
        assert response.status_code == 404
        assert str(huge) in response.get_json()["message"]


def test_a_report_date_out_of_range_is_refused(client, people, commitments):
    response = client.post(
        f"/api/v1/commitments/{commitments['approved'].id}/updates",
        json={"status": "on_track", "reported_at": "0001-01-01T00:00:00+05:00"},
        headers=people["member"],
    )
    assert response.status_code == 422
    assert "reported_at" in response.get_json()["errors"]["json"]


def test_the_secretariat_approves_and_holds_for_an_event_in_one_request(
    client, db, people, commitments
):
    coming = event_services.create_event(
        {"name": "Coming summit", "starts_at": utcnow() + timedelta(days=30)}, None
    )
    past = event_services.create_event(
        {"name": "Past summit", "starts_at": utcnow() - timedelta(days=30)}, None
    )
    db.session.commit()
    url = f"/api/v1/commitments/{commitments['submitted'].id}/review"
    refused = client.post(
        url,
        json={"decision": "approve", "hold_for_event_id": past.id},
        headers=people["secretariat"],
    )
    assert refused.status_code == 422
    assert "hold_for_event_id" in str(refused.get_json()["errors"])
    mixed = client.post(
        url,
        json={"decision": "request_changes", "comment": "More", "hold_for_event_id": coming.id},
        headers=people["secretariat"],
    )
    assert mixed.status_code == 422
    db.session.expire_all()
    assert commitments["submitted"].status == CommitmentStatus.submitted
    response = client.post(
        url,
        json={"decision": "approve", "hold_for_event_id": coming.id},
        headers=people["secretariat"],
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "approved" and body["published_at"] is None
    assert body["held_for_event_id"] == coming.id
    assert client.get(f"/api/v1/commitments/{body['id']}").status_code == 404


def test_the_secretariat_moves_and_releases_a_hold_through_the_api(
    db, client, make_commitment, secretariat, token_for
):
    first, second = (
        event_services.create_event(
            {"name": name, "starts_at": utcnow() + timedelta(days=days)}, None
        )
        for name, days in (("Ocean Summit", 20), ("Forest Forum", 40))
    )
    commitment = make_commitment(status=CommitmentStatus.submitted)
    event_services.approve_and_hold(commitment, first, secretariat)
    headers = token_for(secretariat)
    url = f"/api/v1/commitments/{commitment.id}/hold"

    moved = client.post(url, json={"event_id": second.id}, headers=headers)
    assert moved.status_code == 200, moved.json
    assert moved.json["held_for_event_id"] == second.id
    assert client.get(f"/api/v1/commitments/{commitment.id}").status_code == 404

    refused = client.post(url, json={"event_id": 2**31 - 1}, headers=headers)
    assert refused.status_code == 422 and "event_id" in str(refused.json["errors"])
    assert commitment.embargo_event_id == second.id

    released = client.post(url, json={"event_id": None}, headers=headers)
    assert released.status_code == 200 and released.json["held_for_event_id"] is None
    assert client.get(f"/api/v1/commitments/{commitment.id}").status_code == 200
