"""The worker: code-defined interval jobs, and ``flask pact worker --once``."""

import sqlalchemy as sa

from pact_tracker import worker
from pact_tracker.campaigns.models import OutboxMessage, OutboxStatus


def test_worker_once_delivers_the_queued_messages(db, runner, make_user, queue, smtp_sink):
    users = [make_user(), make_user()]
    for user in users:
        queue(user, f"worker-{user.id}")
    db.session.commit()
    result = runner.invoke(args=["pact", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "dispatch-outbox: claimed 2, sent 2, retry 0, failed 0, suppressed 0" in result.output
    assert "reclaim-leases: reclaimed 0" in result.output
    assert sorted(r.recipient for r in smtp_sink.wait_for(2)) == sorted(u.email for u in users)
    db.session.expire_all()
    statuses = db.session.scalars(
        sa.select(OutboxMessage.status).where(
            OutboxMessage.idempotency_key.in_([f"worker-{u.id}" for u in users])
        )
    ).all()
    assert statuses == [OutboxStatus.sent, OutboxStatus.sent]
    again = runner.invoke(args=["pact", "worker", "--once"])
    assert "dispatch-outbox: claimed 0" in again.output
    assert len(smtp_sink.received) == 2


def test_scheduler_runs_every_job_late_rather_than_never_and_never_overlapping(app):
    scheduler = worker.build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "plan-reminders",
        "advance-events",
        "advance-campaigns",
        "dispatch-outbox",
        "reclaim-leases",
        "answer-reminders",
        "purge-idempotency-keys",
        "purge-computed-figures",
        "render-snapshot-files",
    }
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time is None
    assert jobs["dispatch-outbox"].trigger.interval.total_seconds() == 10
