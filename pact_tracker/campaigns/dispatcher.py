"""Delivering the outbox: claim due rows, send them over one SMTP session, record each outcome.

A claim marks rows ``sending`` under a lease and commits before anything is
sent, so two dispatchers never take the same row (PostgreSQL: ``FOR UPDATE
SKIP LOCKED``; SQLite: ``BEGIN IMMEDIATE`` serialises the claims). Each
outcome is committed right after the server answers, so a crash loses at most
the message in flight, whose lease then expires and whose retry carries the
same Message-ID.

Outcomes: a 250 reply makes the row ``sent``; a 4xx reply or a connection
error makes it ``retry`` after an exponential back-off; a 5xx refusal of the
recipient makes it ``failed`` and suppresses the address; any other 5xx (the
content, the sender) makes it ``failed`` only, since it says nothing of the
address. After ``OUTBOX_MAX_ATTEMPTS`` claims a temporary failure is final.

Pace and width (``mailer.DEFAULTS``): ``MAIL_CONCURRENCY`` dispatcher threads
per worker process (PostgreSQL; always one on SQLite), each with its own SMTP
session and database session, and ``MAIL_RATE_PER_SECOND``, a token bucket
that all the threads of one process share.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from pact_tracker.campaigns.delivery import (
    Builder,
    Outcome,
    deliver,
    rate_limiter,
)
from pact_tracker.campaigns.mailer import Connection, mail
from pact_tracker.campaigns.models import (
    Campaign,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
    Suppression,
)
from pact_tracker.campaigns.services import REPLY_LENGTH, suppress_address
from pact_tracker.campaigns.services import campaigns as campaign_services
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    #: The SMTP server could not be reached: the tick stopped early.
    unreachable: bool = False

    def __str__(self) -> str:
        return (
            f"claimed {self.claimed}, sent {self.sent}, retry {self.retried}, "
            f"failed {self.failed}, suppressed {self.suppressed}"
        )


def _config(key: str):
    return current_app.config[key]


def claim_due(*, limit: int, clock: Clock = utcnow) -> tuple[list[int], datetime]:
    """Take up to ``limit`` due rows under a new lease and commit; return their ids and the lease.

    Due: ``queued`` or ``retry`` rows whose time has come, and ``sending`` rows
    whose lease expired (their dispatcher died).
    """
    rows, lease = _claim(limit=limit, clock=clock)
    return [row.id for row in rows], lease


#: What sending a claimed row needs, returned by the claim itself (no second query).
_CLAIMED_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.to_address,
    OutboxMessage.subject,
    OutboxMessage.body_text,
    OutboxMessage.body_html,
    OutboxMessage.message_id,
    OutboxMessage.attempts,
    OutboxMessage.template,
    OutboxMessage.user_id,
    OutboxMessage.campaign_id,
)


def _claim(*, limit: int, clock: Clock) -> tuple[list[sa.Row], datetime]:
    """``claim_due``, returning the claimed rows' columns (``attempts`` counting this claim).

    Rows whose lease expired first (they were claimed long ago), then waiting
    rows oldest first: two statements, so that each walks its own index in
    order instead of sorting every due row.
    """
    now = clock()
    lease = now + timedelta(seconds=_config("OUTBOX_LEASE_SECONDS"))
    expired = sa.and_(
        OutboxMessage.status == OutboxStatus.sending, OutboxMessage.lease_expires_at <= now
    )
    waiting = sa.and_(
        OutboxMessage.status.in_([OutboxStatus.queued, OutboxStatus.retry]),
        OutboxMessage.next_attempt_at <= now,
    )
    rows = _claim_rows(expired, limit, lease)
    if len(rows) < limit:
        rows += _claim_rows(waiting, limit - len(rows), lease)
    commit()
    return sorted(rows, key=lambda row: row.id), lease


def _claim_rows(condition, limit: int, lease: datetime) -> list[sa.Row]:
    """Lease up to ``limit`` rows meeting ``condition``, oldest first; their columns."""
    due = (
        sa.select(OutboxMessage.id)
        .where(_not_held_by_campaign(), condition)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    due = due.cte("due")
    claim = (
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(sa.select(due.c.id)))
        .values(
            status=OutboxStatus.sending,
            lease_expires_at=lease,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(*_CLAIMED_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    return list(db.session.execute(claim).all())


def _not_held_by_campaign() -> sa.ColumnElement[bool]:
    """Campaign messages go out only while their campaign runs (not paused, not cancelled)."""
    running = sa.select(Campaign.id).where(Campaign.status == CampaignStatus.running)
    return sa.or_(OutboxMessage.campaign_id.is_(None), OutboxMessage.campaign_id.in_(running))


def reclaim_expired_leases(clock: Clock = utcnow) -> int:
    """Put back rows whose dispatcher died while sending them; return how many."""
    now = clock()
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.sending,
            OutboxMessage.lease_expires_at <= now,
        )
        .values(
            status=OutboxStatus.retry,
            next_attempt_at=now,
            lease_expires_at=None,
            last_reply="lease expired: the worker sending it stopped",
        )
        .execution_options(synchronize_session=False)
    )
    commit()
    return result.rowcount


def concurrency() -> int:
    """How many dispatcher threads this process runs (``MAIL_CONCURRENCY``)."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has one writer at a time and every transaction here writes (claims, outcomes,
        # each taken with BEGIN IMMEDIATE): a second thread would only wait for the lock.
        return 1
    return max(1, int(_config("MAIL_CONCURRENCY") or 1))


