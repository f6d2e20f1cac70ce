"""Workers running at once publish each snapshot due at its event's start exactly once.

Like the concurrent dispatchers' test, this one needs rows other connections
can see, so it uses a database of its own (PostgreSQL: ``FOR UPDATE SKIP
LOCKED`` until the commit; SQLite: ``BEGIN IMMEDIATE`` serialises the ticks).
"""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pact_tracker import worker
from pact_tracker.core.activity import Activity, commit
from pact_tracker.core.types import utcnow
from pact_tracker.events.models import Snapshot, SnapshotStatus
from pact_tracker.events.services import events as event_services
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.extensions import db

WORKERS = 3
EVENTS = 6
ADVANCE_EVENTS = next(job for job in worker.JOBS if job.name == "advance-events")


@pytest.fixture
def events_app(own_app):
    return own_app("events")


def test_workers_at_once_publish_each_snapshot_due_at_the_start_once(events_app):
    with events_app.app_context():
        for n in range(EVENTS):
            event = event_services.create_event(
                {
                    "name": f"Summit {n}",
                    "starts_at": utcnow() - timedelta(hours=1),
                    "cutoff_at": utcnow() - timedelta(days=2),
                    "wave_days": [],
                    "publish_snapshot_at_start": True,
                },
                None,
            )
            if n % 2:  # the others' cutoffs found no worker: taken at the start, then published
                snapshot_services.take_snapshot(event.cutoff_at, title=event.name, event=event)
        commit()
        db.session.remove()

    start = threading.Barrier(WORKERS)
    errors = []

    def run():
        start.wait()
        try:
            worker.run_job(events_app, ADVANCE_EVENTS)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with events_app.app_context():
        statuses = db.session.scalars(sa.select(Snapshot.status)).all()
        assert statuses == [SnapshotStatus.published] * EVENTS
        published = db.session.execute(
            sa.select(Activity.subject_id, sa.func.count())
            .where(Activity.action == "snapshot.published")
            .group_by(Activity.subject_id)
        ).all()
        assert len(published) == EVENTS and {count for _id, count in published} == {1}
        db.session.remove()
