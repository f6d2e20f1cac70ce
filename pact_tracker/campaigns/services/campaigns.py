"""Campaigns: written by the secretariat, frozen at start, delivered by the outbox.

Lifecycle (``models.CAMPAIGN_TRANSITIONS``)::

    draft -> scheduled -> running <-> paused -> ... -> finished
      scheduled <-> paused (paused before it started: it does not start until resumed)
      any of draft, scheduled, running, paused -> cancelled

The worker starts a scheduled campaign when its time comes
(:func:`start_due_campaigns`): in one transaction the audience is frozen into
``campaign_recipient`` rows, each person gets one outbox message
(``campaign:<id>:<user>``) with an update link per organisation, and the
campaign turns ``running``. The dispatcher sends a campaign's messages only
while it runs. When none is left to send, :func:`finish_done_campaigns` marks
it finished. Permanent failures beyond a threshold pause it
(:func:`note_failures`) and tell the secretariat.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from pact_tracker.campaigns import update_links
from pact_tracker.campaigns.link_models import UpdateLink
from pact_tracker.campaigns.models import (
    CAMPAIGN_TRANSITIONS,
    EDITABLE_STATUSES,
    FINAL_STATUSES,
    Campaign,
    CampaignContent,
    CampaignRecipient,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
    Suppression,
)
from pact_tracker.campaigns.services import audience, templating
from pact_tracker.campaigns.services.outbox import build_message, queue_email
from pact_tracker.coalition.models import Membership, Role, Signatory, User
from pact_tracker.commitments.models import (
    REPORTING_STATUSES,
    Commitment,
    ReportingState,
    reporting_state_at,
)
from pact_tracker.core import activity
from pact_tracker.core.errors import InvalidInput, InvalidTransition
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db

log = logging.getLogger(__name__)

#: Defaults for anything the configuration does not set.
DEFAULTS = {
    #: A campaign pauses itself once this many of its messages failed permanently...
    "CAMPAIGN_PAUSE_MIN_FAILURES": 20,
    #: ...and they are at least this share of the messages the server answered.
    "CAMPAIGN_PAUSE_FAILURE_RATE": 0.2,
    #: Commitments listed per organisation in the ``commitments`` variable.
    "CAMPAIGN_COMMITMENTS_PER_SIGNATORY": 20,
}
TEMPLATE = "campaign"
#: The test send's template: not "campaign*", so it is neither counted nor unsubscribable.
TEST_TEMPLATE = "test_campaign"
ALERT_TEMPLATE = "alert_campaign_paused"
#: Messages still to be sent (or in flight).
PENDING_STATUSES = (OutboxStatus.queued, OutboxStatus.retry, OutboxStatus.sending)
NAME_LENGTH = Campaign.name.type.length
RESENDABLE_STATUSES = (CampaignStatus.running, CampaignStatus.paused, CampaignStatus.finished)
#: People rendered and inserted per round when a campaign starts.
START_CHUNK = 500


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


# Writing a campaign.


def _languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def _clean_contents(raw: Any, default_locale: str) -> tuple[dict, dict[str, list[str]]]:
    contents: dict[str, dict[str, str]] = {}
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, dict):
        return {}, {"contents": ["must map a language to a subject and a body"]}
    for locale, content in raw.items():
        if locale not in _languages():
            errors[f"contents.{locale}"] = ["not a language of the site"]
            continue
        subject = str((content or {}).get("subject") or "").strip()
        body = str((content or {}).get("body") or "").strip()
        if not subject and not body:
            continue  # an empty language is no language
        for field, value, limit in (("subject", subject, 300), ("body", body, 50_000)):
            if not value:
                errors[f"{field}_{locale}"] = ["required when the other one is written"]
            elif len(value) > limit:
                errors[f"{field}_{locale}"] = [f"at most {limit} characters"]
            elif problem := templating.check_source(value):
                errors[f"{field}_{locale}"] = [problem]
        contents[locale] = {"subject": subject, "body": body}
    if default_locale not in contents and f"subject_{default_locale}" not in errors:
        errors[f"subject_{default_locale}"] = ["the default language needs a subject and a body"]
    return contents, errors


def _clean(data: dict[str, Any], campaign: Campaign | None) -> dict[str, Any]:
    """The fields of ``data`` that are given, checked; InvalidInput naming every bad one."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "name" in data or campaign is None:
        name = " ".join(str(data.get("name") or "").split())
        if not name:
            errors["name"] = ["required"]
        elif len(name) > NAME_LENGTH:
            errors["name"] = [f"at most {NAME_LENGTH} characters"]
        cleaned["name"] = name
    default_locale = data.get("default_locale") or (
        campaign.default_locale if campaign else current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    if default_locale not in _languages():
        errors["default_locale"] = ["not a language of the site"]
    cleaned["default_locale"] = default_locale
    if "link_valid_days" in data:
        days = data["link_valid_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
            errors["link_valid_days"] = ["a number of days from 1 to 365"]
        cleaned["link_valid_days"] = days
    if "audience" in data:
        try:
            cleaned["audience"] = audience.clean_filters(data["audience"])
        except InvalidInput as error:
            errors.update({f"audience.{k}": v for k, v in error.errors.items()})
    if "contents" in data or campaign is None:
        contents, content_errors = _clean_contents(data.get("contents") or {}, default_locale)
        errors.update(content_errors)
        cleaned["contents"] = contents
    if errors:
        raise InvalidInput("The campaign has errors: nothing was saved.", errors=errors)
    return cleaned


def _set_contents(campaign: Campaign, contents: dict[str, dict[str, str]]) -> None:
    by_locale = {content.locale: content for content in campaign.contents}
    for locale, content in by_locale.items():
        if locale not in contents:
            campaign.contents.remove(content)
    for locale, values in contents.items():
        content = by_locale.get(locale)
        if content is None:
            campaign.contents.append(CampaignContent(locale=locale, **values))
        else:
            content.subject, content.body = values["subject"], values["body"]


def create_campaign(data: dict[str, Any], actor: User | None) -> Campaign:
    """A draft campaign from ``name``, ``audience``, ``contents`` and ``default_locale``.

    ``contents`` maps a language to ``{"subject": ..., "body": ...}``.
    """
    cleaned = _clean(data, None)
    campaign = Campaign(
        name=cleaned["name"],
        default_locale=cleaned["default_locale"],
        audience=cleaned.get("audience", {}),
        link_valid_days=cleaned.get("link_valid_days", 30),
        created_by_id=actor.id if actor else None,
    )
    _set_contents(campaign, cleaned["contents"])
    db.session.add(campaign)
    db.session.flush()
    activity.record("campaign.created", campaign, actor=actor)
    return campaign


def update_campaign(campaign: Campaign, data: dict[str, Any], actor: User) -> Campaign:
    """Change what is given of ``data``; the audience only until the campaign starts.

    Editing a paused campaign re-renders its messages not sent yet.
    """
    if campaign.status not in EDITABLE_STATUSES:
        raise InvalidTransition(f"A {campaign.status} campaign can no longer be edited.")
    if (
        "audience" in data
        and campaign.audience_frozen
        and audience.clean_filters(data["audience"]) != campaign.audience
    ):
        raise InvalidInput(
            "The audience is frozen once the campaign has started.",
            errors={"audience": ["frozen since the campaign started"]},
        )
    cleaned = _clean(data, campaign)
    for field in ("name", "default_locale", "audience", "link_valid_days"):
        if field in cleaned:
            setattr(campaign, field, cleaned[field])
    if "contents" in cleaned:
        _set_contents(campaign, cleaned["contents"])
    db.session.flush()
    activity.record("campaign.edited", campaign, actor=actor, payload={"fields": sorted(data)})
    if campaign.status == CampaignStatus.paused:
        rerender_unsent(campaign)
    return campaign


# The lifecycle.


def _move(campaign: Campaign, to: CampaignStatus, actor: User | None, **payload) -> None:
    if to not in CAMPAIGN_TRANSITIONS[campaign.status]:
        raise InvalidTransition(f"A {campaign.status} campaign cannot become {to}.")
    campaign.status = to
    db.session.flush()
    activity.record(f"campaign.{to}", campaign, actor=actor, payload=payload)


def schedule_campaign(campaign: Campaign, at: datetime | None, actor: User | None) -> Campaign:
    """Start at ``at`` (now when None); only with content and somebody to write to."""
    now = utcnow()
    if campaign.status not in (CampaignStatus.draft, CampaignStatus.scheduled):
        raise InvalidTransition(f"A {campaign.status} campaign cannot become scheduled.")
    if campaign.content_for(campaign.default_locale) is None:
        raise InvalidInput(
            "Write a subject and a body in the default language first.",
            errors={f"subject_{campaign.default_locale}": ["required"]},
        )
    if audience.count_audience(campaign.audience).people == 0:
        raise InvalidInput(
            "Nobody would receive this campaign: change the audience filters.",
            errors={"audience": ["nobody to write to"]},
        )
    if campaign.status == CampaignStatus.scheduled:
        campaign.scheduled_at = at or now
        db.session.flush()
        activity.record("campaign.rescheduled", campaign, actor=actor)
        return campaign
    _move(campaign, CampaignStatus.scheduled, actor)
    campaign.scheduled_at = at or now
    return campaign


def unschedule_campaign(campaign: Campaign, actor: User) -> Campaign:
    _move(campaign, CampaignStatus.draft, actor)
    campaign.scheduled_at = None
    return campaign


def pause_campaign(campaign: Campaign, actor: User | None, reason: str = "") -> Campaign:
    """Hold a running campaign's unsent messages, or keep a scheduled one from starting.

    Messages already handed to a dispatcher may still go out.
    """
    _move(campaign, CampaignStatus.paused, actor, reason=reason)
    campaign.pause_reason = reason[:500] or None
    return campaign


def resume_campaign(campaign: Campaign, actor: User) -> Campaign:
    """Running again, or scheduled again if it was paused before it started.

    A scheduled campaign whose time has passed meanwhile starts at the worker's next tick.
    """
    if campaign.status == CampaignStatus.paused and not campaign.audience_frozen:
        _move(campaign, CampaignStatus.scheduled, actor, resumed=True)
    else:
        _move(campaign, CampaignStatus.running, actor)
    campaign.pause_reason = None
    return campaign


def cancel_campaign(campaign: Campaign, actor: User) -> int:
    """Cancel it and withdraw its messages not sent yet; return how many were withdrawn."""
    _move(campaign, CampaignStatus.cancelled, actor)
    campaign.finished_at = utcnow()
    withdrawn = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.campaign_id == campaign.id,
            OutboxMessage.status.in_([OutboxStatus.queued, OutboxStatus.retry]),
        )
        .values(status=OutboxStatus.cancelled, last_reply="not sent: the campaign was cancelled")
        .execution_options(synchronize_session=False)
    ).rowcount
    _revoke_links_of_unsent(campaign.id)
    return withdrawn


