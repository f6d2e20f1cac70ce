"""Thematic programmes and the commitment proposals they offer."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pact_tracker.core.models import TimestampMixin
from pact_tracker.core.types import StrEnum, enum_type
from pact_tracker.extensions import db
from pact_tracker.reference.models import Bilingual


class Direction(StrEnum):
    """Which way an indicator should move for the commitment to succeed."""

    increase = "increase"
    decrease = "decrease"
    maintain = "maintain"


programme_goal = sa.Table(
    "programme_goal",
    db.metadata,
    sa.Column("programme_id", sa.ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("goal_number", sa.ForeignKey("sdg_goal.number"), primary_key=True),
)

proposal_organisation_type = sa.Table(
    "proposal_organisation_type",
    db.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_type_code", sa.ForeignKey("organisation_type.code"), primary_key=True),
)

proposal_target = sa.Table(
    "proposal_target",
    db.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("target_code", sa.ForeignKey("sdg_target.code"), primary_key=True),
)

proposal_dimension = sa.Table(
    "proposal_dimension",
    db.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("dimension_code", sa.ForeignKey("impact_dimension.code"), primary_key=True),
)


class Programme(Bilingual, TimestampMixin, db.Model):
    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code, e.g. ``SSE-FIN``.
    code: Mapped[str] = mapped_column(sa.String(32), nullable=False, unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    name_fr: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description_en: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    description_fr: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    goals = relationship("SdgGoal", secondary=programme_goal, order_by="SdgGoal.number")
    proposals: Mapped[list["Proposal"]] = relationship(
        back_populates="programme", order_by="Proposal.id"
    )

    def __repr__(self) -> str:
        return f"<Programme {self.id} {self.code}>"


class Proposal(Bilingual, TimestampMixin, db.Model):
    """A commitment proposal: a ready-made commitment for some types of organisation."""

    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id"), nullable=False, index=True
    )
    title_en: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    title_fr: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    text_en: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    text_fr: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    programme: Mapped[Programme] = relationship(back_populates="proposals")
    organisation_types = relationship(
        "OrganisationType",
        secondary=proposal_organisation_type,
        order_by="OrganisationType.position",
    )
    targets = relationship("SdgTarget", secondary=proposal_target, order_by="SdgTarget.code")
    dimensions = relationship(
        "ImpactDimension", secondary=proposal_dimension, order_by="ImpactDimension.position"
    )
    indicators: Mapped[list["ProposalIndicator"]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalIndicator.id"
    )

    def is_adapted_to(self, organisation_type_code: str) -> bool:
        return any(t.code == organisation_type_code for t in self.organisation_types)

    def __repr__(self) -> str:
        return f"<Proposal {self.id} programme={self.programme_id}>"


class ProposalIndicator(Bilingual, db.Model):
    """An indicator suggested by a proposal, copied into commitments that adopt it."""

    __tablename__ = "proposal_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name_en: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    name_fr: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    unit: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    direction: Mapped[Direction] = mapped_column(
        enum_type(Direction), default=Direction.increase, nullable=False
    )
    dimension_code: Mapped[str | None] = mapped_column(sa.ForeignKey("impact_dimension.code"))

    proposal: Mapped[Proposal] = relationship(back_populates="indicators")

    def __repr__(self) -> str:
        return f"<ProposalIndicator {self.id} {self.name_en!r}>"
