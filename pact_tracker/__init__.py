"""pact_tracker: commitment tracking for a coalition acting on the SDGs."""

import importlib
import os

from flask import Flask

from pact_tracker.config import CONFIGS, INSTANCE_DIR, check_rate_limit_storage

#: Modules holding each domain's HTML blueprint (named after the domain).
PAGE_MODULES = (
    "pact_tracker.reference.views",
    "pact_tracker.coalition.views",
    "pact_tracker.programmes.views",
    "pact_tracker.commitments.views",
    "pact_tracker.campaigns.views",
    "pact_tracker.events.views",
)


def create_app(config: str | type | dict | None = None) -> Flask:
    """Build the application.

    :param config: a name from ``config.CONFIGS``, a config class, or a dict of
        overrides on top of the environment's class. Defaults to ``PACT_ENV`` or
        ``development``.
    """
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    overrides = config if isinstance(config, dict) else {}
    if isinstance(config, str) or config is None:
        config = CONFIGS[config or os.environ.get("PACT_ENV", "development")]
    elif isinstance(config, dict):
        config = CONFIGS[
            overrides.pop("PACT_ENV", None) or os.environ.get("PACT_ENV", "development")
        ]
    app.config.from_object(config)
    app.config.from_prefixed_env("PACT")
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("PACT_SECRET_KEY must be set outside development and tests")
    check_rate_limit_storage(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from pact_tracker.campaigns.mailer import init_mail
    from pact_tracker.core import database
    from pact_tracker.extensions import db, migrate

    _import_models()
    db.init_app(app)
    database.configure_engine(app)
    database.register_transaction_hooks(app)
    init_mail(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(app.root_path, "..", "migrations"),
        render_as_batch=True,  # SQLite can only ALTER tables by copying them
        compare_type=True,
    )


def _import_models() -> None:
    """Import every model module so that the metadata (and Alembic) sees all tables."""
    from pact_tracker.auth import link_models as _links  # noqa: F401
    from pact_tracker.auth import models as _auth  # noqa: F401
    from pact_tracker.campaigns import link_models as _update_links  # noqa: F401
    from pact_tracker.campaigns import models as _campaigns  # noqa: F401
    from pact_tracker.coalition import models as _coalition  # noqa: F401
    from pact_tracker.commitments import models as _commitments  # noqa: F401
    from pact_tracker.core import activity as _activity  # noqa: F401
    from pact_tracker.core import figure_store as _figure_store  # noqa: F401
    from pact_tracker.core import idempotency as _idempotency  # noqa: F401
    from pact_tracker.events import models as _events  # noqa: F401
    from pact_tracker.programmes import models as _programmes  # noqa: F401
    from pact_tracker.reference import models as _reference  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from pact_tracker.auth.views import blueprint as auth_blueprint
    from pact_tracker.core import database
    from pact_tracker.core.api import register_api
    from pact_tracker.core.security_log import init_security_log
    from pact_tracker.core.views import blueprint as core_blueprint
    from pact_tracker.core.web import init_web

    app.register_blueprint(core_blueprint)
    app.register_blueprint(auth_blueprint)
    for module in PAGE_MODULES:
        app.register_blueprint(importlib.import_module(module).blueprint)
    register_api(app)
    # After the API: the web error handler wraps flask-smorest's JSON one.
    init_web(app)
    database.register_outage_handler(app)
    init_security_log(app)


def _register_cli(app: Flask) -> None:
    from pact_tracker.cli import pact

    app.cli.add_command(pact)
