"""The security log: sign-ins, refused credentials and refused access, without secrets.

Everything goes to the ``pact_tracker.security`` logger, one line per event, as
``security <event> key=value ...``. A line names the account by its id (never
its email), the client's address (``request.remote_addr``, after ``ProxyFix``)
and the route's pattern (``/sign-in/link/<token>``), never the path itself:
sign-in and update links carry their token in the path. Passwords, codes,
tokens and cookies are never written.
"""

import logging

from flask import Flask, g, has_request_context, request
from flask_login import user_logged_in, user_logged_out

log = logging.getLogger("pact_tracker.security")

#: Answers that refuse access: no or bad credentials (401), not allowed (403).
REFUSALS = (401, 403)


def init_security_log(app: Flask) -> None:
    """Log each sign-in and sign-out (Flask-Login's signals) and each refused request.

    Sign-ins are INFO: unless logging is configured otherwise, the logger is set to
    INFO and writes through Flask's handler (``app.logger``, the WSGI server's error log).
    """
    app.logger  # noqa: B018 - creating it gives the "pact_tracker" loggers a handler
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    user_logged_in.connect(_signed_in, app)
    user_logged_out.connect(_signed_out, app)
    app.after_request(_log_refusal)


def credentials_refused(kind: str, user=None) -> None:
    """A password, second-factor code or link that did not sign anyone in.

    :param kind: ``password``, ``second-factor`` or ``sign-in-link``.
    :param user: the account the credentials were given for, when there is one.
    """
    _write(logging.WARNING, "credentials-refused", kind=kind, account=_account_id(user))


def _signed_in(_app, user, **_extra) -> None:
    _write(logging.INFO, "signed-in", account=user.id, via=request.endpoint)


def _signed_out(_app, user, **_extra) -> None:
    _write(logging.INFO, "signed-out", account=_account_id(user))


def _log_refusal(response):
    if response.status_code in REFUSALS:
        _write(
            logging.WARNING,
            "access-refused",
            status=response.status_code,
            method=request.method,
            route=request.url_rule.rule if request.url_rule else "(none)",
            account=_account_id(_requester()),
        )
    return response


def _requester():
    """The API token's user, or the signed-in person, as far as already known."""
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    # Only when Flask-Login already loaded them: a refusal never costs a query.
    user = g.get("_login_user")
    return user if user is not None and user.is_authenticated else None


def _account_id(user) -> str:
    return str(user.id) if user is not None and getattr(user, "id", None) else "-"


def _write(level: int, event: str, **fields) -> None:
    details = " ".join(f"{key}={value}" for key, value in fields.items())
    # Outside a request (the command line, a job) there is no client address.
    address = request.remote_addr if has_request_context() else "-"
    log.log(level, "security %s %s ip=%s", event, details, address)
