"""The events API (``/api/v1/event-series``, ``/events``, ``/snapshots``).

Reading series, events and published snapshots is everyone's; drafts are for
organisers and the secretariat (404 to the others); every write is theirs (401
without a token, 403 for members). The world's published snapshot
(``snapshot_id``) is of the series' first event, so the comparison is asked of
the draft against it.
"""

from .routes import EVERYONE, ORGANISER, SECRETARIAT, Route

MANAGERS = frozenset({ORGANISER, SECRETARIAT})


def _read(path: str, allowed=EVERYONE, note: str = "") -> Route:
    return Route("GET", "/api/v1" + path, allowed, note=note)


def _write(method: str, path: str, body=None, note: str = "") -> Route:
    return Route(method, "/api/v1" + path, MANAGERS, body=body, note=note)


ROUTES: dict[str, Route] = {
    "api_events.list_series": _read("/event-series"),
    "api_events.create_series": _write(
        "POST",
        "/event-series",
        lambda w: {
            "name": "Matrix forum",
            "rrule": "FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=3",
            "timezone": "Europe/Paris",
            "first_starts_at": "2027-10-03T09:00:00+02:00",
        },
    ),
    "api_events.get_series": _read("/event-series/{series_id}"),
    "api_events.update_series": _write(
        "PATCH", "/event-series/{series_id}", lambda w: {"place": "Lyon"}
    ),
    "api_events.schedule_occurrences": _write(
        "POST", "/event-series/{series_id}/occurrences", lambda w: {"count": 1}
    ),
    "api_events.list_events": _read("/events?when=upcoming"),
    "api_events.create_event": _write(
        "POST",
        "/events",
        lambda w: {"name": "Matrix side event", "starts_at": "2027-02-01T10:00:00+01:00"},
    ),
    "api_events.get_event": _read("/events/{event_id}"),
    "api_events.update_event": _write(
        "PATCH", "/events/{event_id}", lambda w: {"starts_at": "2027-06-17T09:00:00+02:00"}
    ),
    "api_events.cancel_event": _write("POST", "/events/{event_id}/cancel"),
    "api_events.list_snapshots": _read("/snapshots"),
    "api_events.take_snapshot": _write(
        "POST",
        "/snapshots",
        lambda w: {"cutoff_at": "2026-01-01T00:00:00Z", "title": "Matrix new year"},
    ),
    "api_events.get_snapshot": _read(
        "/snapshots/{draft_snapshot_id}", MANAGERS, note="a draft: 404 to the others"
    ),
    "api_events.list_entries": _read("/snapshots/{snapshot_id}/entries?country=FR"),
    "api_events.compare_snapshots": _read(
        "/snapshots/{draft_snapshot_id}/comparison?with={snapshot_id}",
        MANAGERS,
        note="the draft against the published one: 404 to those who may not see drafts",
    ),
    "api_events.publish_snapshot": _write("POST", "/snapshots/{draft_snapshot_id}/publish"),
    "api_events.delete_snapshot": _write("DELETE", "/snapshots/{draft_snapshot_id}"),
}
