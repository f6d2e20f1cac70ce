"""Snapshots: every commitment as of a cutoff, frozen in SQL, and published with a hash.

Taking a snapshot is three ``INSERT ... SELECT`` statements and one per
breakdown, built on the core's as-of queries (``commitments.as_of``): nothing
loops over commitments in Python, so 200,000 commitments and two million
updates stay a matter of seconds and of constant memory.

A draft may be taken again (it is replaced). Publishing computes the SHA-256
of its canonical content (:func:`content_digest`); a published snapshot is
never changed again: taking, re-taking and deleting it are refused.
"""

import hashlib
import json
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa

from pact_tracker.coalition.models import Signatory, User
from pact_tracker.commitments.as_of import commitment_states_as_of, indicator_values_as_of
from pact_tracker.commitments.models import (
    Assessment,
    Commitment,
    CommitmentStatus,
    ProgressUpdate,
    commitment_dimension,
    commitment_target,
)
from pact_tracker.core import activity
from pact_tracker.core.errors import InvalidInput, InvalidTransition
from pact_tracker.core.types import utcnow
from pact_tracker.events.models import (
    DIGEST_VERSION,
    Breakdown,
    Event,
    Snapshot,
    SnapshotAggregate,
    SnapshotEntry,
    SnapshotIndicatorValue,
    SnapshotLabel,
    SnapshotStatus,
)
from pact_tracker.events.services import labels
from pact_tracker.events.services.public_part import held_until_start, public_at, public_entries
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import SdgTarget

#: Statuses of the commitments a snapshot holds: approved once, whatever became of them.
SNAPSHOT_STATUSES = (
    CommitmentStatus.approved,
    CommitmentStatus.achieved,
    CommitmentStatus.partially_achieved,
    CommitmentStatus.not_achieved,
    CommitmentStatus.withdrawn,
)
ENTRY_COLUMNS = (
    "commitment_id",
    "signatory_id",
    "programme_id",
    "organisation_type_code",
    "country_code",
    "title",
    "signatory_name",
    "signatory_slug",
    "programme_code",
    "status",
    "is_published",
    "update_id",
    "last_reported_at",
    "last_recorded_at",
    "progress_status",
    "percent_complete",
    "assessed_level",
    "reporting_state",
)


def _last_recorded(cutoff: datetime) -> sa.Subquery:
    """Per commitment, when its latest update known at ``cutoff`` was recorded."""
    return (
        sa.select(
            ProgressUpdate.commitment_id,
            sa.func.max(ProgressUpdate.recorded_at).label("recorded_at"),
        )
        .where(ProgressUpdate.recorded_at <= cutoff)
        .group_by(ProgressUpdate.commitment_id)
        .subquery("last_recorded")
    )


def _latest_assessments(cutoff: datetime) -> sa.Subquery:
    ranked = (
        sa.select(
            Assessment.commitment_id,
            Assessment.level,
            sa.func.row_number()
            .over(
                partition_by=Assessment.commitment_id,
                order_by=(Assessment.assessed_at.desc(), Assessment.id.desc()),
            )
            .label("position"),
        )
        .where(Assessment.assessed_at <= cutoff)
        .subquery("ranked_assessments")
    )
    return (
        sa.select(ranked.c.commitment_id, ranked.c.level)
        .where(ranked.c.position == 1)
        .subquery("latest_assessment")
    )


def entries_as_of(cutoff: datetime, event_id: int | None = None) -> sa.Select:
    """The rows of ``snapshot_entry`` for ``cutoff`` (without the snapshot id), in one SELECT.

    :param event_id: the snapshot's event, whose held commitments are in its public part.
    """
    states = commitment_states_as_of(cutoff).subquery("states")
    assessed = _latest_assessments(cutoff)
    recorded = _last_recorded(cutoff)
    approved_by_cutoff = sa.and_(
        Commitment.approved_at.is_not(None), Commitment.approved_at <= cutoff
    )
    return (
        sa.select(
            states.c.commitment_id,
            states.c.signatory_id,
            states.c.programme_id,
            Signatory.organisation_type_code,
            Signatory.country_code,
            Commitment.title,
            Signatory.name,
            Signatory.slug,
            Programme.code,
            states.c.status,
            public_at(states, event_id),
            states.c.update_id,
            states.c.reported_at,
            recorded.c.recorded_at,
            states.c.progress_status,
            states.c.percent_complete,
            assessed.c.level,
            states.c.reporting_state,
        )
        .join(Commitment, Commitment.id == states.c.commitment_id)
        .join(Signatory, Signatory.id == states.c.signatory_id)
        .join(Programme, Programme.id == states.c.programme_id)
        .outerjoin(assessed, assessed.c.commitment_id == states.c.commitment_id)
        .outerjoin(recorded, recorded.c.commitment_id == states.c.commitment_id)
        .where(states.c.status.in_([str(s) for s in SNAPSHOT_STATUSES]), approved_by_cutoff)
    )


