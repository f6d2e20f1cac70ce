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
from pact_tracker.events.models import EventStatus, Snapshot, WaveStatus
from pact_tracker.events.services import events

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