def _revoke_links_of_unsent(campaign_id: int) -> None:
    """Links rendered into messages that will never be sent must not work either."""
    never_sent = sa.select(OutboxMessage.id).where(
        OutboxMessage.campaign_id == campaign_id,
        OutboxMessage.status.in_([OutboxStatus.cancelled]),
    )
    db.session.execute(
        sa.update(UpdateLink)
        .where(UpdateLink.outbox_message_id.in_(never_sent), UpdateLink.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def start_due_campaigns(now: datetime) -> int:
    """Start every scheduled campaign whose time has come; return how many started."""
    due = db.session.scalars(
        sa.select(Campaign.id)
        .where(Campaign.status == CampaignStatus.scheduled, Campaign.scheduled_at <= now)
        .order_by(Campaign.scheduled_at, Campaign.id)
    ).all()
    started = 0
    for campaign_id in due:
        statement = sa.select(Campaign).where(Campaign.id == campaign_id)
        if db.session.get_bind().dialect.name == "postgresql":
            # Another worker may be starting it: one waits, then sees it running.
            statement = statement.with_for_update()
        campaign = db.session.scalars(statement).one()
        if campaign.status != CampaignStatus.scheduled:
            continue
        start_campaign(campaign, now)
        activity.commit()
        started += 1
    return started


def start_campaign(campaign: Campaign, now: datetime) -> int:
    """Freeze the audience and queue one message per person; return how many were queued."""
    pairs = db.session.execute(
        audience.audience_pairs(campaign.audience).order_by(
            Membership.user_id, Membership.signatory_id
        )
    ).all()
    excluded = audience.count_audience(campaign.audience).excluded
    _move(campaign, CampaignStatus.running, None, recipients=len(pairs), excluded=excluded)
    campaign.started_at = now
    signatories_by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, signatory_id in pairs:
        signatories_by_user[user_id].append(signatory_id)
    user_ids = sorted(signatories_by_user)
    queued = 0
    for start in range(0, len(user_ids), START_CHUNK):
        chunk = {uid: signatories_by_user[uid] for uid in user_ids[start : start + START_CHUNK]}
        queued += _queue_chunk(campaign, chunk, now, key_suffix="")
    log.info("Campaign %s started: %d messages, %d excluded", campaign.id, queued, excluded)
    return queued


def _queue_chunk(
    campaign: Campaign, signatories_by_user: dict[int, list[int]], now: datetime, key_suffix: str
) -> int:
    """Render and insert the messages, links and recipient rows of a few hundred people."""
    users = {
        u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(signatories_by_user)))
    }
    renderer = _Renderer(
        campaign, {sid for sids in signatories_by_user.values() for sid in sids}, now
    )
    existing = {
        (r.user_id, r.signatory_id): r
        for r in db.session.scalars(
            sa.select(CampaignRecipient).where(
                CampaignRecipient.campaign_id == campaign.id,
                CampaignRecipient.user_id.in_(signatories_by_user),
            )
        )
    }
    batch = []
    for user_id, sids in signatories_by_user.items():
        message, links = renderer.render(users[user_id], sids, key_suffix)
        batch.append((user_id, sids, links, message))
    db.session.add_all([message for *_rest, message in batch])
    db.session.flush()
    for user_id, sids, links, message in batch:
        for sid, link in zip(sids, links, strict=True):
            link.outbox_message_id = message.id
            db.session.add(link)
            recipient = existing.get((user_id, sid))
            if recipient is None:
                db.session.add(
                    CampaignRecipient(
                        campaign_id=campaign.id,
                        user_id=user_id,
                        signatory_id=sid,
                        outbox_message_id=message.id,
                    )
                )
            else:
                recipient.outbox_message_id = message.id
    db.session.flush()
    return len(batch)