def _insert_entries(snapshot: Snapshot) -> tuple[int, int]:
    """Write the entries; return how many, and how many of them are public."""
    select = entries_as_of(snapshot.cutoff_at, snapshot.event_id).add_columns(
        sa.literal(snapshot.id).label("snapshot_id")
    )
    columns = [*ENTRY_COLUMNS, "snapshot_id"]
    db.session.execute(
        sa.insert(SnapshotEntry).from_select(columns, select),
        execution_options={"synchronize_session": False},
    )
    return db.session.execute(
        sa.select(
            sa.func.count(), sa.func.count(sa.case((SnapshotEntry.is_published.is_(True), 1)))
        ).where(SnapshotEntry.snapshot_id == snapshot.id)
    ).one()


def _insert_indicator_values(snapshot: Snapshot) -> None:
    values = indicator_values_as_of(snapshot.cutoff_at).subquery("values_then")
    select = sa.select(
        sa.literal(snapshot.id),
        values.c.indicator_id,
        values.c.commitment_id,
        values.c.update_id,
        values.c.value,
    ).join(
        SnapshotEntry,
        sa.and_(
            SnapshotEntry.snapshot_id == snapshot.id,
            SnapshotEntry.commitment_id == values.c.commitment_id,
        ),
    )
    db.session.execute(
        sa.insert(SnapshotIndicatorValue).from_select(
            ["snapshot_id", "indicator_id", "commitment_id", "update_id", "value"], select
        )
    )


def _grouped_entries(snapshot_id: int, breakdown: Breakdown, public: bool) -> sa.Subquery:
    """The snapshot's entries with ``group_key``: one row per entry and group of ``breakdown``."""
    entry = SnapshotEntry.__table__
    mine = sa.and_(entry.c.snapshot_id == snapshot_id, public_entries(public, entry.c))
    if breakdown == Breakdown.goal:
        # A commitment with several targets of one goal counts once for it.
        goals = (
            sa.select(commitment_target.c.commitment_id, SdgTarget.goal_number)
            .join(SdgTarget, SdgTarget.code == commitment_target.c.target_code)
            .distinct()
            .subquery("commitment_goal")
        )
        rows = sa.select(entry, sa.cast(goals.c.goal_number, sa.String).label("group_key")).join(
            goals, goals.c.commitment_id == entry.c.commitment_id
        )
    elif breakdown == Breakdown.dimension:
        rows = sa.select(entry, commitment_dimension.c.dimension_code.label("group_key")).join(
            commitment_dimension, commitment_dimension.c.commitment_id == entry.c.commitment_id
        )
    else:
        key = {
            Breakdown.overall: sa.literal("all"),
            Breakdown.programme: sa.cast(entry.c.programme_id, sa.String),
            Breakdown.organisation_type: entry.c.organisation_type_code,
            Breakdown.country: entry.c.country_code,
            Breakdown.status: entry.c.status,
            Breakdown.reporting_state: sa.func.coalesce(entry.c.reporting_state, "none"),
        }[breakdown]
        rows = sa.select(entry, key.label("group_key"))
    return rows.where(mine).subquery("grouped")


def _insert_aggregates(snapshot: Snapshot, public: bool) -> None:
    """The figures of every breakdown, of the public entries only or of all of them."""
    for breakdown in Breakdown:
        grouped = _grouped_entries(snapshot.id, breakdown, public)
        select = sa.select(
            sa.literal(snapshot.id),
            sa.literal(public),
            sa.literal(str(breakdown)),
            grouped.c.group_key,
            sa.func.count(),
            sa.func.count(grouped.c.update_id),
            sa.func.coalesce(sa.func.sum(grouped.c.percent_complete), 0),
            sa.func.count(grouped.c.percent_complete),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((grouped.c.status == str(CommitmentStatus.achieved), 1), else_=0)
                ),
                0,
            ),
        ).group_by(grouped.c.group_key)
        db.session.execute(
            sa.insert(SnapshotAggregate).from_select(
                [
                    "snapshot_id",
                    "public",
                    "breakdown",
                    "key",
                    "commitments",
                    "reported",
                    "percent_sum",
                    "percent_count",
                    "achieved",
                ],
                select,
            )
        )


