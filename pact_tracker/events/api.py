"""JSON API of event series, events and the snapshots frozen at their cutoffs.

Reading series, events and published snapshots is public; drafts are for those
who manage snapshots (everyone else gets 404, as if they did not exist), and the
public sees a snapshot's public variant only: the entries public at the cutoff,
and the figures, comparison and hash of those entries. Writing needs a
token (401 without) of an organiser or the secretariat (403 for anyone else).
The services decide the rest: invalid fields are 422 with the fields named; a
step the status does not allow (changing a published snapshot, a cancelled
event) is 409.
"""

import sqlalchemy as sa
from flask_smorest import abort
from sqlalchemy.orm import selectinload

from pact_tracker.commitments.models import commitment_target
from pact_tracker.core import permissions
from pact_tracker.core.api import (
    BEARER,
    ApiBlueprint,
    api_user,
    documented,
    get_or_404,
    login_required,
    paginate,
    require,
)
from pact_tracker.core.lookup import get_by_id
from pact_tracker.core.types import utcnow
from pact_tracker.events import schemas
from pact_tracker.events.models import (
    Event,
    EventSeries,
    Snapshot,
    SnapshotAggregate,
    SnapshotEntry,
    SnapshotStatus,
)
from pact_tracker.events.services import comparison, public_part
from pact_tracker.events.services import events as event_services
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.extensions import db
from pact_tracker.reference.models import SdgTarget

blueprint = ApiBlueprint(
    "events",
    __name__,
    description="Event series, events with their cutoffs and reminder waves, and snapshots.",
)

_DESCRIPTIONS = {
    401: "No valid token (or a wrong one, even on public reads).",
    403: "Not an organiser or the secretariat.",
    404: "No such object, or not visible to the caller.",
    409: "Its status does not allow this (a published snapshot never changes).",
    422: "Invalid fields, named in the body.",
}


_documented = documented(blueprint, _DESCRIPTIONS)


def _require_events() -> None:
    require(
        permissions.can_manage_events(api_user()),
        "Events are managed by organisers and the secretariat.",
    )


def _require_snapshots() -> None:
    require(
        permissions.can_manage_snapshots(api_user()),
        "Snapshots are taken and published by organisers and the secretariat.",
    )


def _public_variant() -> bool:
    """Whether the caller sees snapshots' public variant (everyone but their managers)."""
    return not permissions.can_manage_snapshots(api_user())


def _shown(snapshot: Snapshot) -> dict:
    """The snapshot as the caller sees it: ``content_sha256`` is the hash of their variant."""
    fields = schemas.SnapshotSchema().fields
    body = {name: getattr(snapshot, name) for name in fields}
    public = _public_variant()
    body["content_sha256"] = public_part.shown_sha256(snapshot, public=public)
    body["entry_count"] = public_part.shown_entry_count(snapshot, public=public)
    return body


def _snapshot_or_404(snapshot_id: int, *, for_update: bool = False) -> Snapshot:
    snapshot = get_by_id(Snapshot, snapshot_id, for_update=for_update)
    if snapshot is None or not permissions.can_view_snapshot(api_user(), snapshot):
        abort(404, message=f"No snapshot {snapshot_id}.")
    return snapshot


# Series.


@blueprint.get("/event-series")
@blueprint.response(200, schemas.EventSeriesSchema(many=True))
@_documented(401)
@blueprint.paginate()
def list_series(pagination_parameters):
    """Every event series, by name."""
    query = sa.select(EventSeries).order_by(EventSeries.name, EventSeries.id)
    return paginate(query, pagination_parameters)


@blueprint.post("/event-series")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.EventSeriesCreateSchema)
@blueprint.response(201, schemas.EventSeriesSchema)
@_documented(401, 403, 422)
def create_series(data):
    """A recurring event: an RFC 5545 rule in a timezone, from its first start."""
    _require_events()
    return event_services.create_series(data, api_user())


@blueprint.get("/event-series/<int:series_id>")
@blueprint.response(200, schemas.EventSeriesSchema)
@_documented(401, 404)
def get_series(series_id):
    """One series."""
    return get_or_404(EventSeries, series_id, "event series")


@blueprint.patch("/event-series/<int:series_id>")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.EventSeriesUpdateSchema)
@blueprint.response(200, schemas.EventSeriesSchema)
@_documented(401, 403, 404, 422)
def update_series(data, series_id):
    """Rename a series, or change its description, place and the length of events to come."""
    _require_events()
    series = get_or_404(EventSeries, series_id, "event series")
    return event_services.update_series(series, data, api_user())


