"""Dispatch pace and width: the per-process token bucket, dispatcher threads, worker intervals."""

import time

import pytest

from pact_tracker import create_app, worker
from pact_tracker.campaigns import delivery, dispatcher
from pact_tracker.campaigns.delivery import TokenBucket


class FakeTime:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_bucket_lets_a_second_s_worth_through_then_paces_at_the_rate():
    clock = FakeTime()
    bucket = TokenBucket(10, monotonic=clock.monotonic, sleep=clock.sleep)
    assert [bucket.take() for _ in range(10)] == [0.0] * 10
    assert bucket.take() == pytest.approx(0.1)
    assert bucket.take() == pytest.approx(0.1)
    assert clock.now == pytest.approx(100.2)
    clock.now += 0.5  # half a second idle: five tokens back
    assert [bucket.take() for _ in range(5)] == [0.0] * 5
    assert bucket.take() == pytest.approx(0.1)
    # Over 50 more takes the average is the rate.
    start = clock.now
    for _ in range(50):
        bucket.take()
    assert clock.now - start == pytest.approx(5.0)


def test_a_fractional_rate_waits_seconds_between_messages():
    clock = FakeTime()
    bucket = TokenBucket(0.5, monotonic=clock.monotonic, sleep=clock.sleep)
    assert bucket.take() == 0.0
    assert bucket.take() == pytest.approx(2.0)


def test_dispatch_keeps_to_the_rate_per_second(db, app, make_user, queue, smtp_sink):
    users = [make_user() for _ in range(30)]
    for user in users:
        queue(user, f"paced-{user.id}")
    app.config["MAIL_RATE_PER_SECOND"] = 40
    started = time.monotonic()
    result = dispatcher.dispatch_outbox()
    elapsed = time.monotonic() - started
    assert result.sent == 30
    # A burst of at most 40 tokens was there; whatever was taken before, 30 more at 40/s
    # cannot take longer than 30/40 s plus the work, and the bucket is this process's own.
    assert delivery.rate_limiter() is delivery.rate_limiter()
    assert delivery.rate_limiter().rate == 40
    assert elapsed < 5
    app.config["MAIL_RATE_PER_SECOND"] = 100
    for user in users:
        queue(user, f"paced-again-{user.id}")
    bucket = delivery.rate_limiter()
    bucket.tokens = 0  # drained: every message now waits its turn
    started = time.monotonic()
    assert dispatcher.dispatch_outbox().sent == 30
    assert time.monotonic() - started >= 30 / 100 * 0.95
    assert len(smtp_sink.wait_for(60)) == 60
    app.config["MAIL_RATE_PER_SECOND"] = None
    assert delivery.rate_limiter() is None


def test_sqlite_runs_one_dispatcher_thread_whatever_the_setting(db, app, mail_config):
    app.config["MAIL_CONCURRENCY"] = 4
    expected = 1 if db.engine.dialect.name == "sqlite" else 4
    assert dispatcher.concurrency() == expected
    app.config["MAIL_CONCURRENCY"] = None
    assert dispatcher.concurrency() == 1


def test_worker_intervals_come_from_the_configuration(app, monkeypatch):
    monkeypatch.setenv("PACT_WORKER_INTERVALS", '{"dispatch-outbox": 1, "reclaim-leases": 0.5}')
    configured = create_app({"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert configured.config["WORKER_INTERVALS"] == {"dispatch-outbox": 1, "reclaim-leases": 0.5}
    jobs = {job.id: job for job in worker.build_scheduler(configured).get_jobs()}
    assert jobs["dispatch-outbox"].trigger.interval.total_seconds() == 1
    assert jobs["reclaim-leases"].trigger.interval.total_seconds() == 0.5
    assert jobs["advance-campaigns"].trigger.interval.total_seconds() == 10
    configured.config["WORKER_INTERVALS"] = {"dispatch-inbox": 1}
    with pytest.raises(ValueError, match="unknown jobs: dispatch-inbox"):
        worker.build_scheduler(configured)
    configured.config["WORKER_INTERVALS"] = {"dispatch-outbox": 0}
    with pytest.raises(ValueError, match="positive number of seconds"):
        worker.build_scheduler(configured)
