"""Two apps on one database, as two gunicorn workers are: for figures kept for every process."""

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
