"""The worker's mail ticks: each queries what is due, does it, and commits.

Each takes the clock it reads the time from (the worker's, ``utcnow`` by default).
"""

from pact_tracker.campaigns import dispatcher, reminders, update_links
from pact_tracker.campaigns.dispatcher import Clock
from pact_tracker.campaigns.services import campaigns
from pact_tracker.core.types import utcnow


def dispatch_outbox(clock: Clock = utcnow) -> str:
    """Deliver every due outbox message."""
    return str(dispatcher.dispatch_outbox(clock=clock))


def reclaim_leases(clock: Clock = utcnow) -> str:
    """Put back the messages of dispatchers that died while sending."""
    return f"reclaimed {dispatcher.reclaim_expired_leases(clock)}"


def answer_reminders(clock: Clock = utcnow) -> str:
    """Mark answered the reminders that reports answered (made good if a receiver failed)."""
    return f"answered {update_links.answer_reminders(clock())}"


def plan_reminders(clock: Clock = utcnow) -> str:
    """Queue this week's reminder digests for commitments that need an update."""
    return str(reminders.plan_reminders(clock()))


def advance_campaigns(clock: Clock = utcnow) -> str:
    """Start the scheduled campaigns whose time has come; finish those with nothing left."""
    now = clock()
    started = campaigns.start_due_campaigns(now)
    finished = campaigns.finish_done_campaigns(now)
    return f"started {started}, finished {finished}"
