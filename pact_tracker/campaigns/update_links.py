"""Update links: a reminder's link that lets its reader report progress without signing in.

``issue_update_link`` returns an absolute URL holding a random token; only its
SHA-256 is stored (:class:`~pact_tracker.campaigns.link_models.UpdateLink`),
with the person, the signatory, the expiry and the reminder it is sent in.

Opening the URL exchanges the token for a *scoped* session: the Flask session
holds the link's id under :data:`SESSION_KEY` and nobody is signed in. The
link's pages (``/u/...``) only show the signatory's approved commitments and
their progress form, and ask ``core.permissions`` on every request whether
the link still works (not expired or revoked, the person active and still
acting for the signatory). Every other page sees an anonymous visitor.

When that person reports progress for the signatory (through the link or
not), the reminders their links were sent in are marked answered
(:func:`mark_reminders_answered`, run on the ``progress_reported`` signal).
That receiver runs after the report's commit and may fail (the database gone
a moment later); the worker's :func:`answer_reminders` then does the same
from the committed reports, so no answer is lost.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from pact_tracker.campaigns.link_models import UpdateLink
from pact_tracker.campaigns.models import CampaignRecipient, OutboxMessage
from pact_tracker.campaigns.services import absolute_url
from pact_tracker.coalition.models import Signatory, User
from pact_tracker.commitments.models import Commitment, ProgressUpdate
from pact_tracker.core import activity, permissions
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db

#: The Flask session key of a scoped session: the id of the link it was opened with.
SESSION_KEY = "update_link_id"
#: How far back :func:`answer_reminders` looks at links (a link lives 30 days by default).
ANSWER_LOOKBACK_DAYS = 90


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_update_link(
    user: User,
    signatory: Signatory,
    *,
    message: OutboxMessage | None = None,
    valid_days: int = 30,
) -> str:
    """A new link for ``user`` to report ``signatory``'s progress; returns its absolute URL.

    :param message: the reminder the link is sent in, marked answered once
        ``user`` reports progress for ``signatory``. A planner that renders the
        link into the email before the message exists can attach it afterwards
        with :func:`attach_message`.
    """
    link, url = new_update_link(user.id, signatory.id, valid_days=valid_days)
    link.outbox_message_id = message.id if message is not None else None
    db.session.add(link)
    db.session.flush()
    return url


def new_update_link(
    user_id: int, signatory_id: int, *, valid_days: int = 30, now=None
) -> tuple[UpdateLink, str]:
    """A link row (not added to the session) and its URL, for callers issuing many at once."""
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    link = UpdateLink(
        token_hash=_sha256(token),
        user_id=user_id,
        signatory_id=signatory_id,
        created_at=now,
        expires_at=now + timedelta(days=valid_days),
    )
    return link, absolute_url("campaigns.open_update_link", token=token)


def preview_url() -> str:
    """A link-shaped placeholder for previews: it opens the "link no longer works" page."""
    return absolute_url("campaigns.open_update_link", token="preview")  # noqa: S106 - not a secret  # nosec B106


def attach_message(url: str, message: OutboxMessage) -> None:
    """Record that the link at ``url`` (from :func:`issue_update_link`) was sent in ``message``."""
    link = find_link(url.rstrip("/").rsplit("/", 1)[-1])
    if link is not None:
        link.outbox_message_id = message.id
        db.session.flush()


def find_link(token: str) -> UpdateLink | None:
    """The link of ``token``, usable or not; None for an unknown token."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(sa.select(UpdateLink).where(UpdateLink.token_hash == _sha256(token)))


def open_update_link(token: str) -> UpdateLink | None:
    """The link of ``token`` if it may be used now, its first use recorded; else None."""
    link = find_link(token)
    if link is None or not permissions.can_use_update_link(link):
        return None
    if link.used_at is None:
        link.used_at = utcnow()
        db.session.flush()
        activity.record("update_link.opened", link, actor=link.user, signatory_id=link.signatory_id)
    return link


def scoped_link(link_id: int | None) -> UpdateLink | None:
    """The link a scoped session was opened with, while it may still be used."""
    if not isinstance(link_id, int):
        return None
    link = db.session.get(UpdateLink, link_id)
    return link if link is not None and permissions.can_use_update_link(link) else None


def revoke_update_link(link: UpdateLink, actor: User | None) -> UpdateLink:
    """Stop ``link`` working, and every session it opened (safe to repeat)."""
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        db.session.flush()
        activity.record("update_link.revoked", link, actor=actor, signatory_id=link.signatory_id)
    return link


