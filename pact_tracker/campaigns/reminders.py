"""Automatic reminders: a weekly digest to each person whose commitments need an update.

The policy is a set of reminder points on each commitment's stored schedule:
some days before its report is due, on the due date, some days after it, and
the day it turns inactive. A commitment needs a reminder while ``now`` lies in
the week after one of its points, so a planner that was down for a few days
still reminds when it comes back. Reporting progress moves ``report_due_at``
forward and the commitment drops out by itself.

Each digest links to the person's update links (one per signatory), so that
they can report without signing in; reporting marks the digest answered.

Each run queues, for every person who acts for the signatory of such a
commitment, ONE email listing all of them. Its idempotency key names the ISO
week of ``now`` (``reminder:digest:2026-W48:<user id>``): however often the
planner runs, on however many workers, a person gets at most one digest per
calendar week. The outbox is the record of what was planned.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager

from pact_tracker.campaigns import services, update_links
from pact_tracker.campaigns.models import OutboxMessage
from pact_tracker.coalition.models import Membership, Signatory, SignatoryStatus, User
from pact_tracker.commitments.models import (
    REPORTING_STATUSES,
    Commitment,
    ReportingState,
    reporting_state_at,
)
from pact_tracker.extensions import db

log = logging.getLogger(__name__)

#: Defaults for anything the configuration does not set.
DEFAULTS = {
    #: Days before a report is due on which a reminder starts (one point each).
    "REMINDER_DAYS_BEFORE_DUE": (14,),
    #: Remind on the day the report is due.
    "REMINDER_ON_DUE_DATE": True,
    #: Days after the due date on which an overdue commitment is reminded again.
    "REMINDER_DAYS_AFTER_DUE": (7, 30),
    #: Remind on the day a commitment turns inactive.
    "REMINDER_ON_INACTIVE": True,
    #: Days the update link in a digest works.
    "REMINDER_LINK_VALID_DAYS": 30,
    #: Days a reminder point stays pending: also the least time between two digests
    #: about the same point, and how long the worker may be down without losing one.
    "REMINDER_WINDOW_DAYS": 7,
}

TEMPLATE = "reminder_digest"
#: Only one planner at a time on PostgreSQL (any 64-bit number of our own).
ADVISORY_LOCK_KEY = 0x7061637472656D  # "pactrem"
#: Signatory statuses whose members may report progress (see core.permissions).
_REPORTING_SIGNATORIES = (SignatoryStatus.applied, SignatoryStatus.approved)


@dataclass
class PlanResult:
    #: Digests queued by this run.
    planned: int = 0
    #: People who needed one but already have this week's (queued by an earlier run).
    already_planned: int = 0
    #: People skipped because their address is suppressed.
    suppressed: int = 0
    #: Commitments that needed a reminder.
    commitments: int = 0
    #: False when another worker was planning (PostgreSQL only): nothing was done.
    locked: bool = True
    user_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.locked:
            return "another worker is planning"
        return (
            f"planned {self.planned}, already planned {self.already_planned}, "
            f"suppressed {self.suppressed}, commitments {self.commitments}"
        )


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def period_of(now: datetime) -> str:
    """The ISO week of ``now``, e.g. ``2026-W48``."""
    year, week, _day = now.isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(now: datetime, user_id: int) -> str:
    return f"reminder:digest:{period_of(now)}:{user_id}"


def _due_offsets() -> list[timedelta]:
    """Reminder points relative to ``report_due_at``."""
    offsets = [-timedelta(days=d) for d in setting("REMINDER_DAYS_BEFORE_DUE")]
    if setting("REMINDER_ON_DUE_DATE"):
        offsets.append(timedelta(0))
    offsets += [timedelta(days=d) for d in setting("REMINDER_DAYS_AFTER_DUE")]
    return offsets


def needs_reminder(now: datetime) -> sa.ColumnElement[bool]:
    """Commitments with a reminder point in the window before ``now``.

    A point ``p`` is pending while ``p <= now < p + window``; written as ranges on
    the stored dates so that the (status, report_due_at) index serves it.
    """
    window = timedelta(days=setting("REMINDER_WINDOW_DAYS"))
    ranges = [
        sa.and_(
            Commitment.report_due_at > now - offset - window,
            Commitment.report_due_at <= now - offset,
        )
        for offset in _due_offsets()
    ]
    if setting("REMINDER_ON_INACTIVE"):
        ranges.append(sa.and_(Commitment.inactive_at > now - window, Commitment.inactive_at <= now))
    if not ranges:
        return sa.false()
    return sa.and_(
        Commitment.status.in_(list(REPORTING_STATUSES)),
        Commitment.report_due_at.is_not(None),
        Commitment.inactive_at.is_not(None),
        sa.or_(*ranges),
    )


def _take_planning_lock() -> bool:
    """On PostgreSQL, one planner at a time: a lock released at the end of the transaction.

    The UNIQUE idempotency keys would stop a duplicate digest anyway; the lock
    only spares a second worker the work. On SQLite the writer's lock
    (BEGIN IMMEDIATE) already serialises planners: nothing to take.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(ADVISORY_LOCK_KEY))))


