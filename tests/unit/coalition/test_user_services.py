"""Users and memberships: validation, roles, deactivation and their activity log."""

import pytest

from pact_tracker.coalition import services
from pact_tracker.coalition.models import Membership, Role, SignatoryStatus, User
from pact_tracker.core.activity import Activity
from pact_tracker.core.errors import InvalidInput, NotAllowed
from pact_tracker.core.tokens import issue_token, user_for_secret


def test_create_user_lowercases_the_email_and_logs_it(db, secretariat, activities):
    user = services.create_user(" Ana.Silva@Example.ORG ", "Ana Silva", actor=secretariat)
    assert user.email == "ana.silva@example.org"
    assert (user.role, user.locale, user.active) == (Role.member, "en", True)
    (entry,) = activities("user.created")
    assert entry.actor_id == secretariat.id
    assert entry.payload == {
        "email": "ana.silva@example.org",
        "role": "member",
        "signatory": None,
        "is_admin": False,
    }


def test_create_user_with_a_signatory_adds_the_membership(db, make_signatory, activities):
    signatory = make_signatory()
    user = services.create_user(
        "lea@example.org", "Léa", locale="fr", signatory=signatory, is_admin=True
    )
    (membership,) = user.memberships
    assert membership.signatory is signatory and membership.is_admin
    assert user.signatory_ids == {signatory.id}
    assert activities("user.created")[0].signatory_id == signatory.id


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": ""}, "email"),
        ({"name": "  "}, "name"),
        ({"name": "n" * 161}, "name"),
        ({"locale": "de"}, "locale"),
        ({"role": "emperor"}, "role"),
    ],
)
def test_invalid_user_names_the_field_and_writes_nothing(db, count, kwargs, field):
    arguments = {"email": "valid@example.org", "name": "Valid Name", **kwargs}
    users, entries = count(User), count(Activity)
    with pytest.raises(InvalidInput) as raised:
        services.create_user(
            arguments.pop("email"),
            arguments.pop("name"),
            arguments.pop("role", Role.member),
            **arguments,
        )
    assert list(raised.value.errors) == [field]
    assert (count(User), count(Activity)) == (users, entries)


def test_email_must_be_unique_whatever_its_case(db, make_user):
    make_user(email="taken@example.org")
    with pytest.raises(InvalidInput) as raised:
        services.create_user("TAKEN@example.org", "Someone")
    assert raised.value.errors["email"] == [
        "An account with the address taken@example.org already exists."
    ]


def test_no_new_members_for_a_withdrawn_signatory(db, make_signatory, count):
    signatory = make_signatory(status=SignatoryStatus.withdrawn)
    users = count(User)
    with pytest.raises(InvalidInput) as raised:
        services.create_user("late@example.org", "Late", signatory=signatory)
    assert "withdrawn" in raised.value.errors["signatory"][0]
    assert count(User) == users


def test_a_member_updates_their_own_name_locale_and_reminders(db, make_user, activities):
    user = make_user(name="Old Name")
    services.update_user(
        user, {"name": "New Name", "locale": "fr", "reminders_opt_out": True}, user
    )
    assert (user.name, user.locale, user.reminders_opt_out) == ("New Name", "fr", True)
    (entry,) = activities("user.updated")
    assert entry.actor_id == user.id
    assert entry.payload["changes"]["name"] == {"from": "Old Name", "to": "New Name"}


def test_a_member_cannot_change_their_role(db, make_user, count):
    user = make_user()
    entries = count(Activity)
    with pytest.raises(NotAllowed) as raised:
        services.update_user(user, {"role": "secretariat", "name": "Boss"}, user)
    assert list(raised.value.errors) == ["role"]
    assert (user.role, user.name) == (Role.member, "Test Person")
    assert count(Activity) == entries


def test_secretariat_changes_role(db, make_user, secretariat, activities):
    user = make_user()
    services.update_user(user, {"role": "organiser"}, secretariat)
    assert user.role == Role.organiser
    assert activities("user.updated")[0].payload["changes"]["role"] == {
        "from": "member",
        "to": "organiser",
    }


def test_update_user_refuses_unknown_fields_and_bad_values(db, make_user, secretariat):
    user = make_user()
    with pytest.raises(InvalidInput) as raised:
        services.update_user(
            user, {"email": "x@example.org", "locale": "es", "active": "yes"}, secretariat
        )
    assert set(raised.value.errors) == {"email", "locale", "active"}
    assert user.active is True


def test_the_last_secretariat_cannot_be_demoted_or_deactivated(db, secretariat):
    with pytest.raises(InvalidInput) as raised:
        services.update_user(secretariat, {"role": "member"}, secretariat)
    assert raised.value.errors == {"role": ["This is the last active secretariat account."]}
    with pytest.raises(InvalidInput):
        services.deactivate_user(secretariat, secretariat)
    assert secretariat.active and secretariat.role == Role.secretariat


