"""Comparing two snapshots: what changed between one event and the next.

Everything is computed in SQL over the two snapshots' frozen rows (never the
live tables), so it is the same whenever it is asked, and costs a few grouped
scans of their entries. The public's comparison is that of the two public parts.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.events.models import Breakdown, Snapshot, SnapshotAggregate, SnapshotEntry
from pact_tracker.events.services.public_part import public_entries
from pact_tracker.extensions import db


@dataclass(frozen=True)
class Change:
    """A group's figures in both snapshots (``before`` is None for a new group)."""

    breakdown: str
    key: str
    before_commitments: int
    after_commitments: int
    before_average: float | None
    after_average: float | None

    @property
    def gained(self) -> float | None:
        """Points of average progress gained (None when either side has no progress)."""
        if self.before_average is None or self.after_average is None:
            return None
        return self.after_average - self.before_average


@dataclass(frozen=True)
class SignatoryRef:
    """What a comparison shows of a signatory: as frozen in the snapshot's entries.

    Plain columns, not ``Signatory`` rows: on a large coalition the lists hold
    thousands of signatories, and a published comparison shows the names then.
    """

    id: int
    slug: str
    name: str


@dataclass
class Comparison:
    before: Snapshot
    after: Snapshot
    #: Commitment ids in ``after`` only.
    new: list[int] = field(default_factory=list)
    #: Commitments achieved in ``after`` that were not in ``before``.
    completed: list[int] = field(default_factory=list)
    #: Commitments withdrawn in ``after`` that were not in ``before``.
    withdrawn: list[int] = field(default_factory=list)
    #: Per breakdown and group: commitments and average progress on both sides.
    changes: list[Change] = field(default_factory=list)
    #: Signatories with an update recorded between the two cutoffs.
    reported: list[SignatoryRef] = field(default_factory=list)
    #: Signatories that had reported by ``before`` and have not since.
    gone_quiet: list[SignatoryRef] = field(default_factory=list)

    @property
    def overall(self) -> Change | None:
        return next((c for c in self.changes if c.breakdown == Breakdown.overall), None)

    def by(self, breakdown: str) -> list[Change]:
        return [c for c in self.changes if c.breakdown == breakdown]


def _entry_pairs(before: Snapshot, after: Snapshot, public: bool):
    old, new = aliased(SnapshotEntry, name="old"), aliased(SnapshotEntry, name="new")
    joined = sa.and_(
        old.commitment_id == new.commitment_id,
        old.snapshot_id == before.id,
        public_entries(public, old),
    )
    return old, new, joined


def _ids(statement) -> list[int]:
    return list(db.session.scalars(statement))


def compare(before: Snapshot, after: Snapshot, *, public: bool = False) -> Comparison:
    """What changed from ``before`` to ``after`` (usually consecutive events of a series).

    :param public: between their public parts only (what the public sees of each).
    """
    old, new, joined = _entry_pairs(before, after, public)
    pairs = (
        sa.select(new.commitment_id)
        .outerjoin(old, joined)
        .where(new.snapshot_id == after.id, public_entries(public, new))
    )
    result = Comparison(before=before, after=after)
    result.new = _ids(pairs.where(old.commitment_id.is_(None)).order_by(new.commitment_id))
    for status, bucket in (
        (CommitmentStatus.achieved, result.completed),
        (CommitmentStatus.withdrawn, result.withdrawn),
    ):
        bucket.extend(
            _ids(
                pairs.where(
                    new.status == str(status),
                    sa.or_(old.commitment_id.is_(None), old.status != str(status)),
                ).order_by(new.commitment_id)
            )
        )
    result.changes = _changes(before, after, public)
    result.reported, result.gone_quiet = _reporting_signatories(before, after, public)
    return result


def _changes(before: Snapshot, after: Snapshot, public: bool) -> list[Change]:
    old, new = aliased(SnapshotAggregate, name="old"), aliased(SnapshotAggregate, name="new")
    rows = db.session.execute(
        sa.select(new, old)
        .outerjoin(
            old,
            sa.and_(
                old.snapshot_id == before.id,
                old.public == new.public,
                old.breakdown == new.breakdown,
                old.key == new.key,
            ),
        )
        .where(new.snapshot_id == after.id, new.public.is_(public))
        .order_by(new.breakdown, new.key)
    ).all()
    return [
        Change(
            breakdown=str(now.breakdown),
            key=now.key,
            before_commitments=then.commitments if then else 0,
            after_commitments=now.commitments,
            before_average=then.average_percent if then else None,
            after_average=now.average_percent,
        )
        for now, then in rows
    ]


def _signatories(snapshot: Snapshot, public: bool, *conditions) -> list[SignatoryRef]:
    """The signatories of ``snapshot``'s entries matching ``conditions``, named as then."""
    rows = db.session.execute(
        sa.select(
            SnapshotEntry.signatory_id, SnapshotEntry.signatory_slug, SnapshotEntry.signatory_name
        )
        .where(SnapshotEntry.snapshot_id == snapshot.id, public_entries(public), *conditions)
        .distinct()
        .order_by(SnapshotEntry.signatory_name, SnapshotEntry.signatory_id)
    )
    return [SignatoryRef(*row) for row in rows]


