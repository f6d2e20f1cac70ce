"""A commitment's whole journey through the API, with a member's and the secretariat's tokens.

From a proposal adapted to the member's organisation, through the SMART check,
review and approval, to progress updates, a correction and the history.
"""

import pytest

from pact_tracker.coalition.models import Role
from pact_tracker.commitments.models import Commitment, ProgressUpdate
from pact_tracker.programmes.models import Proposal, ProposalIndicator
from pact_tracker.reference.models import ImpactDimension, OrganisationType, SdgTarget

LONG_DESCRIPTION = (
    "We will hire and train people who have been out of work for more than a year, "
    "in our three workshops, with a tutor for each newcomer and a qualification at the end "
    "of the first year. Progress is measured by the number of people hired."
)


def _proposal(db, programme, organisation_types):
    # Built without autoflush: the shared fixture flushes a half-linked row, which warns.
    with db.session.no_autoflush:
        proposal = Proposal(
            programme=programme,
            title_en="Create jobs for people far from employment",
            title_fr="Créer des emplois pour les personnes éloignées de l'emploi",
            text_en="Hire and train people who have been out of work for a long time.",
            text_fr="Embaucher et former des personnes longtemps privées d'emploi.",
        )
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


@pytest.fixture
def world(db, make_signatory, make_user, make_programme, token_for):
    """A cooperative with a member, the secretariat, and proposals for two types of organisation."""
    coop = make_signatory(name="Atelier Solidaire", organisation_type_code="cooperative")
    member = make_user(signatory=coop)
    programme = make_programme(code="JOBS")
    world = {
        "coop": coop,
        "member": token_for(member),
        "secretariat": token_for(make_user(role=Role.secretariat)),
        "for_coops": _proposal(db, programme, ("cooperative",)),
        "for_states": _proposal(db, programme, ("state",)),
    }
    db.session.commit()  # requests that fail roll back to here, not past the setup
    return world


def _create(client, world, **data):
    body = {"proposal_id": world["for_coops"].id, "start_date": "2026-01-01"}
    body.update(data)
    body.setdefault("due_date", "2028-12-31")
    return client.post(
        f"/api/v1/signatories/{world['coop'].slug}/commitments", json=body, headers=world["member"]
    )


