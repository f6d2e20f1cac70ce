"""Event pages: the public list, event pages and iCalendar feeds (everyone); managing series
and events (organisers and the secretariat); holding a commitment until an event (the
secretariat, from its review page)."""

from .routes import EVERYONE, ORGANISER, SECRETARIAT, Route

MANAGERS = frozenset({ORGANISER, SECRETARIAT})


def _series_form(world: dict) -> dict:
    return {
        "name": "Regional Forum",
        "rrule": "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1",
        "timezone": "Europe/Paris",
        "first_starts_at": "2030-03-01T10:00",
        "duration_hours": "8",
        "place": "Lyon",
    }


def _event_form(world: dict) -> dict:
    return {
        "name": "Annual Summit 2027",
        "timezone": "Europe/Paris",
        "starts_at": "2027-06-12T09:00",
        "ends_at": "2027-06-12T17:00",
        "place": "Paris",
        "cutoff_at": "",
        "wave_days": "42, 21, 7",
    }


ROUTES: dict[str, Route] = {
    "events.event_list": Route("GET", "/events", EVERYONE),
    "events.event_page": Route(
        "GET", "/events/{event_slug}", EVERYONE, note="reminder waves shown to managers only"
    ),
    "events.calendar_feed": Route("GET", "/events.ics", EVERYONE),
    "events.event_calendar": Route("GET", "/events/{event_slug}.ics", EVERYONE),
    "events.manage_events": Route("GET", "/manage/events", MANAGERS),
    "events.new_series": Route("POST", "/manage/events/series/new", MANAGERS, body=_series_form),
    "events.manage_series": Route("GET", "/manage/events/series/{series_id}", MANAGERS),
    "events.edit_series": Route(
        "POST", "/manage/events/series/{series_id}/edit", MANAGERS, body=_series_form
    ),
    "events.schedule_occurrences": Route(
        "POST",
        "/manage/events/series/{series_id}/occurrences",
        MANAGERS,
        body=lambda world: {"count": "2"},
    ),
    "events.new_event": Route("POST", "/manage/events/new", MANAGERS, body=_event_form),
    "events.manage_event": Route("GET", "/manage/events/{event_id}", MANAGERS),
    "events.edit_event": Route(
        "POST", "/manage/events/{event_id}/edit", MANAGERS, body=_event_form
    ),
    "events.cancel_event": Route(
        "POST",
        "/manage/events/{event_id}/cancel",
        MANAGERS,
        body=lambda world: {"confirm": "y"},
    ),
    "commitments.admin_commitment_hold": Route(
        "POST",
        "/admin/commitments/{commitment_id}/hold",
        frozenset({SECRETARIAT}),
        body=lambda world: {"event_id": str(world["event_id"])},
        note="the secretariat's review page: held back until the world's coming event",
    ),
}
