"""Configuration classes, read from the environment.

``DATABASE_URL`` selects the database; every other setting is a ``PACT_*``
variable read by ``app.config.from_prefixed_env("PACT")`` in the factory.
"""

import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'pact_tracker.sqlite3'}"


class Config:
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_database_url()
    #: pool_pre_ping: a connection the database closed (a restart) is replaced, not used.
    #: hide_parameters: error messages and logs show statements without their values.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    SQLALCHEMY_RECORD_QUERIES = False

    API_TITLE = "pact_tracker API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
            }
        },
        "info": {
            "description": "Signatories, commitments and their progress for the coalition. "
            "Reads of published data are public; writes need a Bearer token. "
            "Lists are paged: the X-Pagination header gives the page, the next and previous "
            "pages and the total, counted at most 1,000 items past the page's first item; "
            "X-Total-Exact: false says the total (and last_page) is then a lower bound. "
            "Text, in every field, query parameter and JSON key, must be UTF-8 without "
            "control characters (U+0000 to U+001F but tab, line feed and carriage return) "
            "nor lone surrogates: such a request is refused with 422 naming the field. "
            "Each text field states it with a pattern."
        },
    }
    #: Largest page an API client may ask for.
    MAX_PAGE_SIZE = 100
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: Cookies are marked Secure when the site is served over HTTPS (see BASE_URL).
    PREFERRED_URL_SCHEME = "http"
    #: Where rate limits are counted. ``memory://`` counts in each process on its own: with
    #: N gunicorn workers a client gets N times each limit. Production refuses it (see
    #: ``check_rate_limit_storage``) unless ``RATELIMIT_SINGLE_PROCESS`` says one process serves.
    RATELIMIT_STORAGE_URI = "memory://"
    #: The operator's word that a single process serves the app, so ``memory://`` counts hold.
    RATELIMIT_SINGLE_PROCESS = False
    RATELIMIT_HEADERS_ENABLED = True
    SIGN_IN_RATE_LIMIT = "10 per minute;50 per hour"
    #: A signed-in session ends this many hours after the sign-in, however active (ASVS 3.3.2).
    SESSION_MAX_HOURS = 12

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    LANGUAGES = ("en", "fr")
    COALITION_NAME = "Pact for Impact"
    BASE_URL = "http://127.0.0.1:5000"
    # Mail and outbox settings (MAIL_SERVER, MAIL_PORT, OUTBOX_*) have their defaults,
    # documented, in campaigns/mailer.py; PACT_MAIL_SERVER etc. override them.
    #: Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_HOPS = 0
    #: Where the web server keeps copies of a published snapshot's files, sent from there
    #: (``events.services.local_copies``): None, the instance folder's ``snapshot-files``;
    #: "", none are kept and the database sends them.
    SNAPSHOT_FILES_DIR: str | None = None

    #: A report becomes "due" this many days before its date.
    REPORT_DUE_WINDOW_DAYS = 14
    #: Minimum length of a commitment description for the SMART check.
    SMART_MIN_DESCRIPTION = 200
    #: Latest due date the SMART check accepts (ISO 8601). Programmes have no end date
    #: of their own: they serve SDG goals, whose agenda (the 2030 Agenda) ends in 2030.
    SMART_HORIZON = "2030-12-31"


class DevelopmentConfig(Config):
    SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - development default, refused in production  # nosec B105


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only"  # noqa: S105 - tests only  # nosec B105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    #: Functional tests post forms directly; a dedicated test turns CSRF back on.
    WTF_CSRF_ENABLED = False


class ProductionConfig(Config):
    #: Rate limits must hold however many processes serve the app.
    REQUIRE_SHARED_RATE_LIMITS = True


def check_rate_limit_storage(config) -> None:
    """Refuse to start where rate limits would be counted per process while several may serve.

    The app cannot see how many processes gunicorn will fork (``--workers``), so
    production asks for a shared storage (Redis) or the operator's word that one
    process serves; ``WEB_CONCURRENCY`` above 1 (gunicorn's default worker count)
    contradicts that word.
    """
    if not config.get("REQUIRE_SHARED_RATE_LIMITS"):
        return
    if not str(config["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
        return
    workers = os.environ.get("WEB_CONCURRENCY", "").strip() or "1"
    if config.get("RATELIMIT_SINGLE_PROCESS") and workers == "1":
        return
    raise RuntimeError(
        "Rate limits are counted in memory (PACT_RATELIMIT_STORAGE_URI=memory://), by each "
        "process on its own: with several gunicorn workers a client gets each limit once per "
        "worker (10 wrong passwords a minute become 10 per worker). Count them in Redis for "
        "every process: PACT_RATELIMIT_STORAGE_URI=redis://HOST:6379/0; or, if one process "
        "alone serves the app (gunicorn --workers 1), say so: PACT_RATELIMIT_SINGLE_PROCESS=true"
        + (f" (WEB_CONCURRENCY is {workers}: several workers)." if workers != "1" else ".")
    )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
