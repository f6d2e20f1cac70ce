"""Public event pages: the list of events, an event's page, and the iCalendar feeds.

Dates are shown in each event's own timezone, with the zone named; the
feeds give them in UTC. Organisers and the secretariat also see an event's
reminder waves on its page.
"""

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_datetime
from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from pact_tracker.core import permissions
from pact_tracker.core.pagination import paginate_select
from pact_tracker.core.types import utcnow
from pact_tracker.events.forms.events import EVENT_STATUS_LABELS, WAVE_STATUS_LABELS
from pact_tracker.events.models import Event, EventStatus, Snapshot, SnapshotStatus
from pact_tracker.events.views import blueprint
from pact_tracker.extensions import db

PAST_PER_PAGE = 20


def event_time(instant: datetime | None, timezone: str, format: str = "medium") -> str:
    """``instant`` as wall-clock time in ``timezone``, in the page's language, zone named."""
    if instant is None:
        return "—"
    text = format_datetime(instant, format, tzinfo=ZoneInfo(timezone), locale=get_locale())
    return f"{text} ({timezone})"


@blueprint.context_processor
def _event_helpers() -> dict:
    return {
        "event_time": event_time,
        "event_statuses": EVENT_STATUS_LABELS,
        "wave_statuses": WAVE_STATUS_LABELS,
    }


def viewer():
    """The signed-in person, or None."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def event_by_slug(slug: str) -> Event:
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    return event


@blueprint.get("/events")
def event_list():
    """Coming events (all of them) and past ones (paged), with their places and cutoffs."""
    now = utcnow()
    upcoming = db.session.scalars(
        sa.select(Event).where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
    ).all()
    past = paginate_select(
        sa.select(Event).where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id),
        request.args.get("page", 1, type=int),
        per_page=PAST_PER_PAGE,
    )
    return render_template(
        "events/public/events.html",
        upcoming=upcoming,
        past=past,
        may_manage=permissions.can_manage_events(viewer()),
    )


@blueprint.get("/events/<slug>")
def event_page(slug: str):
    """An event: dates, place, cutoff, its published snapshot; its waves for organisers."""
    event = event_by_slug(slug)
    snapshot = db.session.scalar(
        sa.select(Snapshot).where(
            Snapshot.event_id == event.id, Snapshot.status == SnapshotStatus.published
        )
    )
    return render_template(
        "events/public/event.html",
        event=event,
        snapshot=snapshot,
        may_manage=permissions.can_manage_events(viewer()),
    )


def _calendar(events) -> Response:
    calendar = Calendar()
    calendar.add("prodid", f"-//{current_app.config['COALITION_NAME']}//pact_tracker//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("%(coalition)s events", coalition=_coalition()))
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "pact-tracker"
    for event in events:
        entry = CalendarEvent()
        entry.add("uid", f"event-{event.id}@{host}")
        entry.add("dtstamp", event.updated_at)
        entry.add("last-modified", event.updated_at)
        entry.add("dtstart", event.starts_at)
        entry.add("dtend", event.ends_at)
        entry.add("summary", event.name)
        if event.place:
            entry.add("location", event.place)
        entry.add("url", url_for("events.event_page", slug=event.slug, _external=True))
        entry.add(
            "description",
            _(
                "Progress is measured as of %(cutoff)s.",
                cutoff=event_time(event.cutoff_at, event.timezone, "long"),
            ),
        )
        cancelled = event.status == EventStatus.cancelled
        entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(entry)
    return Response(calendar.to_ical(), content_type="text/calendar; charset=utf-8")


def _coalition() -> str:
    return current_app.config["COALITION_NAME"]


@blueprint.get("/events.ics")
def calendar_feed():
    """Every event as an iCalendar feed (cancelled ones marked so)."""
    events = db.session.scalars(sa.select(Event).order_by(Event.starts_at, Event.id)).all()
    return _calendar(events)


@blueprint.get("/events/<slug>.ics")
def event_calendar(slug: str):
    """One event as an iCalendar file, to add it to a calendar."""
    response = _calendar([event_by_slug(slug)])
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}.ics"'
    return response