def dispatch_outbox(*, clock: Clock = utcnow, max_batches: int | None = None) -> DispatchResult:
    """Deliver due messages until none is due, in ``concurrency()`` threads; sum their results.

    One thread runs in the caller's app context and session; more threads get
    an app context (so a database session) and an SMTP session each.

    :param max_batches: stop each thread after this many claims (None: until nothing is due).
    """
    threads = concurrency()
    if threads == 1:
        return _dispatch_loop(clock, max_batches)
    # The caller's transaction must not hold rows the threads are about to claim.
    commit()
    app = current_app._get_current_object()
    results: list[DispatchResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                results.append(_dispatch_loop(clock, max_batches))
            except BaseException as error:  # noqa: BLE001 - raised again in the caller
                errors.append(error)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, name=f"dispatcher-{n}") for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    total = DispatchResult()
    for result in results:
        for field in ("claimed", "sent", "retried", "failed", "suppressed"):
            setattr(total, field, getattr(total, field) + getattr(result, field))
        total.unreachable = total.unreachable or result.unreachable
    return total


def _dispatch_loop(clock: Clock, max_batches: int | None) -> DispatchResult:
    """Claim and send batch after batch over one SMTP session until none is due."""
    result = DispatchResult()
    batch_size = _config("OUTBOX_BATCH_SIZE")
    batches = 0
    recorder = _Recorder.for_session()
    try:
        with mail.connect() as connection:
            while max_batches is None or batches < max_batches:
                rows, lease = _claim(limit=batch_size, clock=clock)
                batches += 1
                if not rows:
                    break
                result.claimed += len(rows)
                _send_batch(connection, rows, lease, result, clock, recorder)
                if result.unreachable or len(rows) < batch_size:
                    break
    finally:
        recorder.close()
    if result.claimed:
        log.info("Outbox: %s", result)
    return result


def _send_batch(
    connection: Connection,
    rows: list[sa.Row],
    lease: datetime,
    result: DispatchResult,
    clock: Clock,
    recorder: "_Recorder",
) -> None:
    # Built from the claim's own rows: the building overlaps the suppression query too.
    built = Builder(rows)
    suppressed = set(
        db.session.scalars(
            sa.select(Suppression.address).where(
                Suppression.address.in_({row.to_address.lower() for row in rows})
            )
        )
    )
    # No transaction stays open while the SMTP server answers (on SQLite it would hold the lock).
    commit()
    lease_seconds = _config("OUTBOX_LEASE_SECONDS")
    reconnect_every = _config("MAIL_RECONNECT_EVERY")
    bucket = rate_limiter()
    running = _RunningCampaigns(clock)
    for position, row in enumerate(rows):
        now = clock()
        if now >= lease:
            recorder.wait()
            # This process stalled past its lease: another dispatcher may own the rest now.
            log.warning("Outbox lease expired mid-batch; leaving %d rows", len(rows) - position)
            return
        if now >= lease - timedelta(seconds=lease_seconds / 2):
            recorder.wait()
            lease = _renew_lease_until(
                [r.id for r in rows[position:]], lease, now + timedelta(seconds=lease_seconds)
            )
        if row.campaign_id is not None and not running.allows(row.campaign_id):
            recorder.wait()
            _release(row, lease)
            continue
        if row.to_address.lower() in suppressed:
            recorder.wait()
            _record(row, lease, Outcome(OutboxStatus.suppressed, _SUPPRESSED), clock())
            result.suppressed += 1
            continue
        if reconnect_every and connection.num_emails >= reconnect_every:
            connection.close()
        if bucket is not None:
            bucket.take()
        reply, outcome, unreachable = deliver(
            connection, built.get(position), before_dot=recorder.wait, dot_ready=recorder.ready
        )
        if outcome is None:
            recorder.record_sent(row.id, reply, clock())
            result.sent += 1
            continue
        recorder.wait()
        if unreachable:
            # Nothing answers: the rest of the batch waits as well, and the tick ends.
            log.warning("SMTP server unreachable: %s", outcome.reply)
            for waiting in rows[position:]:
                _record(waiting, lease, _retry_or_give_up(outcome, waiting), clock())
                result.retried += 1
            result.unreachable = True
            return
        outcome = _retry_or_give_up(outcome, row)
        _record(row, lease, outcome, clock())
        if outcome.suppress:
            suppress_address(row.to_address, f"bounce: {outcome.reply}")
            commit()
            suppressed.add(row.to_address.lower())
        if outcome.status == OutboxStatus.retry:
            result.retried += 1
            continue
        result.failed += 1
        if row.campaign_id is not None:
            paused = campaign_services.note_failures(row.campaign_id)
            # Committed either way: no transaction of ours stays open (on SQLite it would
            # hold the lock the recorder needs).
            commit()
            if paused:
                running.forget(row.campaign_id)