class _Renderer:
    """What rendering a campaign for many people needs, loaded once for all of them."""

    def __init__(self, campaign: Campaign, signatory_ids: set[int], now: datetime):
        self.campaign, self.now = campaign, now
        self.signatories = {
            s.id: s
            for s in db.session.scalars(sa.select(Signatory).where(Signatory.id.in_(signatory_ids)))
        }
        self.commitments = _commitments_by_signatory(campaign, signatory_ids, now)

    def render(
        self, user: User, signatory_ids: list[int], key_suffix: str
    ) -> tuple[OutboxMessage, list[UpdateLink]]:
        """``user``'s message, with a new link per organisation (neither added to the session)."""
        valid_days = self.campaign.link_valid_days
        links = [
            update_links.new_update_link(user.id, sid, valid_days=valid_days, now=self.now)
            for sid in signatory_ids
        ]
        variables = recipient_variables(
            user,
            [
                (self.signatories[sid], url, self.commitments.get(sid, []))
                for sid, (_link, url) in zip(signatory_ids, links, strict=True)
            ],
        )
        message = _build_campaign_message(self.campaign, user, variables, key_suffix)
        return message, [link for link, _url in links]


def _build_campaign_message(
    campaign: Campaign, user: User, variables: dict[str, Any], key_suffix: str
) -> OutboxMessage:
    content = campaign.content_for(user.locale)
    rendered = templating.render_content(content.subject, content.body, variables)
    message = build_message(
        user,
        TEMPLATE,
        idempotency_key=f"campaign:{campaign.id}:{user.id}{key_suffix}",
        context={"content": rendered},
        campaign_id=campaign.id,
    )
    # The content's language, which is the person's unless it was not written in it.
    message.locale = content.locale
    return message