@contextmanager
def _hash_joins():
    """On PostgreSQL, join whole tables by hashing while the snapshot is written.

    A snapshot reads every commitment and update: hash joins are the right
    plan. Statistics that still describe freshly filled tables as empty (a
    bulk load, a new database) would otherwise lead the planner to nested
    loops that re-run the ranking subqueries once per row: minutes instead of
    seconds. The setting lasts for these statements only.
    """
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if postgresql:
        db.session.execute(sa.text("SET LOCAL enable_nestloop = off"))
    yield
    # (After an error the transaction rolls back, and the setting with it.)
    if postgresql:
        db.session.execute(sa.text("SET LOCAL enable_nestloop = on"))


def _clear(snapshot: Snapshot) -> None:
    for model in (SnapshotLabel, SnapshotAggregate, SnapshotIndicatorValue, SnapshotEntry):
        db.session.execute(sa.delete(model).where(model.snapshot_id == snapshot.id))


def take_snapshot(
    cutoff: datetime,
    *,
    title: str,
    event: Event | None = None,
    actor: User | None = None,
) -> Snapshot:
    """Freeze every commitment as of ``cutoff``; re-taking an event's draft replaces it."""
    if cutoff > utcnow():
        raise InvalidInput(
            "A snapshot cannot be taken as of an instant still to come.",
            errors={"cutoff_at": ["in the future"]},
        )
    snapshot = None
    if event is not None:
        snapshot = db.session.scalar(sa.select(Snapshot).where(Snapshot.event_id == event.id))
    if snapshot is not None:
        if snapshot.status == SnapshotStatus.published:
            raise InvalidTransition("This event's snapshot is published: it can no longer change.")
        _clear(snapshot)
        snapshot.cutoff_at, snapshot.title = cutoff, title
        snapshot.taken_at, snapshot.taken_by_id = utcnow(), actor.id if actor else None
        snapshot.digest_version = DIGEST_VERSION
    else:
        snapshot = Snapshot(
            event_id=event.id if event else None,
            title=title,
            cutoff_at=cutoff,
            taken_by_id=actor.id if actor else None,
        )
        db.session.add(snapshot)
    db.session.flush()
    with _hash_joins():
        snapshot.entry_count, snapshot.public_entry_count = _insert_entries(snapshot)
        _insert_indicator_values(snapshot)
        _insert_aggregates(snapshot, public=False)
        _insert_aggregates(snapshot, public=True)
        labels.insert_labels(snapshot)
    db.session.flush()
    activity.record(
        "snapshot.taken", snapshot, actor=actor, payload={"entries": snapshot.entry_count}
    )
    return snapshot


def publish_snapshot(
    snapshot: Snapshot, actor: User | None, now: datetime | None = None
) -> Snapshot:
    """Make it public and immutable, with the SHA-256 of its content.

    :param now: the worker's clock, which decides whether its event has started.
    """
    if snapshot.status == SnapshotStatus.published:
        raise InvalidTransition("This snapshot is already published.")
    held = held_until_start(snapshot, now or utcnow())
    if held:
        raise InvalidTransition(
            f"{held} commitment(s) in this snapshot are held until its event starts: "
            "publish it at or after the start, or set the event to publish it then."
        )
    snapshot.content_sha256 = content_digest(snapshot)
    snapshot.public_sha256 = content_digest(snapshot, public=True)
    snapshot.status = SnapshotStatus.published
    snapshot.published_at = utcnow()
    db.session.flush()
    activity.record(
        "snapshot.published", snapshot, actor=actor, payload={"sha256": snapshot.content_sha256}
    )
    return snapshot


def delete_snapshot(snapshot: Snapshot, actor: User | None) -> None:
    if snapshot.status == SnapshotStatus.published:
        raise InvalidTransition("A published snapshot is kept for good.")
    activity.record("snapshot.deleted", snapshot, actor=actor)
    _clear(snapshot)
    db.session.delete(snapshot)
    db.session.flush()


