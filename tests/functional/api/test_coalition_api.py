"""The coalition through the API: who sees which signatory, who may change what.

A refused request rolls its transaction back, and with it whatever the test
had only flushed, so tests commit their fixtures (a savepoint, still undone
after the test) before sending a request that should fail.
"""

import json
from datetime import date

import pytest

from pact_tracker.coalition import services
from pact_tracker.coalition.models import Membership, Role, Signatory, SignatoryStatus, User
from pact_tracker.core.activity import Activity

API = "/api/v1"


def _count(db, model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def members(db, make_signatory, make_user, token_for):
    """Two approved signatories with an admin member each, and a secretariat; committed."""
    ours = make_signatory(name="ours")
    theirs = make_signatory(name="theirs")
    people = {
        "ours": ours,
        "theirs": theirs,
        "admin": make_user(signatory=ours, name="Olga Ours"),
        "stranger": make_user(signatory=theirs, name="Theo Theirs"),
        "secretariat": make_user(role=Role.secretariat, name="Sam Secretariat"),
    }
    people["headers"] = {
        key: token_for(people[key]) for key in ("admin", "stranger", "secretariat")
    }
    db.session.commit()
    return people


def _new_signatory(**overrides):
    data = {
        "name": "Ville de Lille",
        "organisation_type_code": "local_authority",
        "country_code": "FR",
        "subdivision_code": "FR-HDF",
        "website": "https://lille.example.fr",
    }
    data.update(overrides)
    return data


def test_anonymous_list_shows_only_approved_signatories_by_name(client, db, make_signatory):
    make_signatory(name="zz-list-b")
    make_signatory(name="zz-list-a")
    make_signatory(name="zz-list-c", status=SignatoryStatus.applied)
    make_signatory(name="zz-list-d", status=SignatoryStatus.suspended)
    response = client.get(f"{API}/signatories?q=zz-list")
    assert response.status_code == 200
    assert [s["slug"] for s in response.get_json()] == ["zz-list-a", "zz-list-b"]
    assert response.get_json()[0]["organisation_type"]["label_fr"] == "Coopérative"


def test_list_is_paginated_with_a_header(client, db, make_signatory):
    for letter in "abcde":
        make_signatory(name=f"zz-page-{letter}")
    response = client.get(f"{API}/signatories?q=zz-page&page=2&page_size=2")
    assert [s["slug"] for s in response.get_json()] == ["zz-page-c", "zz-page-d"]
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 5
    assert (pagination["page"], pagination["last_page"]) == (2, 3)


def test_list_filters_by_type_country_and_acronym(client, db, make_signatory):
    make_signatory(name="zz-f-coop", acronym="ZZFCOOP")
    make_signatory(name="zz-f-state", organisation_type_code="state", country_code="BE")
    by_type = client.get(f"{API}/signatories?q=zz-f&organisation_type=state").get_json()
    assert [s["slug"] for s in by_type] == ["zz-f-state"]
    by_country = client.get(f"{API}/signatories?q=zz-f&country=be").get_json()
    assert [s["country"]["name_en"] for s in by_country] == ["Belgium"]
    by_acronym = client.get(f"{API}/signatories?q=zzfcoop").get_json()
    assert [s["slug"] for s in by_acronym] == ["zz-f-coop"]


def test_status_filter_beyond_approved_is_for_the_secretariat(
    client, db, make_signatory, secretariat, token_for
):
    make_signatory(name="zz-s-applied", status=SignatoryStatus.applied)
    anonymous = client.get(f"{API}/signatories?q=zz-s&status=applied").get_json()
    assert anonymous == []
    seen = client.get(
        f"{API}/signatories?q=zz-s&status=applied", headers=token_for(secretariat)
    ).get_json()
    assert [s["status"] for s in seen] == ["applied"]


def test_unapproved_signatory_is_404_except_for_its_members_and_secretariat(
    client, db, make_signatory, make_user, secretariat, token_for
):
    pending = make_signatory(name="pending-org", status=SignatoryStatus.applied)
    member = make_user(signatory=pending)
    outsider = make_user(signatory=make_signatory())
    db.session.commit()
    assert client.get(f"{API}/signatories/pending-org").status_code == 404
    refused = client.get(f"{API}/signatories/pending-org", headers=token_for(outsider))
    assert refused.status_code == 404
    assert refused.get_json()["message"] == "No signatory 'pending-org'."
    own = client.get(f"{API}/signatories/pending-org", headers=token_for(member)).get_json()
    assert own["status"] == "applied"
    seen = client.get(f"{API}/signatories/pending-org", headers=token_for(secretariat))
    assert seen.get_json()["name"] == "pending-org"


def test_anonymous_cannot_create_a_signatory(client, db):
    response = client.post(f"{API}/signatories", json=_new_signatory())
    assert response.status_code == 401
    assert response.get_json()["message"] == "This operation needs a Bearer token."
    assert db.session.scalar(db.select(Signatory).where(Signatory.slug == "ville-de-lille")) is None


def test_secretariat_creates_an_approved_signatory(client, db, members):
    response = client.post(
        f"{API}/signatories", json=_new_signatory(), headers=members["headers"]["secretariat"]
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["slug"], body["status"]) == ("ville-de-lille", "approved")
    assert body["manifesto_signed_on"] == date.today().isoformat()
    entry = db.session.scalar(db.select(Activity).where(Activity.action == "signatory.created"))
    assert entry.actor_id == members["secretariat"].id


def test_secretariat_may_register_an_application(client, db, members):
    response = client.post(
        f"{API}/signatories",
        json=_new_signatory(status="applied"),
        headers=members["headers"]["secretariat"],
    )
    assert response.get_json()["status"] == "applied"


def test_a_member_applies_and_becomes_admin_of_the_application(client, db, members):
    response = client.post(
        f"{API}/signatories", json=_new_signatory(), headers=members["headers"]["stranger"]
    )
    assert response.status_code == 201
    assert response.get_json()["status"] == "applied"
    signatory = db.session.scalar(db.select(Signatory).where(Signatory.slug == "ville-de-lille"))
    (membership,) = signatory.memberships
    assert membership.user_id == members["stranger"].id and membership.is_admin


def test_a_member_cannot_approve_their_own_application(client, db, members):
    signatories = _count(db, Signatory)
    response = client.post(
        f"{API}/signatories",
        json=_new_signatory(status="approved"),
        headers=members["headers"]["stranger"],
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {
        "status": ["Only the secretariat may set this field."]
    }
    assert _count(db, Signatory) == signatories


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"country_code": "XX"}, "country_code"),
        ({"subdivision_code": "BE-VAN"}, "subdivision_code"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"name": ""}, "name"),
        ({"name": 42}, "name"),
        ({"rating": 5}, "rating"),
    ],
)
def test_bad_signatory_is_a_422_naming_the_field_and_writes_nothing(
    client, db, members, overrides, field
):
    before = (_count(db, Signatory), _count(db, Activity))
    response = client.post(
        f"{API}/signatories",
        json=_new_signatory(**overrides),
        headers=members["headers"]["secretariat"],
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]
    assert (_count(db, Signatory), _count(db, Activity)) == before


