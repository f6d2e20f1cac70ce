"""Single-use sign-in links sent by email, for people who have no password."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pact_tracker.core.types import UTCDateTime, utcnow
from pact_tracker.extensions import db


class SignInLink(db.Model):
    """A link that signs one person in, once, within minutes. Only its hash is kept."""

    __tablename__ = "sign_in_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random token in the emailed URL.
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: Set when it signed someone in, or when another link of the same person did.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<SignInLink {self.id} user={self.user_id} used={self.used_at is not None}>"