class _RunningCampaigns:
    """Whether a campaign still runs, asked again at most once a second during a batch.

    A campaign paused or cancelled while a dispatcher holds some of its
    messages: those not sent yet go back to the outbox within a second.
    """

    def __init__(self, clock: Clock):
        self.clock = clock
        self.known: dict[int, bool] = {}
        self.checked_at: datetime | None = None

    def allows(self, campaign_id: int) -> bool:
        now = self.clock()
        if self.checked_at is None or (now - self.checked_at).total_seconds() >= 1:
            self.known.clear()
            self.checked_at = now
        if campaign_id not in self.known:
            status = db.session.scalar(sa.select(Campaign.status).where(Campaign.id == campaign_id))
            commit()
            self.known[campaign_id] = status == CampaignStatus.running
        return self.known[campaign_id]

    def forget(self, campaign_id: int) -> None:
        self.known[campaign_id] = False


def _release(row, lease: datetime) -> None:
    """Give back a claimed row, unsent and without counting the claim as an attempt."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == row.id,
            OutboxMessage.status == OutboxStatus.sending,
            OutboxMessage.lease_expires_at == lease,
        )
        .values(
            status=OutboxStatus.queued if row.attempts <= 1 else OutboxStatus.retry,
            attempts=OutboxMessage.attempts - 1,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    commit()


_SUPPRESSED = "not sent: the address is suppressed"


def _retry_or_give_up(outcome: Outcome, row) -> Outcome:
    if outcome.status != OutboxStatus.retry or row.attempts < _config("OUTBOX_MAX_ATTEMPTS"):
        return outcome
    return Outcome(OutboxStatus.failed, f"gave up after {row.attempts} attempts: {outcome.reply}")


def backoff(attempts: int) -> timedelta:
    """How long a message waits after its ``attempts``-th attempt failed for a while."""
    base = _config("OUTBOX_RETRY_BASE_SECONDS")
    cap = _config("OUTBOX_RETRY_CAP_SECONDS")
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def _record(row, lease: datetime, outcome: Outcome, now: datetime) -> None:
    """Record a failure of ours, unless the row is no longer ours (its lease was taken over)."""
    values = {
        "status": outcome.status,
        "last_reply": outcome.reply[:REPLY_LENGTH],
        "lease_expires_at": None,
    }
    if outcome.status == OutboxStatus.retry:
        values["next_attempt_at"] = now + backoff(row.attempts)
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == row.id,
            OutboxMessage.status == OutboxStatus.sending,
            OutboxMessage.lease_expires_at == lease,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    commit()


_outbox = OutboxMessage.__table__
#: Core, not ORM: this runs once per message sent, and the ORM's bulk UPDATE path costs more
#: than the statement itself.
_SENT = (
    sa.update(_outbox)
    .where(
        _outbox.c.id == sa.bindparam("pk"),
        _outbox.c.status.in_([OutboxStatus.sending, OutboxStatus.retry]),
    )
    .values(
        status=OutboxStatus.sent,
        sent_at=sa.bindparam("now"),
        lease_expires_at=None,
        last_reply=sa.bindparam("reply"),
    )
)


class _Recorder:
    """Commits each "sent" in a thread of its own while the next message goes out.

    One outcome at a time: the next message's final dot waits until the
    previous outcome is committed (``wait``), so a crash still leaves at most
    one message accepted by the server but not recorded (resent later, with
    its Message-ID), as when each outcome was committed in line. Every other
    write of the dispatcher waits for it too, so outcomes land in order.

    A session bound to one connection (a caller's transaction, the tests'
    ``db`` fixture) cannot be shared with a thread: there it records in line.
    """

    def __init__(self, app=None):
        self.app = app
        self.error: BaseException | None = None
        self.idle = threading.Event()
        self.idle.set()
        self.pending: tuple | None = None
        self.wake = threading.Condition()
        self.closing = False
        self.thread = None
        if app is not None:
            self.thread = threading.Thread(target=self._run, name="outbox-recorder", daemon=True)
            self.thread.start()

    @classmethod
    def for_session(cls) -> "_Recorder":
        if isinstance(db.session.get_bind(), sa.engine.Engine):
            return cls(current_app._get_current_object())
        return cls()

    def record_sent(self, pk: int, reply: str, now: datetime) -> None:
        if self.thread is None:
            _record_sent(pk, reply, now)
            return
        if db.session().in_transaction():
            # Nothing of ours may hold the database while the recorder writes (SQLite's lock).
            commit()
        self.wait()
        with self.wake:
            self.idle.clear()
            self.pending = (pk, reply, now)
            self.wake.notify()

    def ready(self) -> bool:
        """Whether ``wait`` would return at once (only the sender hands over outcomes)."""
        return self.idle.is_set()

    def wait(self) -> None:
        """Until the outcome handed over is committed (raises what committing it raised)."""
        self.idle.wait()
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def close(self) -> None:
        if self.thread is None:
            return
        self.idle.wait()
        with self.wake:
            self.closing = True
            self.wake.notify()
        self.thread.join()
        self.wait()

    def _run(self) -> None:
        with self.app.app_context():
            connection = _OutcomeConnection(db.engine)
            try:
                while True:
                    with self.wake:
                        self.wake.wait_for(lambda: self.pending is not None or self.closing)
                        if self.pending is None:
                            return
                        item, self.pending = self.pending, None
                    try:
                        connection.record_sent(*item)
                    except BaseException as error:  # noqa: BLE001 - raised in the sender
                        self.error = error
                    finally:
                        self.idle.set()
            finally:
                connection.close()


def _record_sent(pk: int, reply: str, now: datetime) -> None:
    """The server accepted it: that is final, whoever holds the row now."""
    db.session.execute(_SENT, _sent_values(pk, reply, now))
    commit()


def _sent_values(pk: int, reply: str, now: datetime) -> dict:
    return {"pk": pk, "now": now, "reply": reply[:REPLY_LENGTH]}


class _OutcomeConnection:
    """The recorder's own database connection, held for the whole dispatch.

    A Core connection rather than the ORM session, and kept rather than taken
    from the pool for each outcome: per message, that saves the session's
    bookkeeping and the pool's ``pool_pre_ping`` round trip. What the ping did
    is kept: a connection found dead is replaced once, and the outcome written
    again (the UPDATE only takes a row not yet ``sent``, so writing it twice is
    harmless).

    On PostgreSQL the UPDATE runs in autocommit: one statement is its own
    transaction, committed (and flushed to the WAL) before the server answers,
    in one round trip instead of three (BEGIN, UPDATE, COMMIT). SQLite keeps
    its ``BEGIN IMMEDIATE`` transaction (``core.database``): no network there.
    """

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.connection: sa.Connection | None = None

    def record_sent(self, pk: int, reply: str, now: datetime) -> None:
        values = _sent_values(pk, reply, now)
        try:
            self._write(values)
        except sa.exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            self.close()
            self._write(values)

    def _write(self, values: dict) -> None:
        if self.connection is None:
            self.connection = self.engine.connect()
            if self.engine.dialect.name == "postgresql":
                self.connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            self.connection.execute(_SENT, values)
            self.connection.commit()
        except BaseException:
            # Closing rolls back; the next outcome takes a fresh connection.
            self.close()
            raise

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()


def _renew_lease_until(ids: list[int], lease: datetime, until: datetime) -> datetime:
    """Extend our lease on the rows not sent yet; return the new lease."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == OutboxStatus.sending,
            OutboxMessage.lease_expires_at == lease,
        )
        .values(lease_expires_at=until)
        .execution_options(synchronize_session=False)
    )
    commit()
    return until
