"""``flask pact snapshot``: take, publish, list and verify snapshots from the shell.

The commands act as the system (the activity log names no one), or as the
organiser or secretariat member named by ``--as EMAIL``. A refusal (a cutoff
still to come, a published snapshot, an unknown event) is an error with a
non-zero exit code, and nothing is written.
"""

import time
from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from pact_tracker.cli.acting import acting_user, as_option, get_or_fail
from pact_tracker.cli.users import fail
from pact_tracker.core import permissions
from pact_tracker.core.activity import commit
from pact_tracker.core.errors import DomainError
from pact_tracker.events.models import Event, Snapshot, SnapshotStatus
from pact_tracker.events.services import snapshots as services
from pact_tracker.extensions import db


@click.group("snapshot")
def snapshot_group():
    """Take, publish, list and verify progress snapshots."""


_as_option = as_option("Act as this organiser or secretariat member; else as the system.")


def _actor(email: str | None):
    return acting_user(
        email,
        permissions.can_manage_snapshots,
        "may not manage snapshots (organisers and the secretariat may)",
    )


def _snapshot(snapshot_id: int, *, for_update: bool = False) -> Snapshot:
    return get_or_fail(Snapshot, snapshot_id, "snapshot", for_update=for_update)


def _parse_cutoff(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date and time, e.g. 2026-06-01T00:00+02:00.",
            param_hint="--cutoff",
        ) from None
    if at.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} has no offset: write it as 2026-06-01T00:00+02:00 or ...Z.",
            param_hint="--cutoff",
        )
    return at.astimezone(UTC)


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _run(step, *args, **kwargs):
    """Run a service step and commit, or report its refusal and write nothing."""
    try:
        outcome = step(*args, **kwargs)
    except DomainError as error:
        db.session.rollback()
        raise fail(error) from error
    commit()
    return outcome


@snapshot_group.command("take")
@click.option("--cutoff", required=True, metavar="ISO", help="The instant measured, with offset.")
@click.option("--title", required=True, help="Its title, e.g. 'Summit 2026'.")
@click.option("--event", "event_slug", metavar="SLUG", help="The event it measures.")
@_as_option
@with_appcontext
def take_command(cutoff, title, event_slug, as_email):
    """Freeze every commitment as of --cutoff: a draft (an event's draft is taken again)."""
    at = _parse_cutoff(cutoff)
    title = " ".join(title.split())
    if not title or len(title) > 200:
        raise click.BadParameter("between 1 and 200 characters.", param_hint="--title")
    actor = _actor(as_email)
    event = None
    if event_slug is not None:
        event = db.session.scalar(sa.select(Event).where(Event.slug == event_slug))
        if event is None:
            raise click.ClickException(f"No event has the slug {event_slug!r}.")
    started = time.perf_counter()
    snapshot = _run(services.take_snapshot, at, title=title, event=event, actor=actor)
    click.echo(
        f"Snapshot {snapshot.id} taken as of {_when(snapshot.cutoff_at)}: "
        f"{snapshot.entry_count:,} commitments, in {time.perf_counter() - started:.1f} s "
        f"(a draft: publish it with `flask pact snapshot publish {snapshot.id}`)."
    )


@snapshot_group.command("publish")
@click.argument("snapshot_id", metavar="ID", type=int)
@_as_option
@with_appcontext
def publish_command(snapshot_id, as_email):
    """Make a draft public and immutable, with the SHA-256 of its content."""
    actor = _actor(as_email)
    snapshot = _snapshot(snapshot_id, for_update=True)
    _run(services.publish_snapshot, snapshot, actor)
    click.echo(
        f"Snapshot {snapshot.id} published; SHA-256 {snapshot.content_sha256} "
        f"(of its public part: {snapshot.public_sha256})."
    )


@snapshot_group.command("list")
@click.option(
    "--status",
    type=click.Choice([status.value for status in SnapshotStatus]),
    help="Only snapshots in this status.",
)
@with_appcontext
def list_command(status):
    """Snapshots, latest cutoff first: id, status, cutoff, commitments, event, title."""
    query = (
        sa.select(Snapshot, Event.slug)
        .outerjoin(Event, Event.id == Snapshot.event_id)
        .order_by(Snapshot.cutoff_at.desc(), Snapshot.id.desc())
    )
    if status:
        query = query.where(Snapshot.status == status)
    rows = db.session.execute(query).all()
    if not rows:
        click.echo("No snapshot." if not status else f"No {status} snapshot.")
        return
    for snapshot, slug in rows:
        click.echo(
            f"{snapshot.id:>6}  {snapshot.status:<9}  {_when(snapshot.cutoff_at):<20}  "
            f"{snapshot.entry_count:>8,}  {slug or '-':<30}  {snapshot.title}"
        )


@snapshot_group.command("verify")
@click.argument("snapshot_id", metavar="ID", type=int)
@with_appcontext
def verify_command(snapshot_id):
    """Recompute a published snapshot's SHA-256 (and its public part's) and compare them with
    those published."""
    snapshot = _snapshot(snapshot_id)
    if snapshot.status != SnapshotStatus.published:
        raise click.ClickException(
            f"Snapshot {snapshot.id} is a draft: only a published snapshot has a hash to verify."
        )
    for part, published, public in (
        ("", snapshot.content_sha256, False),
        (" of its public part", snapshot.public_sha256, True),
    ):
        computed = services.content_digest(snapshot, public=public)
        if computed != published:
            raise click.ClickException(
                f"Snapshot {snapshot.id} does NOT match its published hash{part}.\n"
                f"  published: {published}\n  computed:  {computed}"
            )
    click.echo(
        f"Snapshot {snapshot.id} verified: SHA-256 {snapshot.content_sha256} "
        f"(of its public part: {snapshot.public_sha256})."
    )
