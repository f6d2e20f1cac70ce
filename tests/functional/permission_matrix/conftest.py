"""Fixtures of the permission matrix: the world, and a request made as one role.

The matrix has a test per (endpoint, role) cell: several hundred. Building the
world through the services for each would take minutes, so it is built once
per module in a transaction of its own, and ``db`` is overridden here: each
cell runs in a SAVEPOINT taken after the world and rolled back after the
test, so every cell starts from the same untouched world, whatever the cell
before it wrote. Inside a cell, everything behaves as with the shared ``db``
fixture (requests commit to savepoints nested in the cell's).
"""

from collections.abc import Callable

import pytest
from flask_sqlalchemy.session import Session as FlaskSession
from werkzeug.test import TestResponse

from pact_tracker.auth.services import start_session
from pact_tracker.coalition.models import User
from pact_tracker.core.tokens import issue_token
from pact_tracker.extensions import db as _db

from .routes import ANONYMOUS
from .world import World, build_world


class _ConnectionBoundSession(FlaskSession):
    """Keeps to the test's connection (Flask-SQLAlchemy's session would pick an engine)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


def _session_on(connection):
    return _db._make_scoped_session(
        {
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
            "class_": _ConnectionBoundSession,
        }
    )


@pytest.fixture(scope="module")
def _world_transaction(app):
    """The world, built once in a transaction that is rolled back after the module."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original_session = _db.session
        _db.session = _session_on(connection)
        try:
            built = build_world()
            _db.session.remove()
            yield connection, built
        finally:
            _db.session.remove()
            _db.session = original_session
            transaction.rollback()
            connection.close()


@pytest.fixture
def db(app, _world_transaction):
    """The database with the world in it, inside a savepoint rolled back after the test."""
    connection, _built = _world_transaction
    with app.app_context():
        cell = connection.begin_nested()
        original_session = _db.session
        _db.session = _session_on(connection)
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original_session
            cell.rollback()


@pytest.fixture
def built_world(db, _world_transaction) -> World:
    return _world_transaction[1]


@pytest.fixture
def world(built_world) -> dict[str, object]:
    """``routes.WORLD_KEYS`` -> values, for path templates and bodies."""
    return built_world.values


@pytest.fixture
def request_as(app, db, built_world) -> Callable[..., TestResponse]:
    """``request_as(role, method, path, body)``: one request with that role's credentials.

    API paths carry a Bearer token; pages a signed-in session, opened on the
    server as sign-in does (the password form and its argon2 hash are tested
    elsewhere, and the secretariat's second factor is taken as given).
    """

    def make(role: str, method: str, path: str, body: dict | None = None) -> TestResponse:
        client = app.test_client()
        kwargs: dict = {"method": method}
        user = None if role == ANONYMOUS else db.session.get(User, built_world.people[role])
        if path.startswith("/api/"):
            kwargs["json"] = body
            if user is not None:
                _token, secret = issue_token(user)
                kwargs["headers"] = {"Authorization": f"Bearer {secret}"}
        else:
            kwargs["data"] = body
            if user is not None:
                _sign_in(client, user)
        return client.open(path, **kwargs)

    return make


def _sign_in(client, user: User) -> None:
    """Put in the client's session what ``auth.views._complete_sign_in`` puts there."""
    sid = start_session(user, "permission-matrix")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        session["sid"] = sid