def _recipients_and_commitments(now: datetime) -> list[tuple[User, Commitment]]:
    """Every (person, commitment) pair to remind: one query for the whole coalition."""
    statement = (
        sa.select(User, Commitment)
        .join(Membership, Membership.user_id == User.id)
        .join(Commitment, Commitment.signatory_id == Membership.signatory_id)
        .join(Signatory, Signatory.id == Commitment.signatory_id)
        .options(contains_eager(Commitment.signatory))
        .where(
            needs_reminder(now),
            Membership.pending.is_(False),
            User.active.is_(True),
            User.reminders_opt_out.is_(False),
            Signatory.status.in_(_REPORTING_SIGNATORIES),
        )
        .order_by(User.id, Commitment.report_due_at, Commitment.id)
    )
    return [(user, commitment) for user, commitment in db.session.execute(statement)]


def _item(commitment: Commitment, now: datetime, url: str) -> dict:
    state = reporting_state_at(
        commitment.status,
        commitment.report_due_at,
        commitment.inactive_at,
        now,
        timedelta(days=current_app.config["REPORT_DUE_WINDOW_DAYS"]),
    )
    return {
        "title": commitment.title,
        "signatory": commitment.signatory.name,
        "due_at": commitment.report_due_at,
        "state": str(state or ReportingState.on_time),
        "url": url,
    }


def _queue_digest(user: User, commitments: list[Commitment], key: str, now: datetime) -> bool:
    """Queue ``user``'s digest with one update link per signatory; False if not queued."""
    links = {}
    for commitment in commitments:
        if commitment.signatory_id not in links:
            links[commitment.signatory_id] = update_links.new_update_link(
                user.id,
                commitment.signatory_id,
                valid_days=setting("REMINDER_LINK_VALID_DAYS"),
                now=now,
            )
    items = [_item(c, now, links[c.signatory_id][1]) for c in commitments]
    message = services.queue_email(user, TEMPLATE, idempotency_key=key, context={"items": items})
    if message is None:
        return False  # not sent: its links must not exist either
    for link, _url in links.values():
        link.outbox_message_id = message.id
        db.session.add(link)
    db.session.flush()
    return True


def plan_reminders(now: datetime) -> PlanResult:
    """Queue this week's digest for everyone with commitments that need an update.

    Flushes, never commits (the worker's tick commits).
    """
    result = PlanResult()
    if not _take_planning_lock():
        result.locked = False
        log.info("Reminder planning skipped: another worker holds the lock")
        return result
    users: dict[int, User] = {}
    items: dict[int, list[Commitment]] = defaultdict(list)
    for user, commitment in _recipients_and_commitments(now):
        users[user.id] = user
        items[user.id].append(commitment)
    result.commitments = len({c.id for group in items.values() for c in group})
    keys = {user_id: digest_key(now, user_id) for user_id in users}
    existing = set(
        db.session.scalars(
            sa.select(OutboxMessage.idempotency_key).where(
                OutboxMessage.idempotency_key.in_(list(keys.values()))
            )
        )
    )
    for user_id, user in users.items():
        if keys[user_id] in existing:
            result.already_planned += 1
            continue
        if services.is_suppressed(user.email):
            result.suppressed += 1
            continue
        if _queue_digest(user, items[user_id], keys[user_id], now):
            result.planned += 1
            result.user_ids.append(user_id)
    log.info("Reminders for %s: %s", period_of(now), result)
    return result
