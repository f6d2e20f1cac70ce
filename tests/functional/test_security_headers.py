"""Security headers on every kind of answer: pages, errors, API, static files (ASVS V14.4).

The home page's headers are checked in ``test_auth.py``; here, the same
headers on the other kinds of answer, the anti-caching of personal answers
(ASVS 8.2.1), no CORS opening (14.5.3) and the session cookie's attributes (3.4).
"""

import pytest

from pact_tracker import create_app
from pact_tracker.auth import services

PASSWORD = "correct horse battery staple"

ANSWERS = {
    "page": "/signatories",
    "not found page": "/no-such-page",
    "API": "/api/v1/signatories",
    "API error": "/api/v1/commitments/999999999",
    "static file": "/static/css/app.css",
}


@pytest.mark.parametrize("path", ANSWERS.values(), ids=ANSWERS.keys())
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path, base_url="https://pact.example")
    response.close()  # a static file's answer holds the file open
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self';",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp, (path, directive)
    assert "unsafe-inline" not in csp.split("style-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Access-Control-Allow-Origin" not in response.headers
    content_type = response.headers["Content-Type"]
    assert "charset=utf-8" in content_type or not content_type.startswith("text/")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/api/v1/signatories").headers


def test_personal_answers_are_never_cached(client, make_user, make_signatory, token_for):
    member = make_user(signatory=make_signatory())
    assert "no-store" not in client.get("/signatories").headers.get("Cache-Control", "")
    services.set_password(member, PASSWORD)
    signed_in = client.post("/sign-in", data={"email": member.email, "password": PASSWORD})
    # The session cookie itself (Secure over HTTPS: test_auth.py checks the setting).
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/my/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/signatories").headers["Cache-Control"] == "no-store"
    api = client.get("/api/v1/users/me", headers=token_for(member))
    assert api.status_code == 200 and api.headers["Cache-Control"] == "no-store"


def test_over_https_the_session_cookie_is_a_secure_host_cookie():
    app = create_app(
        {
            "PACT_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "BASE_URL": "https://pact.example",
        }
    )
    response = app.test_client().post(
        "/language", data={"locale": "fr"}, base_url="https://pact.example"
    )
    assert response.status_code == 302
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")
    )
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Domain=" not in cookie
