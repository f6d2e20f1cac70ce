"""Programmes and proposals through the API: public reads, secretariat writes, type filtering.

A refused request rolls its transaction back, and with it whatever the test
had only flushed, so tests commit their fixtures (a savepoint, still undone
after the test) before sending a request that should fail.
"""

import json

import pytest

from pact_tracker.coalition.models import Role
from pact_tracker.core.activity import Activity
from pact_tracker.programmes.models import Programme, Proposal, ProposalIndicator

API = "/api/v1"


def _count(db, model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def people(db, make_signatory, make_user, token_for):
    """A secretariat, a cooperative's member and a state's member, with their tokens."""
    coop = make_signatory(name="coop", organisation_type_code="cooperative")
    state = make_signatory(name="state", organisation_type_code="state")
    users = {
        "secretariat": make_user(role=Role.secretariat),
        "coop": make_user(signatory=coop),
        "state": make_user(signatory=state),
    }
    return {key: token_for(user) for key, user in users.items()}


@pytest.fixture
def catalogue(db, make_programme, make_proposal):
    """An active programme with proposals for several types, and an inactive programme."""
    jobs = make_programme(code="ZZ-JOBS")
    closed = make_programme(code="ZZ-OLD", active=False)
    proposals = {
        "coop": make_proposal(programme=jobs, title_en="For cooperatives"),
        "state": make_proposal(
            programme=jobs, organisation_types=("state",), title_en="For states"
        ),
        "both": make_proposal(
            programme=jobs, organisation_types=("state", "cooperative"), title_en="For both"
        ),
        "retired": make_proposal(programme=jobs, active=False, title_en="Retired"),
        "closed": make_proposal(programme=closed, title_en="In a closed programme"),
    }
    return {"jobs": jobs, "closed": closed, "proposals": proposals}


def _titles(response) -> list[str]:
    return [p["title_en"] for p in response.get_json()]


def _programme_data(**overrides):
    data = {
        "code": "ZZ-CLIMATE",
        "name_en": "Climate transition",
        "name_fr": "Transition climatique",
        "goal_numbers": [13, 7],
    }
    data.update(overrides)
    return data


def _proposal_data(**overrides):
    data = {
        "title_en": "Cut the energy use of public buildings",
        "title_fr": "Réduire la consommation énergétique des bâtiments publics",
        "organisation_type_codes": ["local_authority"],
        "target_codes": ["7.3"],
        "dimension_codes": ["territorial_anchoring"],
        "indicators": [
            {
                "name_en": "Energy used",
                "name_fr": "Énergie consommée",
                "unit": "MWh",
                "direction": "decrease",
            }
        ],
    }
    data.update(overrides)
    return data


def test_everyone_sees_the_active_programmes_and_secretariat_all(client, db, catalogue, people):
    codes = [p["code"] for p in client.get(f"{API}/programmes").get_json()]
    assert "ZZ-JOBS" in codes and "ZZ-OLD" not in codes
    every = client.get(f"{API}/programmes", headers=people["secretariat"]).get_json()
    assert {"ZZ-JOBS", "ZZ-OLD"} <= {p["code"] for p in every}
    jobs = client.get(f"{API}/programmes/zz-jobs").get_json()
    assert (jobs["name_fr"], jobs["goal_numbers"]) == ("Programme ZZ-JOBS (fr)", [8])


def test_an_inactive_programme_is_404_except_for_the_secretariat(client, db, catalogue, people):
    db.session.commit()
    response = client.get(f"{API}/programmes/ZZ-OLD", headers=people["coop"])
    assert response.status_code == 404
    assert response.get_json()["message"] == "No programme 'ZZ-OLD'."
    seen = client.get(f"{API}/programmes/ZZ-OLD", headers=people["secretariat"])
    assert seen.get_json()["active"] is False


def test_anonymous_sees_every_active_proposal_with_pagination(client, db, catalogue):
    response = client.get(f"{API}/programmes/ZZ-JOBS/proposals?page_size=2")
    assert _titles(response) == ["For cooperatives", "For states"]
    pagination = json.loads(response.headers["X-Pagination"])
    assert (pagination["total"], pagination["last_page"]) == (3, 2)
    second = client.get(f"{API}/programmes/ZZ-JOBS/proposals?page_size=2&page=2")
    assert _titles(second) == ["For both"]


def test_a_member_sees_the_proposals_adapted_to_their_organisation(client, db, catalogue, people):
    coop = client.get(f"{API}/programmes/ZZ-JOBS/proposals", headers=people["coop"])
    assert _titles(coop) == ["For cooperatives", "For both"]
    state = client.get(f"{API}/programmes/ZZ-JOBS/proposals", headers=people["state"])
    assert _titles(state) == ["For states", "For both"]


def test_a_member_may_ask_for_every_proposal(client, db, catalogue, people):
    response = client.get(f"{API}/programmes/ZZ-JOBS/proposals?all=true", headers=people["coop"])
    assert _titles(response) == ["For cooperatives", "For states", "For both"]


def test_proposals_filter_by_organisation_type(client, db, catalogue, people):
    anonymous = client.get(f"{API}/programmes/ZZ-JOBS/proposals?organisation_type=state")
    assert _titles(anonymous) == ["For states", "For both"]
    chosen = client.get(
        f"{API}/programmes/ZZ-JOBS/proposals?organisation_type=state", headers=people["coop"]
    )
    assert _titles(chosen) == ["For states", "For both"]
    secretariat = client.get(
        f"{API}/programmes/ZZ-JOBS/proposals?organisation_type=cooperative",
        headers=people["secretariat"],
    )
    assert _titles(secretariat) == ["For cooperatives", "For both", "Retired"]


def test_a_proposal_shows_its_suggestions(client, db, catalogue):
    proposal = catalogue["proposals"]["both"]
    body = client.get(f"{API}/proposals/{proposal.id}").get_json()
    assert body["programme_code"] == "ZZ-JOBS"
    assert body["organisation_type_codes"] == ["state", "cooperative"]
    assert (body["target_codes"], body["dimension_codes"]) == (["8.5"], ["social_performance"])
    assert body["indicators"][0]["name_fr"] == "Emplois créés"
    assert body["indicators"][0]["direction"] == "increase"


def test_retired_proposals_are_404_except_for_the_secretariat(client, db, catalogue, people):
    db.session.commit()
    for key in ("retired", "closed"):
        proposal_id = catalogue["proposals"][key].id
        assert client.get(f"{API}/proposals/{proposal_id}").status_code == 404
        seen = client.get(f"{API}/proposals/{proposal_id}", headers=people["secretariat"])
        assert seen.status_code == 200 and seen.get_json()["id"] == proposal_id


def test_secretariat_creates_a_programme(client, db, people):
    response = client.post(
        f"{API}/programmes", json=_programme_data(code="zz-climate"), headers=people["secretariat"]
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["code"], body["goal_numbers"], body["active"]) == ("ZZ-CLIMATE", [7, 13], True)
    entry = db.session.scalar(db.select(Activity).where(Activity.action == "programme.created"))
    assert entry.payload["code"] == "ZZ-CLIMATE"


@pytest.mark.parametrize("who", [None, "coop"])
def test_only_the_secretariat_writes_programmes(client, db, people, catalogue, who):
    db.session.commit()
    headers = people[who] if who else {}
    programmes = _count(db, Programme)
    created = client.post(f"{API}/programmes", json=_programme_data(), headers=headers)
    updated = client.patch(f"{API}/programmes/ZZ-JOBS", json={"name_en": "X"}, headers=headers)
    expected = 403 if who else 401
    assert (created.status_code, updated.status_code) == (expected, expected)
    assert _count(db, Programme) == programmes
    assert db.session.get(Programme, catalogue["jobs"].id).name_en == "Programme ZZ-JOBS"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "bad code!"}, "code"),
        ({"code": "ZZ-JOBS"}, "code"),
        ({"name_fr": ""}, "name_fr"),
        ({"goal_numbers": [18]}, "goal_numbers"),
        ({"goal_numbers": ["eight"]}, "goal_numbers"),
        ({"sponsor": "ACME"}, "sponsor"),
    ],
)
def test_bad_programme_is_a_422_naming_the_field_and_writes_nothing(
    client, db, people, catalogue, overrides, field
):
    db.session.commit()
    before = (_count(db, Programme), _count(db, Activity))
    response = client.post(
        f"{API}/programmes", json=_programme_data(**overrides), headers=people["secretariat"]
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == [field]
    assert (_count(db, Programme), _count(db, Activity)) == before


def test_secretariat_closes_a_programme(client, db, people, catalogue):
    response = client.patch(
        f"{API}/programmes/ZZ-JOBS",
        json={"active": False, "goal_numbers": [8, 10]},
        headers=people["secretariat"],
    )
    assert response.status_code == 200
    assert (response.get_json()["active"], response.get_json()["goal_numbers"]) == (False, [8, 10])
    assert client.get(f"{API}/programmes/ZZ-JOBS").status_code == 404


def test_secretariat_adds_a_proposal(client, db, people, catalogue):
    response = client.post(
        f"{API}/programmes/ZZ-JOBS/proposals", json=_proposal_data(), headers=people["secretariat"]
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["programme_code"], body["organisation_type_codes"]) == (
        "ZZ-JOBS",
        ["local_authority"],
    )
    assert body["indicators"][0]["direction"] == "decrease"
    entry = db.session.scalar(db.select(Activity).where(Activity.action == "proposal.created"))
    assert entry.subject_id == body["id"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"organisation_type_codes": []}, "organisation_type_codes"),
        ({"organisation_type_codes": ["guild"]}, "organisation_type_codes"),
        ({"target_codes": ["99.1"]}, "target_codes"),
        ({"dimension_codes": ["vibes"]}, "dimension_codes"),
        (
            {"indicators": [{"name_en": "E", "name_fr": "E", "unit": "u", "direction": "up"}]},
            "indicators",
        ),
        ({"title_en": ""}, "title_en"),
    ],
)
def test_bad_proposal_is_a_422_naming_the_field_and_writes_nothing(
    client, db, people, catalogue, overrides, field
):
    db.session.commit()
    before = (_count(db, Proposal), _count(db, ProposalIndicator), _count(db, Activity))
    response = client.post(
        f"{API}/programmes/ZZ-JOBS/proposals",
        json=_proposal_data(**overrides),
        headers=people["secretariat"],
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == [field]
    assert (_count(db, Proposal), _count(db, ProposalIndicator), _count(db, Activity)) == before


def test_members_cannot_write_proposals(client, db, people, catalogue):
    db.session.commit()
    proposal = catalogue["proposals"]["coop"]
    proposals = _count(db, Proposal)
    created = client.post(
        f"{API}/programmes/ZZ-JOBS/proposals", json=_proposal_data(), headers=people["coop"]
    )
    updated = client.patch(
        f"{API}/proposals/{proposal.id}", json={"title_en": "Mine now"}, headers=people["coop"]
    )
    assert (created.status_code, updated.status_code) == (403, 403)
    assert _count(db, Proposal) == proposals
    assert db.session.get(Proposal, proposal.id).title_en == "For cooperatives"


def test_secretariat_updates_a_proposal_replacing_its_lists(client, db, people, catalogue):
    proposal = catalogue["proposals"]["coop"]
    response = client.patch(
        f"{API}/proposals/{proposal.id}",
        json={"organisation_type_codes": ["association", "mutual"], "active": False},
        headers=people["secretariat"],
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["organisation_type_codes"], body["active"]) == (["association", "mutual"], False)
    assert body["target_codes"] == ["8.5"]
    assert client.get(f"{API}/proposals/{proposal.id}").status_code == 404


def test_nul_characters_and_huge_ids_are_refused_cleanly(client, db, people):
    db.session.commit()
    assert client.get(f"{API}/programmes/A%00B").status_code == 404
    assert client.get(f"{API}/proposals/{2**70}").status_code == 404
    filtered = client.get(f"{API}/programmes/ZZ/proposals?organisation_type=a%00")
    assert filtered.status_code == 422
    assert list(filtered.get_json()["errors"]["query"]) == ["organisation_type"]
    created = client.post(
        f"{API}/programmes",
        json=_programme_data(name_en="Climate\x00"),
        headers=people["secretariat"],
    )
    assert created.get_json()["errors"]["json"] == {"name_en": ["Must not contain NUL characters."]}
