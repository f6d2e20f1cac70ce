"""Events (recurring summits) and the progress snapshots frozen at their cutoffs.

An event drives the secretariat's work: its reminder waves become campaigns
to the signatories due or overdue, and at its cutoff the worker freezes a
snapshot of every commitment (``services.snapshots``), which organisers
compare with the previous event's and publish.
"""

from pact_tracker import signals


@signals.event_moved.connect
def _move_waves(event, **_extra) -> None:
    """The event moved: its pending waves follow its cutoff (a transaction of its own)."""
    from pact_tracker.core.activity import commit
    from pact_tracker.events.services.events import move_waves
    from pact_tracker.extensions import db

    db.session.refresh(event)
    move_waves(event)
    commit()
