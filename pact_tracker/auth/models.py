"""Server-side records of who is signed in, and second factors."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pact_tracker.core.types import UTCDateTime, utcnow
from pact_tracker.extensions import db


class UserSession(db.Model):
    """One signed-in browser. Ending the row ends the session, wherever the cookie is.

    Flask's session cookie is signed but lives in the browser; without this row a
    copied cookie would outlive sign-out, deactivation and password changes.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: SHA-256 of the random session id kept in the cookie.
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="", nullable=False)

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id} ended={self.ended_at}>"


class TotpCredential(db.Model):
    """A time-based one-time password secret (RFC 6238), required of the secretariat."""

    __tablename__ = "totp_credential"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    #: None until the person has proven their authenticator app shows the right codes.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The last 30-second step accepted, so that a code cannot be replayed.
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    def __repr__(self) -> str:
        return f"<TotpCredential user={self.user_id} confirmed={self.confirmed_at is not None}>"
