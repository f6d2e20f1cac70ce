"""The worker's event ticks: reminder waves become campaigns, cutoffs become snapshots,
and starts publish what was held for them.

Each tick reads what is due from the database, so a worker that was down
catches up when it comes back, and running a tick twice does nothing twice.
"""

import logging
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from pact_tracker.campaigns.services import campaigns as campaign_services
from pact_tracker.commitments.models import Commitment, CommitmentStatus, Visibility
from pact_tracker.core import activity
from pact_tracker.core.errors import InvalidInput
from pact_tracker.core.types import utcnow
from pact_tracker.events import report
from pact_tracker.events.models import (
    ArtefactVariant,
    Event,
    EventStatus,
    ReminderWave,
    Snapshot,
    SnapshotArtefact,
    SnapshotStatus,
    WaveStatus,
)
from pact_tracker.events.services import snapshots
from pact_tracker.extensions import db

log = logging.getLogger(__name__)

#: The content of a wave's campaign; the secretariat may edit it while it is scheduled.
WAVE_CONTENTS = {
    "en": {
        "subject": "{{ signatory_name }}: report your progress before {{ event_name }}",
        "body": (
            "Hello {{ recipient_name }},\n\n"
            "{{ event_name }} measures every commitment as of {{ cutoff_date }}. "
            "These commitments of {{ signatory_name }} need a progress update before then:\n\n"
            "{% for c in commitments %}- {{ c.title }}\n{% endfor %}\n"
            "Report here, no password needed: <{{ update_url }}>"
        ),
    },
    "fr": {
        "subject": "{{ signatory_name }} : votre avancement avant {{ event_name }}",
        "body": (
            "Bonjour {{ recipient_name }},\n\n"
            "{{ event_name }} mesure chaque engagement au {{ cutoff_date }}. "
            "Ces engagements de {{ signatory_name }} attendent un point d'avancement d'ici là :\n\n"
            "{% for c in commitments %}- {{ c.title }}\n{% endfor %}\n"
            "C'est ici, sans mot de passe : <{{ update_url }}>"
        ),
    },
}
WAVE_AUDIENCE = {"reporting_states": ["due", "overdue", "inactive"]}


def _lock(statement: sa.Select) -> sa.Select:
    if db.session.get_bind().dialect.name == "postgresql":
        return statement.with_for_update(skip_locked=True)
    return statement


def plan_waves(now: datetime) -> dict[str, int]:
    """Turn every wave whose time has come into a campaign, once.

    A worker back from a long stop may find several waves of one event due:
    only the latest goes out (one reminder, not three at once), the earlier
    ones are cancelled as missed. Waves whose event's cutoff has passed are
    cancelled too: the snapshot has been taken by then.
    """
    counts = {"planned": 0, "skipped": 0, "cancelled": 0}
    due = db.session.scalars(
        _lock(
            sa.select(ReminderWave)
            .join(Event, Event.id == ReminderWave.event_id)
            .where(ReminderWave.status == WaveStatus.pending, ReminderWave.send_at <= now)
            .order_by(ReminderWave.send_at, ReminderWave.id)
        )
    ).all()
    latest_due = {}
    for wave in due:
        latest_due[wave.event_id] = wave  # ordered by send_at: the last one wins
    for wave in due:
        event = wave.event
        missed = latest_due[wave.event_id] is not wave
        if missed or event.status == EventStatus.cancelled or event.cutoff_at <= now:
            wave.status = WaveStatus.cancelled
            counts["cancelled"] += 1
            continue
        campaign = campaign_services.create_campaign(
            {
                "name": f"{event.name}: reminder {wave.days_before_cutoff} days before the cutoff",
                "audience": WAVE_AUDIENCE,
                "contents": _wave_contents(event),
            },
            None,
        )
        try:
            campaign_services.schedule_campaign(campaign, now, None)
        except InvalidInput:
            campaign_services.cancel_campaign(campaign, None)
            wave.status = WaveStatus.skipped
            counts["skipped"] += 1
            continue
        wave.status, wave.campaign_id = WaveStatus.planned, campaign.id
        counts["planned"] += 1
    db.session.flush()
    return counts


def _wave_contents(event: Event) -> dict:
    """The wave templates with the event's name and cutoff written in (they are not variables)."""
    cutoff = event.cutoff_at.date().isoformat()
    return {
        locale: {
            part: text.replace("{{ event_name }}", event.name.replace("{", "(")).replace(
                "{{ cutoff_date }}", cutoff
            )
            for part, text in content.items()
        }
        for locale, content in WAVE_CONTENTS.items()
    }


def take_due_snapshots(now: datetime) -> int:
    """Take the snapshot of every event whose cutoff has passed and has none; return how many."""
    taken = 0
    without_snapshot = ~sa.exists().where(Snapshot.event_id == Event.id)
    due = db.session.scalars(
        _lock(
            sa.select(Event).where(
                Event.status == EventStatus.scheduled, Event.cutoff_at <= now, without_snapshot
            )
        )
    ).all()
    for event in due:
        snapshots.take_snapshot(event.cutoff_at, title=event.name, event=event)
        activity.commit()
        taken += 1
        log.info("Snapshot of %s taken as of %s", event.slug, event.cutoff_at)
    return taken