def test_member_edits_their_own_profile(client, db, members):
    response = client.patch(
        f"{API}/signatories/ours",
        json={"locality": "Roubaix", "acronym": "OUR"},
        headers=members["headers"]["admin"],
    )
    assert response.status_code == 200
    assert (response.get_json()["locality"], response.get_json()["acronym"]) == ("Roubaix", "OUR")
    entry = db.session.scalar(db.select(Activity).where(Activity.action == "signatory.updated"))
    assert entry.actor_id == members["admin"].id
    assert set(entry.payload["changes"]) == {"locality", "acronym"}


def test_member_of_another_signatory_cannot_edit_it(client, db, members):
    response = client.patch(
        f"{API}/signatories/theirs",
        json={"locality": "Nowhere"},
        headers=members["headers"]["admin"],
    )
    assert response.status_code == 403
    assert db.session.get(Signatory, members["theirs"].id).locality is None


def test_member_cannot_change_slug_but_secretariat_can(client, db, members):
    refused = client.patch(
        f"{API}/signatories/ours", json={"slug": "renamed"}, headers=members["headers"]["admin"]
    )
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]["json"]) == ["slug"]
    done = client.patch(
        f"{API}/signatories/ours",
        json={"slug": "renamed"},
        headers=members["headers"]["secretariat"],
    )
    assert done.get_json()["slug"] == "renamed"
    assert client.get(f"{API}/signatories/renamed").status_code == 200


