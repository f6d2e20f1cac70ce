"""Email delivery: the outbox, suppressions, the mailer and the dispatcher.

The web process never talks to an SMTP server. A service that wants a person
to receive an email calls :func:`pact_tracker.campaigns.services.queue_email`
in the same transaction as the change that caused it; the worker
(``flask pact worker``) delivers the queued rows. Reminder policies and
campaigns build on the same outbox.
"""

from pact_tracker import signals


@signals.progress_reported.connect
def _mark_reminders_answered(update, *, batch=(), **_extra) -> None:
    """Progress was reported: the reminders that asked its author for it are answered.

    Sent after the commit that recorded ``update`` (or, for an import, the
    ``batch`` of updates): this is a transaction of its own. Running it again
    for the same updates changes nothing.
    """
    from pact_tracker.campaigns.update_links import (
        mark_reminders_answered,
        mark_reminders_answered_many,
    )
    from pact_tracker.core.activity import commit

    if update is not None:
        mark_reminders_answered(update)
    mark_reminders_answered_many(batch)
    commit()