def _reporting_signatories(
    before: Snapshot, after: Snapshot, public: bool
) -> tuple[list[SignatoryRef], list[SignatoryRef]]:
    """Who recorded an update between the two cutoffs, and who had reported and has not since.

    Decided by when updates were recorded (``last_recorded_at``), not by the
    period they speak for: a late report or a correction filed after the
    earlier cutoff counts as reporting since.
    """
    reported_since = sa.and_(
        SnapshotEntry.last_recorded_at > before.cutoff_at,
        SnapshotEntry.last_recorded_at <= after.cutoff_at,
    )
    reported = _signatories(after, public, reported_since)
    had_reported = _signatories(before, public, SnapshotEntry.update_id.is_not(None))
    since = {s.id for s in reported}
    return reported, [s for s in had_reported if s.id not in since]


#: Commitments and signatories a summary names of each list (the rest are counted).
FIRST_COMMITMENTS = 20
FIRST_SIGNATORIES = 50


@dataclass(frozen=True)
class Listed:
    """A long list summed up: how many, and the first few (tuples of plain values)."""

    count: int
    first: list[tuple]


@dataclass(frozen=True)
class Summary:
    """A comparison as the snapshot's page and report show it: counts and the first few.

    Made once from :func:`compare` (:func:`summarise`) and kept as JSON with a
    published snapshot; reading it back costs one row, whatever the lists' length.
    """

    before: Snapshot
    after: Snapshot
    #: ``(commitment_id, title)`` of the first new, completed and withdrawn commitments.
    new: Listed
    completed: Listed
    withdrawn: Listed
    changes: list[Change]
    #: ``(signatory_id, slug, name)`` of the first signatories.
    reported: Listed
    gone_quiet: Listed

    @property
    def overall(self) -> Change | None:
        return next((c for c in self.changes if c.breakdown == Breakdown.overall), None)

    def by(self, breakdown: str) -> list[Change]:
        return [c for c in self.changes if c.breakdown == breakdown]


def _titles(snapshot: Snapshot, ids: list[int]) -> dict[int, str]:
    return dict(
        db.session.execute(
            sa.select(SnapshotEntry.commitment_id, SnapshotEntry.title).where(
                SnapshotEntry.snapshot_id == snapshot.id, SnapshotEntry.commitment_id.in_(ids)
            )
        ).all()
    )


def summarise(before: Snapshot, after: Snapshot, *, public: bool) -> dict:
    """The comparison summed up as plain JSON values (see :class:`Summary`)."""
    result = compare(before, after, public=public)
    lists = {"new": result.new, "completed": result.completed, "withdrawn": result.withdrawn}
    titles = _titles(after, sorted({i for ids in lists.values() for i in ids[:FIRST_COMMITMENTS]}))
    summary = {
        name: {
            "count": len(ids),
            "first": [[i, titles.get(i, str(i))] for i in ids[:FIRST_COMMITMENTS]],
        }
        for name, ids in lists.items()
    }
    for name, refs in (("reported", result.reported), ("gone_quiet", result.gone_quiet)):
        summary[name] = {
            "count": len(refs),
            "first": [[s.id, s.slug, s.name] for s in refs[:FIRST_SIGNATORIES]],
        }
    summary["changes"] = [
        [c.breakdown, c.key, c.before_commitments, c.after_commitments]
        + [c.before_average, c.after_average]
        for c in result.changes
    ]
    return summary


def read_summary(data: dict, before: Snapshot, after: Snapshot) -> Summary:
    """The :class:`Summary` of what :func:`summarise` made."""

    def listed(name: str) -> Listed:
        return Listed(data[name]["count"], [tuple(item) for item in data[name]["first"]])

    return Summary(
        before=before,
        after=after,
        new=listed("new"),
        completed=listed("completed"),
        withdrawn=listed("withdrawn"),
        changes=[Change(*row) for row in data["changes"]],
        reported=listed("reported"),
        gone_quiet=listed("gone_quiet"),
    )


def change_filter(entry, before_id: int, change: str, *, public: bool) -> sa.ColumnElement[bool]:
    """The entries (of the later snapshot) in one of the comparison's lists with ``before_id``.

    The same rules as :func:`compare`: ``new`` is absent from the earlier one's
    variant; ``completed`` and ``withdrawn`` are in that status now and were not then.
    """
    old = aliased(SnapshotEntry, name="then")
    then = sa.exists().where(
        old.snapshot_id == before_id,
        old.commitment_id == entry.commitment_id,
        public_entries(public, old),
    )
    if change == "new":
        return ~then
    status = str(CommitmentStatus.achieved if change == "completed" else CommitmentStatus.withdrawn)
    return sa.and_(entry.status == status, ~then.where(old.status == status))
