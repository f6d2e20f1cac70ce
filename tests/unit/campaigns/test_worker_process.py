"""The worker as a real process (``flask pact worker``): killed, restarted, run three at once.

Each test builds a coalition in a database of its own, runs the SMTP sink in a
process of its own (``smtp_sink.ProcessSink``) and the worker with short ticks
(``WORKER_INTERVALS``) and a short lease. Every wait is on a condition: the
sink reports each message it accepts, the worker's log each tick.
"""

import itertools
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from delivery_world import WorkerProcess, World
from process_log import ProcessLog
from smtp_sink import FaultySink, ProcessSink

from pact_tracker import worker
from pact_tracker.campaigns.models import CampaignStatus, OutboxStatus
from pact_tracker.coalition.models import Signatory
from pact_tracker.commitments.models import Commitment, CommitmentStatus
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme

_numbers = itertools.count(1)

#: Short ticks; the lease short enough that a killed worker's rows come back within seconds.
QUICK = {
    "WORKER_INTERVALS": {
        "dispatch-outbox": 0.2,
        "advance-campaigns": 0.3,
        "reclaim-leases": 0.5,
        "plan-reminders": 3600,
    },
    "OUTBOX_LEASE_SECONDS": 2,
    "OUTBOX_BATCH_SIZE": 20,
}


@pytest.fixture
def world(new_database):
    world = World(new_database(f"worker{next(_numbers)}"))
    yield world
    world.close()


@pytest.fixture
def process_sink():
    sink = ProcessSink()
    yield sink
    sink.stop()


@pytest.fixture
def workers():
    """``workers(world, port, log=None, **settings)`` starts one; all are stopped afterwards."""
    started = []

    def start(world, port, log=None, **settings) -> WorkerProcess:
        process = WorkerProcess(world, port, log, **{**QUICK, **settings})
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()  # each, whatever happened: ended, and all it started, and waited for


def by_recipient(received) -> dict[str, list]:
    grouped = defaultdict(list)
    for message in received:
        grouped[message.recipient].append(message)
    return grouped


@pytest.mark.slow
def test_a_worker_killed_three_times_mid_campaign_misses_nobody(world, process_sink, workers):
    people = 600
    emails = world.people(people)
    campaign_id = world.schedule_campaign()
    log = ProcessLog()
    running = workers(world, process_sink.port, log)
    kills = 0
    for received in (100, 250, 400):
        process_sink.wait_for(received)
        running.kill()
        kills += 1
        running = workers(world, process_sink.port, log)
    log.wait_line("advance-campaigns: started 0, finished 1")
    running.stop()

    assert world.campaign_status(campaign_id) == CampaignStatus.finished
    assert world.statuses(campaign_id) == {OutboxStatus.sent: people}
    grouped = by_recipient(process_sink.received)
    assert set(grouped) == set(emails)
    duplicates = {address: messages for address, messages in grouped.items() if len(messages) > 1}
    assert len(process_sink.received) - people == sum(len(m) - 1 for m in duplicates.values())
    assert sum(len(m) - 1 for m in duplicates.values()) <= kills
    message_ids = {row.to_address: row.message_id for row in world.outbox(campaign_id)}
    for address, messages in grouped.items():
        assert {m.message_id for m in messages} == {message_ids[address]}
    # The campaign was started by the worker, in the first process.
    assert "advance-campaigns: started 1" in log.wait_line("advance-campaigns: started 1")
    assert log.failures() == []


