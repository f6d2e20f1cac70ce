"""Comparing two snapshots: what changed between one event and the next.

Everything is computed in SQL over the two snapshots' frozen rows, so it is
the same whenever it is asked, and costs a few grouped scans of their entries.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from pact_tracker.coalition.models import Signatory
from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.events.models import Breakdown, Snapshot, SnapshotAggregate, SnapshotEntry
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
    """What a comparison shows of a signatory, and what deciding who may see it needs.

    Plain columns, not ``Signatory`` rows: on a large coalition the lists hold
    thousands of signatories, and loading each one's type and country cost more
    than the comparison itself.
    """

    id: int
    slug: str
    name: str
    status: str


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


def _entry_pairs(before: Snapshot, after: Snapshot):
    old, new = aliased(SnapshotEntry, name="old"), aliased(SnapshotEntry, name="new")
    joined = sa.and_(old.commitment_id == new.commitment_id, old.snapshot_id == before.id)
    return old, new, joined


def _ids(statement) -> list[int]:
    return list(db.session.scalars(statement))


def compare(before: Snapshot, after: Snapshot) -> Comparison:
    """What changed from ``before`` to ``after`` (usually consecutive events of a series)."""
    old, new, joined = _entry_pairs(before, after)
    pairs = sa.select(new.commitment_id).outerjoin(old, joined).where(new.snapshot_id == after.id)
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
    result.changes = _changes(before, after)
    result.reported, result.gone_quiet = _reporting_signatories(before, after)
    return result


def _changes(before: Snapshot, after: Snapshot) -> list[Change]:
    old, new = aliased(SnapshotAggregate, name="old"), aliased(SnapshotAggregate, name="new")
    rows = db.session.execute(
        sa.select(new, old)
        .outerjoin(
            old,
            sa.and_(
                old.snapshot_id == before.id,
                old.breakdown == new.breakdown,
                old.key == new.key,
            ),
        )
        .where(new.snapshot_id == after.id)
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


def _reporting_signatories(
    before: Snapshot, after: Snapshot
) -> tuple[list[SignatoryRef], list[SignatoryRef]]:
    reported_since = (
        sa.select(SnapshotEntry.signatory_id)
        .where(
            SnapshotEntry.snapshot_id == after.id,
            SnapshotEntry.last_reported_at > before.cutoff_at,
        )
        .distinct()
    )
    had_reported = (
        sa.select(SnapshotEntry.signatory_id)
        .where(SnapshotEntry.snapshot_id == before.id, SnapshotEntry.update_id.is_not(None))
        .distinct()
    )
    columns = sa.select(Signatory.id, Signatory.slug, Signatory.name, Signatory.status)
    reported = db.session.execute(
        columns.where(Signatory.id.in_(reported_since)).order_by(Signatory.name)
    )
    quiet = db.session.execute(
        columns.where(Signatory.id.in_(had_reported), Signatory.id.not_in(reported_since)).order_by(
            Signatory.name
        )
    )
    return [SignatoryRef(*row) for row in reported], [SignatoryRef(*row) for row in quiet]