def test_bad_profile_update_is_a_422_and_changes_nothing(client, db, members):
    response = client.patch(
        f"{API}/signatories/ours",
        json={"locality": "Lens", "website": "www.no-scheme.fr"},
        headers=members["headers"]["admin"],
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["website"]
    assert db.session.get(Signatory, members["ours"].id).locality is None


def test_secretariat_suspends_with_a_reason(client, db, members):
    response = client.post(
        f"{API}/signatories/theirs/status",
        json={"status": "suspended", "reason": "No report since 2024"},
        headers=members["headers"]["secretariat"],
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["status_reason"]) == ("suspended", "No report since 2024")
    assert client.get(f"{API}/signatories/theirs").status_code == 404


def test_members_cannot_change_a_status(client, db, members):
    for who, slug in (("admin", "ours"), ("admin", "theirs")):
        response = client.post(
            f"{API}/signatories/{slug}/status",
            json={"status": "withdrawn"},
            headers=members["headers"][who],
        )
        assert response.status_code == 403
    assert db.session.get(Signatory, members["ours"].id).status == SignatoryStatus.approved


def test_refused_transition_is_a_409_with_the_reason(client, db, members):
    response = client.post(
        f"{API}/signatories/ours/status",
        json={"status": "rejected"},
        headers=members["headers"]["secretariat"],
    )
    assert response.status_code == 409
    assert response.get_json()["message"] == (
        "A signatory that is approved cannot become rejected. It can become: suspended, withdrawn."
    )


def test_members_list_is_for_its_members_and_the_secretariat(client, db, members):
    own = client.get(f"{API}/signatories/ours/members", headers=members["headers"]["admin"])
    assert [m["user"]["name"] for m in own.get_json()] == ["Olga Ours"]
    assert own.get_json()[0]["is_admin"] is True
    other = client.get(f"{API}/signatories/ours/members", headers=members["headers"]["stranger"])
    assert other.status_code == 403
    assert client.get(f"{API}/signatories/ours/members").status_code == 401
    seen = client.get(f"{API}/signatories/ours/members", headers=members["headers"]["secretariat"])
    assert seen.status_code == 200 and len(seen.get_json()) == 1


def test_admin_member_invites_a_new_colleague(client, db, members):
    response = client.post(
        f"{API}/signatories/ours/members",
        json={"email": "New.Person@Example.org", "name": "New Person", "locale": "fr"},
        headers=members["headers"]["admin"],
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "new.person@example.org" and body["pending"] is True
    assert (body["signatory"]["slug"], body["is_admin"]) == ("ours", False)
    user = db.session.scalar(db.select(User).where(User.email == "new.person@example.org"))
    assert user.locale == "fr" and user.signatory_ids == set()


def test_inviting_an_existing_user_reveals_nothing_about_their_account(client, db, members):
    response = client.post(
        f"{API}/signatories/ours/members",
        json={"email": members["stranger"].email, "name": "Anyone", "is_admin": True},
        headers=members["headers"]["secretariat"],
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "email", "name", "is_admin", "pending", "signatory"}
    assert (body["name"], body["pending"]) == ("Anyone", True)
    assert db.session.get(User, members["stranger"].id).signatory_ids == {members["theirs"].id}


def test_a_pending_invitation_shows_only_what_the_inviter_typed_until_accepted(
    client, db, members, make_user
):
    organiser = make_user(
        role=Role.organiser, name="Event Organiser", email="organiser@example.org"
    )
    db.session.commit()
    headers = members["headers"]["admin"]
    answers = [
        client.post(
            f"{API}/signatories/ours/members",
            json={"email": email, "name": "A colleague"},
            headers=headers,
        )
        for email in ("organiser@example.org", "nobody-yet@example.org")
    ]
    assert [answer.status_code for answer in answers] == [201, 201]
    bodies = [answer.get_json() for answer in answers]
    assert [body.pop("email") for body in bodies] == [
        "organiser@example.org",
        "nobody-yet@example.org",
    ]
    assert bodies[1].pop("id") == bodies[0].pop("id") + 1
    assert bodies[0] == bodies[1]
    assert bodies[0]["name"] == "A colleague"

    for who in ("admin", "secretariat"):
        listed = client.get(f"{API}/signatories/ours/members", headers=members["headers"][who])
        pending = [m["user"] for m in listed.get_json() if m["pending"]]
        assert pending == [
            {"id": None, "name": "A colleague", "email": "organiser@example.org"},
            {"id": None, "name": "A colleague", "email": "nobody-yet@example.org"},
        ], who
        assert "Event Organiser" not in listed.get_data(as_text=True)
    log = client.get(f"{API}/activity?action=membership.invited", headers=headers)
    assert [entry["payload"] for entry in log.get_json()] == [
        {"email": email, "name": "A colleague", "is_admin": False}
        for email in ("nobody-yet@example.org", "organiser@example.org")
    ]

    # The secretariat's list of accounts tells an invitation from a membership.
    accounts = client.get(
        f"{API}/users?q=organiser@example.org", headers=members["headers"]["secretariat"]
    ).get_json()
    assert [(m["signatory"]["slug"], m["pending"]) for m in accounts[0]["memberships"]] == [
        ("ours", True)
    ]

    invitation = db.session.get(Membership, answers[0].get_json()["id"])
    services.accept_invitation(invitation, organiser)
    db.session.commit()
    listed = client.get(f"{API}/signatories/ours/members", headers=headers).get_json()
    accepted = next(m for m in listed if m["id"] == invitation.id)
    assert accepted["pending"] is False
    assert accepted["user"] == {
        "id": organiser.id,
        "name": "Event Organiser",
        "email": "organiser@example.org",
    }


def test_non_admin_and_outsiders_cannot_invite(client, db, members, make_user, token_for):
    plain = make_user()
    db.session.add(Membership(user=plain, signatory=members["ours"], is_admin=False))
    headers = token_for(plain)
    db.session.commit()
    memberships = _count(db, Membership)
    for who_headers in (headers, members["headers"]["stranger"]):
        response = client.post(
            f"{API}/signatories/ours/members",
            json={"email": "x@example.org", "name": "X"},
            headers=who_headers,
        )
        assert response.status_code == 403
    assert _count(db, Membership) == memberships
    assert db.session.scalar(db.select(User).where(User.email == "x@example.org")) is None


def test_inviting_a_stranger_without_a_name_is_a_422(client, db, members):
    users = _count(db, User)
    response = client.post(
        f"{API}/signatories/ours/members",
        json={"email": "nameless@example.org"},
        headers=members["headers"]["admin"],
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["name"]
    assert _count(db, User) == users


def test_admin_removes_a_member(client, db, members, make_user):
    colleague = make_user(signatory=members["ours"])
    membership_id = colleague.memberships[0].id
    db.session.commit()
    refused = client.delete(
        f"{API}/signatories/ours/members/{membership_id}", headers=members["headers"]["stranger"]
    )
    assert refused.status_code == 403
    response = client.delete(
        f"{API}/signatories/ours/members/{membership_id}", headers=members["headers"]["admin"]
    )
    assert response.status_code == 204
    assert db.session.get(Membership, membership_id) is None
    missing = client.delete(
        f"{API}/signatories/theirs/members/{membership_id}",
        headers=members["headers"]["secretariat"],
    )
    assert missing.status_code == 404


def test_me_shows_the_user_and_their_memberships(client, db, members):
    response = client.get(f"{API}/users/me", headers=members["headers"]["admin"])
    body = response.get_json()
    assert (body["name"], body["role"]) == ("Olga Ours", "member")
    assert [m["signatory"]["slug"] for m in body["memberships"]] == ["ours"]
    assert client.get(f"{API}/users/me").status_code == 401


def test_me_can_change_language_and_reminders_but_not_role(client, db, members):
    response = client.patch(
        f"{API}/users/me",
        json={"locale": "fr", "reminders_opt_out": True},
        headers=members["headers"]["admin"],
    )
    assert (response.get_json()["locale"], response.get_json()["reminders_opt_out"]) == ("fr", True)
    refused = client.patch(
        f"{API}/users/me", json={"role": "secretariat"}, headers=members["headers"]["admin"]
    )
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]["json"]) == ["role"]
    assert db.session.get(User, members["admin"].id).role == Role.member


def test_users_list_and_creation_are_for_the_secretariat(client, db, members):
    refused = client.get(f"{API}/users", headers=members["headers"]["admin"])
    assert refused.status_code == 403
    listed = client.get(f"{API}/users?q=theirs", headers=members["headers"]["secretariat"])
    assert [u["name"] for u in listed.get_json()] == ["Theo Theirs"]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1
    users = _count(db, User)
    refused = client.post(
        f"{API}/users",
        json={"email": "new@example.org", "name": "New"},
        headers=members["headers"]["admin"],
    )
    assert refused.status_code == 403
    assert _count(db, User) == users


def test_secretariat_creates_a_user_for_a_signatory(client, db, members):
    response = client.post(
        f"{API}/users",
        json={
            "email": "Organiser@example.org",
            "name": "Orla",
            "role": "organiser",
            "signatory": "ours",
            "is_admin": True,
        },
        headers=members["headers"]["secretariat"],
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["email"], body["role"]) == ("organiser@example.org", "organiser")
    assert body["memberships"][0]["signatory"]["slug"] == "ours"
    assert body["memberships"][0]["is_admin"] is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "no-at-sign", "name": "N"}, "email"),
        ({"name": "Dup"}, "email"),
        ({"email": "fine@example.org", "name": "N", "signatory": "nope"}, "signatory"),
        ({"email": "fine@example.org", "name": "N", "locale": "de"}, "locale"),
    ],
)
def test_bad_user_is_a_422_naming_the_field(client, db, members, payload, field):
    payload.setdefault("email", members["admin"].email.upper())
    users = _count(db, User)
    response = client.post(f"{API}/users", json=payload, headers=members["headers"]["secretariat"])
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == [field]
    assert _count(db, User) == users