def _commitments_by_signatory(
    campaign: Campaign, signatory_ids: set[int], now: datetime
) -> dict[int, list[dict[str, str]]]:
    """What the ``commitments`` variable lists for each organisation."""
    filters = campaign.audience
    condition = (
        audience.matching_commitments(filters)
        if audience.has_commitment_filters(filters)
        else Commitment.status.in_(list(REPORTING_STATUSES))
    )
    rows = db.session.execute(
        sa.select(
            Commitment.signatory_id,
            Commitment.title,
            Commitment.status,
            Commitment.report_due_at,
            Commitment.inactive_at,
        )
        .where(Commitment.signatory_id.in_(signatory_ids), condition)
        .order_by(Commitment.signatory_id, Commitment.report_due_at, Commitment.id)
    ).all()
    limit = setting("CAMPAIGN_COMMITMENTS_PER_SIGNATORY")
    window = current_app.config["REPORT_DUE_WINDOW_DAYS"]
    listed: dict[int, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if len(listed[row.signatory_id]) >= limit:
            continue
        state = reporting_state_at(
            row.status, row.report_due_at, row.inactive_at, now, timedelta(days=window)
        )
        listed[row.signatory_id].append(
            {
                "title": row.title,
                "state": str(state or ReportingState.on_time),
                "due_date": row.report_due_at.date().isoformat() if row.report_due_at else "",
            }
        )
    return listed


def recipient_variables(
    user: User, signatories: list[tuple[Signatory, str, list]]
) -> dict[str, Any]:
    """The documented variables (``templating.VARIABLES``) for one person.

    :param signatories: ``(signatory, update url, commitments)`` for each organisation
        of the audience the person acts for.
    """
    listed = [
        {"name": s.name, "update_url": url, "commitments": commitments}
        for s, url, commitments in signatories
    ]
    first = listed[0] if listed else {"name": "", "update_url": "", "commitments": []}
    return {
        "recipient_name": user.name,
        "signatory_name": first["name"],
        "update_url": first["update_url"],
        "commitments": first["commitments"],
        "signatories": listed,
        "coalition_name": current_app.config["COALITION_NAME"],
    }


def rerender_unsent(campaign: Campaign) -> int:
    """Render again, with fresh links, the messages of ``campaign`` not sent yet."""
    now = utcnow()
    unsent = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.campaign_id == campaign.id,
            OutboxMessage.status.in_([OutboxStatus.queued, OutboxStatus.retry]),
        )
    ).all()
    if not unsent:
        return 0
    by_message = defaultdict(list)
    for recipient in db.session.scalars(
        sa.select(CampaignRecipient).where(
            CampaignRecipient.outbox_message_id.in_([m.id for m in unsent])
        )
    ):
        by_message[recipient.outbox_message_id].append(recipient.signatory_id)
    renderer = _Renderer(campaign, {sid for sids in by_message.values() for sid in sids}, now)
    db.session.execute(
        sa.update(UpdateLink)
        .where(UpdateLink.outbox_message_id.in_([m.id for m in unsent]))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    for message in unsent:
        user = db.session.get(User, message.user_id)
        fresh, links = renderer.render(user, by_message.get(message.id, []), key_suffix="")
        for link in links:
            link.outbox_message_id = message.id
            db.session.add(link)
        message.subject, message.body_text, message.body_html, message.locale = (
            fresh.subject,
            fresh.body_text,
            fresh.body_html,
            fresh.locale,
        )
    db.session.flush()
    return len(unsent)


#: A recipient's latest message ended so: "resend to failed" may write to them again.
UNDELIVERED_STATUSES = (OutboxStatus.failed, OutboxStatus.suppressed)


def _undelivered(campaign: Campaign, *columns) -> sa.Select:
    """``SELECT user_id, signatory_id`` (or ``columns``) of the recipients whose latest
    message was not delivered."""
    return (
        sa.select(*(columns or (CampaignRecipient.user_id, CampaignRecipient.signatory_id)))
        .join(OutboxMessage, OutboxMessage.id == CampaignRecipient.outbox_message_id)
        .join(User, User.id == CampaignRecipient.user_id)
        .where(
            CampaignRecipient.campaign_id == campaign.id,
            OutboxMessage.status.in_(UNDELIVERED_STATUSES),
        )
    )


def _writable() -> sa.ColumnElement[bool]:
    return sa.and_(User.active.is_(True), audience.reachable())


def resendable_count(campaign: Campaign) -> int:
    """People "resend to failed" would write to now."""
    people = _undelivered(campaign, CampaignRecipient.user_id).where(_writable()).distinct()
    return db.session.scalar(sa.select(sa.func.count()).select_from(people.subquery()))


@dataclass(frozen=True)
class HeldBack:
    """A person whose message failed and whom a resend would not write to, and why."""

    user: User
    #: ``suppressed``, ``opted_out`` or ``deactivated``.
    reason: str
    #: The suppression of their address, when that is the reason.
    suppression: Suppression | None


def held_back(campaign: Campaign, limit: int | None = None) -> list[HeldBack]:
    """The people whose message failed and who may not be written to again, by email
    (the first ``limit`` of them, if given)."""
    return held_back_people(held_back_ids(campaign, limit))


def held_back_ids(campaign: Campaign, limit: int | None = None) -> list[int]:
    """The user ids of ``held_back``, by email."""
    people = _undelivered(campaign, CampaignRecipient.user_id).where(~_writable())
    return list(
        db.session.scalars(
            sa.select(User.id).where(User.id.in_(people)).order_by(User.email).limit(limit)
        )
    )


def held_back_people(user_ids: list[int]) -> list[HeldBack]:
    """``held_back`` of these users (ids from ``held_back_ids``), by email, read as they are now."""
    if not user_ids:
        return []
    rows = db.session.execute(
        sa.select(User, Suppression)
        .outerjoin(Suppression, Suppression.address == sa.func.lower(User.email))
        .where(User.id.in_(user_ids))
        .order_by(User.email)
    ).all()
    return [
        HeldBack(user, _held_reason(user, suppression), suppression) for user, suppression in rows
    ]


def held_back_count(campaign: Campaign) -> int:
    """How many people ``held_back`` lists."""
    people = _undelivered(campaign, CampaignRecipient.user_id).where(~_writable()).distinct()
    return db.session.scalar(sa.select(sa.func.count()).select_from(people.subquery()))


def _held_reason(user: User, suppression: Suppression | None) -> str:
    if suppression is not None:
        return "suppressed"
    return "opted_out" if user.reminders_opt_out else "deactivated"


def _why_not(held: HeldBack) -> str:
    if held.suppression is not None:
        when = held.suppression.created_at.strftime("%Y-%m-%d %H:%M UTC")
        reason = held.suppression.reason
        return f"{held.user.email}: the address is suppressed since {when} ({reason})"
    if held.reason == "opted_out":
        return f"{held.user.email}: the person opted out of reminders and campaigns"
    return f"{held.user.email}: the account is deactivated"


def resend_failed(campaign: Campaign, actor: User) -> int:
    """A new message to each person whose latest message failed; return how many were queued.

    The failed rows stay as they are (their SMTP replies are the record); the
    new ones get keys ``campaign:<id>:<user>:resend-<n>`` and fresh links.
    People who may not be written to now (suppressed address, opted out,
    account deactivated: :func:`held_back`) are skipped; when nobody else is
    left, the refusal names each of them and why.
    """
    if campaign.status not in RESENDABLE_STATUSES:
        raise InvalidTransition(f"A {campaign.status} campaign has nothing to resend.")
    signatories_by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, signatory_id in db.session.execute(_undelivered(campaign).where(_writable())):
        signatories_by_user[user_id].append(signatory_id)
    if not signatories_by_user:
        held = held_back(campaign)
        if held:
            raise InvalidInput(
                "No failed message can be sent again: the people they were for may not be "
                "written to now.",
                errors={"recipients": [_why_not(h) for h in held]},
            )
        raise InvalidInput("No message of this campaign failed: there is nothing to resend.")
    campaign.resend_count += 1
    if campaign.status == CampaignStatus.finished:
        _move(campaign, CampaignStatus.running, actor, resend=campaign.resend_count)
        campaign.finished_at = None
    queued = _queue_chunk(
        campaign, dict(signatories_by_user), utcnow(), key_suffix=f":resend-{campaign.resend_count}"
    )
    activity.record("campaign.resent", campaign, actor=actor, payload={"messages": queued})
    return queued


def finish_done_campaigns(now: datetime) -> int:
    """Mark finished every running campaign with nothing left to send; return how many."""
    pending = sa.exists().where(
        OutboxMessage.campaign_id == Campaign.id, OutboxMessage.status.in_(PENDING_STATUSES)
    )
    done = db.session.scalars(
        sa.select(Campaign).where(Campaign.status == CampaignStatus.running, ~pending)
    ).all()
    for campaign in done:
        _move(campaign, CampaignStatus.finished, None)
        campaign.finished_at = now
    return len(done)


def note_failures(campaign_id: int) -> bool:
    """After a permanent failure: pause the campaign if too many failed; True if it paused.

    Temporary failures (4xx, the server unreachable) never count: they are
    retried and a campaign must get through an outage by itself.
    """
    # Each person's latest message only: a failure a resend has replaced no longer counts.
    latest = sa.select(CampaignRecipient.outbox_message_id).where(
        CampaignRecipient.campaign_id == campaign_id
    )
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count())
            .where(
                OutboxMessage.id.in_(latest),
                OutboxMessage.status.in_([OutboxStatus.sent, OutboxStatus.failed]),
            )
            .group_by(OutboxMessage.status)
        ).all()
    )
    failed, sent = counts.get(OutboxStatus.failed, 0), counts.get(OutboxStatus.sent, 0)
    if failed < setting("CAMPAIGN_PAUSE_MIN_FAILURES"):
        return False
    if failed / (failed + sent) < setting("CAMPAIGN_PAUSE_FAILURE_RATE"):
        return False
    campaign = db.session.get(Campaign, campaign_id, with_for_update=_lock_on_postgresql())
    if campaign is None or campaign.status != CampaignStatus.running:
        return False
    reason = f"paused by itself: {failed} messages failed for good out of {failed + sent}"
    pause_campaign(campaign, None, reason)
    _alert_secretariat(campaign, failed, failed + sent)
    log.warning("Campaign %s %s", campaign_id, reason)
    return True


