"""Engine settings per database: SQLite pragmas and transaction mode; requests' transactions."""

import logging

from flask import Flask, g, make_response
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from pact_tracker.core.activity import commit
from pact_tracker.extensions import db, login_manager

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Seconds a client is asked to wait (``Retry-After``) when the database cannot be reached.
RETRY_AFTER_SECONDS = 5


def register_transaction_hooks(app: Flask) -> None:
    """End every request's transaction in one place.

    Views and API handlers call services, which only flush. A response below
    400 commits (and then sends the signals of what was recorded); anything
    else rolls back, so a refused request leaves nothing half-written.
    """

    @app.after_request
    def _end_transaction(response):
        if response.status_code < 400:
            commit()
        else:
            db.session.rollback()
        return response


def register_outage_handler(app: Flask) -> None:
    """A database that cannot be reached answers 503 with ``Retry-After``, not 500.

    While the database restarts or fails over, a request in flight fails (its
    transaction is rolled back: nothing half-written); the client is told to
    try again shortly, and the next request gets a new connection
    (``pool_pre_ping``). An unhandled error reaches this handler as a 500 whose
    ``original_exception`` says what failed, wherever it was raised (a view, or
    the commit after it); any other 500 is answered as before.
    """

    def handle_server_error(error: InternalServerError):
        render = app.error_handler_spec[None][None][HTTPException]
        original = error.original_exception
        if not _database_unreachable(original):
            return render(error)
        # The error's class and first line only: SQLAlchemy's message holds the statement.
        log.warning("Database unreachable: %s", _first_line(original))
        # The page is drawn for an anonymous visitor: loading the signed-in person needs the
        # database, and would fail again while drawing the error page.
        g._login_user = login_manager.anonymous_user()
        outage = ServiceUnavailable(
            _("The service is briefly unavailable. Please try again in a moment.")
        )
        response = make_response(render(outage))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    app.register_error_handler(InternalServerError, handle_server_error)


def _database_unreachable(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def _first_line(error: DBAPIError) -> str:
    message = str(error.orig).strip().splitlines()
    return f"{type(error.orig).__name__}: {message[0] if message else ''}"


def configure_engine(app: Flask) -> None:
    """Apply the per-dialect settings of DESIGN.md section 6 to the app's engine."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _configure_sqlite(engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Take the write lock up front: a deferred transaction that later writes
        # can fail with "database is locked" instead of waiting its turn.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
