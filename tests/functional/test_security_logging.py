"""The security log (ASVS V7): sign-ins, refused credentials and refused access, no secrets.

Every test also checks that no log record, from any logger, holds the
password, the code, the token, the link or the email address given.
"""

import logging

import pyotp
import pytest

from pact_tracker.auth import services
from pact_tracker.coalition.models import Role

PASSWORD = "correct horse battery staple"


@pytest.fixture
def security_log(caplog):
    """The security log's lines, and every line of every logger for the secrets check."""
    caplog.set_level(logging.INFO)

    class Log:
        def lines(self) -> list[str]:
            return [r.getMessage() for r in caplog.records if r.name == "pact_tracker.security"]

        def holds_none_of(self, *secrets: str) -> None:
            everything = "\n".join(r.getMessage() for r in caplog.records)
            for secret in secrets:
                assert secret not in everything

    return Log()


@pytest.fixture
def member(make_user, make_signatory):
    user = make_user(name="Mia Member", signatory=make_signatory())
    services.set_password(user, PASSWORD)
    return user


def _sign_in(client, email, password=PASSWORD):
    return client.post("/sign-in", data={"email": email, "password": password})


def test_a_sign_in_is_logged_by_account_id(client, member, security_log):
    assert _sign_in(client, member.email).status_code == 302
    assert security_log.lines() == [
        f"security signed-in account={member.id} via=auth.sign_in ip=127.0.0.1"
    ]
    security_log.holds_none_of(PASSWORD, member.email)


def test_a_sign_out_is_logged(client, member, security_log):
    _sign_in(client, member.email)
    client.post("/sign-out")
    assert f"security signed-out account={member.id} ip=127.0.0.1" in security_log.lines()


def test_wrong_passwords_are_logged_without_the_password_or_address(client, member, security_log):
    _sign_in(client, member.email, "a wrong password guess")
    _sign_in(client, "nobody@example.org", "another wrong guess")
    assert security_log.lines() == [
        f"security credentials-refused kind=password account={member.id} ip=127.0.0.1",
        "security credentials-refused kind=password account=- ip=127.0.0.1",
    ]
    security_log.holds_none_of(
        "a wrong password guess", "another wrong guess", member.email, "nobody@example.org"
    )


def test_a_deactivated_persons_right_password_is_refused_and_logged(
    db, client, member, security_log
):
    member.active = False
    db.session.flush()
    _sign_in(client, member.email)
    assert security_log.lines() == [
        f"security credentials-refused kind=password account={member.id} ip=127.0.0.1"
    ]


def test_a_wrong_second_factor_is_logged_then_the_right_one_signs_in(
    client, make_user, security_log
):
    sam = make_user(role=Role.secretariat)
    services.set_password(sam, PASSWORD)
    credential = services.begin_totp_enrolment(sam)
    _sign_in(client, sam.email)
    code = pyotp.TOTP(credential.secret).now()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    client.post("/sign-in/two-factor", data={"code": wrong})
    client.post("/sign-in/two-factor", data={"code": code})
    assert security_log.lines() == [
        f"security credentials-refused kind=second-factor account={sam.id} ip=127.0.0.1",
        f"security signed-in account={sam.id} via=auth.two_factor ip=127.0.0.1",
    ]
    security_log.holds_none_of(wrong, code, credential.secret, PASSWORD)


def test_a_refused_page_names_the_route_and_the_account(sign_in, member, security_log):
    browser = sign_in(member)
    assert browser.get("/admin/review").status_code == 403
    assert security_log.lines()[-1] == (
        f"security access-refused status=403 method=GET route=/admin/review "
        f"account={member.id} ip=127.0.0.1"
    )


def test_a_bad_api_token_is_logged_without_the_token(client, security_log):
    token = "pact_this-is-not-a-real-token-but-looks-like-one"
    response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert security_log.lines() == [
        "security access-refused status=401 method=GET route=/api/v1/users/me account=- "
        "ip=127.0.0.1"
    ]
    security_log.holds_none_of(token, "this-is-not-a-real-token")


def test_a_member_refused_by_the_api_is_named(client, member, token_for, security_log):
    response = client.get("/api/v1/campaigns", headers=token_for(member))
    assert response.status_code == 403
    assert security_log.lines() == [
        f"security access-refused status=403 method=GET route=/api/v1/campaigns "
        f"account={member.id} ip=127.0.0.1"
    ]


def test_refused_links_are_logged_by_route_never_by_token(client, security_log):
    token = "SuPeRsEcReTlInKtOkEn123"
    assert client.post(f"/sign-in/link/{token}").status_code == 410
    assert client.get(f"/u/{token}").status_code == 410
    assert client.get("/u/").status_code == 403
    assert security_log.lines() == [
        "security credentials-refused kind=sign-in-link account=- ip=127.0.0.1",
        "security credentials-refused kind=update-link account=- ip=127.0.0.1",
        "security access-refused status=403 method=GET route=/u/ account=- ip=127.0.0.1",
    ]
    security_log.holds_none_of(token)
