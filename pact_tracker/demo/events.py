"""The demo's events: a summit series with two past events, each with a published snapshot.

A newcomer opens the latest snapshot and sees its comparison with the one
before at once. The summit meets twice a year, in Paris, in March and
September, so that both past events' cutoffs fall inside the demo's year of
history (to ``DEMO_NOW``, 1 November 2026); the next one (March 2027) is
scheduled with its reminder waves still to come.

Everything goes through the services (series, events, snapshots), after the
bulk load: the snapshots are frozen from the rows just written, in SQL.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from pact_tracker.coalition.models import User
from pact_tracker.core import activity
from pact_tracker.events.models import ReminderWave, SnapshotEntry, WaveStatus
from pact_tracker.events.services import events as event_services
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.extensions import db

SERIES = {
    "name": "Pact for Impact Summit",
    "description": (
        "The coalition meets twice a year, in spring and autumn, to take stock of every "
        "commitment: progress is measured as of each summit's cutoff, two weeks before it."
    ),
    "rrule": "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=18",
    "timezone": "Europe/Paris",
    #: 09:00 in Paris (UTC+1 in March).
    "first_starts_at": datetime(2026, 3, 18, 8, 0, tzinfo=UTC),
    "duration_hours": 9,
    "place": "Paris, Palais Brongniart",
}
#: Names of the first three occurrences; the first two are past at ``DEMO_NOW``.
EVENT_NAMES = ("Spring Summit 2026", "Autumn Summit 2026", "Spring Summit 2027")


def _analyze() -> None:
    """Give PostgreSQL statistics of the tables just filled, so that the as-of queries plan well.

    On a connection of its own (``ANALYZE`` in the session's transaction would hold
    its locks until that transaction ends), and only when that connection sees the
    commitments: statistics of tables that look empty (the caller's transaction has
    not committed them, as in tests) would plan worse than none.
    """
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM commitment)").scalar():
            connection.exec_driver_sql("ANALYZE")


def load_events(secretariat_id: int | None) -> dict[str, int]:
    """Create the series, its three events and the two past events' published snapshots.

    Return the rows written per table, as :func:`pact_tracker.demo.load_demo` does.
    """
    secretariat = db.session.get(User, secretariat_id) if secretariat_id else None
    _analyze()
    series = event_services.create_series(SERIES, secretariat)
    starts = event_services.occurrences(
        series, after=series.first_starts_at - timedelta(seconds=1), count=len(EVENT_NAMES)
    )
    events = [
        event_services.create_event(
            {
                "name": name,
                "starts_at": start,
                "ends_at": start + timedelta(hours=series.duration_hours),
                "timezone": series.timezone,
                "place": series.place,
            },
            secretariat,
            series=series,
        )
        for name, start in zip(EVENT_NAMES, starts, strict=True)
    ]
    activity.commit()
    snapshots = []
    for event in events[:2]:
        # The demo has no campaign history: the past events' waves are marked as missed.
        for wave in event.waves:
            wave.status = WaveStatus.cancelled
        snapshot = snapshot_services.take_snapshot(
            event.cutoff_at, title=event.name, event=event, actor=secretariat
        )
        snapshot_services.publish_snapshot(snapshot, secretariat)
        # As the worker would have done it: taken at the cutoff, published at the summit.
        snapshot.taken_at, snapshot.published_at = event.cutoff_at, event.starts_at
        activity.commit()
        snapshots.append(snapshot)
    entries = db.session.scalar(
        sa.select(sa.func.count()).where(SnapshotEntry.snapshot_id.in_([s.id for s in snapshots]))
    )
    waves = db.session.scalar(
        sa.select(sa.func.count()).where(ReminderWave.event_id.in_([e.id for e in events]))
    )
    return {
        "event_series": 1,
        "event": len(events),
        "reminder_wave": waves,
        "snapshot": len(snapshots),
        "snapshot_entry": entries,
    }
