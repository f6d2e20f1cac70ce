"""The outbox of emails to deliver, and the addresses never to write to again."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pact_tracker.core.types import StrEnum, UTCDateTime, enum_type, utcnow
from pact_tracker.extensions import db


class OutboxStatus(StrEnum):
    #: Written by the web process or a job; waiting for a dispatcher.
    queued = "queued"
    #: Claimed by a dispatcher until ``lease_expires_at``.
    sending = "sending"
    #: Accepted by the SMTP server (a 250 reply).
    sent = "sent"
    #: A temporary failure (4xx, connection trouble); tried again at ``next_attempt_at``.
    retry = "retry"
    #: A permanent failure (5xx) or too many temporary ones.
    failed = "failed"
    #: Never sent: the address is suppressed or the account deactivated.
    suppressed = "suppressed"
    #: Withdrawn before it was sent (a cancelled campaign).
    cancelled = "cancelled"


#: Statuses a message does not leave.
FINAL_STATUSES = frozenset(
    {OutboxStatus.sent, OutboxStatus.failed, OutboxStatus.suppressed, OutboxStatus.cancelled}
)


class OutboxMessage(db.Model):
    """One email to one person for one cause, rendered when it was queued.

    The idempotency key makes queueing safe to repeat: whatever asks twice for
    the same cause gets the same row. The Message-ID is fixed here, so that a
    message sent twice (its worker died between the SMTP 250 and the commit)
    carries the same Message-ID both times and mail clients show it once.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The dispatcher's claim: due rows of a status, oldest first.
        sa.Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The cause, e.g. ``sign-in-link:42`` or ``campaign:7:1234``; one row per key.
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), nullable=False, unique=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: The address when queued (the person may change theirs later).
    to_address: Mapped[str] = mapped_column(sa.String(254), nullable=False, index=True)
    #: The email template it was rendered from, e.g. ``sign_in_link``.
    template: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    body_text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    body_html: Mapped[str] = mapped_column(sa.Text, nullable=False)
    locale: Mapped[str] = mapped_column(sa.String(5), nullable=False)
    #: ``<...@domain>``, the same on every attempt.
    message_id: Mapped[str] = mapped_column(sa.String(255), nullable=False, unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus, length=16), default=OutboxStatus.queued, nullable=False
    )
    #: How many times a dispatcher claimed it (a claim whose worker died counts).
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    #: When a queued or retry message is due.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    #: While ``sending``: after this instant another dispatcher may take it over.
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The SMTP server's last answer, or why the message was not sent.
    last_reply: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the person did what the message asked (reported progress through its link).
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.idempotency_key} {self.status}>"


class Suppression(db.Model):
    """An address that must not receive mail: it bounced permanently or unsubscribed."""

    __tablename__ = "suppression"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased, as users' addresses are.
    address: Mapped[str] = mapped_column(sa.String(254), nullable=False, unique=True)
    #: ``bounce: 550 5.1.1 ...``, ``unsubscribed``...
    reason: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    def __repr__(self) -> str:
        return f"<Suppression {self.id} {self.address}>"
