"""Signing in to a running application as a person would, for the load to carry their session.

The sign-in form is fetched, its CSRF token read from the page and posted back
with the email and password; for the secretariat the second step is the
two-factor form, answered with the code of the TOTP secret stored for the
account (computed with ``pyotp``, as ``auth.services.verify_totp`` checks it;
the first sign-in enrols the account, as the page does for a person). What is
left is the session cookie, as a ``Cookie`` header for wrk.

Plain standard library (``urllib``), redirects not followed: every step must
answer what a browser would see (200 for a form, 302 onwards after a post).
"""

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie

_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class SignInFailed(AssertionError):
    """A step of the sign-in did not answer as a browser expects."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Browser:
    """Cookies kept by hand (no domain rules to get wrong on 127.0.0.1), redirects not followed."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
        """GET ``path`` (POST ``form`` if given); its status, headers and body."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data)  # noqa: S310 - loopback
        if self.cookies:
            request.add_header("Cookie", self.cookie_header)
        try:
            with _OPENER.open(request, timeout=60) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx/5xx
            status, headers, body = error.code, error.headers, error.read()
        for line in headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(line).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return status, headers, body

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def form_token(self, path: str) -> str:
        """The CSRF token of the form at ``path`` (which must answer 200)."""
        status, _headers, body = self.request(path)
        if status != 200:
            raise SignInFailed(f"{path}: {status}, expected the form")
        match = _CSRF.search(body)
        if match is None:
            raise SignInFailed(f"{path}: no csrf_token in the form")
        return (match.group(1) or match.group(2)).decode()

    def post_form(self, path: str, fields: dict[str, str], token: str | None = None) -> str:
        """Post ``fields`` with the form's token; the redirect's target (the post must redirect).

        :param token: the token of the form already opened; by default the form is opened.
        """
        token = token or self.form_token(path)
        status, headers, body = self.request(path, {"csrf_token": token, **fields})
        if status not in (302, 303):
            hint = re.findall(rb'class="[^"]*(?:invalid-feedback|alert)[^"]*"[^>]*>([^<]+)', body)
            raise SignInFailed(f"POST {path}: {status}, not a redirect ({hint[:3]})")
        return urllib.parse.urlsplit(headers["Location"]).path


def sign_in(
    base: str,
    email: str,
    password: str,
    totp_secret: Callable[[], tuple[str, int | None]] | None = None,
) -> str:
    """Sign in through the forms; the ``Cookie`` header of the signed-in session.

    :param totp_secret: for an account with a second factor, reads its stored
        secret and last step used once the two-factor page was opened (which
        enrols an account that has none yet).
    """
    import pyotp

    browser = Browser(base)
    target = browser.post_form("/sign-in", {"email": email, "password": password, "next": ""})
    if target == "/sign-in/two-factor":
        if totp_secret is None:
            raise SignInFailed(f"{email} is asked for a second factor")
        # Opening the second step enrols an account without a confirmed secret (a new secret
        # each time): the code is computed from the secret this opening stored.
        token = browser.form_token(target)
        secret, last_used_step = totp_secret()
        code = _next_code(pyotp.TOTP(secret), last_used_step)
        target = browser.post_form(target, {"code": code}, token)
    if target.startswith("/sign-in"):
        raise SignInFailed(f"{email}: the sign-in ended on {target}")
    status, _headers, body = browser.request("/")
    if status != 200 or b"/sign-out" not in body:
        raise SignInFailed(f"{email}: not signed in after the forms ({status})")
    return browser.cookie_header


def _next_code(totp, last_used_step: int | None) -> str:
    """A code the application accepts once: of this 30-second step, or of the next one.

    The application accepts the step before, this one and the next, each only once
    and in order. When this step's and the next one's were both used (signing in
    three times within one step), the code comes once the clock reaches that next
    step: a wait of at most one step.
    """
    step = totp.timecode(datetime.now(UTC))
    if last_used_step is None or step > last_used_step:
        return totp.now()
    if step + 1 > last_used_step:
        return totp.at(time.time() + totp.interval)
    time.sleep(max(0.0, last_used_step * totp.interval - time.time()))
    return totp.at(time.time() + totp.interval)


def fetch(
    base: str, path: str, cookie: str = "", headers: dict[str, str] | None = None
) -> tuple[int, dict, bytes]:
    """GET ``path`` with ``cookie`` and ``headers`` (redirects not followed): status,
    headers, body (as sent: compressed if it was)."""
    request = urllib.request.Request(base + path, headers=headers or {})  # noqa: S310 - loopback
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with _OPENER.open(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
