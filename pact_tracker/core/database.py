"""Engine settings per database: SQLite pragmas and transaction mode."""

from flask import Flask
from sqlalchemy import event

from pact_tracker.core.activity import commit
from pact_tracker.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 10_000


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
