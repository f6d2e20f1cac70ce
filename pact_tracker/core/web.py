"""What every HTML page shares: language, security headers, error pages, sign-in loading."""

from flask import (
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    render_template,
    request,
    session,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from pact_tracker.core.input_guard import init_input_guard
from pact_tracker.core.templating import init_templating
from pact_tracker.extensions import babel, csrf, limiter, login_manager

LOCALE_COOKIE = "pact_locale"
#: Session keys of a signed-in person, a pending second factor, an update link's scope.
PERSONAL_SESSION_KEYS = ("_user_id", "pending_user_id", "update_link_id")
ONE_YEAR = 365 * 24 * 3600


def init_web(app: Flask) -> None:
    """Bind the web extensions and the hooks every page relies on."""
    _secure_cookies_over_https(app)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    # Sessions are checked against the server-side row instead (auth.models.UserSession).
    login_manager.session_protection = None
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)
    app.before_request(_refuse_nul_characters)
    init_input_guard(app)
    app.after_request(_set_security_headers)
    app.context_processor(_template_globals)
    init_templating(app)
    _replace_error_handler(app)


def _secure_cookies_over_https(app: Flask) -> None:
    """A site served over HTTPS never lets its cookies travel in clear text."""
    if app.config["BASE_URL"].startswith("https://"):
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
            # The browser keeps a __Host- cookie only if Secure, for this host, on path /:
            # no sibling subdomain can set or shadow it.
            SESSION_COOKIE_NAME="__Host-session",
        )
    hops = int(app.config.get("PROXY_HOPS", 0))
    if hops:
        # Behind a reverse proxy: trust its X-Forwarded-* headers for scheme and client address.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def select_locale() -> str:
    """The language of the page: the person's choice, remembered, then the browser's."""
    languages = _languages()
    if not has_request_context():
        # A service's message read by the worker or a command: nobody to ask, the default.
        return languages[0]
    chosen = session.get("locale") or request.cookies.get(LOCALE_COOKIE)
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or languages[0]


def remember_locale(response, locale: str):
    """Keep a language choice in the session and in a long-lived cookie."""
    session["locale"] = locale
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure,
    )
    return response


def _languages() -> tuple[str, ...]:
    from flask import current_app

    return tuple(current_app.config["LANGUAGES"])


def _load_user(user_id: str):
    from pact_tracker.auth.services import session_user

    if not user_id.isdigit():
        return None
    # None when the session was ended (sign-out, password change) or the person
    # deactivated: the next request is anonymous, wherever the cookie was copied.
    return session_user(int(user_id), session.get("sid"))


def _template_globals():
    return {"current_locale": str(get_locale()), "languages": _languages()}


def _content_security_policy() -> str:
    script_src = "'self'"
    if request.path.startswith("/api/v1/docs"):
        # flask-smorest's Swagger UI page starts the UI with an inline script.
        script_src += " 'unsafe-inline'"
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        f"script-src {script_src}; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def _refuse_nul_characters():
    """No path names anything with a NUL in it, and PostgreSQL refuses NUL in text.

    Refused once here, for pages and API alike, rather than in every lookup
    (query and body fields are checked by their schemas and forms, which name them).
    """
    if "\x00" in request.path:
        abort(404)


def _set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", _content_security_policy())
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    if request.authorization is not None or any(key in session for key in PERSONAL_SESSION_KEYS):
        # For this person only: no browser or shared cache keeps a copy (static files
        # already carry their own Cache-Control).
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _replace_error_handler(app: Flask) -> None:
    """JSON errors for the API (flask-smorest's), HTML pages for everything else."""
    api_handler = app.error_handler_spec[None][None].get(HTTPException)

    def handle_http_exception(error: HTTPException):
        if error.code == 413:
            _explain_too_large(error)
        if request.path.startswith("/api/") and api_handler is not None:
            return api_handler(error)
        template = (
            f"errors/{error.code}.html"
            if error.code in (403, 404, 413, 429)
            else ("errors/generic.html")
        )
        g.error = error
        return render_template(template, error=error), error.code

    app.register_error_handler(HTTPException, handle_http_exception)


def _explain_too_large(error: HTTPException) -> None:
    """Say what the limit is, on the page and in the API's ``message``."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if not limit or getattr(error, "data", None):
        return
    # Werkzeug refuses a whole request over MAX_CONTENT_LENGTH, and one form field
    # over MAX_FORM_MEMORY_SIZE, with the same 413.
    field_limit = current_app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000
    error.description = _(
        "What you sent is too large: a request may carry at most %(size)s MB, "
        "and one text field at most %(field)s KB.",
        size=f"{limit / (1024 * 1024):g}",
        field=f"{field_limit / 1000:g}",
    )
    error.data = {"message": str(error.description)}
