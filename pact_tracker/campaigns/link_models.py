"""Update links: capabilities, sent in reminders, to report one signatory's progress."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pact_tracker.core.types import UTCDateTime, utcnow
from pact_tracker.extensions import db


class UpdateLink(db.Model):
    """A link that lets one person report progress for one signatory, without signing in.

    Only the SHA-256 of the random token in the emailed URL is kept. Opening it
    gives a session scoped to this link (see ``campaigns.update_links``), which
    is checked against this row on every request: revoking or expiring the row
    ends every session it opened.
    """

    __tablename__ = "update_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random token in the emailed URL.
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    signatory_id: Mapped[int] = mapped_column(
        sa.ForeignKey("signatory.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The reminder it was sent in; it is marked answered when progress is reported.
    outbox_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_message.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When it was first opened.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")
    signatory = relationship("Signatory")
    outbox_message = relationship("OutboxMessage")

    def __repr__(self) -> str:
        return f"<UpdateLink {self.id} user={self.user_id} signatory={self.signatory_id}>"
