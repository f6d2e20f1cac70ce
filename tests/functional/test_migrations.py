"""The migrations are the only way the schema changes: they must match the models."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from pact_tracker import create_app
from pact_tracker.extensions import db


@pytest.fixture
def empty_database_url(new_database):
    """A database of the kind under test, empty, just for the migrations."""
    return new_database("migrations")


@pytest.fixture
def migrations_app(empty_database_url):
    app = create_app({"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_migrations_create_exactly_the_models_schema(migrations_app):
    upgrade()
    assert _differences() == []
    assert _tables() == set(db.metadata.tables)


def test_downgrade_to_base_and_upgrade_again(migrations_app):
    upgrade()
    downgrade(revision="base")
    assert _tables() == set()
    upgrade()
    assert _differences() == []
