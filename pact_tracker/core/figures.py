"""Headline figures of the coalition, for the home page.

They count every public commitment (a fifth of a second on a large coalition)
and are the same for every visitor, so they are computed once for every
process and host (``core.figure_store``) under a key of the newest ids
written: every service that changes a signatory's status or a commitment's
status, publication or targets records an activity, so a change shows on the
next request, in every process. Sign-ins and progress reports, which change no
count, are left out of the key (``IGNORED_ACTIVITIES``). A sequence is not a
commit order (a transaction that commits after a later one's is seen late, see
``commitments.services.overview``), and a publication date can pass with
nothing written: the stored figures expire after ``LIFETIME``, which bounds
how stale they can be.
"""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.commitments.models import Commitment, StatusChange, commitment_target
from pact_tracker.core import figure_store
from pact_tracker.core.activity import Activity
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


#: How long stored figures hold (see the module's docstring).
LIFETIME = timedelta(minutes=10)


def recent_coalition_figures() -> CoalitionFigures:
    """``coalition_figures()``, computed once for every process until something changes."""
    name = figure_store.key("coalition-figures", *public_change_marks())
    return figure_store.get_or_compute_kept(
        name, lambda: _as_json(coalition_figures()), LIFETIME, _from_json
    )


#: Activities that change no public count, and the most frequent ones: a sign-in, a
#: progress report or an update link opened does not make the figures be computed again.
IGNORED_ACTIVITIES = ("user.%", "progress.%", "update_link.%")
#: How many of the newest activities are searched, at most, for one that counts.
RECENT_ACTIVITIES = 5_000


def public_change_marks() -> tuple:
    """The newest ids of what changes the public counts: one statement of index lookups.

    A figure stored under a key holding them is computed again after any such change.
    """
    newest = (StatusChange.id, Signatory.id, Commitment.id)
    marks = (_newest_counting_activity(), *(_newest(id_) for id_ in newest))
    return tuple(db.session.execute(sa.select(*marks)).one())


def _newest(column) -> sa.ScalarSelect:
    return sa.select(sa.func.max(column)).scalar_subquery()


def _newest_counting_activity() -> sa.ColumnElement:
    """The newest activity that may change a public count, among the last few thousand.

    Read newest first and stopped at the first that counts: usually a few rows, as
    many as the sign-ins and reports since the last change. When none of the last
    ``RECENT_ACTIVITIES`` counts, the newest of all: the figures are then computed
    again more often than needed, never kept past a change.
    """
    recent = (
        sa.select(Activity.id, Activity.action)
        .order_by(Activity.id.desc())
        .limit(RECENT_ACTIVITIES)
        .subquery()
    )
    counting = (
        sa.select(recent.c.id)
        .where(*(recent.c.action.not_like(pattern) for pattern in IGNORED_ACTIVITIES))
        .order_by(recent.c.id.desc())
        .limit(1)
    )
    return sa.func.coalesce(counting.scalar_subquery(), _newest(Activity.id))


def _as_json(figures: CoalitionFigures) -> dict:
    # JSON object keys are strings: the goals' numbers travel as pairs.
    return {
        "signatories": figures.signatories,
        "countries": figures.countries,
        "commitments_by_status": figures.commitments_by_status,
        "commitments_by_goal": sorted(figures.commitments_by_goal.items()),
    }


def _from_json(value: dict) -> CoalitionFigures:
    return CoalitionFigures(
        signatories=value["signatories"],
        countries=value["countries"],
        commitments_by_status=value["commitments_by_status"],
        commitments_by_goal={goal: count for goal, count in value["commitments_by_goal"]},
    )


def sdg_goals() -> list[SdgGoal]:
    """The 17 goals in order, for the coverage grid."""
    return list(db.session.scalars(sa.select(SdgGoal).order_by(SdgGoal.number)))