@blueprint.post("/event-series/<int:series_id>/occurrences")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.OccurrencesSchema)
@blueprint.response(201, schemas.EventSchema(many=True))
@_documented(401, 403, 404, 422)
def schedule_occurrences(data, series_id):
    """Add the next ``count`` events of the series after its last one, with cutoffs and waves."""
    _require_events()
    series = get_or_404(EventSeries, series_id, "event series")
    last = db.session.scalar(
        sa.select(sa.func.max(Event.starts_at)).where(Event.series_id == series.id)
    )
    return event_services.schedule_occurrences(
        series,
        count=data["count"],
        actor=api_user(),
        after=last,
        publish_snapshot_at_start=data["publish_snapshot_at_start"],
    )


# Events.


@blueprint.get("/events")
@blueprint.arguments(schemas.EventFilterSchema, location="query")
@blueprint.response(200, schemas.EventSchema(many=True))
@_documented(401, 422)
@blueprint.paginate()
def list_events(filters, pagination_parameters):
    """Events, soonest first; ``when=upcoming`` (not ended) or ``past`` (ended, latest first)."""
    query = sa.select(Event).options(selectinload(Event.waves))
    now = utcnow()
    if filters.get("when") == "upcoming":
        query = query.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
    elif filters.get("when") == "past":
        query = query.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id.desc())
    else:
        query = query.order_by(Event.starts_at, Event.id)
    if "series_id" in filters:
        query = query.where(Event.series_id == filters["series_id"])
    if "series" in filters:
        query = query.join(EventSeries, EventSeries.id == Event.series_id).where(
            EventSeries.slug == filters["series"]
        )
    return paginate(query, pagination_parameters)


@blueprint.post("/events")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.EventCreateSchema)
@blueprint.response(201, schemas.EventSchema)
@_documented(401, 403, 422)
def create_event(data):
    """An event; its cutoff defaults to 14 days before it starts, its waves to 42, 21, 7 days."""
    _require_events()
    series = None
    if "series_id" in data:
        series = db.session.get(EventSeries, data.pop("series_id"))
        if series is None:
            abort(
                422, message="Invalid fields.", errors={"json": {"series_id": ["no such series"]}}
            )
    return event_services.create_event(data, api_user(), series=series)


@blueprint.get("/events/<int:event_id>")
@blueprint.response(200, schemas.EventSchema)
@_documented(401, 404)
def get_event(event_id):
    """One event with its reminder waves."""
    return get_or_404(Event, event_id, "event")


@blueprint.patch("/events/<int:event_id>")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.EventUpdateSchema)
@blueprint.response(200, schemas.EventSchema)
@_documented(401, 403, 404, 409, 422)
def update_event(data, event_id):
    """Change an event; moving its start moves its end, cutoff and pending waves with it."""
    _require_events()
    event = get_or_404(Event, event_id, "event")
    event_services.update_event(event, data, api_user())
    # The signal moves the waves again after the commit; doing it here shows them moved.
    event_services.move_waves(event)
    return event


@blueprint.post("/events/<int:event_id>/cancel")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(200, schemas.EventSchema)
@_documented(401, 403, 404, 409)
def cancel_event(event_id):
    """Cancel an event, its pending waves and its waves' campaigns not started yet."""
    _require_events()
    return event_services.cancel_event(get_or_404(Event, event_id, "event"), api_user())


# Snapshots.


@blueprint.get("/snapshots")
@blueprint.arguments(schemas.SnapshotFilterSchema, location="query")
@blueprint.response(200, schemas.SnapshotSchema(many=True))
@_documented(401, 422)
@blueprint.paginate()
def list_snapshots(filters, pagination_parameters):
    """Snapshots, latest cutoff first: the published ones, and drafts for organisers."""
    query = sa.select(Snapshot).order_by(Snapshot.cutoff_at.desc(), Snapshot.id.desc())
    if not permissions.can_manage_snapshots(api_user()):
        query = query.where(Snapshot.status == SnapshotStatus.published)
    if "status" in filters:
        query = query.where(Snapshot.status == filters["status"])
    if "event_id" in filters:
        query = query.where(Snapshot.event_id == filters["event_id"])
    return [_shown(snapshot) for snapshot in paginate(query, pagination_parameters)]


@blueprint.post("/snapshots")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.SnapshotTakeSchema)
@blueprint.response(201, schemas.SnapshotDetailSchema)
@_documented(401, 403, 409, 422)
def take_snapshot(data):
    """Freeze every commitment as of ``cutoff_at``: a draft (an event's draft is replaced)."""
    _require_snapshots()
    event = None
    if data.get("event_id") is not None:
        event = db.session.get(Event, data["event_id"])
        if event is None:
            abort(422, message="Invalid fields.", errors={"json": {"event_id": ["no such event"]}})
    snapshot = snapshot_services.take_snapshot(
        data["cutoff_at"], title=" ".join(data["title"].split()), event=event, actor=api_user()
    )
    return _with_aggregates(snapshot)