def _lock_on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _alert_secretariat(campaign: Campaign, failed: int, answered: int) -> None:
    pauses = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(activity.Activity)
        .where(
            activity.Activity.action == "campaign.paused",
            activity.Activity.subject_type == "campaign",
            activity.Activity.subject_id == campaign.id,
        )
    )
    secretariat = db.session.scalars(
        sa.select(User).where(User.role == Role.secretariat, User.active.is_(True))
    ).all()
    for user in secretariat:
        queue_email(
            user,
            ALERT_TEMPLATE,
            idempotency_key=f"campaign-paused:{campaign.id}:{pauses}:{user.id}",
            context={
                "campaign": campaign,
                "failed": failed,
                "answered": answered,
                "url": _campaign_url(campaign),
            },
        )


def _campaign_url(campaign: Campaign) -> str:
    from pact_tracker.campaigns.services.outbox import absolute_url

    return absolute_url("campaigns.admin_campaign", campaign_id=campaign.id)


# Trying it out.


def preview(
    campaign: Campaign, user: User, locale: str | None = None
) -> templating.RenderedContent:
    """What ``user`` would receive now (links are placeholders: nothing is issued)."""
    now = utcnow()
    pairs = db.session.execute(
        audience.audience_pairs(campaign.audience, only_reachable=False).where(
            Membership.user_id == user.id
        )
    ).all()
    signatory_ids = {sid for _uid, sid in pairs}
    signatories = db.session.scalars(
        sa.select(Signatory).where(Signatory.id.in_(signatory_ids)).order_by(Signatory.id)
    ).all()
    commitments = _commitments_by_signatory(campaign, signatory_ids, now)
    placeholder = update_links.preview_url()
    variables = recipient_variables(
        user, [(s, placeholder, commitments.get(s.id, [])) for s in signatories]
    )
    content = campaign.content_for(locale or user.locale)
    if content is None:
        raise InvalidInput("The campaign has no content yet.")
    return templating.render_content(content.subject, content.body, variables)


