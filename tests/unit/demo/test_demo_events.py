"""The demo's summit series: two past events with published snapshots, and the next one."""

from datetime import timedelta

import sqlalchemy as sa

from pact_tracker.coalition.models import User
from pact_tracker.demo import load_demo
from pact_tracker.demo.events import EVENT_NAMES
from pact_tracker.demo.generate import DEMO_NOW, SECRETARIAT_EMAIL
from pact_tracker.events.models import (
    Event,
    EventSeries,
    EventStatus,
    Snapshot,
    SnapshotEntry,
    SnapshotStatus,
    WaveStatus,
)
from pact_tracker.events.services import comparison, snapshots


def _events(db):
    return db.session.scalars(sa.select(Event).order_by(Event.starts_at)).all()


def test_a_series_with_two_past_events_and_the_next_one(db, loaded):
    [series] = db.session.scalars(sa.select(EventSeries)).all()
    assert series.timezone == "Europe/Paris"
    past_one, past_two, coming = _events(db)
    assert [e.name for e in (past_one, past_two, coming)] == list(EVENT_NAMES)
    assert all(e.series_id == series.id and e.status == EventStatus.scheduled for e in _events(db))
    history_starts = DEMO_NOW - timedelta(days=365)
    for event in (past_one, past_two):
        assert history_starts < event.cutoff_at < event.starts_at < DEMO_NOW
        assert event.starts_at - event.cutoff_at == timedelta(days=14)
        assert {w.status for w in event.waves} == {WaveStatus.cancelled}
    # 09:00 in Paris, winter and summer time alike.
    assert (past_one.starts_at.hour, past_two.starts_at.hour) == (8, 7)
    assert coming.starts_at > DEMO_NOW
    assert [w.days_before_cutoff for w in coming.waves] == [42, 21, 7]
    assert all(w.status == WaveStatus.pending and w.send_at > DEMO_NOW for w in coming.waves)
    assert loaded["event"] == 3 and loaded["event_series"] == 1 and loaded["reminder_wave"] == 9


def test_each_past_event_has_a_published_snapshot_that_verifies(db, loaded):
    past_one, past_two, coming = _events(db)
    secretariat_id = db.session.scalar(sa.select(User.id).where(User.email == SECRETARIAT_EMAIL))
    found = db.session.scalars(sa.select(Snapshot).order_by(Snapshot.cutoff_at)).all()
    assert [s.event_id for s in found] == [past_one.id, past_two.id]
    for snapshot, event in zip(found, (past_one, past_two), strict=True):
        assert snapshot.status == SnapshotStatus.published
        assert snapshot.cutoff_at == event.cutoff_at and snapshot.title == event.name
        assert snapshot.taken_at == event.cutoff_at and snapshot.published_at == event.starts_at
        assert snapshot.taken_by_id == secretariat_id
        assert snapshots.verify(snapshot)
        # Taken after the load: the entries are exactly what the as-of query gives.
        expected = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                snapshots.entries_as_of(snapshot.cutoff_at).subquery()
            )
        )
        assert snapshot.entry_count == expected > 0
        assert snapshot.entry_count == db.session.scalar(
            sa.select(sa.func.count()).where(SnapshotEntry.snapshot_id == snapshot.id)
        )
    assert loaded["snapshot"] == 2
    assert loaded["snapshot_entry"] == sum(s.entry_count for s in found)


def test_the_newcomer_sees_a_comparison_at_once(db, loaded):
    first, second = db.session.scalars(sa.select(Snapshot).order_by(Snapshot.cutoff_at)).all()
    assert snapshots.previous_snapshot(second) == first
    result = comparison.compare(first, second)
    assert second.entry_count > first.entry_count
    assert len(result.new) > 0
    assert result.overall.before_commitments == first.entry_count
    assert result.overall.after_commitments == second.entry_count
    assert result.overall.gained is not None
    assert result.reported
    assert result.by("organisation_type")


def test_without_events_the_demo_has_none(db, tiny):
    totals = load_demo(tiny, seed=7, password_hash="x", with_events=False)
    assert "snapshot" not in totals
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_the_demo_command_reports_the_snapshots(db, runner):
    result = runner.invoke(args=["pact", "demo", "--scale", "small", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "snapshot: 2" in result.output and "event: 3" in result.output
    listed = runner.invoke(args=["pact", "snapshot", "list"])
    assert listed.output.count("published") == 2
    assert "spring-summit-2026" in listed.output and "autumn-summit-2026" in listed.output
    latest = db.session.scalar(sa.select(Snapshot).order_by(Snapshot.cutoff_at.desc()))
    verified = runner.invoke(args=["pact", "snapshot", "verify", str(latest.id)])
    assert verified.exit_code == 0 and latest.content_sha256 in verified.output
