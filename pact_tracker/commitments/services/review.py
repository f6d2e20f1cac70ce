"""Read-only queries of the back office and the organiser overview: set-based, in SQL.

The secretariat's review queue and the figures of the coalition's progress.
Every count is a GROUP BY in the database; Python only reshapes the few
aggregated rows into tables.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from pact_tracker.coalition.models import Signatory
from pact_tracker.commitments.as_of import commitment_states_as_of
from pact_tracker.commitments.models import (
    CLOSED_STATUSES,
    Commitment,
    CommitmentStatus,
    ReportingState,
)
from pact_tracker.commitments.services import overview
from pact_tracker.commitments.services.queries import commitments_query
from pact_tracker.commitments.services.smart import smart_check
from pact_tracker.core import caching, figure_store
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import Country, OrganisationType

#: The order reporting states are shown in, from good to bad.
REPORTING_STATES = tuple(ReportingState)
#: Statuses of a commitment the secretariat accepted: running, or closed other than withdrawn.
ACCEPTED_STATUSES = tuple(
    str(s) for s in (CommitmentStatus.approved, *CLOSED_STATUSES - {CommitmentStatus.withdrawn})
)


def review_queue(reviewer, filters: dict) -> sa.Select:
    """Submitted commitments, the longest waiting first.

    :param filters: any of ``programme`` (code), ``organisation_type``, ``country``.
    """
    listed = commitments_query(reviewer, {**filters, "status": CommitmentStatus.submitted})
    # The list's filters without its loader options: the queue shows neither targets nor
    # dimensions, two more statements and 4 ms a page on a large coalition.
    return (
        sa.select(Commitment)
        .where(listed.whereclause)
        .options(selectinload(Commitment.programme))
        .order_by(Commitment.submitted_at, Commitment.id)
    )


@dataclass(frozen=True)
class QueueScore:
    """A row's SMART score as the review queue shows it."""

    score: int
    passed: bool


def queue_scores(commitments: list[Commitment]) -> dict[int, QueueScore]:
    """The SMART score of each commitment of a page of the queue, by id.

    Read from the rows, where the services kept it. Rows written without the
    services (a bulk loader) have none: those are checked here, their parts
    loaded in one query per kind for all of them rather than per row.
    """
    unscored = [c.id for c in commitments if c.smart_score is None]
    if unscored:
        db.session.scalars(
            sa.select(Commitment)
            .where(Commitment.id.in_(unscored))
            .options(
                selectinload(Commitment.indicators),
                selectinload(Commitment.milestones),
                selectinload(Commitment.targets),
                selectinload(Commitment.dimensions),
            )
            .execution_options(populate_existing=True)
        ).all()
    scores = {}
    for commitment in commitments:
        if commitment.smart_score is None:
            report = smart_check(commitment)
            scores[commitment.id] = QueueScore(report.score, report.passed)
        else:
            scores[commitment.id] = QueueScore(
                commitment.smart_score, bool(commitment.smart_passed)
            )
    return scores


def submitted_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Commitment.id)).where(
            Commitment.status == CommitmentStatus.submitted
        )
    )


def reporting_state_counts() -> dict[str, int]:
    """Approved commitments per reporting state (every state present, zero when none)."""
    # Grouped through a subquery: the state is a CASE with bound "now" parameters, and
    # PostgreSQL would not match the select list's CASE with a GROUP BY's copy of it.
    states = (
        sa.select(Commitment.reporting_state.label("state"))
        .where(Commitment.status == CommitmentStatus.approved)
        .subquery("states")
    )
    rows = db.session.execute(
        sa.select(states.c.state, sa.func.count()).group_by(states.c.state)
    ).all()
    counts = {str(state): 0 for state in REPORTING_STATES}
    counts.update({str(state): number for state, number in rows if state is not None})
    return counts


@dataclass
class StateRow:
    """One line of a table of counts per reporting state."""

    #: The programme, organisation type or country the line is about.
    subject: object
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


#: Grouping of the overview: key column, and the model (and its key) it names.
_GROUPINGS = {
    "programme": (Commitment.programme_id, Programme, Programme.id),
    "organisation_type": (
        Signatory.organisation_type_code,
        OrganisationType,
        OrganisationType.code,
    ),
    "country": (Signatory.country_code, Country, Country.code),
}