def _canonical(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


#: The entry columns version 1 hashed, in order: published hashes of that version keep
#: verifying with exactly these.
_V1_ENTRY_COLUMNS = (
    "commitment_id",
    "signatory_id",
    "programme_id",
    "organisation_type_code",
    "country_code",
    "title",
    "status",
    "is_published",
    "update_id",
    "last_reported_at",
    "progress_status",
    "percent_complete",
    "assessed_level",
    "reporting_state",
)


def _digest_parts(snapshot: Snapshot, public: bool) -> list[tuple[str, sa.Select]]:
    """Each table's rows hashed, in order: those of the public part only if ``public``
    (but for the indicator values, which ``content_digest`` keeps, see below)."""
    entry, value = SnapshotEntry.__table__, SnapshotIndicatorValue.__table__
    aggregate, label = SnapshotAggregate.__table__, SnapshotLabel.__table__
    if snapshot.digest_version == 1:
        entry_columns = [entry.c[name] for name in _V1_ENTRY_COLUMNS]
    else:
        entry_columns = [c for c in entry.c if c.name != "snapshot_id"]
    entries = sa.select(*entry_columns).where(
        entry.c.snapshot_id == snapshot.id, public_entries(public, entry.c)
    )
    # Every value of the snapshot: content_digest keeps those of the public entries itself
    # when ``public`` (``_public_commitment_ids``), rather than joining here: in the
    # transaction that takes the snapshot, its fresh rows have no statistics yet, and
    # PostgreSQL planned such a join (or IN (subquery)) as a scan per row, minutes on a
    # large coalition. Same rows, same order, same hash.
    values = sa.select(*(c for c in value.c if c.name != "snapshot_id")).where(
        value.c.snapshot_id == snapshot.id
    )
    figures = aggregate.c.snapshot_id == snapshot.id, aggregate.c.public.is_(public)
    aggregates = sa.select(
        *(c for c in aggregate.c if c.name not in ("snapshot_id", "public"))
    ).where(*figures)
    parts = [
        ("snapshot_entry", entries.order_by(entry.c.commitment_id)),
        ("snapshot_indicator_value", values.order_by(value.c.indicator_id)),
        ("snapshot_aggregate", aggregates.order_by(aggregate.c.breakdown, aggregate.c.key)),
    ]
    if snapshot.digest_version >= 2:
        labels = (
            sa.select(*(c for c in label.c if c.name != "snapshot_id"))
            .join(
                aggregate,
                sa.and_(
                    aggregate.c.snapshot_id == label.c.snapshot_id,
                    aggregate.c.breakdown == label.c.breakdown,
                    aggregate.c.key == label.c.key,
                    *figures,
                ),
            )
            .where(label.c.snapshot_id == snapshot.id)
        )
        parts.append(("snapshot_label", labels.order_by(label.c.breakdown, label.c.key)))
    return parts


def _public_commitment_ids(snapshot: Snapshot) -> set[int]:
    """The commitments of the snapshot's public part (one walk of its entries' key)."""
    return set(
        db.session.scalars(
            sa.select(SnapshotEntry.commitment_id).where(
                SnapshotEntry.snapshot_id == snapshot.id, public_entries(True)
            )
        )
    )


def content_digest(snapshot: Snapshot, *, public: bool = False) -> str:
    """SHA-256 of the snapshot's rows as canonical JSON lines, in key order, streamed.

    :param public: of its public part only: the entries the public sees, their
        indicator values, the public figures and their groups' labels.
    """
    digest = hashlib.sha256()
    digest.update(
        json.dumps({"cutoff_at": snapshot.cutoff_at.isoformat(), "title": snapshot.title}).encode()
    )
    public_ids = _public_commitment_ids(snapshot) if public else None
    for name, select in _digest_parts(snapshot, public):
        digest.update(f"\n#{name}\n".encode())
        only_public_values = name == "snapshot_indicator_value" and public_ids is not None
        for row in db.session.execute(select.execution_options(yield_per=5000)):
            if only_public_values and row.commitment_id not in public_ids:
                continue
            line = [_canonical(v) for v in row]
            digest.update(json.dumps(line, separators=(",", ":")).encode() + b"\n")
    return digest.hexdigest()


def verify(snapshot: Snapshot) -> bool:
    """Whether a published snapshot's rows still hash to what was published (both hashes)."""
    return (
        snapshot.content_sha256 is not None
        and content_digest(snapshot) == snapshot.content_sha256
        and content_digest(snapshot, public=True) == snapshot.public_sha256
    )


def previous_snapshot(snapshot: Snapshot) -> Snapshot | None:
    """The snapshot of the series' event before this one (published first), if any."""
    if snapshot.event is None or snapshot.event.series_id is None:
        return None
    return db.session.scalar(
        sa.select(Snapshot)
        .join(Event, Event.id == Snapshot.event_id)
        .where(
            Event.series_id == snapshot.event.series_id,
            Snapshot.cutoff_at < snapshot.cutoff_at,
            Snapshot.id != snapshot.id,
        )
        .order_by((Snapshot.status == SnapshotStatus.published).desc(), Snapshot.cutoff_at.desc())
        .limit(1)
    )