def send_test(campaign: Campaign, actor: User, as_user: User | None = None) -> OutboxMessage | None:
    """Email ``actor`` the campaign as ``as_user`` would get it; not counted in the campaign."""
    rendered = preview(campaign, as_user or actor, locale=actor.locale)
    number = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.idempotency_key.like(f"campaign-test:{campaign.id}:{actor.id}:%"))
    )
    message = queue_email(
        actor,
        TEST_TEMPLATE,
        idempotency_key=f"campaign-test:{campaign.id}:{actor.id}:{number + 1}",
        context={"content": rendered, "campaign": campaign},
    )
    activity.record("campaign.test_sent", campaign, actor=actor)
    return message


# What happened.


@dataclass(frozen=True)
class Progress:
    """A campaign's recipients, each counted once, by the fate of their latest message."""

    recipients: int
    #: Emails written for the campaign, resends included.
    messages: int
    #: Recipients by the status of their latest message (a resend replaces the failed one).
    by_status: dict[str, int]
    answered: int

    @property
    def queued(self) -> int:
        return sum(self.by_status.get(s, 0) for s in ("queued", "retry", "sending"))

    @property
    def sent(self) -> int:
        return self.by_status.get("sent", 0)

    @property
    def failed(self) -> int:
        return self.by_status.get("failed", 0) + self.by_status.get("suppressed", 0)

    @property
    def done(self) -> int:
        return sum(self.by_status.get(s, 0) for s in FINAL_STATUSES)