def _approved(client, world):
    """Create, complete, submit and approve a commitment; return its JSON."""
    created = _create(client, world).get_json()
    indicator = created["indicators"][0]
    client.patch(
        f"/api/v1/commitments/{created['id']}",
        json={
            "description": LONG_DESCRIPTION,
            "indicators": [{**_input(indicator), "baseline": 0, "target": 40}],
        },
        headers=world["member"],
    )
    client.post(f"/api/v1/commitments/{created['id']}/submit", headers=world["member"])
    response = client.post(
        f"/api/v1/commitments/{created['id']}/review",
        json={"decision": "approve", "comment": "Welcome"},
        headers=world["secretariat"],
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _input(indicator):
    return {key: indicator[key] for key in ("id", "name", "unit", "direction")}


def test_member_adopts_a_proposal_adapted_to_their_organisation(client, world):
    response = _create(client, world, language="fr")
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["title"] == "Créer des emplois pour les personnes éloignées de l'emploi"
    assert body["proposal_id"] == world["for_coops"].id
    assert body["programme"]["code"] == "JOBS"
    assert body["signatory"]["slug"] == world["coop"].slug
    assert body["target_codes"] == ["8.5"]
    assert body["dimension_codes"] == ["social_performance"]
    assert [i["name"] for i in body["indicators"]] == ["Emplois créés"]


def test_a_proposal_for_another_type_of_organisation_is_refused_clearly(client, db, world):
    before = db.session.scalar(db.select(db.func.count()).select_from(Commitment))
    response = _create(client, world, proposal_id=world["for_states"].id)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["proposal_id"] == [
        "This proposal is not adapted to cooperatives."
    ]
    assert db.session.scalar(db.select(db.func.count()).select_from(Commitment)) == before


def test_submitting_an_incomplete_commitment_names_what_is_missing(client, world):
    commitment = _create(client, world).get_json()
    smart = client.get(f"/api/v1/commitments/{commitment['id']}/smart", headers=world["member"])
    report = smart.get_json()
    assert report["passed"] is False
    assert {part["field"] for part in report["missing"]} == {"indicators", "description"}

    response = client.post(
        f"/api/v1/commitments/{commitment['id']}/submit", headers=world["member"]
    )
    assert response.status_code == 422
    body = response.get_json()
    assert set(body["errors"]["json"]) == {"indicators", "description"}
    assert f"{report['score']}/100" in body["message"]
    again = client.get(f"/api/v1/commitments/{commitment['id']}", headers=world["member"])
    assert again.get_json()["status"] == "draft"


def test_a_completed_commitment_is_submitted_and_approved_by_the_secretariat(client, world):
    approved = _approved(client, world)
    assert approved["status"] == "approved"
    assert approved["approved_at"] and approved["published_at"]
    assert approved["reporting_state"] == "on_time"
    public = client.get("/api/v1/commitments").get_json()
    assert approved["id"] in {c["id"] for c in public}


def test_member_reports_progress_and_corrects_an_update(client, world):
    commitment = _approved(client, world)
    indicator_id = commitment["indicators"][0]["id"]
    url = f"/api/v1/commitments/{commitment['id']}/updates"
    first = client.post(
        url,
        json={
            "status": "on_track",
            "percent_complete": 25,
            "narrative": "Ten people hired.",
            "indicator_values": [{"indicator_id": indicator_id, "value": 10}],
            "evidence": [{"kind": "testimony", "title": "Karim, welder", "url": "https://x.org"}],
        },
        headers=world["member"],
    )
    assert first.status_code == 201
    first = first.get_json()
    assert first["source"] == "api" and first["values"][0]["value"] == "10.0000"
    second = client.post(
        url, json={"status": "delayed", "percent_complete": 30}, headers=world["member"]
    ).get_json()

    correction = client.post(
        f"/api/v1/updates/{first['id']}/correct",
        json={"reason": "Two hires were interns", "percent_complete": 20},
        headers=world["member"],
    )
    assert correction.status_code == 201
    correction = correction.get_json()
    assert correction["supersedes_id"] == first["id"]
    assert correction["reported_at"] == first["reported_at"]
    assert (correction["percent_complete"], correction["narrative"]) == (20, "Ten people hired.")

    original = client.get(f"/api/v1/updates/{first['id']}", headers=world["member"]).get_json()
    assert original["percent_complete"] == 25
    assert original["superseded_by_id"] == correction["id"]
    listed = client.get(url, headers=world["member"]).get_json()
    assert {u["id"] for u in listed} == {first["id"], second["id"], correction["id"]}
    again = client.post(
        f"/api/v1/updates/{first['id']}/correct", json={"reason": "Again"}, headers=world["member"]
    )
    assert again.status_code == 409
    assert str(correction["id"]) in again.get_json()["message"]


def test_the_history_reads_as_a_timeline(client, world):
    commitment = _approved(client, world)
    update = client.post(
        f"/api/v1/commitments/{commitment['id']}/updates",
        json={"status": "on_track"},
        headers=world["member"],
    ).get_json()
    client.post(
        f"/api/v1/updates/{update['id']}/correct",
        json={"reason": "Wrong status", "status": "delayed"},
        headers=world["member"],
    )
    client.post(
        f"/api/v1/commitments/{commitment['id']}/assessments",
        json={"level": "limited", "comment": "Early days"},
        headers=world["secretariat"],
    )
    history = client.get(
        f"/api/v1/commitments/{commitment['id']}/history", headers=world["member"]
    ).get_json()
    assert [entry["kind"] for entry in history] == [
        "status_change",
        "status_change",
        "status_change",
        "progress_update",
        "correction",
        "assessment",
    ]
    assert [e["status_change"]["to_status"] for e in history[:3]] == [
        "draft",
        "submitted",
        "approved",
    ]
    assert history[4]["update"]["supersedes_id"] == update["id"]
    assert history[4]["update"]["correction_reason"] == "Wrong status"
    assert history[5]["assessment"]["level"] == "limited"
    assert history[0]["update"] is None and history[3]["status_change"] is None


def test_the_journey_leaves_one_update_in_force(client, db, world):
    commitment = _approved(client, world)
    update = client.post(
        f"/api/v1/commitments/{commitment['id']}/updates",
        json={"status": "on_track"},
        headers=world["member"],
    ).get_json()
    client.post(
        f"/api/v1/updates/{update['id']}/correct",
        json={"reason": "Typo", "status": "completed"},
        headers=world["member"],
    )
    rows = db.session.scalars(
        db.select(ProgressUpdate).where(ProgressUpdate.commitment_id == commitment["id"])
    ).all()
    live = [row for row in rows if row.superseded_by is None]
    assert len(rows) == 2 and [row.status for row in live] == ["completed"]


def test_the_public_history_leaves_out_the_review_between_signatory_and_secretariat(client, world):
    commitment = _approved(client, world)
    url = f"/api/v1/commitments/{commitment['id']}/history"
    own = client.get(url, headers=world["member"]).get_json()
    public = client.get(url).get_json()
    steps = [e["status_change"]["to_status"] for e in own if e["kind"] == "status_change"]
    assert "submitted" in steps
    assert [e["status_change"]["to_status"] for e in public if e["kind"] == "status_change"] == [
        "approved"
    ]
