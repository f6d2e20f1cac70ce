"""Event series, cutoffs and reminder waves, and what the worker does with them."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from pact_tracker.campaigns.models import Campaign, CampaignStatus
from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.core.activity import commit
from pact_tracker.core.errors import InvalidInput, InvalidTransition
from pact_tracker.core.types import utcnow
from pact_tracker.events import tasks
from pact_tracker.events.models import EventStatus, Snapshot, SnapshotEntry, WaveStatus
from pact_tracker.events.services import events, snapshots

DAY = timedelta(days=1)
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def summit_series(db, secretariat):
    return events.create_series(
        {
            "name": "Annual Summit",
            "rrule": "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10",
            "timezone": "Europe/Paris",
            "first_starts_at": datetime(2024, 6, 10, 9, 0, tzinfo=PARIS),
            "duration_hours": 8,
            "place": "Paris",
        },
        secretariat,
    )


def _event(starts_at, **fields):
    return events.create_event(
        {"name": "Summit", "starts_at": starts_at, "timezone": "Europe/Paris", **fields}, None
    )


def test_a_series_keeps_its_local_time_across_daylight_saving(db, summit_series):
    winter = events.create_series(
        {
            "name": "Winter Forum",
            "rrule": "FREQ=MONTHLY;INTERVAL=3;COUNT=4",
            "timezone": "Europe/Paris",
            "first_starts_at": datetime(2026, 1, 15, 10, 0, tzinfo=PARIS),
        },
        None,
    )
    starts = events.occurrences(winter, after=datetime(2026, 1, 1, tzinfo=UTC), count=10)
    assert [s.astimezone(PARIS).hour for s in starts] == [10, 10, 10, 10]
    assert [s.hour for s in starts] == [9, 8, 8, 8]  # summer time ends late in October
    created = events.schedule_occurrences(summit_series, count=3, actor=None)
    assert [e.starts_at.date().isoformat() for e in created] == [
        "2024-06-10",
        "2025-06-10",
        "2026-06-10",
    ]
    assert created[0].name == "Annual Summit 2024"
    assert events.schedule_occurrences(summit_series, count=3, actor=None) == []


def test_bad_series_and_events_are_refused_by_field(db):
    with pytest.raises(InvalidInput) as refused:
        events.create_series(
            {
                "name": "",
                "rrule": "FREQ=SOMETIMES",
                "timezone": "Mars/Olympus",
                "first_starts_at": datetime(2026, 1, 1),
            },
            None,
        )
    assert set(refused.value.errors) == {"name", "timezone", "first_starts_at"}
    start = datetime(2027, 6, 10, 9, tzinfo=UTC)
    with pytest.raises(InvalidInput) as refused:
        _event(start, cutoff_at=start + DAY, ends_at=start - DAY)
    assert set(refused.value.errors) == {"cutoff_at", "ends_at"}


def test_an_event_gets_a_cutoff_and_three_waves_by_default(db):
    start = datetime(2027, 6, 10, 9, tzinfo=UTC)
    event = _event(start)
    assert event.cutoff_at == start - 14 * DAY
    assert [(w.days_before_cutoff, w.send_at) for w in event.waves] == [
        (42, event.cutoff_at - 42 * DAY),
        (21, event.cutoff_at - 21 * DAY),
        (7, event.cutoff_at - 7 * DAY),
    ]


def test_moving_an_event_moves_its_cutoff_and_pending_waves(db):
    start = datetime(2027, 6, 10, 9, tzinfo=UTC)
    event = _event(start)
    event.waves[0].status = WaveStatus.planned  # already sent: history stays
    first_sent_at = event.waves[0].send_at
    commit()
    events.update_event(event, {"starts_at": start + 7 * DAY}, None)
    commit()  # the event_moved signal moves the waves after this commit
    db.session.refresh(event)
    assert event.cutoff_at == start + 7 * DAY - 14 * DAY
    assert event.ends_at == start + 7 * DAY + timedelta(hours=8)
    assert [w.send_at for w in event.waves] == [
        first_sent_at,
        event.cutoff_at - 21 * DAY,
        event.cutoff_at - 7 * DAY,
    ]


def test_cancelling_an_event_cancels_its_pending_waves_and_their_campaigns(
    db, make_signatory, make_user, make_commitment
):
    signatory = make_signatory()
    make_user(signatory=signatory)
    make_commitment(
        signatory=signatory,
        status=CommitmentStatus.approved,
        report_due_at=utcnow() - DAY,
        inactive_at=utcnow() + 100 * DAY,
    )
    event = _event(utcnow() + 30 * DAY)  # its 42- and 21-day waves are both due
    counts = tasks.plan_waves(utcnow())
    assert counts == {"planned": 1, "skipped": 0, "cancelled": 1}
    assert [w.status for w in event.waves] == [
        WaveStatus.cancelled,
        WaveStatus.planned,
        WaveStatus.pending,
    ]
    [planned] = [w for w in event.waves if w.status == WaveStatus.planned]
    campaign = db.session.get(Campaign, planned.campaign_id)
    assert campaign.status == CampaignStatus.scheduled
    assert campaign.audience == {"reporting_states": ["due", "inactive", "overdue"]}
    assert "Summit" in campaign.content_for("fr").subject
    events.cancel_event(event, None)
    assert event.status == EventStatus.cancelled
    assert campaign.status == CampaignStatus.cancelled
    assert [w.status for w in event.waves] == [
        WaveStatus.cancelled,
        WaveStatus.planned,
        WaveStatus.cancelled,
    ]


def test_a_wave_with_nobody_due_is_skipped_and_one_after_the_cutoff_cancelled(db):
    event = _event(utcnow() + 30 * DAY)
    assert tasks.plan_waves(utcnow()) == {"planned": 0, "skipped": 1, "cancelled": 1}
    late = _event(utcnow() + 10 * DAY)  # cutoff passed four days ago: every wave is late
    assert tasks.plan_waves(utcnow()) == {"planned": 0, "skipped": 0, "cancelled": 3}
    assert {w.status for w in late.waves} == {WaveStatus.cancelled}
    assert event.waves[1].status == WaveStatus.skipped


def test_a_worker_back_after_a_missed_cutoff_takes_the_snapshot_once(db, make_commitment):
    month_ago = utcnow() - 30 * DAY
    make_commitment(
        status=CommitmentStatus.approved,
        created_at=month_ago,
        approved_at=month_ago,
        published_at=month_ago,
    )
    event = _event(utcnow() + 10 * DAY)  # its cutoff was four days ago
    commit()
    assert tasks.take_due_snapshots(utcnow()) == 1
    assert tasks.take_due_snapshots(utcnow()) == 0
    snapshot = db.session.scalars(sa.select(Snapshot).where(Snapshot.event_id == event.id)).one()
    assert snapshot.cutoff_at == event.cutoff_at
    assert snapshot.title == "Summit" and snapshot.entry_count == 1


def test_a_commitment_held_for_an_event_is_published_when_it_starts(db, make_commitment):
    event = _event(utcnow() + 10 * DAY)
    held = make_commitment(status=CommitmentStatus.approved)
    held.published_at, held.embargo_event_id = None, event.id
    db.session.flush()
    assert tasks.publish_embargoed(utcnow()) == 0
    assert held.published_at is None
    assert tasks.publish_embargoed(event.starts_at) == 1
    assert held.published_at == event.starts_at


def test_holding_a_commitment_unpublishes_it_until_the_event(db, make_commitment, secretariat):
    event = _event(utcnow() + 10 * DAY)
    commitment = make_commitment(status=CommitmentStatus.approved)
    assert commitment.is_published
    events.hold_for_event(commitment, event, secretariat)
    assert not commitment.is_published and commitment.embargo_event_id == event.id
    draft = make_commitment()
    with pytest.raises(InvalidTransition):
        events.hold_for_event(draft, event, secretariat)
    past = _event(utcnow() - DAY)
    with pytest.raises(InvalidInput):
        events.hold_for_event(commitment, past, secretariat)


def _local_hours(*instants) -> list[int]:
    return [instant.astimezone(PARIS).hour for instant in instants]


def test_an_event_moved_across_daylight_saving_keeps_its_cutoff_and_waves_at_local_time(db):
    # Winter time (CET) at first; summer time begins on 28 March 2027.
    event = _event(datetime(2027, 3, 15, 9, 0, tzinfo=PARIS), cutoff_at=None)
    assert _local_hours(event.starts_at, event.cutoff_at) == [9, 9]
    commit()
    events.update_event(event, {"starts_at": datetime(2027, 4, 5, 9, 0, tzinfo=PARIS)}, None)
    commit()  # the event_moved signal moves the waves after this commit
    db.session.refresh(event)
    assert event.starts_at.astimezone(PARIS) == datetime(2027, 4, 5, 9, 0, tzinfo=PARIS)
    assert event.cutoff_at.astimezone(PARIS) == datetime(2027, 3, 22, 9, 0, tzinfo=PARIS)
    assert event.ends_at.astimezone(PARIS) == datetime(2027, 4, 5, 17, 0, tzinfo=PARIS)
    assert _local_hours(*(wave.send_at for wave in event.waves)) == [9, 9, 9]


def test_a_new_events_cutoff_and_waves_keep_local_time_across_daylight_saving(db):
    event = _event(datetime(2027, 4, 12, 9, 0, tzinfo=PARIS))  # cutoff 29 March: summer time
    assert event.cutoff_at.astimezone(PARIS) == datetime(2027, 3, 29, 9, 0, tzinfo=PARIS)
    sends = [wave.send_at.astimezone(PARIS) for wave in event.waves]
    assert sends == [
        datetime(2027, 2, 15, 9, 0, tzinfo=PARIS),
        datetime(2027, 3, 8, 9, 0, tzinfo=PARIS),
        datetime(2027, 3, 22, 9, 0, tzinfo=PARIS),  # winter time still
    ]


def test_an_ended_event_is_held_a_coming_one_scheduled_a_cancelled_one_cancelled(db):
    past = _event(utcnow() - 3 * DAY)
    coming = _event(utcnow() + 3 * DAY)
    cancelled = _event(utcnow() - 5 * DAY)
    events.cancel_event(cancelled, None)
    assert [e.state for e in (past, coming, cancelled)] == ["held", "scheduled", "cancelled"]


def _snapshot_of(db, event):
    return db.session.scalars(sa.select(Snapshot).where(Snapshot.event_id == event.id)).one()


def test_the_worker_publishes_a_snapshot_at_its_events_start_once(db, make_commitment):
    make_commitment(status=CommitmentStatus.approved)
    starts = utcnow() + 2 * DAY
    event = _event(starts, cutoff_at=utcnow() - DAY, publish_snapshot_at_start=True)
    other = _event(starts, cutoff_at=utcnow() - DAY)  # published by hand, as before
    commit()
    tasks.advance_events(lambda: starts - timedelta(minutes=1))
    snapshot = _snapshot_of(db, event)
    assert snapshot.status == "draft" and snapshot.content_sha256 is None
    assert tasks.publish_snapshots_at_start(starts) == 1
    db.session.refresh(snapshot)
    assert snapshot.status == "published" and snapshots.verify(snapshot)
    published_at = snapshot.published_at
    assert tasks.publish_snapshots_at_start(starts + DAY) == 0
    tasks.advance_events(lambda: starts + DAY)
    db.session.refresh(snapshot)
    assert snapshot.published_at == published_at
    assert _snapshot_of(db, other).status == "draft"


def test_a_worker_down_at_the_start_takes_the_snapshot_as_of_the_cutoff_then_publishes_it(
    db, make_commitment
):
    month_ago = utcnow() - 30 * DAY
    make_commitment(
        status=CommitmentStatus.approved,
        created_at=month_ago,
        approved_at=month_ago,
        published_at=month_ago,
    )
    # Cutoff and start both passed while no worker ran.
    event = _event(utcnow() - DAY, cutoff_at=utcnow() - 10 * DAY, publish_snapshot_at_start=True)
    commit()
    outcome = tasks.advance_events(utcnow)
    assert outcome.endswith("snapshots 1, published at the start 1")
    snapshot = _snapshot_of(db, event)
    assert snapshot.cutoff_at == event.cutoff_at
    assert snapshot.status == "published" and snapshot.entry_count == 1
    assert tasks.advance_events(utcnow).endswith("snapshots 0, published at the start 0")


def test_a_cancelled_events_snapshot_is_not_published_at_its_start(db):
    event = _event(utcnow() - DAY, cutoff_at=utcnow() - 10 * DAY, publish_snapshot_at_start=True)
    snapshots.take_snapshot(event.cutoff_at, title="Summit", event=event)
    events.cancel_event(event, None)
    commit()
    assert tasks.publish_snapshots_at_start(utcnow()) == 0
    assert _snapshot_of(db, event).status == "draft"


def test_the_reviewer_approves_and_holds_in_one_step_so_it_is_never_public_before(
    db, make_commitment, secretariat
):
    event = _event(utcnow() + 10 * DAY)
    commitment = make_commitment(status=CommitmentStatus.submitted)
    events.approve_and_hold(commitment, event, secretariat, "Fine")
    assert commitment.status == CommitmentStatus.approved
    assert commitment.published_at is None and commitment.embargo_event_id == event.id
    assert not commitment.is_published
    assert tasks.publish_embargoed(event.starts_at) == 1
    assert commitment.published_at == event.starts_at


def test_approving_with_a_hold_for_a_past_event_approves_nothing(db, make_commitment, secretariat):
    past = _event(utcnow() - DAY)
    commitment = make_commitment(status=CommitmentStatus.submitted)
    with pytest.raises(InvalidInput) as refused:
        events.approve_and_hold(commitment, past, secretariat, field="hold_event_id")
    assert refused.value.errors == {"hold_event_id": ["not a coming event"]}
    assert commitment.status == CommitmentStatus.submitted and commitment.approved_at is None


def test_a_held_commitment_can_be_moved_to_another_event_or_released(
    db, make_commitment, secretariat
):
    first, second = _event(utcnow() + 10 * DAY), _event(utcnow() + 20 * DAY)
    commitment = make_commitment(status=CommitmentStatus.submitted)
    events.approve_and_hold(commitment, first, secretariat)
    events.hold_for_event(commitment, second, secretariat)
    assert commitment.embargo_event_id == second.id and commitment.published_at is None
    events.release_hold(commitment, secretariat)
    assert commitment.embargo_event_id is None and commitment.is_published
    with pytest.raises(InvalidTransition):
        events.release_hold(commitment, secretariat)


def _public_commitment_ids(db, snapshot) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(SnapshotEntry.commitment_id).where(
                SnapshotEntry.snapshot_id == snapshot.id, SnapshotEntry.is_published.is_(True)
            )
        )
    )


def test_a_commitment_held_for_an_event_is_announced_in_its_snapshot_published_at_the_start(
    db, make_commitment, secretariat
):
    starts = utcnow() + 2 * DAY
    event = _event(starts, publish_snapshot_at_start=True)
    later = _event(starts + 30 * DAY)
    held_here, held_later = (make_commitment(status=CommitmentStatus.submitted) for _ in range(2))
    events.approve_and_hold(held_here, event, secretariat)
    events.approve_and_hold(held_later, later, secretariat)
    event.cutoff_at = utcnow()  # the cutoff comes after both approvals
    commit()
    tasks.advance_events(lambda: starts - timedelta(minutes=1))
    snapshot = _snapshot_of(db, event)
    assert _public_commitment_ids(db, snapshot) == {held_here.id}
    assert snapshot.public_entry_count == 1 and snapshot.entry_count == 2

    tasks.advance_events(lambda: starts)
    db.session.refresh(snapshot)
    assert snapshot.status == "published" and snapshots.verify(snapshot)
    db.session.refresh(held_here)
    assert held_here.published_at == starts


def test_a_snapshot_announcing_held_commitments_cannot_be_published_before_its_event(
    db, make_commitment, secretariat
):
    starts = utcnow() + 2 * DAY
    event = _event(starts)
    held = make_commitment(status=CommitmentStatus.submitted)
    events.approve_and_hold(held, event, secretariat)
    event.cutoff_at = utcnow()
    snapshot = snapshots.take_snapshot(event.cutoff_at, title="Summit", event=event)
    with pytest.raises(InvalidTransition, match="held until its event starts"):
        snapshots.publish_snapshot(snapshot, secretariat)
    assert snapshot.status == "draft" and snapshot.content_sha256 is None
    assert snapshots.publish_snapshot(snapshot, secretariat, now=starts).status == "published"
