"""The worker process: which tick runs how often. The ticks themselves live in ``tasks.py``.

Every job reads what is due from the database, does it and commits, so a job
may run late, twice, or in two workers at once without harm. Jobs are defined
here in code, not stored: a restarted worker simply starts ticking again.

``WORKER_INTERVALS`` overrides the seconds between runs of chosen jobs, e.g.
``PACT_WORKER_INTERVALS='{"dispatch-outbox": 1}'`` (JSON, read by the app
factory's ``from_prefixed_env``); tests run a real worker with short ticks.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from pact_tracker.campaigns import tasks as campaign_tasks
from pact_tracker.campaigns.dispatcher import Clock
from pact_tracker.core import figure_store, idempotency
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.events import tasks as event_tasks
from pact_tracker.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    #: The tick, given the clock to read the time from.
    func: Callable[[Clock], str | None]
    #: Seconds between two runs (unless ``WORKER_INTERVALS`` names the job).
    every: float


JOBS = (
    Job("plan-reminders", campaign_tasks.plan_reminders, every=300),
    Job("advance-events", event_tasks.advance_events, every=60),
    Job("render-snapshot-files", event_tasks.render_snapshot_files, every=60),
    Job("advance-campaigns", campaign_tasks.advance_campaigns, every=10),
    Job("dispatch-outbox", campaign_tasks.dispatch_outbox, every=10),
    Job("reclaim-leases", campaign_tasks.reclaim_leases, every=60),
    Job("answer-reminders", campaign_tasks.answer_reminders, every=300),
    Job("purge-idempotency-keys", idempotency.purge_expired, every=3600),
    Job("purge-computed-figures", figure_store.purge_expired, every=3600),
)


def intervals(app: Flask) -> dict[str, float]:
    """Seconds between runs of each job: its own, or ``WORKER_INTERVALS``'s."""
    overrides = app.config.get("WORKER_INTERVALS") or {}
    unknown = set(overrides) - {job.name for job in JOBS}
    if unknown:
        raise ValueError(f"WORKER_INTERVALS names unknown jobs: {', '.join(sorted(unknown))}")
    for name, seconds in overrides.items():
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
            raise ValueError(f"WORKER_INTERVALS[{name!r}] must be a positive number of seconds")
    return {job.name: overrides.get(job.name, job.every) for job in JOBS}


def run_job(app: Flask, job: Job, clock: Clock = utcnow) -> str | None:
    """Run one tick in its own app context and commit it; roll back and log on any error."""
    with app.app_context():
        try:
            outcome = job.func(clock)
            commit()
            return outcome
        except Exception:
            db.session.rollback()
            log.exception("Job %s failed", job.name)
            raise
        finally:
            db.session.remove()


def run_once(app: Flask, clock: Clock = utcnow) -> dict[str, str | None]:
    """Run every job once, in order (``flask pact worker --once``, cron, tests)."""
    return {job.name: run_job(app, job, clock) for job in JOBS}


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A scheduler with every job, each starting now and then at its interval."""
    scheduler = BlockingScheduler(timezone="UTC")
    every = intervals(app)
    for job in JOBS:
        scheduler.add_job(
            _tick,
            "interval",
            args=(app, job),
            seconds=every[job.name],
            id=job.name,
            name=job.name,
            next_run_time=utcnow(),
            # Late runs collapse into one, never overlap, and are never skipped.
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
    return scheduler


def _tick(app: Flask, job: Job) -> None:
    # A failed tick is logged by run_job; the next one tries again.
    try:
        outcome = run_job(app, job)
    except Exception:  # noqa: BLE001 - the scheduler must keep ticking
        return
    if outcome:
        log.info("%s: %s", job.name, outcome)
