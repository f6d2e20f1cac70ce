"""Headline figures of the coalition, for the home page."""

from dataclasses import dataclass

import sqlalchemy as sa

from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.commitments.models import Commitment, commitment_target
from pact_tracker.core.caching import recent
from pact_tracker.extensions import db
from pact_tracker.reference.models import SdgGoal, SdgTarget


@dataclass(frozen=True)
class CoalitionFigures:
    signatories: int
    countries: int
    commitments_by_status: dict[str, int]
    #: SDG goal number -> number of public commitments aiming at one of its targets.
    commitments_by_goal: dict[int, int]

    @property
    def commitments(self) -> int:
        return sum(self.commitments_by_status.values())


def _public_commitments():
    return (
        sa.select(Commitment.id, Commitment.status)
        .join(Signatory, Signatory.id == Commitment.signatory_id)
        .where(Commitment.is_published, Signatory.status == SignatoryStatus.approved)
    )


def coalition_figures() -> CoalitionFigures:
    """Counts over public data only, each one aggregate query."""
    approved = sa.select(Signatory).where(Signatory.status == SignatoryStatus.approved).subquery()
    signatories, countries = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(approved.c.country_code)))
    ).one()
    public = _public_commitments().subquery()
    by_status = dict(
        db.session.execute(
            sa.select(public.c.status, sa.func.count()).group_by(public.c.status)
        ).all()
    )
    by_goal = dict(
        db.session.execute(
            sa.select(SdgTarget.goal_number, sa.func.count(sa.distinct(public.c.id)))
            .join(commitment_target, commitment_target.c.commitment_id == public.c.id)
            .join(SdgTarget, SdgTarget.code == commitment_target.c.target_code)
            .group_by(SdgTarget.goal_number)
        ).all()
    )
    return CoalitionFigures(
        signatories=signatories,
        countries=countries,
        commitments_by_status={str(k): v for k, v in by_status.items()},
        commitments_by_goal=by_goal,
    )


def recent_coalition_figures() -> CoalitionFigures:
    """``coalition_figures()``, reused a minute within this process (``core.caching``)."""
    return recent("coalition_figures", coalition_figures)


def sdg_goals() -> list[SdgGoal]:
    """The 17 goals in order, for the coverage grid."""
    return list(db.session.scalars(sa.select(SdgGoal).order_by(SdgGoal.number)))
