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
            "X-Total-Exact: false says the total (and last_page) is then a lower bound."
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
    RATELIMIT_STORAGE_URI = "memory://"
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
    pass


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
