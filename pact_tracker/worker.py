"""The worker process: which tick runs how often. The ticks themselves live in ``tasks.py``.

Every job reads what is due from the database, does it and commits, so a job
may run late, twice, or in two workers at once without harm. Jobs are defined
here in code, not stored: a restarted worker simply starts ticking again.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from pact_tracker.campaigns import tasks as campaign_tasks
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], str | None]
    #: Seconds between two runs.
    every: int


JOBS = (
    Job("plan-reminders", campaign_tasks.plan_reminders, every=300),
    Job("advance-campaigns", campaign_tasks.advance_campaigns, every=10),
    Job("dispatch-outbox", campaign_tasks.dispatch_outbox, every=10),
    Job("reclaim-leases", campaign_tasks.reclaim_leases, every=60),
)


def run_job(app: Flask, job: Job) -> str | None:
    """Run one tick in its own app context and commit it; roll back and log on any error."""
    with app.app_context():
        try:
            outcome = job.func()
            commit()
            return outcome
        except Exception:
            db.session.rollback()
            log.exception("Job %s failed", job.name)
            raise
        finally:
            db.session.remove()


def run_once(app: Flask) -> dict[str, str | None]:
    """Run every job once, in order (``flask pact worker --once``, cron, tests)."""
    return {job.name: run_job(app, job) for job in JOBS}


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A scheduler with every job, each starting now and then at its interval."""
    scheduler = BlockingScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(
            _tick,
            "interval",
            args=(app, job),
            seconds=job.every,
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