def test_deactivation_revokes_every_token(db, make_user, secretariat, activities):
    user = make_user()
    _token, first = issue_token(user)
    _token, second = issue_token(user)
    services.deactivate_user(user, secretariat)
    assert user.active is False
    assert user_for_secret(first) is None and user_for_secret(second) is None
    assert len(activities("user.token_revoked")) == 2
    assert activities("user.deactivated")[0].actor_id == secretariat.id


def test_deactivating_through_update_also_revokes_tokens(db, make_user, secretariat):
    user = make_user()
    _token, secret = issue_token(user)
    services.update_user(user, {"active": False}, secretariat)
    assert user_for_secret(secret) is None


def test_add_member_and_remove_member_are_logged(
    db, make_signatory, make_user, secretariat, activities
):
    signatory = make_signatory()
    user = make_user()
    membership = services.add_member(signatory, user, False, secretariat)
    assert user.signatory_ids == {signatory.id} and not membership.is_admin
    services.remove_member(membership, secretariat)
    assert user.signatory_ids == set()
    assert db.session.get(Membership, membership.id) is None
    added, removed = activities("membership.added"), activities("membership.removed")
    assert added[0].signatory_id == removed[0].signatory_id == signatory.id
    assert removed[0].actor_id == secretariat.id


def test_add_member_twice_is_refused(db, make_signatory, make_user, count):
    signatory = make_signatory()
    user = make_user(signatory=signatory)
    memberships = count(Membership)
    with pytest.raises(InvalidInput) as raised:
        services.add_member(signatory, user, False, None)
    assert "already a member" in raised.value.errors["user"][0]
    assert count(Membership) == memberships


def test_invite_creates_the_account_when_needed(db, make_signatory, make_user, activities):
    signatory = make_signatory()
    admin = make_user(signatory=signatory)
    membership = services.invite_member(
        signatory, "New.Colleague@example.org", admin, name="New Colleague", locale="fr"
    )
    assert membership.user.email == "new.colleague@example.org"
    assert membership.user.locale == "fr"
    assert membership.signatory is signatory
    assert membership.pending and membership.user.signatory_ids == set()
    assert activities("user.created")[0].actor_id == admin.id
    assert activities("membership.invited")[0].actor_id == admin.id


def test_invite_of_someone_with_an_account_waits_for_their_consent(db, make_signatory, make_user):
    signatory = make_signatory()
    elsewhere = make_user(signatory=make_signatory(), name="Real Name")
    membership = services.invite_member(signatory, elsewhere.email, None, name="Guess")
    assert membership.pending and signatory.id not in elsewhere.signatory_ids
    assert elsewhere.name == "Real Name"
    services.accept_invitation(membership, elsewhere)
    assert signatory.id in elsewhere.signatory_ids


def test_an_invitation_shows_the_name_typed_not_the_accounts_until_it_is_accepted(
    db, make_signatory, make_user
):
    signatory = make_signatory()
    elsewhere = make_user(signatory=make_signatory(), name="Real Name")
    membership = services.invite_member(
        signatory, elsewhere.email.upper(), None, name="  A colleague "
    )
    assert membership.invited_name == "A colleague"
    person = membership.person
    assert (person.id, person.name, person.email) == (None, "A colleague", elsewhere.email)
    services.accept_invitation(membership, elsewhere)
    assert membership.person is elsewhere and membership.person.name == "Real Name"


def test_an_application_naming_an_existing_account_shows_the_name_given_in_the_form(db, make_user):
    existing = make_user(name="Real Name")
    signatory = services.apply_to_join_as(
        {"name": "Coop Nouvelle", "organisation_type_code": "cooperative", "country_code": "FR"},
        email=existing.email,
        name="Contact Person",
    )
    (membership,) = signatory.memberships
    assert membership.pending
    assert (membership.person.name, membership.person.email) == ("Contact Person", existing.email)


def test_only_the_invited_person_answers_an_invitation(db, make_signatory, make_user):
    signatory = make_signatory()
    invitee, intruder = make_user(), make_user()
    membership = services.invite_member(signatory, invitee.email, None, name="I")
    with pytest.raises(NotAllowed):
        services.accept_invitation(membership, intruder)
    services.decline_invitation(membership, invitee)
    assert invitee.memberships == []


def test_invite_of_an_existing_member_names_the_email(db, make_signatory, make_user):
    signatory = make_signatory()
    colleague = make_user(signatory=signatory, email="here@example.org")
    with pytest.raises(InvalidInput) as raised:
        services.invite_member(signatory, "HERE@example.org", None, name="Here")
    assert list(raised.value.errors) == ["email"]
    assert colleague.signatory_ids == {signatory.id}


def test_invite_always_needs_a_name_so_it_reveals_no_account(db, make_signatory, count):
    users = count(User)
    with pytest.raises(InvalidInput) as raised:
        services.invite_member(make_signatory(), "stranger@example.org", None)
    assert list(raised.value.errors) == ["name"]
    assert count(User) == users