def campaign_progress(campaign: Campaign) -> Progress:
    """Recipients by their latest message's status, and answered: what the campaign page shows."""
    return campaigns_progress([campaign.id])[campaign.id]


def campaigns_progress(campaign_ids: list[int]) -> dict[int, Progress]:
    """:func:`campaign_progress` of several campaigns in two queries (for lists).

    A recipient counts once, by the message that last asked them: after a
    resend, its outcome replaces the failure it was sent for, so that sent,
    queued and failed add up to the recipients.
    """
    by_status: dict[int, dict[str, int]] = {pk: {} for pk in campaign_ids}
    recipients = dict.fromkeys(campaign_ids, 0)
    answered = dict.fromkeys(campaign_ids, 0)
    for pk, status, count, answers in db.session.execute(
        sa.select(
            CampaignRecipient.campaign_id,
            OutboxMessage.status,
            sa.func.count(),
            sa.func.count(CampaignRecipient.answered_at),
        )
        .outerjoin(OutboxMessage, OutboxMessage.id == CampaignRecipient.outbox_message_id)
        .where(CampaignRecipient.campaign_id.in_(campaign_ids))
        .group_by(CampaignRecipient.campaign_id, OutboxMessage.status)
    ):
        if status is not None:
            by_status[pk][str(status)] = count
        recipients[pk] += count
        answered[pk] += answers
    messages = dict.fromkeys(campaign_ids, 0)
    for pk, count in db.session.execute(
        sa.select(OutboxMessage.campaign_id, sa.func.count())
        .where(OutboxMessage.campaign_id.in_(campaign_ids))
        .group_by(OutboxMessage.campaign_id)
    ):
        messages[pk] = count
    return {
        pk: Progress(recipients[pk], messages[pk], by_status[pk], answered[pk])
        for pk in campaign_ids
    }