def test_deactivated_user_loses_api_access(client, db, members):
    response = client.patch(
        f"{API}/users/{members['stranger'].id}",
        json={"active": False},
        headers=members["headers"]["secretariat"],
    )
    assert response.status_code == 200
    assert response.get_json()["active"] is False
    refused = client.get(f"{API}/users/me", headers=members["headers"]["stranger"])
    assert refused.status_code == 401


def test_only_the_secretariat_updates_other_users(client, db, members):
    response = client.patch(
        f"{API}/users/{members['stranger'].id}",
        json={"name": "Hacked"},
        headers=members["headers"]["admin"],
    )
    assert response.status_code == 403
    assert db.session.get(User, members["stranger"].id).name == "Theo Theirs"


def test_activity_needs_a_token(client, db):
    response = client.get(f"{API}/activity")
    assert response.status_code == 401
    assert response.get_json()["message"] == "This operation needs a Bearer token."


def test_member_sees_only_their_signatories_activity_newest_first(client, db, members):
    headers = members["headers"]
    client.patch(f"{API}/signatories/ours", json={"locality": "A"}, headers=headers["admin"])
    client.patch(f"{API}/signatories/ours", json={"locality": "B"}, headers=headers["admin"])
    client.patch(f"{API}/signatories/theirs", json={"locality": "C"}, headers=headers["stranger"])
    entries = client.get(f"{API}/activity", headers=headers["admin"]).get_json()
    assert {e["signatory_id"] for e in entries} == {members["ours"].id}
    localities = [e["payload"]["changes"]["locality"]["to"] for e in entries]
    assert localities[:2] == ["B", "A"]
    assert entries[0]["actor"] == {"id": members["admin"].id, "name": "Olga Ours"}
    refused = client.get(
        f"{API}/activity?signatory_id={members['theirs'].id}", headers=headers["admin"]
    )
    assert refused.status_code == 403


