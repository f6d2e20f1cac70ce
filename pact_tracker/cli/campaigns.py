"""``flask pact campaign``: see campaigns and move them through their lifecycle from the shell.

The commands act as the system (the activity log names no one), or as the
secretariat member named by ``--as EMAIL``. Writing a campaign stays with the
back office and the API; here one lists, inspects, schedules, pauses,
resumes, cancels, and resends to the failed.
"""

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from pact_tracker.campaigns.models import Campaign, CampaignStatus
from pact_tracker.campaigns.services import campaigns as services
from pact_tracker.cli.acting import acting_user, as_option, get_or_fail
from pact_tracker.cli.users import fail
from pact_tracker.core import permissions
from pact_tracker.core.activity import commit
from pact_tracker.core.errors import DomainError
from pact_tracker.extensions import db


@click.group("campaign")
def campaign_group():
    """See campaigns and schedule, pause, resume, cancel them or resend to the failed."""


_as_option = as_option(
    "Act as this secretariat member (the activity log names them); else as the system."
)


def _actor(email: str | None):
    """The secretariat member acting, or None for the system."""
    return acting_user(
        email,
        permissions.can_manage_campaigns,
        "may not manage campaigns (an active secretariat member may)",
    )


def _campaign(campaign_id: int, *, for_update: bool = False) -> Campaign:
    return get_or_fail(Campaign, campaign_id, "campaign", for_update=for_update)


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _parse_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date and time, e.g. 2030-01-06T09:00+01:00.",
            param_hint="--at",
        ) from None
    if at.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} has no offset: write it as 2030-01-06T09:00+01:00 or ...Z.",
            param_hint="--at",
        )
    return at.astimezone(UTC)


def _run(step, *args) -> object:
    """Run a service step and commit, or report its refusal and write nothing."""
    try:
        outcome = step(*args)
    except DomainError as error:
        db.session.rollback()
        raise fail(error) from error
    commit()
    return outcome


@campaign_group.command("list")
@click.option(
    "--status",
    type=click.Choice([status.value for status in CampaignStatus]),
    help="Only campaigns in this status.",
)
@with_appcontext
def list_command(status):
    """Campaigns, newest first: id, status, when it is scheduled or started, name."""
    query = db.select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if status:
        query = query.where(Campaign.status == status)
    campaigns = db.session.scalars(query).all()
    if not campaigns:
        click.echo("No campaign." if not status else f"No {status} campaign.")
        return
    for campaign in campaigns:
        when = campaign.started_at or campaign.scheduled_at
        click.echo(f"{campaign.id:>6}  {campaign.status:<10} {_when(when):<20}  {campaign.name}")


@campaign_group.command("show")
@click.argument("campaign_id", metavar="ID", type=int)
@with_appcontext
def show_command(campaign_id):
    """A campaign: its settings, audience, languages and where its messages are."""
    campaign = _campaign(campaign_id)
    progress = services.campaign_progress(campaign)
    filters = ", ".join(f"{k}={','.join(map(str, v))}" for k, v in campaign.audience.items())
    lines = [
        f"Campaign {campaign.id}: {campaign.name}",
        f"Status: {campaign.status}"
        + (f" ({campaign.pause_reason})" if campaign.pause_reason else ""),
        f"Audience: {filters or 'everyone'}",
        f"Languages: {', '.join(c.locale for c in campaign.contents) or '-'} "
        f"(default {campaign.default_locale})",
        f"Links valid: {campaign.link_valid_days} days",
        f"Scheduled: {_when(campaign.scheduled_at)}",
        f"Started: {_when(campaign.started_at)}",
        f"Finished: {_when(campaign.finished_at)}",
        f"Recipients: {progress.recipients}, answered: {progress.answered}",
        f"Messages: {progress.messages} (queued {progress.queued}, sent {progress.sent}, "
        f"failed {progress.failed})",
    ]
    if campaign.resend_count:
        lines.append(f"Resent to the failed: {campaign.resend_count} time(s)")
    click.echo("\n".join(lines))


@campaign_group.command("schedule")
@click.argument("campaign_id", metavar="ID", type=int)
@click.option("--at", "at", metavar="ISO", help="ISO 8601 with an offset; now when absent.")
@_as_option
@with_appcontext
def schedule_command(campaign_id, at, as_email):
    """Schedule a draft (or move a scheduled campaign) to start at --at, or now."""
    when = _parse_at(at)
    actor = _actor(as_email)
    campaign = _campaign(campaign_id, for_update=True)
    _run(services.schedule_campaign, campaign, when, actor)
    click.echo(f"Campaign {campaign.id} scheduled for {_when(campaign.scheduled_at)}.")


@campaign_group.command("pause")
@click.argument("campaign_id", metavar="ID", type=int)
@click.option("--reason", default="", help="Why, shown on the campaign's page.")
@_as_option
@with_appcontext
def pause_command(campaign_id, reason, as_email):
    """Hold a running campaign's unsent messages."""
    if len(reason) > 500:
        raise click.BadParameter("at most 500 characters.", param_hint="--reason")
    actor = _actor(as_email)
    campaign = _campaign(campaign_id, for_update=True)
    _run(services.pause_campaign, campaign, actor, reason)
    click.echo(f"Campaign {campaign.id} paused.")


@campaign_group.command("resume")
@click.argument("campaign_id", metavar="ID", type=int)
@_as_option
@with_appcontext
def resume_command(campaign_id, as_email):
    """Let a paused campaign go on (scheduled again if it had not started)."""
    actor = _actor(as_email)
    campaign = _campaign(campaign_id, for_update=True)
    _run(services.resume_campaign, campaign, actor)
    click.echo(f"Campaign {campaign.id} {campaign.status} again.")


@campaign_group.command("cancel")
@click.argument("campaign_id", metavar="ID", type=int)
@_as_option
@with_appcontext
def cancel_command(campaign_id, as_email):
    """Cancel a campaign for good and withdraw its messages not sent yet."""
    actor = _actor(as_email)
    campaign = _campaign(campaign_id, for_update=True)
    withdrawn = _run(services.cancel_campaign, campaign, actor)
    click.echo(f"Campaign {campaign.id} cancelled; {withdrawn} unsent message(s) withdrawn.")


@campaign_group.command("resend-failed")
@click.argument("campaign_id", metavar="ID", type=int)
@_as_option
@with_appcontext
def resend_failed_command(campaign_id, as_email):
    """Queue a new message to each person whose message failed."""
    actor = _actor(as_email)
    campaign = _campaign(campaign_id, for_update=True)
    queued = _run(services.resend_failed, campaign, actor)
    click.echo(f"Campaign {campaign.id}: {queued} message(s) queued again.")
