"""Queueing email: render it in the person's language and write it to the outbox.

Emails are template pairs under ``templates/emails/``: ``<name>.txt`` and
``<name>.html``, extending ``emails/base.txt`` and ``emails/base.html``. The
subject is the ``{% block subject %}`` of the ``.txt`` template (whitespace
collapsed to single spaces); both bodies then receive it as ``subject``. Every
template gets ``user``, ``coalition_name`` and ``base_url`` beside the caller's
context. Links in emails are absolute URLs built from ``BASE_URL``
(:func:`absolute_url`), never from the Host header of the request that caused them.
"""

import logging
from email.utils import make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from pact_tracker.campaigns.models import OutboxMessage, OutboxStatus, Suppression
from pact_tracker.coalition.models import User
from pact_tracker.core import activity
from pact_tracker.extensions import db

log = logging.getLogger(__name__)

SUBJECT_LENGTH = OutboxMessage.subject.type.length
REPLY_LENGTH = OutboxMessage.last_reply.type.length
#: Templates of follow-up mail, which a person may opt out of (not sign-in links or decisions).
FOLLOW_UP_TEMPLATE_PREFIXES = ("reminder", "campaign")


def absolute_url(endpoint: str, **values: Any) -> str:
    """A link for an email, on the configured ``BASE_URL``.

    Works outside requests too (the worker, the command line), where Flask has
    no request to build URLs from: the URL map is bound to ``BASE_URL`` instead.
    """
    base = current_app.config["BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/")
    return f"{parts.scheme}://{parts.netloc}" + adapter.build(endpoint, values)


def render_email(template: str, user: User, context: dict[str, Any] | None = None):
    """``(subject, text, html)`` of ``emails/<template>`` in ``user``'s language."""
    env = current_app.jinja_env
    variables = {
        "user": user,
        "coalition_name": current_app.config["COALITION_NAME"],
        "base_url": current_app.config["BASE_URL"].rstrip("/"),
        "unsubscribe_url": _unsubscribe_url(user, template),
        **(context or {}),
    }
    with force_locale(user.locale):
        text_template = env.get_template(f"emails/{template}.txt")
        subject_parts = text_template.blocks["subject"](text_template.new_context(variables))
        subject = " ".join("".join(subject_parts).split())[:SUBJECT_LENGTH]
        variables["subject"] = subject
        text = text_template.render(variables)
        html = env.get_template(f"emails/{template}.html").render(variables)
    return subject, text, html


def _unsubscribe_url(user: User, template: str) -> str | None:
    """The footer's unsubscribe link, in reminders and campaigns only."""
    if user.id is None or not template.startswith(FOLLOW_UP_TEMPLATE_PREFIXES):
        return None
    from pact_tracker.campaigns.unsubscribe import unsubscribe_url  # imports this module

    return unsubscribe_url(user.id, user.email)


def new_message_id() -> str:
    """A Message-ID on the sender's domain (or the site's), unique across workers."""
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or ""
    if isinstance(sender, tuple | list):
        sender = sender[-1]
    domain = parseaddr(sender)[1].rpartition("@")[2]
    if not domain:
        domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return make_msgid(domain=domain)


def lift_suppression(suppression: Suppression, actor: User | None) -> None:
    """Write to the address again (the bounce was temporary, the mailbox was fixed...)."""
    activity.record(
        "suppression.lifted",
        suppression,
        actor=actor,
        payload={"address": suppression.address, "reason": suppression.reason},
    )
    db.session.delete(suppression)
    db.session.flush()


def is_suppressed(address: str) -> bool:
    return (
        db.session.scalar(
            sa.select(Suppression.id).where(Suppression.address == address.strip().lower())
        )
        is not None
    )


def suppress_address(address: str, reason: str) -> None:
    """Never write to ``address`` again (safe to repeat, and to race with another worker)."""
    values = {"address": address.strip().lower(), "reason": reason[:REPLY_LENGTH]}
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    db.session.execute(insert(Suppression).values(**values).on_conflict_do_nothing())


def _skip_reason(user: User, template: str) -> str | None:
    if not user.active:
        return "not sent: the account is deactivated"
    if is_suppressed(user.email):
        return "not sent: the address is suppressed"
    # Checked here, at queueing, so that no sender can forget an unsubscription.
    if user.reminders_opt_out and template.startswith(FOLLOW_UP_TEMPLATE_PREFIXES):
        return "not sent: the person opted out of reminders"
    return None


def _by_key(idempotency_key: str) -> OutboxMessage | None:
    return db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
    )


def _deliverable(message: OutboxMessage | None) -> OutboxMessage | None:
    return None if message is None or message.status == OutboxStatus.suppressed else message


def build_message(
    user: User,
    template: str,
    *,
    idempotency_key: str,
    context: dict[str, Any] | None = None,
    campaign_id: int | None = None,
) -> OutboxMessage:
    """A ``queued`` outbox row rendered for ``user``, not added to the session.

    For callers that queue many messages at once and have already chosen who
    may be written to (campaigns); everyone else uses :func:`queue_email`.
    """
    subject, text, html = render_email(template, user, context)
    return OutboxMessage(
        idempotency_key=idempotency_key,
        user_id=user.id,
        campaign_id=campaign_id,
        to_address=user.email,
        template=template,
        subject=subject,
        body_text=text,
        body_html=html,
        locale=user.locale,
        message_id=new_message_id(),
        status=OutboxStatus.queued,
    )


def queue_email(
    user: User,
    template: str,
    *,
    idempotency_key: str,
    context: dict[str, Any] | None = None,
) -> OutboxMessage | None:
    """Put an email to ``user`` in the outbox, once per ``idempotency_key``.

    Returns the row to be delivered (the existing one when the key was used
    before), or None when the person must not be written to: the row is then
    kept with status ``suppressed`` and the reason in ``last_reply``.

    :param template: the name of a pair under ``templates/emails/``.
    :param idempotency_key: names the cause, e.g. ``sign-in-link:<link id>``.
    """
    existing = _by_key(idempotency_key)
    if existing is not None:
        return _deliverable(existing)
    skip_reason = _skip_reason(user, template)
    message = build_message(user, template, idempotency_key=idempotency_key, context=context)
    if skip_reason:
        message.status, message.last_reply = OutboxStatus.suppressed, skip_reason
    try:
        # A concurrent transaction may queue the same key: the unique constraint decides.
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        existing = _by_key(idempotency_key)
        if existing is None:
            raise
        return _deliverable(existing)
    if skip_reason:
        log.info("Not queueing %s for user %s: %s", idempotency_key, user.id, skip_reason)
        return None
    return message
