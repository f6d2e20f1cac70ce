from pact_tracker.coalition.models import ApiToken, Role, SignatoryStatus, User


def _user(db, email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email))


def _user_count(db) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(User))


def test_user_create_makes_a_member_of_the_signatory(db, pact, make_signatory):
    signatory = make_signatory(name="Coop Alpha")
    result = pact(
        "user", "create", "Ada@Example.org", "--role", "member", "--signatory", signatory.slug,
        "--name", "Ada Lovelace", "--locale", "fr", "--admin",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created member ada@example.org of Coop Alpha" in result.stdout
    user = _user(db, "ada@example.org")
    assert (user.name, user.role, user.locale) == ("Ada Lovelace", Role.member, "fr")
    assert [(m.signatory_id, m.is_admin) for m in user.memberships] == [(signatory.id, True)]


def test_user_create_secretariat_needs_no_signatory_and_defaults_its_name(db, pact):
    result = pact("user", "create", "sam@example.org", "--role", "secretariat")
    assert result.exit_code == 0, result.output
    user = _user(db, "sam@example.org")
    assert (user.name, user.role, user.locale, user.memberships) == (
        "sam",
        Role.secretariat,
        "en",
        [],
    )


def test_user_create_refuses_a_bad_email(db, pact):
    before = _user_count(db)
    result = pact("user", "create", "not-an-address", "--role", "organiser")
    assert result.exit_code == 1
    assert "email: Must be an email address" in result.stderr
    assert _user_count(db) == before


def test_user_create_refuses_a_duplicate_whatever_its_case(db, pact, make_user):
    make_user(email="taken@example.org", role=Role.organiser)
    before = _user_count(db)
    result = pact("user", "create", "TAKEN@example.org", "--role", "organiser")
    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert _user_count(db) == before


def test_user_create_refuses_an_unknown_signatory(db, pact):
    result = pact("user", "create", "a@example.org", "--role", "member", "--signatory", "nope")
    assert result.exit_code == 1
    assert "No signatory has the slug 'nope'" in result.stderr
    assert _user(db, "a@example.org") is None


def test_user_create_refuses_a_member_without_signatory(db, pact):
    result = pact("user", "create", "a@example.org", "--role", "member")
    assert result.exit_code == 1
    assert "--signatory" in result.stderr
    assert _user(db, "a@example.org") is None


def test_user_create_refuses_a_withdrawn_signatory(db, pact, make_signatory):
    signatory = make_signatory(status=SignatoryStatus.withdrawn)
    result = pact(
        "user", "create", "a@example.org", "--role", "member", "--signatory", signatory.slug
    )
    assert result.exit_code == 1
    assert "signatory: The signatory is withdrawn" in result.stderr
    assert _user(db, "a@example.org") is None


def test_token_create_prints_a_working_token_once(db, pact, client, make_user):
    user = make_user(email="api@example.org", role=Role.secretariat)
    result = pact("token", "create", "API@example.org", "--name", "nightly sync")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("pact_")
    assert "will not be shown again" in result.stderr
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.name == "nightly sync"
    assert secret not in (token.token_hash, token.prefix)

    response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.get_json()["email"] == "api@example.org"


def test_token_create_refuses_an_unknown_or_deactivated_user(db, pact, make_user):
    make_user(email="gone@example.org", active=False)
    unknown = pact("token", "create", "who@example.org")
    deactivated = pact("token", "create", "gone@example.org")
    assert (unknown.exit_code, deactivated.exit_code) == (1, 1)
    assert "No user has the address 'who@example.org'" in unknown.stderr
    assert "deactivated" in deactivated.stderr
    assert unknown.stdout == deactivated.stdout == ""
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