@pytest.mark.slow
def test_three_workers_started_at_once_deliver_one_message_to_each(world, process_sink, workers):
    """Nobody missed, nobody twice, with three workers on one campaign.

    On PostgreSQL the workers (two dispatcher threads each) claim side by side
    with ``FOR UPDATE SKIP LOCKED``. On SQLite the same guarantee rests on the
    database lock (``BEGIN IMMEDIATE`` serialises the claims), so the test runs
    there too, checking that guarantee, rather than being skipped.
    """
    people = 600
    emails = world.people(people)
    campaign_id = world.schedule_campaign()
    log = ProcessLog()
    settings = {"OUTBOX_LEASE_SECONDS": 300, "MAIL_CONCURRENCY": 2}
    trio = [workers(world, process_sink.port, log, **settings) for _ in range(3)]
    log.wait_line("advance-campaigns: started 0, finished 1")
    for process in trio:
        process.stop()

    assert Counter(m.recipient for m in process_sink.received) == Counter(dict.fromkeys(emails, 1))
    assert world.statuses(campaign_id) == {OutboxStatus.sent: people}
    assert world.campaign_status(campaign_id) == CampaignStatus.finished
    # Exactly one worker started it.
    assert len([line for line in log.lines if "advance-campaigns: started 1" in line]) == 1
    # More than one worker delivered (each logs its own dispatch counts).
    senders = {
        line.split("]")[0]
        for line in log.lines
        if "dispatch-outbox: claimed" in line and "claimed 0" not in line
    }
    assert len(senders) >= 2 or world.dialect == "sqlite"
    assert log.failures() == []


def _next_wednesday_noon() -> datetime:
    """A time ahead of now whose next few hours stay in one ISO week."""
    now = utcnow()
    days = (2 - now.weekday()) % 7 or 7
    return datetime(now.year, now.month, now.day, 12, tzinfo=UTC) + timedelta(days=days)


def test_reminders_falling_due_while_the_worker_is_down_go_out_once_when_it_restarts(world):
    sink = FaultySink()
    sink.start()
    try:
        world.point_mail_at(sink.port)
        emails = world.people(3, prefix="reminded")
        t0 = _next_wednesday_noon()
        # Each organisation's first reminder point (14 days before its report) is at t0 + 1h.
        with world.app.app_context():
            programme = Programme(code="PRG-R", name_en="Programme", name_fr="Programme")
            db.session.add(programme)
            for n, signatory in enumerate(db.session.scalars(db.select(Signatory))):
                due = t0 + timedelta(days=14, hours=1)
                db.session.add(
                    Commitment(
                        signatory=signatory,
                        programme=programme,
                        title=f"Commitment number {n}",
                        description="A commitment. " * 20,
                        start_date=date(2026, 1, 1),
                        due_date=date(2028, 12, 31),
                        cadence_months=6,
                        status=CommitmentStatus.approved,
                        country_code="FR",
                        approved_at=t0 - timedelta(days=30),
                        published_at=t0 - timedelta(days=30),
                        report_due_at=due,
                        inactive_at=due + timedelta(days=180),
                    )
                )
            commit()
            db.session.remove()

        before = worker.run_once(world.app, clock=lambda: t0)
        assert before["plan-reminders"].startswith("planned 0")
        assert before["dispatch-outbox"].startswith("claimed 0")
        # The worker is down from t0 to t0 + 2h; the reminders fell due at t0 + 1h.
        restarted = worker.run_once(world.app, clock=lambda: t0 + timedelta(hours=2))
        assert restarted["plan-reminders"].startswith("planned 3")
        assert restarted["dispatch-outbox"].startswith("claimed 3, sent 3")
        received = sink.wait_for(3)
        assert sorted(r.recipient for r in received) == sorted(emails)
        for message in received:
            french = message.recipient in emails[1::2]
            expected = (
                "1 engagement attend un point d'avancement"
                if french
                else "1 commitment needs a progress update"
            )
            assert message.message["Subject"] == expected
            assert "Commitment number" in message.text
        # Later ticks, and a second run at the same moment, send nothing more.
        for hours in (2, 2.1, 3, 6):
            again = worker.run_once(world.app, clock=lambda h=hours: t0 + timedelta(hours=h))
            assert again["plan-reminders"].startswith("planned 0")
            assert again["dispatch-outbox"].startswith("claimed 0")
        assert len(sink.received) == 3
        rows = [row for row in world.outbox() if row.template == "reminder_digest"]
        assert [row.status for row in rows] == [OutboxStatus.sent] * 3
    finally:
        sink.stop()
