"""Snapshots: frozen as of the cutoff, aggregates that add up, immutable once published."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from pact_tracker.commitments.models import (
    Commitment,
    CommitmentStatus,
    IndicatorValue,
    ProgressStatus,
    ProgressUpdate,
    StatusChange,
)
from pact_tracker.core.errors import InvalidInput, InvalidTransition
from pact_tracker.events.models import (
    Breakdown,
    SnapshotAggregate,
    SnapshotEntry,
    SnapshotIndicatorValue,
    SnapshotStatus,
)
from pact_tracker.events.services import comparison, snapshots
from pact_tracker.reference.models import ImpactDimension, SdgTarget

T = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
APPROVED = datetime(2026, 1, 10, tzinfo=UTC)


@pytest.fixture
def approved(make_commitment):
    def make(**fields):
        return make_commitment(
            status=fields.pop("status", CommitmentStatus.approved),
            created_at=datetime(2025, 12, 1, tzinfo=UTC),
            approved_at=fields.pop("approved_at", APPROVED),
            published_at=APPROVED,
            start_date=date(2026, 1, 1),
            cadence_months=3,
            **fields,
        )

    return make


@pytest.fixture
def report(db):
    def add(commitment, reported_at, recorded_at=None, *, percent, supersedes=None, value=None):
        update = ProgressUpdate(
            commitment=commitment,
            reported_at=reported_at,
            recorded_at=recorded_at or reported_at,
            status=ProgressStatus.on_track,
            percent_complete=percent,
            supersedes=supersedes,
        )
        if value is not None:
            update.values = [IndicatorValue(indicator_id=commitment.indicators[0].id, value=value)]
        db.session.add(update)
        db.session.flush()
        return update

    return add


def entries(db, snapshot) -> dict[int, SnapshotEntry]:
    rows = db.session.scalars(
        sa.select(SnapshotEntry).where(SnapshotEntry.snapshot_id == snapshot.id)
    )
    return {entry.commitment_id: entry for entry in rows}


def aggregates(db, snapshot, *, public: bool = False) -> dict[tuple[str, str], tuple]:
    rows = db.session.scalars(
        sa.select(SnapshotAggregate).where(
            SnapshotAggregate.snapshot_id == snapshot.id, SnapshotAggregate.public.is_(public)
        )
    )
    return {
        (str(a.breakdown), a.key): (
            a.commitments,
            a.reported,
            a.percent_sum,
            a.percent_count,
            a.achieved,
        )
        for a in rows
    }


def test_the_snapshot_ignores_what_was_learnt_after_the_cutoff(db, approved, report):
    corrected = approved(title="Corrected after the cutoff")
    early = report(corrected, T - 20 * DAY, percent=40, value=40)
    report(corrected, T - 20 * DAY, T + DAY, supersedes=early, percent=10, value=10)
    later = approved(title="Reported after the cutoff")
    report(later, T - 40 * DAY, percent=20)
    report(later, T + 2 * DAY, percent=90)
    corrected_before = approved(title="Corrected before the cutoff")
    wrong = report(corrected_before, T - 30 * DAY, percent=70)
    report(corrected_before, T - 30 * DAY, T - DAY, supersedes=wrong, percent=35)
    approved(title="Approved after the cutoff", approved_at=T + DAY)
    never = approved(title="Never reported")

    snapshot = snapshots.take_snapshot(T, title="June")
    rows = entries(db, snapshot)
    assert rows[corrected.id].percent_complete == 40
    assert rows[corrected.id].update_id == early.id
    assert rows[later.id].percent_complete == 20
    assert rows[corrected_before.id].percent_complete == 35
    assert rows[never.id].update_id is None and rows[never.id].last_reported_at is None
    assert len(rows) == 4 == snapshot.entry_count
    [value] = db.session.scalars(
        sa.select(SnapshotIndicatorValue).where(SnapshotIndicatorValue.snapshot_id == snapshot.id)
    ).all()
    assert (value.commitment_id, value.value) == (corrected.id, Decimal(40))


def test_the_aggregates_equal_a_recount_of_the_entries(
    db, approved, report, make_signatory, make_programme
):
    programmes = [make_programme(), make_programme()]
    kinds = [
        make_signatory(country_code="FR"),
        make_signatory(country_code="SN", organisation_type_code="association"),
        make_signatory(country_code="DE", organisation_type_code="committed_company"),
    ]
    statuses = [CommitmentStatus.approved, CommitmentStatus.achieved, CommitmentStatus.withdrawn]
    for n in range(12):
        commitment = approved(
            signatory=kinds[n % 3],
            programme=programmes[n % 2],
            status=statuses[n % 3] if n % 4 else CommitmentStatus.approved,
        )
        if n % 3 == 0:
            commitment.targets.append(db.session.get(SdgTarget, "8.5"))
            commitment.targets.append(db.session.get(SdgTarget, "8.6"))
        if n % 2:
            commitment.dimensions.append(db.session.get(ImpactDimension, "economic_performance"))
        if n % 5:
            report(commitment, T - (n + 1) * DAY, percent=n * 7)
    snapshot = snapshots.take_snapshot(T, title="Recount")

    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    goal_of_target = dict(
        db.session.execute(sa.select(SdgTarget.code, SdgTarget.goal_number)).all()
    )
    for entry in entries(db, snapshot).values():
        commitment = db.session.get(Commitment, entry.commitment_id)
        keys = [
            ("overall", "all"),
            ("programme", str(entry.programme_id)),
            ("organisation_type", entry.organisation_type_code),
            ("country", entry.country_code),
            ("status", str(entry.status)),
            ("reporting_state", str(entry.reporting_state or "none")),
        ]
        keys += [("goal", str(g)) for g in {goal_of_target[t.code] for t in commitment.targets}]
        keys += [("dimension", d.code) for d in commitment.dimensions]
        for key in keys:
            figures = expected[key]
            figures[0] += 1
            figures[1] += entry.update_id is not None
            figures[2] += entry.percent_complete or 0
            figures[3] += entry.percent_complete is not None
            figures[4] += entry.status == CommitmentStatus.achieved
    assert aggregates(db, snapshot) == {key: tuple(v) for key, v in expected.items()}
    assert {b for b, _k in aggregates(db, snapshot)} == {str(b) for b in Breakdown}


def test_publishing_freezes_it_with_a_hash_that_verifies(db, approved, report):
    commitment = approved()
    report(commitment, T - 10 * DAY, percent=30)
    snapshot = snapshots.take_snapshot(T, title="Frozen")
    snapshots.publish_snapshot(snapshot, None)
    assert snapshot.status == SnapshotStatus.published
    assert len(snapshot.content_sha256) == 64
    assert snapshots.verify(snapshot)
    before = (entries(db, snapshot)[commitment.id].percent_complete, aggregates(db, snapshot))

    report(commitment, T - 5 * DAY, T + DAY, percent=80)
    with pytest.raises(InvalidTransition):
        snapshots.publish_snapshot(snapshot, None)
    with pytest.raises(InvalidTransition):
        snapshots.delete_snapshot(snapshot, None)
    assert (entries(db, snapshot)[commitment.id].percent_complete, aggregates(db, snapshot)) == (
        before
    )
    assert snapshots.verify(snapshot)
    # Tampering with a row shows.
    db.session.execute(
        sa.update(SnapshotEntry)
        .where(SnapshotEntry.snapshot_id == snapshot.id)
        .values(percent_complete=99)
    )
    assert not snapshots.verify(snapshot)


def test_a_snapshot_of_the_future_is_refused(db):
    with pytest.raises(InvalidInput):
        snapshots.take_snapshot(datetime.now(UTC) + DAY, title="Too early")


def test_comparing_two_snapshots_names_what_changed_between_them(
    db, approved, report, make_signatory
):
    quiet_one, active_one = make_signatory(name="Quiet Coop"), make_signatory(name="Active Coop")
    steady = approved(signatory=quiet_one)
    report(steady, T - 50 * DAY, percent=20)
    growing = approved(signatory=active_one)
    report(growing, T - 50 * DAY, percent=20)
    report(growing, T + 10 * DAY, percent=60)
    finished = approved(signatory=active_one, status=CommitmentStatus.achieved)
    dropped = approved(signatory=active_one, status=CommitmentStatus.withdrawn)
    for commitment, final, at in (
        (finished, CommitmentStatus.achieved, T + 5 * DAY),
        (dropped, CommitmentStatus.withdrawn, T + 6 * DAY),
    ):
        db.session.add_all(
            [
                StatusChange(
                    commitment=commitment,
                    from_status=CommitmentStatus.submitted,
                    to_status=CommitmentStatus.approved,
                    changed_at=APPROVED,
                ),
                StatusChange(
                    commitment=commitment,
                    from_status=CommitmentStatus.approved,
                    to_status=final,
                    changed_at=at,
                ),
            ]
        )
    newcomer = approved(signatory=active_one, approved_at=T + 3 * DAY)
    db.session.flush()
    first = snapshots.take_snapshot(T, title="First")
    second = snapshots.take_snapshot(T + 20 * DAY, title="Second")

    result = comparison.compare(first, second)
    assert result.new == [newcomer.id]
    assert result.completed == [finished.id]
    assert result.withdrawn == [dropped.id]
    assert [s.name for s in result.reported] == ["Active Coop"]
    assert [s.name for s in result.gone_quiet] == ["Quiet Coop"]
    overall = result.overall
    assert (overall.before_commitments, overall.after_commitments) == (4, 5)
    assert (overall.before_average, overall.after_average, overall.gained) == (20, 40, 20)
    by_status = {c.key: (c.before_commitments, c.after_commitments) for c in result.by("status")}
    assert by_status == {"approved": (4, 3), "achieved": (0, 1), "withdrawn": (0, 1)}


def test_a_late_report_or_a_correction_recorded_since_the_last_event_is_reporting_since(
    db, approved, report, make_signatory
):
    """Decided by when updates were recorded between the cutoffs, not by their period."""
    late, correcting, quiet = (
        make_signatory(name="Late Coop"),
        make_signatory(name="Correcting Coop"),
        make_signatory(name="Quiet Coop"),
    )
    first_cutoff, second_cutoff = T, T + 90 * DAY
    tardy = approved(signatory=late)
    report(tardy, T - 60 * DAY, percent=10)
    # Speaks for two days before the first cutoff, recorded a day after it.
    report(tardy, T - 2 * DAY, T + DAY, percent=30)
    fixed = approved(signatory=correcting)
    wrong = report(fixed, T - 30 * DAY, percent=70)
    report(fixed, T - 30 * DAY, T + 5 * DAY, supersedes=wrong, percent=35)
    silent = approved(signatory=quiet)
    report(silent, T - 20 * DAY, percent=50)
    # Recorded after the second cutoff: not known then, so not "since".
    report(silent, T + 10 * DAY, second_cutoff + DAY, percent=60)
    first = snapshots.take_snapshot(first_cutoff, title="First")
    second = snapshots.take_snapshot(second_cutoff, title="Second")

    result = comparison.compare(first, second)
    assert [s.name for s in result.reported] == ["Correcting Coop", "Late Coop"]
    assert [s.name for s in result.gone_quiet] == ["Quiet Coop"]
    recorded = {e.commitment_id: e.last_recorded_at for e in entries(db, second).values()}
    assert recorded == {tardy.id: T + DAY, fixed.id: T + 5 * DAY, silent.id: T - 20 * DAY}
