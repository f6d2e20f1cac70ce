"""When a commitment's next report is due, and when it has gone quiet.

The schedule is stored on the commitment (``report_due_at``, ``inactive_at``)
so that lists can filter on the traffic light with an index; this is the one
function that computes it, for services and the demo generator alike. The
organiser overview reads the coalition's lights, and its figures of today,
from these stored columns in grouped statements (below), never from the logs.
"""

from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import aliased

from pact_tracker.coalition.models import Signatory
from pact_tracker.commitments.as_of import ACCEPTED_STATUSES
from pact_tracker.commitments.models import Commitment, CommitmentStatus, ProgressUpdate


def report_schedule(
    cadence_months: int,
    approved_at: datetime | None,
    start_date: date,
    last_reported_at: datetime | None,
) -> tuple[datetime | None, datetime | None]:
    """Return ``(report_due_at, inactive_at)``; both None before approval.

    The clock starts at the last report, or else at approval (or the start
    date, if the work starts later). A report is due one cadence later; two
    cadences without one and the commitment is inactive.
    """
    if approved_at is None:
        return None, None
    base = last_reported_at
    if base is None:
        base = max(approved_at, datetime.combine(start_date, time.min, tzinfo=UTC))
    return base + relativedelta(months=cadence_months), base + relativedelta(
        months=2 * cadence_months
    )


def approved_lights_at(now: datetime) -> sa.Select:
    """Approved commitments per programme, organisation type, country and traffic light.

    One grouped statement over the stored schedule, the light as of ``now``.
    Columns: ``programme_id``, ``organisation_type``, ``country`` (the
    signatory's), ``reporting_state``, ``commitments``.
    """
    # Grouped through a subquery: PostgreSQL would not match a GROUP BY's copy of a CASE
    # holding bound parameters with the select list's.
    rows = (
        sa.select(
            Commitment.programme_id,
            Signatory.organisation_type_code.label("organisation_type"),
            Signatory.country_code.label("country"),
            Commitment.reporting_state_then(now).label("reporting_state"),
        )
        .join(Signatory, Signatory.id == Commitment.signatory_id)
        .where(Commitment.status == CommitmentStatus.approved)
        .subquery("approved_now")
    )
    keys = (rows.c.programme_id, rows.c.organisation_type, rows.c.country, rows.c.reporting_state)
    return sa.select(*keys, sa.func.count().label("commitments")).group_by(*keys)


def next_light_changes(now: datetime, due_window) -> tuple[sa.ScalarSelect, ...]:
    """The first instants after ``now`` at which an approved commitment's light changes.

    Three index lookups (``ix_commitment_status_report_due``,
    ``ix_commitment_status_inactive``): the first report to fall due within the
    window, the first to fall overdue and the first commitment to go quiet.
    Between ``now`` and the earliest of them every light stays as it is.
    """
    approved = Commitment.status == CommitmentStatus.approved

    def first(column, after):
        return sa.select(sa.func.min(column)).where(approved, column > after).scalar_subquery()

    return (
        first(Commitment.report_due_at, now + due_window),
        first(Commitment.report_due_at, now),
        first(Commitment.inactive_at, now),
    )


def accepted_by_programme_now() -> sa.Select:
    """Accepted commitments per programme with their last report, from what is stored.

    The figures :func:`~pact_tracker.commitments.as_of.accepted_by_programme_as_of`
    gives for now, read from the current status and ``last_reported_at``; the
    percentage is that of the update in force, found on its index by the stored
    ``last_reported_at`` (a correction keeps the ``reported_at`` of the update it
    replaces, and is recorded after it: the newest uncorrected update of that
    instant is the one in force). Columns: ``programme_id``, ``commitments``,
    ``reported``, ``percent_sum``, ``percent_count``.
    """
    update = aliased(ProgressUpdate, name="last_report")
    correction = aliased(ProgressUpdate, name="its_correction")
    percent = (
        sa.select(update.percent_complete)
        .where(
            update.commitment_id == Commitment.id,
            update.reported_at == Commitment.last_reported_at,
            ~sa.select(correction.id).where(correction.supersedes_id == update.id).exists(),
        )
        .order_by(update.recorded_at.desc(), update.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # Materialised, so that the lookup runs once per commitment, not once per aggregate.
    rows = (
        sa.select(
            Commitment.programme_id,
            Commitment.last_reported_at,
            percent.label("percent_complete"),
        )
        .where(Commitment.status.in_(ACCEPTED_STATUSES))
        .cte("accepted_now")
        .prefix_with("MATERIALIZED")
    )
    return sa.select(
        rows.c.programme_id,
        sa.func.count().label("commitments"),
        sa.func.count(rows.c.last_reported_at).label("reported"),
        sa.func.sum(rows.c.percent_complete).label("percent_sum"),
        sa.func.count(rows.c.percent_complete).label("percent_count"),
    ).group_by(rows.c.programme_id)
