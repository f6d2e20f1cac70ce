"""Signatories, the people who act for them, and API tokens."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pact_tracker.core.models import TimestampMixin
from pact_tracker.core.types import StrEnum, UTCDateTime, enum_type
from pact_tracker.extensions import db


class SignatoryStatus(StrEnum):
    applied = "applied"
    approved = "approved"
    rejected = "rejected"
    suspended = "suspended"
    withdrawn = "withdrawn"


#: The lifecycle: which status may follow which.
SIGNATORY_TRANSITIONS: dict[SignatoryStatus, frozenset[SignatoryStatus]] = {
    SignatoryStatus.applied: frozenset({SignatoryStatus.approved, SignatoryStatus.rejected}),
    SignatoryStatus.approved: frozenset({SignatoryStatus.suspended, SignatoryStatus.withdrawn}),
    SignatoryStatus.suspended: frozenset({SignatoryStatus.approved, SignatoryStatus.withdrawn}),
    SignatoryStatus.rejected: frozenset(),
    SignatoryStatus.withdrawn: frozenset(),
}


class Role(StrEnum):
    secretariat = "secretariat"
    organiser = "organiser"
    member = "member"


class Signatory(TimestampMixin, db.Model):
    __tablename__ = "signatory"
    __table_args__ = (
        sa.Index("ix_signatory_status_name", "status", "name"),
        # The back office lists every signatory by name, whatever its status: a walk
        # down this index rather than a sort of them all.
        sa.Index("ix_signatory_name", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    acronym: Mapped[str | None] = mapped_column(sa.String(40))
    slug: Mapped[str] = mapped_column(sa.String(120), nullable=False, unique=True)
    organisation_type_code: Mapped[str] = mapped_column(
        sa.ForeignKey("organisation_type.code"), nullable=False, index=True
    )
    country_code: Mapped[str] = mapped_column(
        sa.ForeignKey("country.code"), nullable=False, index=True
    )
    subdivision_code: Mapped[str | None] = mapped_column(sa.ForeignKey("subdivision.code"))
    #: Town or area the organisation is anchored in (VISES: territorial anchoring).
    locality: Mapped[str | None] = mapped_column(sa.String(160))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    status: Mapped[SignatoryStatus] = mapped_column(
        enum_type(SignatoryStatus), default=SignatoryStatus.applied, nullable=False
    )
    #: Date the manifesto was signed, set on approval.
    manifesto_signed_on: Mapped[date | None] = mapped_column(sa.Date)
    #: Why the secretariat rejected, suspended or withdrew it, shown to its members.
    status_reason: Mapped[str | None] = mapped_column(sa.Text)

    organisation_type = relationship("OrganisationType", lazy="joined")
    country = relationship("Country", lazy="joined")
    subdivision = relationship("Subdivision")
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="signatory", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        return self.status == SignatoryStatus.approved

    def __repr__(self) -> str:
        return f"<Signatory {self.id} {self.slug} {self.status}>"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, so that lookups need no function index.
    email: Mapped[str] = mapped_column(sa.String(254), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(sa.String(160), nullable=False)
    locale: Mapped[str] = mapped_column(sa.String(5), default="en", nullable=False)
    role: Mapped[Role] = mapped_column(enum_type(Role), default=Role.member, nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    #: argon2 hash; None for people who only sign in with emailed links.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    #: The person asked not to receive automatic reminders.
    reminders_opt_out: Mapped[bool] = mapped_column(default=False, nullable=False)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of inactive users
        return self.active

    @property
    def active_memberships(self) -> list["Membership"]:
        """Memberships in force: invitations not yet accepted grant nothing."""
        return [m for m in self.memberships if not m.pending]

    @property
    def signatory_ids(self) -> set[int]:
        return {m.signatory_id for m in self.active_memberships}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class Membership(TimestampMixin, db.Model):
    """A user acting for a signatory; an admin may invite colleagues."""

    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("user_id", "signatory_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    signatory_id: Mapped[int] = mapped_column(
        sa.ForeignKey("signatory.id", ondelete="CASCADE"), nullable=False, index=True
    )
    is_admin: Mapped[bool] = mapped_column(default=False, nullable=False)
    #: Invited by a colleague and not yet accepted: no rights until the person accepts,
    #: so that nobody can be made to act for an organisation without agreeing.
    pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), nullable=False)
    #: The name the inviter typed for the person, shown with the address until they accept
    #: (never the account's own name, which would tell the inviter who is registered).
    invited_name: Mapped[str | None] = mapped_column(sa.String(160))

    user: Mapped[User] = relationship(back_populates="memberships")
    signatory: Mapped[Signatory] = relationship(back_populates="memberships")

    @property
    def person(self) -> "User | Invitee":
        """Who acts for the signatory as others may see them.

        Until the invitation is accepted, only what the inviter typed: whether
        the address has an account, and under which name, is the invitee's to tell.
        """
        if self.pending:
            return Invitee(email=self.user.email, name=self.invited_name)
        return self.user

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} signatory={self.signatory_id}>"


@dataclass(frozen=True)
class Invitee:
    """A person invited and not answered yet: the address and name the inviter typed."""

    email: str
    name: str | None
    #: No account is shown for an invitation.
    id: None = None


class ApiToken(db.Model):
    """A Bearer token for API clients. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: Hex SHA-256 of the secret; the secret itself is shown once and never kept.
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    #: First characters of the secret, so that a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… user={self.user_id}>"
