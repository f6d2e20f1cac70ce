"""The worker's mail ticks: each queries what is due, does it, and commits."""

from pact_tracker.campaigns import dispatcher, reminders
from pact_tracker.campaigns.services import campaigns
from pact_tracker.core.types import utcnow


def dispatch_outbox() -> str:
    """Deliver every due outbox message."""
    return str(dispatcher.dispatch_outbox())


def reclaim_leases() -> str:
    """Put back the messages of dispatchers that died while sending."""
    return f"reclaimed {dispatcher.reclaim_expired_leases()}"


def plan_reminders() -> str:
    """Queue this week's reminder digests for commitments that need an update."""
    return str(reminders.plan_reminders(utcnow()))


def advance_campaigns() -> str:
    """Start the scheduled campaigns whose time has come; finish those with nothing left."""
    now = utcnow()
    started = campaigns.start_due_campaigns(now)
    finished = campaigns.finish_done_campaigns(now)
    return f"started {started}, finished {finished}"
