"""Reading the activity log, as each kind of user may."""

from datetime import datetime

from sqlalchemy import Select

from pact_tracker.coalition.models import User
from pact_tracker.core import permissions
from pact_tracker.core.activity import Activity
from pact_tracker.extensions import db


def activity_query(
    viewer: User | None,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    signatory_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Activity entries ``viewer`` may read, newest first.

    The secretariat reads everything; anyone else only the entries of the
    signatories they are a member of.

    :param action: an exact action, or a prefix ending with a dot (``signatory.``).
    """
    query = db.select(Activity).order_by(Activity.occurred_at.desc(), Activity.id.desc())
    if not permissions.is_secretariat(viewer):
        ids = viewer.signatory_ids if viewer is not None and viewer.active else set()
        query = query.where(Activity.signatory_id.in_(sorted(ids)))
    if action:
        if action.endswith("."):
            query = query.where(Activity.action.startswith(action, autoescape=True))
        else:
            query = query.where(Activity.action == action)
    if actor_id is not None:
        query = query.where(Activity.actor_id == actor_id)
    if signatory_id is not None:
        query = query.where(Activity.signatory_id == signatory_id)
    if since is not None:
        query = query.where(Activity.occurred_at >= since)
    if until is not None:
        query = query.where(Activity.occurred_at <= until)
    return query