@dataclass(frozen=True)
class Rate:
    label: str
    asked: int
    answered: int

    @property
    def rate(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


def response_rates(campaign: Campaign, locale: str) -> dict[str, list[Rate]]:
    """Signatories answered / asked, overall, by organisation type and by programme.

    A signatory answered when one of the people asked for it reported progress
    through the campaign's link.
    """
    from pact_tracker.programmes.models import Programme
    from pact_tracker.reference.models import OrganisationType

    per_signatory = (
        sa.select(
            CampaignRecipient.signatory_id,
            sa.func.max(sa.case((CampaignRecipient.answered_at.is_not(None), 1), else_=0)).label(
                "answered"
            ),
        )
        .where(CampaignRecipient.campaign_id == campaign.id)
        .group_by(CampaignRecipient.signatory_id)
        .subquery()
    )
    asked, answered = sa.func.count(), sa.func.coalesce(sa.func.sum(per_signatory.c.answered), 0)
    overall = db.session.execute(sa.select(asked, answered)).one()
    label_column = OrganisationType.label_fr if locale == "fr" else OrganisationType.label_en
    programme_name = Programme.name_fr if locale == "fr" else Programme.name_en
    by_type = db.session.execute(
        sa.select(label_column, asked, answered)
        .select_from(per_signatory)
        .join(Signatory, Signatory.id == per_signatory.c.signatory_id)
        .join(OrganisationType, OrganisationType.code == Signatory.organisation_type_code)
        .group_by(label_column)
        .order_by(label_column)
    ).all()
    asked_signatories = sa.select(CampaignRecipient.signatory_id).where(
        CampaignRecipient.campaign_id == campaign.id
    )
    programmes = (
        sa.select(Commitment.signatory_id, Commitment.programme_id)
        # Only the commitments of the signatories asked, not the whole coalition's.
        .where(
            Commitment.status.in_(list(REPORTING_STATUSES)),
            Commitment.signatory_id.in_(asked_signatories),
        )
        .distinct()
        .subquery()
    )
    by_programme = db.session.execute(
        sa.select(programme_name, asked, answered)
        .select_from(per_signatory)
        .join(programmes, programmes.c.signatory_id == per_signatory.c.signatory_id)
        .join(Programme, Programme.id == programmes.c.programme_id)
        .group_by(programme_name)
        .order_by(programme_name)
    ).all()
    return {
        "overall": [Rate("", overall[0], int(overall[1]))],
        "organisation_type": [Rate(label, n, int(a)) for label, n, a in by_type],
        "programme": [Rate(label, n, int(a)) for label, n, a in by_programme],
    }


def never_answered(campaign: Campaign) -> sa.Select:
    """``SELECT Signatory`` asked by the campaign and never answered, by name."""
    answered = sa.select(CampaignRecipient.signatory_id).where(
        CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.answered_at.is_not(None)
    )
    asked = sa.select(CampaignRecipient.signatory_id).where(
        CampaignRecipient.campaign_id == campaign.id
    )
    return (
        sa.select(Signatory)
        .where(Signatory.id.in_(asked), Signatory.id.not_in(answered))
        .order_by(Signatory.name, Signatory.id)
    )


def recipients(campaign: Campaign, status: str | None = None) -> sa.Select:
    """``SELECT CampaignRecipient, OutboxMessage`` of the campaign, for its per-recipient table."""
    statement = (
        sa.select(CampaignRecipient, OutboxMessage)
        .outerjoin(OutboxMessage, OutboxMessage.id == CampaignRecipient.outbox_message_id)
        .where(CampaignRecipient.campaign_id == campaign.id)
        # The order of the unique index on (campaign, user, signatory): a page of a
        # campaign to 20,000 people is a walk down it, not a sort of them all.
        .order_by(CampaignRecipient.user_id, CampaignRecipient.signatory_id)
    )
    if status == "answered":
        statement = statement.where(CampaignRecipient.answered_at.is_not(None))
    elif status:
        statement = statement.where(OutboxMessage.status == status)
    return statement