def _with_aggregates(snapshot: Snapshot) -> dict:
    aggregates = db.session.scalars(
        sa.select(SnapshotAggregate)
        .where(
            SnapshotAggregate.snapshot_id == snapshot.id,
            SnapshotAggregate.public.is_(_public_variant()),
        )
        .order_by(SnapshotAggregate.breakdown, SnapshotAggregate.key)
    ).all()
    body = _shown(snapshot)
    body["aggregates"] = aggregates
    return body


@blueprint.get("/snapshots/<int:snapshot_id>")
@blueprint.response(200, schemas.SnapshotDetailSchema)
@_documented(401, 404)
def get_snapshot(snapshot_id):
    """One snapshot with its aggregates by every breakdown."""
    return _with_aggregates(_snapshot_or_404(snapshot_id))


def _goal_filter(goal: int):
    return sa.exists().where(
        commitment_target.c.commitment_id == SnapshotEntry.commitment_id,
        SdgTarget.code == commitment_target.c.target_code,
        SdgTarget.goal_number == goal,
    )


@blueprint.get("/snapshots/<int:snapshot_id>/entries")
@blueprint.arguments(schemas.EntryFilterSchema, location="query")
@blueprint.response(200, schemas.EntrySchema(many=True))
@_documented(401, 404, 422)
@blueprint.paginate()
def list_entries(filters, snapshot_id, pagination_parameters):
    """The commitments as they stood at the cutoff; the public sees those public then."""
    snapshot = _snapshot_or_404(snapshot_id)
    query = (
        sa.select(SnapshotEntry)
        .where(
            SnapshotEntry.snapshot_id == snapshot.id,
            public_part.public_entries(_public_variant()),
        )
        .order_by(SnapshotEntry.commitment_id)
    )
    if "programme_id" in filters:
        query = query.where(SnapshotEntry.programme_id == filters["programme_id"])
    if "goal" in filters:
        query = query.where(_goal_filter(filters["goal"]))
    if "organisation_type" in filters:
        query = query.where(SnapshotEntry.organisation_type_code == filters["organisation_type"])
    if "country" in filters:
        query = query.where(SnapshotEntry.country_code == filters["country"].upper())
    if "status" in filters:
        query = query.where(SnapshotEntry.status == filters["status"])
    if "reporting_state" in filters:
        query = query.where(SnapshotEntry.reporting_state == filters["reporting_state"])
    return paginate(query, pagination_parameters)


@blueprint.get("/snapshots/<int:snapshot_id>/comparison")
@blueprint.arguments(schemas.ComparisonQuerySchema, location="query")
@blueprint.response(200, schemas.ComparisonSchema)
@_documented(401, 404, 422)
def compare_snapshots(query, snapshot_id):
    """What changed since another snapshot (``with``; default: the series' previous one).

    404 when there is nothing to compare with. The public sees the comparison
    of the two snapshots' public parts.
    """
    after = _snapshot_or_404(snapshot_id)
    if query.get("with_") is not None:
        before = _snapshot_or_404(query["with_"])
    else:
        before = snapshot_services.previous_snapshot(after)
        if before is None or not permissions.can_view_snapshot(api_user(), before):
            abort(
                404,
                message="No earlier snapshot of this series to compare with: name one with ?with=.",
            )
    result = comparison.compare(before, after, public=_public_variant())
    return {
        "before": _shown(before),
        "after": _shown(after),
        "new": result.new,
        "completed": result.completed,
        "withdrawn": result.withdrawn,
        "overall": result.overall,
        "changes": result.changes,
        "reported": result.reported,
        "gone_quiet": result.gone_quiet,
    }


@blueprint.post("/snapshots/<int:snapshot_id>/publish")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(200, schemas.SnapshotSchema)
@_documented(401, 403, 404, 409)
def publish_snapshot(snapshot_id):
    """Make a draft public and immutable, with the SHA-256 of its content."""
    _require_snapshots()
    snapshot = _snapshot_or_404(snapshot_id, for_update=True)
    return snapshot_services.publish_snapshot(snapshot, api_user())


@blueprint.delete("/snapshots/<int:snapshot_id>")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(204)
@_documented(401, 403, 404, 409)
def delete_snapshot(snapshot_id):
    """Delete a draft; a published snapshot is kept for good (409)."""
    _require_snapshots()
    snapshot = _snapshot_or_404(snapshot_id, for_update=True)
    snapshot_services.delete_snapshot(snapshot, api_user())
