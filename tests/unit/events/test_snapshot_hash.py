"""A snapshot's two hashes: of everything, and of its public part only."""

from datetime import UTC, datetime

import sqlalchemy as sa

from pact_tracker.commitments.models import CommitmentStatus, Visibility
from pact_tracker.events.models import SnapshotEntry, SnapshotIndicatorValue
from pact_tracker.events.services.snapshots import content_digest, take_snapshot

APPROVED = datetime(2026, 1, 10, tzinfo=UTC)


def _value_of(db, snapshot, commitment, value) -> None:
    db.session.execute(
        sa.update(SnapshotIndicatorValue)
        .where(
            SnapshotIndicatorValue.snapshot_id == snapshot.id,
            SnapshotIndicatorValue.commitment_id == commitment.id,
        )
        .values(value=value)
    )


def test_the_public_hash_covers_the_indicator_values_of_public_entries_only(db, make_commitment):
    public, private = (
        make_commitment(
            status=CommitmentStatus.approved,
            created_at=datetime(2025, 12, 1, tzinfo=UTC),
            approved_at=APPROVED,
            published_at=APPROVED,
            visibility=visibility,
            title=f"{visibility} plan",
        )
        for visibility in (Visibility.public, Visibility.private)
    )
    snapshot = take_snapshot(datetime(2026, 3, 1, tzinfo=UTC), title="Spring")
    entries = db.session.scalars(
        sa.select(SnapshotEntry).where(SnapshotEntry.snapshot_id == snapshot.id)
    )
    assert {entry.commitment_id: entry.is_published for entry in entries} == {
        public.id: True,
        private.id: False,
    }
    for commitment in (public, private):
        db.session.add(
            SnapshotIndicatorValue(
                snapshot_id=snapshot.id,
                indicator_id=commitment.indicators[0].id,
                commitment_id=commitment.id,
                update_id=0,
                value=10,
            )
        )
    db.session.flush()
    public_hash, full_hash = content_digest(snapshot, public=True), content_digest(snapshot)

    _value_of(db, snapshot, private, 99)
    assert content_digest(snapshot, public=True) == public_hash
    assert content_digest(snapshot) != full_hash

    _value_of(db, snapshot, public, 99)
    assert content_digest(snapshot, public=True) != public_hash
