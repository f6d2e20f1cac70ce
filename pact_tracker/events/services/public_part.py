"""A snapshot's public part: the one rule deciding it, and the variant each visitor sees.

The rule is applied once, when the snapshot is taken, and frozen in
``SnapshotEntry.is_published``; the public figures, comparison, charts,
exports and hash are all computed from the entries it marks.
"""

from datetime import datetime

import sqlalchemy as sa

from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.commitments.models import Commitment, Visibility
from pact_tracker.events.models import Snapshot, SnapshotEntry
from pact_tracker.extensions import db


def public_at(states: sa.Subquery, event_id: int | None = None) -> sa.ColumnElement[bool]:
    """The one rule of what the public may see of a snapshot, decided when it is taken.

    As everywhere on the platform (``permissions.can_view_commitment``): a
    commitment published and public at the cutoff (an embargoed one is not yet
    published), of a signatory approved when the snapshot is taken. It is
    frozen in ``SnapshotEntry.is_published``, which every public figure,
    comparison, chart, export and hash of the snapshot is then computed from
    (``public_entries``).

    A commitment held for the snapshot's own event (``event_id``) is in its
    public part too: it is held so that this event announces it, and the
    snapshot cannot be published before the event starts while it holds one
    (``held_until_start``).
    """
    published = states.c.is_published
    if event_id is not None:
        # Whether the worker has released it yet or not (a snapshot taken late).
        # (NOT NULL first: NULL = id would make the whole rule NULL, not false.)
        held_for_this_event = sa.and_(
            Commitment.embargo_event_id.is_not(None),
            Commitment.embargo_event_id == event_id,
            Commitment.visibility == Visibility.public,
        )
        published = sa.or_(published, held_for_this_event)
    return sa.and_(published, Signatory.status == SignatoryStatus.approved)


def held_until_start(snapshot: Snapshot, now: datetime) -> int:
    """How many commitments still held for the snapshot's event its public part shows.

    Publishing it before the event starts would make them public early, so it
    must wait for the start (the worker publishes them and it together then).
    """
    if snapshot.event_id is None or snapshot.event.starts_at <= now:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SnapshotEntry)
        .join(Commitment, Commitment.id == SnapshotEntry.commitment_id)
        .where(
            SnapshotEntry.snapshot_id == snapshot.id,
            SnapshotEntry.is_published.is_(True),
            Commitment.embargo_event_id == snapshot.event_id,
            Commitment.published_at.is_(None),
        )
    )


def public_entries(public: bool, entry=SnapshotEntry) -> sa.ColumnElement[bool]:
    """The entries of a snapshot's public variant (all of them for those who manage it)."""
    return entry.is_published.is_(True) if public else sa.true()


def shown_sha256(snapshot: Snapshot, *, public: bool) -> str | None:
    """The hash of the variant a visitor sees: of the public part, or of everything."""
    return snapshot.public_sha256 if public else snapshot.content_sha256


def shown_entry_count(snapshot: Snapshot, *, public: bool) -> int:
    """How many entries the variant a visitor sees holds."""
    return snapshot.public_entry_count if public else snapshot.entry_count
