"""Figures computed once for every process and host: a table of values by key.

Some figures cost a second or more on a large coalition (the organiser's
overview reads every accepted commitment) and are the same for everyone who
asks under the same key. ``core.caching`` keeps them per process for a
minute: each gunicorn worker would pay for them again, every minute, and two
workers could show different figures for one moment. Here the first process
to need a figure computes it and stores it in the database; every other
process, on any host, reads it (one statement by primary key).

- A key names the value and everything it depends on (:func:`key`), so that a
  stored value is never wrong for its key: a figure that can change is keyed
  on what would change it, and a new key is simply a new row.
- ``lifetime=None`` keeps a value for good (a settled past); otherwise it
  expires and is computed again on the next request after that; the worker
  purges expired rows (:func:`purge_expired`).
- Values are JSON: lists, dicts, strings, numbers, None (no dataclasses, no
  Decimal, no dates): the caller converts.

The row is written in a SAVEPOINT of the caller's session, never committed
here: a request commits once, in ``core.activity.commit`` after the view (a
GET answered below 400 commits too), and the figure goes with that commit. A
request that fails rolls back and loses its figure with the rest of its work
(the next request computes it again): nothing half-written is ever committed.
A separate connection committing at once was the other way, and is not
usable: on SQLite every transaction takes the write lock when it begins
(``BEGIN IMMEDIATE``, see ``core.database``), so a second connection of the
same request would wait on the request's own lock.

Two processes missing the same key at once both compute; the second insert
finds the first's row (``ON CONFLICT``; on PostgreSQL it waits for the first
to commit) and stores nothing, and both return the stored value, so that
every process shows the same figures for the key.
"""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from pact_tracker.core import caching
from pact_tracker.core.types import UTCDateTime, utcnow
from pact_tracker.extensions import db

MAX_KEY_LENGTH = 255


class ComputedFigure(db.Model):
    """A value computed once and shared by every process, under its key."""

    __tablename__ = "computed_figure"

    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_LENGTH), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: None: kept for good. Otherwise read as missing from then on, and purged.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    def __repr__(self) -> str:
        return f"<ComputedFigure {self.key!r}>"


def key(*parts) -> str:
    """A key from its parts: ``key("lights", 12, None, a_datetime)`` -> ``lights|12|-|...``."""
    text = "|".join(_key_part(part) for part in parts)
    if len(text) > MAX_KEY_LENGTH:
        raise ValueError(f"figure key longer than {MAX_KEY_LENGTH} characters: {text!r}")
    return text


def _key_part(part) -> str:
    if part is None:
        return "-"
    if isinstance(part, datetime):
        return part.isoformat()
    return str(part)


def get_or_compute(name: str, compute: Callable[[], Any], lifetime: timedelta | None = None) -> Any:
    """The value stored under ``name``; failing that, ``compute()``'s, stored with it.

    :param compute: returns a JSON value; it runs at most once per call, and only when
        no live value is stored.
    :param lifetime: how long the value holds; None, for good.
    """
    now = utcnow()
    stored = _live_value(name, now)
    if stored is not _MISSING:
        return stored
    value = compute()
    # Stored as it will be read: a value that JSON would change is refused here, not
    # discovered by the next process.
    value = json.loads(json.dumps(value))
    expires_at = now + lifetime if lifetime is not None else None
    if _store(name, value, now, expires_at):
        return value
    # Another process stored it first: show its value, as every other process will.
    stored = _live_value(name, now)
    return value if stored is _MISSING else stored


def get_or_compute_kept(
    name: str,
    compute: Callable[[], Any],
    lifetime: timedelta | None = None,
    fold: Callable[[Any], Any] = lambda value: value,
) -> Any:
    """``fold(get_or_compute(name, compute, lifetime))``, also kept in this process a while.

    The process's copy (``core.caching``) saves even the read by key, and is only
    right for a key that changes whenever the value could: then a change is a new
    key, missed by every process's copy at once, and no copy is invalidated by hand.

    :param fold: turns the stored JSON into what callers use (a dataclass, int keys);
        what it returns is kept as it is, so it must hold no database rows.
    """
    return caching.recent(name, lambda: fold(get_or_compute(name, compute, lifetime)))


_MISSING = object()


def _live_value(name: str, now: datetime):
    row = db.session.execute(
        sa.select(ComputedFigure.value).where(
            ComputedFigure.key == name,
            sa.or_(ComputedFigure.expires_at.is_(None), ComputedFigure.expires_at > now),
        )
    ).first()
    return _MISSING if row is None else row.value


def _store(name: str, value, now: datetime, expires_at: datetime | None) -> bool:
    """Insert the row, or replace an expired one; False if a live one is there already."""
    table = ComputedFigure.__table__
    insert = _dialect_insert()(table).values(
        key=name, value=value, computed_at=now, expires_at=expires_at
    )
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "value": insert.excluded.value,
            "computed_at": insert.excluded.computed_at,
            "expires_at": insert.excluded.expires_at,
        },
        # Only an expired row gives way; a live one (a concurrent process's) is kept.
        where=sa.and_(table.c.expires_at.is_not(None), table.c.expires_at <= now),
    ).returning(table.c.key)  # what was written: psycopg gives no rowcount for an upsert
    # A SAVEPOINT, so that a failed write would undo only itself; committed (or rolled
    # back) with the caller's transaction, never here (see the module's docstring).
    with db.session.begin_nested():
        written = db.session.execute(upsert).first()
    return written is not None


def _dialect_insert():
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def purge_expired(clock=utcnow) -> str:
    """Delete the values that have expired (a worker tick)."""
    result = db.session.execute(
        sa.delete(ComputedFigure).where(ComputedFigure.expires_at <= clock())
    )
    return f"purged {result.rowcount}"
