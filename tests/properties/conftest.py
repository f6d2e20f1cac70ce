"""Fixtures of the property-based tests: every hypothesis example starts from the same database.

The ``db`` fixture rolls back once per test, but hypothesis runs a test body
many times inside one test. ``example_scope`` gives each example its own
SAVEPOINT on the test's connection, rolled back when the example ends; the
code under test may commit (that ends the session's inner savepoint, never
the example's).
"""

from contextlib import contextmanager

import pytest

from pact_tracker.extensions import limiter


@pytest.fixture
def example_scope(db):
    """``with example_scope(): ...`` runs one example and then undoes everything it wrote.

    Whatever the test arranged before must be committed (``commit()``) first:
    the session starts each example empty, and objects from before are detached.
    """
    connection = db.session.bind

    @contextmanager
    def scope():
        db.session.close()
        limiter.reset()
        savepoint = connection.begin_nested()
        try:
            yield
        finally:
            db.session.close()
            savepoint.rollback()

    return scope
