"""Signing in and out: passwords, sessions that really end, second factor, safety rails."""

import re

import pyotp
import pytest
import sqlalchemy as sa

from pact_tracker.auth import services
from pact_tracker.auth.services import is_safe_next
from pact_tracker.campaigns.models import OutboxMessage
from pact_tracker.coalition.models import Role
from pact_tracker.core.activity import Activity

PASSWORD = "correct horse battery staple"


@pytest.fixture
def member(make_user, make_signatory):
    user = make_user(name="Mia Member", signatory=make_signatory())
    services.set_password(user, PASSWORD)
    return user


def _sign_in(client, email, password=PASSWORD, **extra):
    return client.post("/sign-in", data={"email": email, "password": password, **extra})


def test_member_signs_in_and_is_greeted(client, member):
    response = _sign_in(client, member.email, next="/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"
    page = client.get("/account/password").get_data(as_text=True)
    assert "Mia Member" in page and "Change password" in page


def test_wrong_password_and_unknown_email_get_the_same_answer(client, member):
    wrong = _sign_in(client, member.email, "not the password").get_data(as_text=True)
    unknown = _sign_in(client, "nobody@example.org").get_data(as_text=True)
    assert "Wrong email or password." in wrong
    assert "Wrong email or password." in unknown
    assert client.get("/account/password").status_code == 302


def test_passwords_are_stored_as_argon2_hashes(db, member):
    assert member.password_hash.startswith("$argon2id$")
    assert PASSWORD not in member.password_hash


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_next_cannot_leave_the_site(client, member, target):
    response = _sign_in(client, member.email, next=target)
    assert response.headers["Location"] == "/"
    assert not is_safe_next(target)


def test_sign_out_ends_the_session_even_for_a_copied_cookie(app, client, member):
    _sign_in(client, member.email)
    stolen = client.get_cookie("session").value
    client.post("/sign-out")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_deactivated_users_session_stops_working(db, client, member):
    _sign_in(client, member.email)
    assert client.get("/account/password").status_code == 200
    member.active = False
    db.session.flush()
    assert client.get("/account/password").status_code == 302


def test_password_change_signs_out_other_sessions(app, client, member):
    _sign_in(client, member.email)
    other = app.test_client()
    _sign_in(other, member.email)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/account/password").status_code == 200
    assert other.get("/account/password").status_code == 302
    assert services.authenticate(member.email, "a brand new passphrase") == member


def test_a_changed_password_is_told_to_its_owner_by_email(client, runner, member, smtp_sink):
    _sign_in(client, member.email)
    client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    result = runner.invoke(args=["pact", "worker", "--once"])
    assert "dispatch-outbox: claimed 1, sent 1" in result.output

    (received,) = smtp_sink.wait_for(1)
    message = received.message
    assert message["To"] == member.email
    assert message["Subject"] == "Your password was changed"
    text = message.get_body(("plain",)).get_content()
    assert "If you did not change it" in text
    assert "http://127.0.0.1:5000/sign-in/link" in text
    assert "a brand new passphrase" not in message.as_string()


def test_a_first_password_sends_no_email_a_second_one_does(db, make_user):
    newcomer = make_user(name="Nina New")
    services.set_password(newcomer, PASSWORD)
    assert _emails_to(db, newcomer) == []

    services.set_password(newcomer, "another long passphrase")

    assert _emails_to(db, newcomer) == ["password_changed"]


def _emails_to(db, user) -> list[str]:
    query = sa.select(OutboxMessage.template).where(OutboxMessage.user_id == user.id)
    return list(db.session.scalars(query))


def test_password_change_refuses_a_short_password_next_to_the_field(client, member):
    _sign_in(client, member.email)
    page = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
    ).get_data(as_text=True)
    assert "invalid-feedback" in page and "Use at least 12 characters." in page
    assert services.authenticate(member.email, PASSWORD) == member


def test_secretariat_needs_a_second_factor(db, client, make_user):
    chief = make_user(role=Role.secretariat, name="Sam")
    services.set_password(chief, PASSWORD)
    response = _sign_in(client, chief.email)
    assert response.headers["Location"] == "/sign-in/two-factor"
    assert client.get("/account/password").status_code == 302
    setup = client.get("/sign-in/two-factor").get_data(as_text=True)
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", setup).group(1)
    wrong = client.post("/sign-in/two-factor", data={"code": "000000"}).get_data(as_text=True)
    assert "That code is not valid" in wrong
    response = client.post("/sign-in/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert client.get("/account/password").status_code == 200
    assert services.totp_credential(chief).confirmed_at is not None


def test_a_totp_code_cannot_be_used_twice(db, make_user):
    chief = make_user(role=Role.secretariat)
    credential = services.begin_totp_enrolment(chief)
    code = pyotp.TOTP(credential.secret).now()
    assert services.verify_totp(chief, code)
    assert not services.verify_totp(chief, code)


def test_sign_in_is_rate_limited(app, client, member):
    statuses = [_sign_in(client, member.email, "wrong").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_forms_without_a_csrf_token_are_refused(app, client, member):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = _sign_in(client, member.email)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_sign_ins_are_logged_without_secrets(db, client, member):
    _sign_in(client, member.email)
    entry = db.session.execute(
        db.select(Activity).where(Activity.action == "user.signed_in")
    ).scalar_one()
    assert entry.actor_id == member.id
    assert PASSWORD not in str(entry.payload)


def test_language_switch_is_remembered(client):
    response = client.post("/language", data={"locale": "fr", "next": "/"})
    assert response.status_code == 302
    assert client.get_cookie("pact_locale").value == "fr"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page


def test_language_switch_refuses_unknown_languages(client):
    assert client.post("/language", data={"locale": "xx"}).status_code == 400


def test_pages_carry_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_is_sent_over_https(client):
    response = client.get("/", base_url="https://pact.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_html_error_pages_outside_the_api_json_inside(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "text/html" in page.content_type
    assert "does not exist" in page.get_data(as_text=True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.get_json()["code"] == 404


def test_cookies_are_secure_when_the_site_is_served_over_https():
    from pact_tracker import create_app

    app = create_app(
        {
            "PACT_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "BASE_URL": "https://pact.example",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_a_language_chosen_before_signing_in_is_kept(client, member):
    client.post("/language", data={"locale": "fr", "next": "/"})
    _sign_in(client, member.email)
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_without_a_choice_the_profile_language_applies_after_sign_in(db, client, member):
    member.locale = "fr"
    db.session.flush()
    _sign_in(client, member.email)
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
