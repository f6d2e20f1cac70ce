"""Snapshot pages and exports: published snapshots are public, drafts are the organisers'
(others get 404 for them), and only organisers and the secretariat take, re-take, publish
and delete."""

from .routes import EVERYONE, ORGANISER, SECRETARIAT, Route

MANAGERS = frozenset({ORGANISER, SECRETARIAT})

ROUTES: dict[str, Route] = {
    "events.snapshots": Route("GET", "/snapshots", EVERYONE),
    "events.new_snapshot": Route("GET", "/snapshots/new", MANAGERS),
    "events.take_snapshot": Route(
        "POST",
        "/snapshots/new",
        MANAGERS,
        body=lambda w: {"title": "By hand", "cutoff_at": "2025-01-01T12:00"},
    ),
    "events.snapshot": Route("GET", "/snapshots/{snapshot_id}", EVERYONE, note="published: public"),
    "events.snapshot_chart": Route(
        "GET", "/snapshots/{draft_snapshot_id}/charts/goal.svg", MANAGERS, note="a draft's chart"
    ),
    "events.retake_snapshot": Route(
        "POST", "/snapshots/{draft_snapshot_id}/retake", MANAGERS, body=lambda w: {}
    ),
    "events.publish_snapshot": Route(
        "POST",
        "/snapshots/{draft_snapshot_id}/publish",
        MANAGERS,
        body=lambda w: {"confirm": "y"},
    ),
    "events.delete_snapshot": Route(
        "POST",
        "/snapshots/{draft_snapshot_id}/delete",
        MANAGERS,
        body=lambda w: {"confirm": "y"},
    ),
    "events.export_snapshot": Route(
        "GET",
        "/snapshots/{draft_snapshot_id}/export.csv",
        MANAGERS,
        note="a draft's export: 404 for anyone who may not see drafts",
    ),
    "events.snapshot_datapackage": Route(
        "GET", "/snapshots/{snapshot_id}/datapackage.json", EVERYONE, note="published: public"
    ),
}