def publish_embargoed(now: datetime) -> int:
    """Publish the commitments held back for an event that has started; return how many."""
    started = sa.select(Event.id).where(
        Event.starts_at <= now, Event.status == EventStatus.scheduled
    )
    held = db.session.scalars(
        sa.select(Commitment).where(
            Commitment.embargo_event_id.in_(started),
            Commitment.published_at.is_(None),
            Commitment.status == CommitmentStatus.approved,
            Commitment.visibility == Visibility.public,
        )
    ).all()
    for commitment in held:
        commitment.published_at = now
        activity.record(
            "commitment.published",
            commitment,
            signatory_id=commitment.signatory_id,
            payload={"embargo_event_id": commitment.embargo_event_id},
        )
    db.session.flush()
    return len(held)


def publish_snapshots_at_start(now: datetime) -> int:
    """Publish the draft snapshot of every event set to publish it at its start, once started.

    Runs after :func:`take_due_snapshots`, so that an event whose cutoff found
    no worker has its snapshot taken (as of the cutoff) before it is published.
    A published snapshot no longer matches, so a second run, or a second
    worker (the rows are locked until the commit, and skipped while locked),
    publishes nothing again.
    """
    due = db.session.scalars(
        _lock(
            sa.select(Snapshot)
            .join(Event, Event.id == Snapshot.event_id)
            .where(
                Event.publish_snapshot_at_start.is_(True),
                Event.status == EventStatus.scheduled,
                Event.starts_at <= now,
                Snapshot.status == SnapshotStatus.draft,
            )
            .order_by(Snapshot.id)
        )
    ).all()
    for snapshot in due:
        snapshots.publish_snapshot(snapshot, None, now)
        log.info("Snapshot %s published at the start of its event", snapshot.id)
    # One commit for all: on PostgreSQL the rows stay locked until it, so a second
    # worker cannot pick up one of them in between and publish it twice.
    activity.commit()
    return len(due)


#: Rendered last when the worker renders a snapshot's files: once kept, all of them are.
LAST_PRERENDERED = "datapackage"


def _render_and_commit(snapshot: Snapshot, kind: str) -> None:
    """One file, committed at once: on SQLite the transaction holds the database's only
    write lock, and the web's requests wait for it only as long as one file takes."""
    report.artefact(snapshot, kind, public=True, with_body=False)
    activity.commit()


def render_published_files() -> int | None:
    """Render the public files of the latest published snapshot not rendered yet; its id.

    Its visitors' first requests then find them ready (the PDF of a large
    snapshot takes seconds). One snapshot per tick, so that a tick stays short;
    in every language, the public variant only (the full one is for the few who
    manage snapshots, rendered at their first request). A request or another
    worker rendering the same file meanwhile is no harm: the first to claim it
    renders it, the other reads it (``services.artefacts``).
    """
    done = sa.exists().where(
        SnapshotArtefact.snapshot_id == Snapshot.id,
        SnapshotArtefact.kind == LAST_PRERENDERED,
        SnapshotArtefact.variant == ArtefactVariant.public,
        SnapshotArtefact.sha256.is_not(None),
    )
    snapshot = db.session.scalar(
        sa.select(Snapshot)
        .where(Snapshot.status == SnapshotStatus.published, ~done)
        .order_by(Snapshot.published_at.desc(), Snapshot.id.desc())
        .limit(1)
    )
    if snapshot is None:
        return None
    app = current_app
    base_url = app.config["BASE_URL"]
    for language in app.config["LANGUAGES"]:
        # Drawn as for a visitor's request (templates, addresses), in that language.
        with app.test_request_context("/", base_url=base_url), force_locale(language):
            for kind in [*report.chart_kinds(), "pdf", "csv", "json", "xlsx"]:
                _render_and_commit(snapshot, kind)
    with app.test_request_context("/", base_url=base_url):
        _render_and_commit(snapshot, LAST_PRERENDERED)
    log.info("Files of snapshot %s rendered", snapshot.id)
    return snapshot.id


def advance_events(clock: Callable[[], datetime] = utcnow) -> str:
    """The worker's tick: waves, embargoes, snapshots, and those published at the start."""
    now = clock()
    waves = plan_waves(now)
    published = publish_embargoed(now)
    activity.commit()
    taken = take_due_snapshots(now)
    released = publish_snapshots_at_start(now)
    return (
        f"waves planned {waves['planned']}, skipped {waves['skipped']}, "
        f"cancelled {waves['cancelled']}; embargoes lifted {published}; snapshots {taken}, "
        f"published at the start {released}"
    )


def render_snapshot_files(clock: Callable[[], datetime] = utcnow) -> str:
    """The worker's tick that renders a published snapshot's files (``render_published_files``).

    A job of its own, not a step of ``advance_events``: the spreadsheet of a large
    coalition takes minutes, and waves and embargoes must not wait for it.
    """
    rendered = render_published_files()
    return "nothing to render" if rendered is None else f"files of snapshot {rendered} rendered"