def mark_reminders_answered(update) -> int:
    """Mark answered the reminders whose links asked ``update``'s author about its signatory.

    Returns how many messages it marked; 0 when run again for the same update.
    """
    if update.author_id is None:
        return 0
    return _mark_answered(update.author_id, {update.commitment.signatory_id}, update.recorded_at)


def mark_reminders_answered_many(updates) -> int:
    """:func:`mark_reminders_answered` for a batch of ``ReportedUpdate``, in few statements.

    The updates of one author recorded at one instant are answered together:
    an import is one author and one instant, so two statements in all.
    """
    signatories: dict[tuple, set[int]] = {}
    for update in updates:
        if update.author_id is not None:
            key = (update.recorded_at, update.author_id)
            signatories.setdefault(key, set()).add(update.signatory_id)
    # The earliest first: a reminder keeps the instant of the first report answering it.
    return sum(
        _mark_answered(author_id, ids, recorded_at)
        for (recorded_at, author_id), ids in sorted(signatories.items(), key=lambda kv: kv[0][0])
    )


def _mark_answered(author_id: int, signatory_ids: set[int], recorded_at) -> int:
    """Mark answered at ``recorded_at`` what ``author_id``'s links for ``signatory_ids`` asked."""
    asked = sa.select(UpdateLink.outbox_message_id).where(
        UpdateLink.user_id == author_id,
        UpdateLink.signatory_id.in_(signatory_ids),
        UpdateLink.outbox_message_id.is_not(None),
        UpdateLink.created_at <= recorded_at,
    )
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(asked), OutboxMessage.answered_at.is_(None))
        .values(answered_at=recorded_at)
        .execution_options(synchronize_session=False)
    )
    # A campaign asks a person per signatory: only the row of the signatory whose link
    # asked is answered.
    asked_this_signatory = (
        sa.select(UpdateLink.id)
        .where(
            UpdateLink.outbox_message_id == CampaignRecipient.outbox_message_id,
            UpdateLink.user_id == author_id,
            UpdateLink.signatory_id == CampaignRecipient.signatory_id,
            UpdateLink.created_at <= recorded_at,
        )
        .exists()
    )
    db.session.execute(
        sa.update(CampaignRecipient)
        .where(
            CampaignRecipient.user_id == author_id,
            CampaignRecipient.signatory_id.in_(signatory_ids),
            CampaignRecipient.answered_at.is_(None),
            asked_this_signatory,
        )
        .values(answered_at=recorded_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def answer_reminders(now) -> int:
    """Mark answered every reminder a committed report answered; return how many messages.

    The same outcome as :func:`mark_reminders_answered`, derived from the
    reports themselves: each reminder (and campaign recipient) still
    unanswered whose link was issued in the last ``ANSWER_LOOKBACK_DAYS``
    days gets the instant of the first report its person made for the link's
    signatory after the link was issued. Run by the worker, so that a
    receiver that failed after a report's commit is made good; running it
    again changes nothing.
    """
    recent = sa.select(UpdateLink.outbox_message_id).where(
        UpdateLink.outbox_message_id.is_not(None),
        UpdateLink.created_at >= now - timedelta(days=ANSWER_LOOKBACK_DAYS),
    )
    first = (
        _first_answer().where(UpdateLink.outbox_message_id == OutboxMessage.id).scalar_subquery()
    )
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(recent),
            OutboxMessage.answered_at.is_(None),
            first.is_not(None),
        )
        .values(answered_at=first)
        .execution_options(synchronize_session=False)
    )
    first_of_recipient = (
        _first_answer()
        .where(
            UpdateLink.outbox_message_id == CampaignRecipient.outbox_message_id,
            UpdateLink.user_id == CampaignRecipient.user_id,
            UpdateLink.signatory_id == CampaignRecipient.signatory_id,
        )
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(CampaignRecipient)
        .where(
            CampaignRecipient.outbox_message_id.in_(recent),
            CampaignRecipient.answered_at.is_(None),
            first_of_recipient.is_not(None),
        )
        .values(answered_at=first_of_recipient)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _first_answer():
    """The instant of the first report answering a link (to be correlated by the caller)."""
    return (
        sa.select(sa.func.min(ProgressUpdate.recorded_at))
        .select_from(UpdateLink)
        .join(ProgressUpdate, ProgressUpdate.author_id == UpdateLink.user_id)
        .join(
            Commitment,
            sa.and_(
                Commitment.id == ProgressUpdate.commitment_id,
                Commitment.signatory_id == UpdateLink.signatory_id,
            ),
        )
        .where(ProgressUpdate.recorded_at >= UpdateLink.created_at)
    )
