"""``flask pact event``: list events and create a recurring series from the shell."""

from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from pact_tracker.cli.users import fail
from pact_tracker.core.activity import commit
from pact_tracker.core.errors import DomainError
from pact_tracker.core.types import utcnow
from pact_tracker.events.models import Event, Snapshot
from pact_tracker.events.services import events as services
from pact_tracker.extensions import db


@click.group("event")
def event_group():
    """List events and create recurring event series."""


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


@event_group.command("list")
@click.option("--upcoming", is_flag=True, help="Only events that have not ended.")
@with_appcontext
def list_command(upcoming):
    """Events by start: id, status, start, cutoff, snapshot, slug, name."""
    query = (
        sa.select(Event, Snapshot.id, Snapshot.status)
        .outerjoin(Snapshot, Snapshot.event_id == Event.id)
        .order_by(Event.starts_at, Event.id)
    )
    if upcoming:
        query = query.where(Event.ends_at >= utcnow())
    rows = db.session.execute(query).all()
    if not rows:
        click.echo("No event.")
        return
    for event, snapshot_id, snapshot_status in rows:
        snapshot = f"#{snapshot_id} {snapshot_status}" if snapshot_id else "-"
        click.echo(
            f"{event.id:>5}  {event.state:<9}  {_when(event.starts_at):<20}  "
            f"cutoff {_when(event.cutoff_at):<20}  {snapshot:<16}  {event.slug}  {event.name}"
        )


@event_group.command("create-series")
@click.option("--name", required=True)
@click.option("--rrule", required=True, help="RFC 5545 rule, e.g. FREQ=YEARLY;BYMONTH=6.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA name, e.g. Europe/Paris.")
@click.option("--first", "first", required=True, metavar="ISO", help="First start, with offset.")
@click.option("--hours", type=int, default=8, show_default=True, help="Length of each event.")
@click.option("--place", default="")
@click.option(
    "--occurrences",
    type=click.IntRange(0, services.MAX_OCCURRENCES),
    default=0,
    help="Also schedule this many events (with cutoffs and reminder waves).",
)
@click.option(
    "--publish-at-start",
    is_flag=True,
    help="The worker publishes each scheduled event's snapshot when the event starts.",
)
@with_appcontext
def create_series_command(
    name, rrule, timezone, first, hours, place, occurrences, publish_at_start
):
    """Create a recurring event series, and optionally its first events."""
    try:
        first_starts_at = datetime.fromisoformat(first)
    except ValueError:
        raise click.BadParameter(
            f"{first!r} is not an ISO 8601 date and time.", param_hint="--first"
        ) from None
    data = {
        "name": name,
        "rrule": rrule,
        "timezone": timezone,
        "first_starts_at": first_starts_at,
        "duration_hours": hours,
        "place": place,
    }
    try:
        series = services.create_series(data, None)
        events = (
            services.schedule_occurrences(
                series,
                count=occurrences,
                actor=None,
                publish_snapshot_at_start=publish_at_start,
            )
            if occurrences
            else []
        )
    except DomainError as error:
        db.session.rollback()
        raise fail(error) from error
    commit()
    click.echo(f"Series {series.id} ({series.slug}) created.")
    published = ", snapshot published at the start" if publish_at_start else ""
    for event in events:
        click.echo(
            f"  {event.slug}: {_when(event.starts_at)}, cutoff {_when(event.cutoff_at)}{published}"
        )
