"""The activity log: who did what, when, to what.

Services call :func:`record` in the transaction that makes the change. The
row is written with it; the matching signals wait in the session and are sent
by :func:`commit` once the transaction has committed, so that receivers never
react to a change that was rolled back. A batch (an import) is logged by
:func:`record_many` and signalled once for all its subjects.
"""

import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import REGCLASS
from sqlalchemy.orm import Mapped, Session, mapped_column

from pact_tracker import signals
from pact_tracker.core.types import UTCDateTime, utcnow
from pact_tracker.extensions import db

log = logging.getLogger(__name__)

_PENDING_KEY = "pact_pending_signals"
_READY_KEY = "pact_ready_signals"


class Activity(db.Model):
    __tablename__ = "activity"
    __table_args__ = (sa.Index("ix_activity_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, index=True
    )
    #: None for the system (the worker, an import run from the shell).
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: Dotted verb, e.g. ``commitment.status.submitted``.
    action: Mapped[str] = mapped_column(sa.String(80), nullable=False, index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    subject_id: Mapped[int] = mapped_column(nullable=False)
    #: The signatory concerned, so that a member's history can be filtered cheaply.
    signatory_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("signatory.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, nullable=False)

    actor = db.relationship("User", lazy="joined")

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.action} {self.subject_type}:{self.subject_id}>"


def record(
    action: str,
    subject,
    *,
    actor=None,
    signatory_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Activity:
    """Log ``action`` on ``subject`` and queue its signals for after the commit.

    :param subject: a flushed model instance; its table name and id identify it.
    :param actor: the user who acted, or None for the system.
    :param signatory_id: the signatory the change belongs to, for filtering.
    """
    entry = Activity(
        action=action,
        subject_type=subject.__tablename__,
        subject_id=subject.id,
        actor_id=actor.id if actor is not None else None,
        signatory_id=signatory_id,
        payload=payload or {},
    )
    db.session.add(entry)
    db.session.info.setdefault(_PENDING_KEY, []).append((action, subject, entry))
    return entry


@dataclass(frozen=True)
class Batch:
    """Many subjects logged with one action by :func:`record_many`, signalled together."""

    subjects: tuple
    activity_ids: tuple[int, ...]


def record_many(
    action: str,
    subjects,
    *,
    subject_type: str,
    actor=None,
    signatory_ids: list[int | None],
    payloads: list[dict[str, Any]],
) -> list[int]:
    """:func:`record` for many subjects at once, in one statement; returns the entries' ids.

    After the commit each signal of ``action`` is sent once for the whole batch,
    with ``batch=`` the subjects and ``activity_ids=`` their entries (the sender
    is None), so that a receiver can do its work in one statement too.

    :param subjects: objects with an ``id`` (rows written without the ORM need no model).
    :param signatory_ids: the signatory of each subject; ``payloads`` likewise.
    """
    ids = insert_many(
        Activity.__table__,
        {
            "subject_id": [subject.id for subject in subjects],
            "signatory_id": signatory_ids,
            "payload": payloads,
        },
        same={
            "occurred_at": utcnow(),
            "action": action,
            "subject_type": subject_type,
            "actor_id": actor.id if actor is not None else None,
        },
    )
    batch = Batch(tuple(subjects), tuple(ids))
    db.session.info.setdefault(_PENDING_KEY, []).append((action, batch, None))
    return ids


def insert_many(
    table: sa.Table,
    columns: Mapping[str, Sequence[Any]],
    *,
    same: Mapping[str, Any] | None = None,
    ids: bool = True,
) -> list[int]:
    """Insert rows into ``table`` (keyed by ``id``) in one executemany; their ids, in order.

    The ids are taken before the insert, where the database would take them
    (PostgreSQL's sequence; on SQLite ``max(id) + 1`` onwards, as SQLite does,
    a writer slipping in between making the insert fail, never mixing rows
    up), so that no RETURNING is needed: SQLAlchemy would send SQLite one
    statement per row to keep the ids in order, and psycopg parses each large
    multi-row statement in Python. A plain executemany is one prepared
    statement (pipelined by psycopg).

    The rows are given by column, and converted by column with the columns'
    own types (as SQLAlchemy would convert them, a value met again in a row
    after the other converted once): the statement is compiled once and the
    driver gets the rows as they are, without SQLAlchemy building and
    converting a dictionary per row. Every column with a default in Python
    must be given (none is filled in here).

    :param columns: each column's values, one per row.
    :param same: the columns every row gives the same value.
    :param ids: False when the caller needs no ids (the database numbers the rows).
    """
    same = dict(same or {})
    count = len(next(iter(columns.values())))
    if not count:
        return []
    numbers: list[int] = _next_ids(table, count) if ids else []
    if numbers:
        columns = {"id": numbers, **columns}
    _check_defaults_given(table, [*columns, *same])
    connection = db.session.connection()
    dialect = connection.dialect
    # inline(): no RETURNING of the key, which a single-row statement would ask for.
    statement = sa.insert(table).inline().compile(dialect=dialect, column_keys=[*columns, *same])
    converted = {
        name: _converted(table.c[name], values, dialect) for name, values in columns.items()
    }
    for name, value in same.items():
        converted[name] = itertools.repeat(_converted(table.c[name], [value], dialect)[0], count)
    if statement.positional:
        rows = list(zip(*(converted[name] for name in statement.positiontup), strict=True))
    else:
        names = list(converted)
        rows = [dict(zip(names, row, strict=True)) for row in zip(*converted.values(), strict=True)]
    connection.exec_driver_sql(statement.string, rows)
    return numbers


def _check_defaults_given(table: sa.Table, names: list[str]) -> None:
    left_out = [
        column.name
        for column in table.c
        if (column.default is not None or column.onupdate is not None) and column.name not in names
    ]
    if left_out:
        raise ValueError(f"insert_many into {table.name} needs values for {left_out}")


def _converted(column: sa.Column, values: Sequence[Any], dialect) -> Sequence[Any]:
    """``values`` as the driver takes them for ``column``, each distinct object converted once."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return values
    converted, last, last_converted = [], _UNSET, None
    for value in values:
        if value is not last:
            last, last_converted = value, process(value)
        converted.append(last_converted)
    return converted


_UNSET = object()


def _next_ids(table: sa.Table, count: int) -> list[int]:
    if db.session.get_bind().dialect.name == "postgresql":
        # The sequence named once (a subquery), not looked up again for every number.
        sequence = sa.select(
            sa.cast(sa.func.pg_get_serial_sequence(table.name, "id"), REGCLASS)
        ).scalar_subquery()
        taken = db.session.scalars(
            sa.select(sa.func.nextval(sequence)).select_from(sa.func.generate_series(1, count))
        ).all()
        return sorted(taken)
    first = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0) + 1))
    return list(range(first, first + count))


def commit() -> None:
    """Commit the session, then send the signals of what it recorded.

    The one place where requests, jobs and commands end their transaction.
    Only the commit itself can fail the caller: what runs after it is
    guarded by :func:`_send`.
    """
    db.session.commit()
    ready = db.session.info.pop(_READY_KEY, [])
    for action, subject, entry in ready:
        for signal in _signals_for(action):
            if isinstance(subject, Batch):
                _send(signal, None, batch=subject.subjects, activity_ids=subject.activity_ids)
            else:
                _send(signal, subject, activity=entry)


def _send(signal, sender, **kwargs) -> None:
    """Call each receiver of ``signal``; one that fails is logged, rolled back and skipped.

    The transaction is committed by now: a receiver's failure (the database
    gone a moment after the commit) must not turn the answer about what was
    committed into an error, which a client would retry and so store twice,
    nor keep the other receivers from running. Work that must happen is
    redone by a worker tick reading the committed rows (the reminders a
    report answers: ``campaigns.tasks.answer_reminders``).
    """
    for receiver in signal.receivers_for(sender):
        try:
            receiver(sender, **kwargs)
        except Exception:
            log.exception("Receiver %s of %s failed after the commit", receiver, signal.name)
            _roll_back_quietly()


def _roll_back_quietly() -> None:
    # On a connection that just died the rollback may fail too; the session is reset either way.
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - already logged above; nothing more to do
        log.warning("Rollback after a failed receiver failed as well", exc_info=True)


def _signals_for(action: str):
    yield signals.activity_recorded
    for key, signal in signals.SIGNAL_BY_ACTION.items():
        if action == key or (key.endswith(".") and action.startswith(key)):
            yield signal


@event.listens_for(Session, "after_commit")
def _mark_signals_ready(session: Session) -> None:
    # No SQL may run here, so the signals are only moved aside; commit() sends them.
    pending = session.info.pop(_PENDING_KEY, [])
    session.info.setdefault(_READY_KEY, []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _drop_pending_signals(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
