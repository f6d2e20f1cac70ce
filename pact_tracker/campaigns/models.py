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
        # Expired leases, and what the back office lists by status.
        sa.Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
        # The dispatcher's claim of waiting rows, oldest first: a walk of the first ones
        # rather than a sort of every waiting row (20 ms a claim with 20,000 queued).
        sa.Index(
            "ix_outbox_message_waiting",
            "next_attempt_at",
            "id",
            postgresql_where=sa.text("status IN ('queued', 'retry')"),
            sqlite_where=sa.text("status IN ('queued', 'retry')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The cause, e.g. ``sign-in-link:42`` or ``campaign:7:1234``; one row per key.
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), nullable=False, unique=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: The campaign it belongs to; its rows are only sent while the campaign runs.
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
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


class CampaignStatus(StrEnum):
    draft = "draft"
    #: Waiting for ``scheduled_at``; the worker starts it then.
    scheduled = "scheduled"
    #: Started: the audience is frozen and its messages are in the outbox.
    running = "running"
    #: Its messages wait (paused by the secretariat, or by itself after too many failures);
    #: paused before it started, it does not start until resumed.
    paused = "paused"
    #: Every message reached a final status.
    finished = "finished"
    cancelled = "cancelled"


#: The campaign lifecycle. ``finished -> running`` only through "resend to failed";
#: ``paused -> scheduled`` only for a campaign paused before it started.
CAMPAIGN_TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.draft: frozenset({CampaignStatus.scheduled, CampaignStatus.cancelled}),
    CampaignStatus.scheduled: frozenset(
        {
            CampaignStatus.draft,
            CampaignStatus.running,
            CampaignStatus.paused,
            CampaignStatus.cancelled,
        }
    ),
    CampaignStatus.running: frozenset(
        {CampaignStatus.paused, CampaignStatus.finished, CampaignStatus.cancelled}
    ),
    CampaignStatus.paused: frozenset(
        {CampaignStatus.running, CampaignStatus.scheduled, CampaignStatus.cancelled}
    ),
    CampaignStatus.finished: frozenset({CampaignStatus.running}),
    CampaignStatus.cancelled: frozenset(),
}

#: Statuses in which the content may still change.
EDITABLE_STATUSES = frozenset(
    {CampaignStatus.draft, CampaignStatus.scheduled, CampaignStatus.paused}
)


class Campaign(db.Model):
    """A message the secretariat writes once and the outbox delivers to a whole audience.

    The audience is described by filters (``audience``, see
    ``campaigns.audience``) until the campaign starts; starting freezes it into
    :class:`CampaignRecipient` rows and one outbox message per person.
    """

    __tablename__ = "campaign"
    __table_args__ = (sa.Index("ix_campaign_status_scheduled_at", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    status: Mapped[CampaignStatus] = mapped_column(
        enum_type(CampaignStatus, length=16), default=CampaignStatus.draft, nullable=False
    )
    #: Filters, e.g. ``{"programme_ids": [3], "reporting_states": ["overdue"]}``; empty: everyone.
    audience: Mapped[dict] = mapped_column(sa.JSON, default=dict, nullable=False)
    #: The language used for recipients whose own language has no content.
    default_locale: Mapped[str] = mapped_column(sa.String(5), default="en", nullable=False)
    #: Days the update links in its messages work.
    link_valid_days: Mapped[int] = mapped_column(default=30, nullable=False)
    #: When the worker starts it (once scheduled).
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Why it last paused (the secretariat, or the failures that stopped it).
    pause_reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: Times "resend to failed" was used (names the resent rows' idempotency keys).
    resend_count: Mapped[int] = mapped_column(default=0, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )

    created_by = relationship("User")
    contents = relationship(
        "CampaignContent",
        back_populates="campaign",
        cascade="all, delete-orphan",
        order_by="CampaignContent.locale",
    )

    @property
    def audience_frozen(self) -> bool:
        """Whether its recipients were chosen: from its start, even if paused since."""
        return self.started_at is not None

    def content_for(self, locale: str) -> "CampaignContent | None":
        """The content in ``locale``, else in the default language."""
        by_locale = {content.locale: content for content in self.contents}
        return by_locale.get(locale) or by_locale.get(self.default_locale)

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name!r} {self.status}>"


class CampaignContent(db.Model):
    """A campaign's subject and body in one language (sandboxed Jinja: ``services.templating``)."""

    __tablename__ = "campaign_content"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), nullable=False
    )
    locale: Mapped[str] = mapped_column(sa.String(5), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    #: Markdown with ``{{ variables }}``.
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)

    campaign = relationship("Campaign", back_populates="contents")

    def __repr__(self) -> str:
        return f"<CampaignContent {self.campaign_id} {self.locale}>"


class CampaignRecipient(db.Model):
    """One person asked on behalf of one signatory: the frozen audience of a started campaign.

    A person acting for two signatories of the audience gets one email (one
    outbox message) with a link for each; each pair is answered on its own.
    """

    __tablename__ = "campaign_recipient"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "user_id", "signatory_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    signatory_id: Mapped[int] = mapped_column(
        sa.ForeignKey("signatory.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The latest message that asked this person (a resend replaces it).
    outbox_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_message.id", ondelete="SET NULL"), index=True
    )
    #: When this person reported progress for this signatory after being asked.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    campaign = relationship("Campaign")
    user = relationship("User")
    signatory = relationship("Signatory")
    outbox_message = relationship("OutboxMessage")

    def __repr__(self) -> str:
        return f"<CampaignRecipient {self.campaign_id} {self.user_id}/{self.signatory_id}>"
