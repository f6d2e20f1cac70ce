"""Two apps on one database, as two gunicorn workers are: for figures kept for every process."""

import contextlib

import sqlalchemy as sa

from pact_tracker import create_app
from pact_tracker.core.activity import commit
from pact_tracker.extensions import db as _db
from pact_tracker.reference.services import load_reference_data


def two_apps_on(url: str) -> list:
    """Two apps on the new database at ``url``, its schema and lexicon committed."""
    apps = [create_app({"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url}) for _ in "ab"]
    with apps[0].app_context():
        _db.create_all()
        load_reference_data()
        _db.session.commit()
        _db.session.remove()
    return apps


def dispose(apps) -> None:
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def in_request(app, work):
    """``work()`` as one request of ``app`` would run it: committed, then the session ended."""
    with app.app_context():
        try:
            result = work()
            commit()
            return result
        finally:
            _db.session.remove()


@contextlib.contextmanager
def statements_sent(app):
    """Yields the list of the SQL statements ``app`` sends until the block ends."""
    sent = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    with app.app_context():
        engine = _db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