def approved_by(grouping: str) -> list[StateRow]:
    """Approved commitments per reporting state, per programme, organisation type or country.

    Countries are those of the signatories. Lines are sorted by total, largest first.
    """
    key, model, model_key = _GROUPINGS[grouping]
    states = (
        sa.select(key.label("key"), Commitment.reporting_state.label("state"))
        .join(Signatory, Signatory.id == Commitment.signatory_id)
        .where(Commitment.status == CommitmentStatus.approved)
        .subquery("states")
    )
    rows = db.session.execute(
        sa.select(states.c.key, states.c.state, sa.func.count()).group_by(
            states.c.key, states.c.state
        )
    ).all()
    subjects = {
        getattr(subject, model_key.key): subject
        for subject in db.session.scalars(
            sa.select(model).where(model_key.in_(sorted({row[0] for row in rows})))
        )
    }
    table: dict[object, StateRow] = {}
    for group, state, number in rows:
        line = table.setdefault(
            group, StateRow(subjects[group], {str(s): 0 for s in REPORTING_STATES})
        )
        line.counts[str(state)] = number
    return sorted(table.values(), key=lambda line: (-line.total, str(line.subject)))


@dataclass(frozen=True)
class AsOfRow:
    """How the commitments of one programme stood at an instant."""

    programme: Programme | None
    #: Commitments accepted at the instant (approved, or closed other than withdrawn).
    commitments: int
    #: Of those, how many had a progress report in force.
    reported: int
    #: Mean percent complete of the reports in force that gave one; None without any.
    average_percent: float | None


def states_as_of_by_programme(instant: datetime) -> tuple[list[AsOfRow], AsOfRow]:
    """Per programme, and for the whole coalition, the state of accepted commitments at ``instant``.

    Read from the append-only logs (``commitment_states_as_of``): what was known then.
    """
    states = commitment_states_as_of(instant).subquery("states")
    accepted = states.c.status.in_(ACCEPTED_STATUSES)
    figures = (
        sa.func.count(),
        sa.func.count(states.c.update_id),
        sa.func.avg(states.c.percent_complete),
    )
    rows = db.session.execute(
        sa.select(states.c.programme_id, *figures).where(accepted).group_by(states.c.programme_id)
    ).all()
    total = db.session.execute(sa.select(*figures).where(accepted)).one()
    programmes = {
        programme.id: programme
        for programme in db.session.scalars(
            sa.select(Programme).where(Programme.id.in_(sorted(row[0] for row in rows)))
        )
    }
    lines = [
        AsOfRow(programmes[programme_id], count, reported, _float(average))
        for programme_id, count, reported, average in rows
    ]
    lines.sort(key=lambda line: line.programme.code)
    return lines, AsOfRow(None, total[0], total[1], _float(total[2]))


def _float(value) -> float | None:
    return None if value is None else float(value)


#: Signatories listed as gone quiet on the secretariat's home.
QUIET_SHOWN = 10


@dataclass(frozen=True)
class HomeFigures:
    """The secretariat home's figures over the whole coalition."""

    #: Approved commitments per reporting state (see ``reporting_state_counts``).
    reporting: dict[str, int]
    #: Signatories with the most inactive commitments, and how many each has.
    quiet: list[tuple[Signatory, int]]


def home_figures() -> HomeFigures:
    """The reporting-state counts and the signatories gone quiet, computed once for every process.

    Each is a pass over every approved commitment (200 ms for 120,000 on
    PostgreSQL). They are stored in ``core.figure_store`` under the organiser
    overview's change marks (``overview.change_marks``: the newest ids written
    and the next instants a light changes), so that every worker shows the same
    figures, and a change the secretariat makes shows on its next view. The
    signatories are read fresh (a renamed one shows its new name).
    """
    _now, written, light_changes = overview.change_marks()
    name = figure_store.key("secretariat-home", QUIET_SHOWN, *written, *light_changes)

    def compute():
        return {
            "reporting": reporting_state_counts(),
            "quiet": _quiet_signatory_counts(QUIET_SHOWN),
        }

    # Kept in the process too, under the same key: a repeated view skips the store's lookup.
    stored = caching.recent(
        name, lambda: figure_store.get_or_compute(name, compute, overview.CHANGING_LIFETIME)
    )
    return HomeFigures(stored["reporting"], _with_signatories(stored["quiet"]))


def _with_signatories(rows: list) -> list[tuple[Signatory, int]]:
    signatories = {
        s.id: s
        for s in db.session.scalars(
            sa.select(Signatory).where(Signatory.id.in_([row[0] for row in rows]))
        )
    }
    return [(signatories[signatory_id], count) for signatory_id, count in rows]


def _quiet_signatory_counts(limit: int) -> list[tuple[int, int]]:
    number = sa.func.count(Commitment.id).label("number")
    return [
        (signatory_id, count)
        for signatory_id, count in db.session.execute(
            sa.select(Commitment.signatory_id, number)
            .where(
                Commitment.status == CommitmentStatus.approved,
                Commitment.inactive_at <= utcnow(),
            )
            .group_by(Commitment.signatory_id)
            .order_by(number.desc(), Commitment.signatory_id)
            .limit(limit)
        )
    ]
