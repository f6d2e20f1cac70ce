"""Stored figures: kept for good or until they expire, purged by the worker, never committed."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pact_tracker import worker
from pact_tracker.core import figure_store
from pact_tracker.core.figure_store import ComputedFigure
from pact_tracker.core.types import utcnow


class Counted:
    """A compute function that counts its calls and returns ``value``."""

    def __init__(self, value):
        self.value, self.calls = value, 0

    def __call__(self):
        self.calls += 1
        return self.value


def test_a_stored_figure_is_read_back_without_computing_it_again(db):
    compute = Counted({"lines": [[1, "on_time", 3, 2, 150.5, 2]]})
    first = figure_store.get_or_compute("test|kept", compute)
    again = figure_store.get_or_compute("test|kept", compute)
    assert first == again == {"lines": [[1, "on_time", 3, 2, 150.5, 2]]}
    assert compute.calls == 1


def test_a_first_computation_is_looked_up_once_and_stored_in_one_statement(db):
    sent = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        figure_store.get_or_compute("test|once", lambda: 1)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    # Read back only when another process stored the key first.
    assert [statement.split()[0] for statement in sent] == ["SELECT", "INSERT"], sent


def test_a_figure_reads_back_as_json_even_the_first_time(db):
    # Tuples come back as lists from the store: the first caller sees what later ones will.
    assert figure_store.get_or_compute("test|json", lambda: (1, (2, None))) == [1, [2, None]]


def test_an_expired_figure_is_computed_again_and_replaces_the_old_row(db):
    old, new = Counted("old"), Counted("new")
    assert figure_store.get_or_compute("test|expiring", old, lifetime=timedelta(0)) == "old"
    assert figure_store.get_or_compute("test|expiring", new, lifetime=timedelta(hours=1)) == "new"
    assert figure_store.get_or_compute("test|expiring", old) == "new"
    assert (old.calls, new.calls) == (1, 1)
    rows = db.session.scalars(
        sa.select(ComputedFigure).where(ComputedFigure.key == "test|expiring")
    )
    assert [row.value for row in rows] == ["new"]


def test_the_workers_purge_deletes_expired_figures_and_keeps_the_others(db):
    figure_store.get_or_compute("test|gone", lambda: 1, lifetime=timedelta(0))
    figure_store.get_or_compute("test|later", lambda: 2, lifetime=timedelta(hours=1))
    figure_store.get_or_compute("test|for-good", lambda: 3)
    (purge,) = (job for job in worker.JOBS if job.name == "purge-computed-figures")
    assert purge.func(lambda: utcnow() + timedelta(minutes=1)) == "purged 1"
    kept = db.session.scalars(
        sa.select(ComputedFigure.key).where(ComputedFigure.key.like("test|%"))
    )
    assert sorted(kept) == ["test|for-good", "test|later"]


def test_a_key_says_what_it_depends_on_and_refuses_to_be_truncated(db):
    moment = utcnow().replace(microsecond=0)
    assert figure_store.key("lights", 12, None, moment) == f"lights|12|-|{moment.isoformat()}"
    with pytest.raises(ValueError, match="longer than 255"):
        figure_store.key("x" * 300)
