"""Helpers for the programmes' service tests."""

import pytest

from pact_tracker.core.activity import Activity


@pytest.fixture
def count(db):
    """``count(Model)``: how many rows the table holds now."""

    def run(model) -> int:
        return db.session.scalar(db.select(db.func.count()).select_from(model))

    return run


@pytest.fixture
def activities(db):
    """``activities(action=None)``: the activity rows recorded, oldest first."""

    def run(action: str | None = None) -> list[Activity]:
        query = db.select(Activity).order_by(Activity.id)
        if action is not None:
            query = query.where(Activity.action == action)
        return list(db.session.scalars(query))

    return run