def test_secretariat_filters_activity(client, db, members):
    headers = members["headers"]
    client.patch(f"{API}/signatories/ours", json={"locality": "A"}, headers=headers["admin"])
    client.post(
        f"{API}/signatories/theirs/status",
        json={"status": "suspended"},
        headers=headers["secretariat"],
    )
    by_prefix = client.get(
        f"{API}/activity?action=signatory.&actor_id={members['secretariat'].id}",
        headers=headers["secretariat"],
    ).get_json()
    assert [e["action"] for e in by_prefix] == ["signatory.suspended"]
    by_signatory = client.get(
        f"{API}/activity?signatory_id={members['ours'].id}&action=signatory.updated",
        headers=headers["secretariat"],
    ).get_json()
    assert [e["signatory_id"] for e in by_signatory] == [members["ours"].id]
    future = client.get(
        f"{API}/activity?since=2999-01-01T00:00:00", headers=headers["secretariat"]
    ).get_json()
    assert future == []


def test_nul_characters_and_huge_ids_are_refused_cleanly(client, db, members):
    headers = members["headers"]["secretariat"]
    assert client.get(f"{API}/signatories?q=a%00b").status_code == 422
    assert client.get(f"{API}/signatories/a%00b").status_code == 404
    too_big = client.patch(f"{API}/users/{2**70}", json={"name": "X"}, headers=headers)
    assert too_big.status_code == 404
    created = client.post(
        f"{API}/signatories",
        json=_new_signatory(organisation_type_code="coop\x00"),
        headers=headers,
    )
    assert created.status_code == 422
    assert created.get_json()["errors"]["json"] == {
        "organisation_type_code": ["Must not contain NUL characters."]
    }


def test_a_bad_token_on_a_public_read_is_refused_not_ignored(client, db):
    response = client.get(f"{API}/signatories", headers={"Authorization": "Bearer pact_wrong"})
    assert response.status_code == 401
    assert response.get_json()["message"] == "Invalid, revoked or expired token."
