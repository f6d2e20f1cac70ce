"""The state of every commitment as of an instant, read from the append-only logs.

Snapshots are built on these queries, over millions of progress updates, so
they stay set-based: window functions rank the rows per commitment in the
database; nothing loops over rows in Python. The organiser's figures as of a
day (``accepted_by_programme_as_of``) need only a count per programme: each
commitment's status and update in force then are looked up on their indexes
and grouped in the same statement. All run on SQLite and PostgreSQL.

The rules, for an instant ``t``:

- only what was known at ``t`` counts: updates with ``recorded_at <= t``;
- an update superseded by a correction that was itself known at ``t`` is dropped
  (a correction recorded after ``t`` leaves the original in force);
- of the rest, the latest by ``(reported_at, recorded_at, id)`` is the one in force.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from pact_tracker.commitments.models import (
    CLOSED_STATUSES,
    REPORTING_STATUSES,
    Commitment,
    CommitmentStatus,
    IndicatorValue,
    ProgressUpdate,
    ReportingState,
    StatusChange,
    Visibility,
)
from pact_tracker.core.types import UTCDateTime, add_months, enum_type

#: Statuses of a commitment the secretariat accepted: running, or closed other than withdrawn.
ACCEPTED_STATUSES = tuple(
    str(s) for s in (CommitmentStatus.approved, *CLOSED_STATUSES - {CommitmentStatus.withdrawn})
)


class start_of_day_utc(FunctionElement):  # noqa: N801 - reads as a SQL function
    """``start_of_day_utc(date)``: midnight UTC of a date, as a timestamp."""

    inherit_cache = True
    type = UTCDateTime()
    name = "start_of_day_utc"


@compiles(start_of_day_utc)
def _start_of_day_default(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMP)"


@compiles(start_of_day_utc, "postgresql")
def _start_of_day_postgresql(element, compiler, **kw):
    return f"(CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMP) AT TIME ZONE 'UTC')"


@compiles(start_of_day_utc, "sqlite")
def _start_of_day_sqlite(element, compiler, **kw):
    return f"datetime({compiler.process(element.clauses, **kw)})"


def _live_at(update, instant: datetime) -> sa.ColumnElement[bool]:
    """``update`` was known at ``instant`` and no correction known then replaces it."""
    correction = aliased(ProgressUpdate, name="known_correction")
    return sa.and_(
        update.recorded_at <= instant,
        ~sa.select(correction.id)
        .where(correction.supersedes_id == update.id, correction.recorded_at <= instant)
        .exists(),
    )


def _newest_first(update) -> tuple:
    return (update.reported_at.desc(), update.recorded_at.desc(), update.id.desc())


def effective_updates_as_of(instant: datetime) -> sa.Select:
    """One row per commitment that had a live update at ``instant``: the one in force then."""
    ranked = (
        sa.select(
            ProgressUpdate.commitment_id,
            ProgressUpdate.id.label("update_id"),
            ProgressUpdate.reported_at,
            ProgressUpdate.status.label("progress_status"),
            ProgressUpdate.percent_complete,
            sa.func.row_number()
            .over(
                partition_by=ProgressUpdate.commitment_id,
                order_by=_newest_first(ProgressUpdate),
            )
            .label("position"),
        )
        .where(_live_at(ProgressUpdate, instant))
        .subquery("ranked_updates")
    )
    return sa.select(
        ranked.c.commitment_id,
        ranked.c.update_id,
        ranked.c.reported_at,
        ranked.c.progress_status,
        ranked.c.percent_complete,
    ).where(ranked.c.position == 1)


def _status_steps(instant: datetime):
    """The last status change at or before ``instant``, and the first one after it."""
    before = (
        sa.select(
            StatusChange.commitment_id,
            StatusChange.to_status,
            sa.func.row_number()
            .over(
                partition_by=StatusChange.commitment_id,
                order_by=(StatusChange.changed_at.desc(), StatusChange.id.desc()),
            )
            .label("position"),
        )
        .where(StatusChange.changed_at <= instant)
        .subquery("ranked_before")
    )
    after = (
        sa.select(
            StatusChange.commitment_id,
            StatusChange.from_status,
            sa.func.row_number()
            .over(
                partition_by=StatusChange.commitment_id,
                order_by=(StatusChange.changed_at.asc(), StatusChange.id.asc()),
            )
            .label("position"),
        )
        .where(StatusChange.changed_at > instant)
        .subquery("ranked_after")
    )
    last_before = (
        sa.select(before.c.commitment_id, before.c.to_status)
        .where(before.c.position == 1)
        .subquery("status_before")
    )
    first_after = (
        sa.select(after.c.commitment_id, after.c.from_status)
        .where(after.c.position == 1)
        .subquery("status_after")
    )
    return last_before, first_after


def _schedule_then(status, approved_at, start_date, cadence_months, reported_at, instant):
    """``(report_due_at, inactive_at, reporting_state)`` of a commitment as of ``instant``.

    The rules of :func:`~pact_tracker.commitments.reporting.report_schedule` and of the
    traffic light, in SQL, over the values known then: ``status`` then, ``reported_at``
    of the update in force then (NULL without one), and the commitment's own columns.
    """
    approved_then = sa.case((approved_at <= instant, approved_at), else_=sa.null())
    work_starts = start_of_day_utc(start_date)
    clock_starts = sa.func.coalesce(
        reported_at,
        sa.case((approved_then >= work_starts, approved_then), else_=work_starts),
    )
    report_due_at = sa.case(
        (approved_then.is_(None), sa.null()),
        else_=add_months(clock_starts, cadence_months),
    )
    inactive_at = sa.case(
        (approved_then.is_(None), sa.null()),
        else_=add_months(clock_starts, cadence_months * 2),
    )
    window = timedelta(days=current_app.config["REPORT_DUE_WINDOW_DAYS"])
    reporting_state = sa.case(
        (status.not_in([str(s) for s in REPORTING_STATUSES]), sa.null()),
        (approved_then.is_(None), sa.null()),
        (inactive_at <= instant, ReportingState.inactive.value),
        (report_due_at <= instant, ReportingState.overdue.value),
        (report_due_at <= instant + window, ReportingState.due.value),
        else_=ReportingState.on_time.value,
    )
    return report_due_at, inactive_at, reporting_state


def commitment_states_as_of(instant: datetime) -> sa.Select:
    """One row per commitment created at or before ``instant``, as it stood then.

    Columns: ``commitment_id``, ``signatory_id``, ``programme_id``, ``status``
    (from the status history; a commitment with none keeps its current status),
    ``is_published``, the update in force (``update_id``, ``reported_at``,
    ``progress_status``, ``percent_complete``; NULL without one), and the
    reporting schedule then (``report_due_at``, ``inactive_at``, ``reporting_state``).
    """
    effective = effective_updates_as_of(instant).subquery("effective_update")
    last_before, first_after = _status_steps(instant)
    status = sa.func.coalesce(last_before.c.to_status, first_after.c.from_status, Commitment.status)
    report_due_at, inactive_at, reporting_state = _schedule_then(
        status,
        Commitment.approved_at,
        Commitment.start_date,
        Commitment.cadence_months,
        effective.c.reported_at,
        instant,
    )
    is_published = sa.and_(
        Commitment.published_at.is_not(None),
        Commitment.published_at <= instant,
        Commitment.visibility == Visibility.public,
    )
    return (
        sa.select(
            Commitment.id.label("commitment_id"),
            Commitment.signatory_id,
            Commitment.programme_id,
            status.label("status"),
            is_published.label("is_published"),
            effective.c.update_id,
            effective.c.reported_at,
            effective.c.progress_status,
            effective.c.percent_complete,
            report_due_at.label("report_due_at"),
            inactive_at.label("inactive_at"),
            sa.type_coerce(reporting_state, enum_type(ReportingState)).label("reporting_state"),
        )
        .select_from(Commitment)
        .outerjoin(effective, effective.c.commitment_id == Commitment.id)
        .outerjoin(last_before, last_before.c.commitment_id == Commitment.id)
        .outerjoin(first_after, first_after.c.commitment_id == Commitment.id)
        .where(Commitment.created_at <= instant)
    )


def _status_then(instant: datetime) -> sa.ColumnElement:
    """The commitment's status at ``instant``, by the rule of :func:`commitment_states_as_of`.

    Correlated lookups on ``(commitment_id, changed_at)``: the last change at or
    before the instant; failing that, the status the first later change left;
    failing that, the current status.
    """
    last_before = (
        sa.select(StatusChange.to_status)
        .where(StatusChange.commitment_id == Commitment.id, StatusChange.changed_at <= instant)
        .order_by(StatusChange.changed_at.desc(), StatusChange.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    first_after = (
        sa.select(StatusChange.from_status)
        .where(StatusChange.commitment_id == Commitment.id, StatusChange.changed_at > instant)
        .order_by(StatusChange.changed_at.asc(), StatusChange.id.asc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.func.coalesce(last_before, first_after, Commitment.status)


def _update_in_force_id(commitment_id, instant: datetime) -> sa.ScalarSelect:
    """The id of the commitment's update in force at ``instant`` (NULL without one)."""
    update = aliased(ProgressUpdate, name="in_force")
    return (
        sa.select(update.id)
        .where(
            update.commitment_id == commitment_id,
            # Implied by recorded_at <= instant (a report is never recorded before the
            # moment it speaks for): stated so the walk down the index starts there.
            update.reported_at <= instant,
            _live_at(update, instant),
        )
        .order_by(*_newest_first(update))
        .limit(1)
        .scalar_subquery()
    )


def accepted_by_programme_as_of(instant: datetime) -> sa.Select:
    """Accepted commitments at ``instant`` per programme and traffic light then, in one statement.

    The figures of :func:`commitment_states_as_of` grouped, without ranking the
    whole history: each commitment's status then and its update in force then
    are looked up on their indexes (a few index entries per commitment).
    Accepted: approved, or closed other than withdrawn (``ACCEPTED_STATUSES``).

    Columns: ``programme_id``, ``reporting_state`` (NULL for closed ones),
    ``commitments``, ``reported`` (with an update in force), ``percent_sum`` and
    ``percent_count`` (of the updates in force that gave a percentage).
    """
    # Materialised, so that each correlated lookup runs once per commitment: inlined,
    # PostgreSQL would run it again wherever the column is used. (``AS MATERIALIZED``:
    # PostgreSQL 12 and SQLite 3.35 onwards.)
    standing = (
        sa.select(
            Commitment.id.label("commitment_id"),
            Commitment.programme_id,
            Commitment.approved_at,
            Commitment.start_date,
            Commitment.cadence_months,
            _status_then(instant).label("status"),
        )
        .where(Commitment.created_at <= instant)
        .cte("standing")
        .prefix_with("MATERIALIZED")
    )
    accepted = (
        sa.select(
            standing,
            _update_in_force_id(standing.c.commitment_id, instant).label("update_id"),
        )
        .where(standing.c.status.in_(ACCEPTED_STATUSES))
        .cte("accepted")
        .prefix_with("MATERIALIZED")
    )
    in_force = aliased(ProgressUpdate, name="update_in_force")
    _due, _inactive, reporting_state = _schedule_then(
        accepted.c.status,
        accepted.c.approved_at,
        accepted.c.start_date,
        accepted.c.cadence_months,
        in_force.reported_at,
        instant,
    )
    # Grouped through a subquery: PostgreSQL would not match a GROUP BY's copy of a CASE
    # holding bound parameters with the select list's.
    rows = (
        sa.select(
            accepted.c.programme_id,
            accepted.c.update_id,
            in_force.percent_complete,
            reporting_state.label("reporting_state"),
        )
        .select_from(accepted)
        .outerjoin(in_force, in_force.id == accepted.c.update_id)
        .subquery("accepted_then")
    )
    return sa.select(
        rows.c.programme_id,
        rows.c.reporting_state,
        sa.func.count().label("commitments"),
        sa.func.count(rows.c.update_id).label("reported"),
        sa.func.sum(rows.c.percent_complete).label("percent_sum"),
        sa.func.count(rows.c.percent_complete).label("percent_count"),
    ).group_by(rows.c.programme_id, rows.c.reporting_state)


def indicator_values_as_of(instant: datetime) -> sa.Select:
    """One row per indicator that had a value at ``instant``: the latest from a live update.

    Columns: ``indicator_id``, ``commitment_id``, ``update_id``, ``reported_at``, ``value``.
    """
    ranked = (
        sa.select(
            IndicatorValue.indicator_id,
            ProgressUpdate.commitment_id,
            IndicatorValue.update_id,
            ProgressUpdate.reported_at,
            IndicatorValue.value,
            sa.func.row_number()
            .over(
                partition_by=IndicatorValue.indicator_id,
                order_by=_newest_first(ProgressUpdate),
            )
            .label("position"),
        )
        .join(ProgressUpdate, ProgressUpdate.id == IndicatorValue.update_id)
        .where(_live_at(ProgressUpdate, instant))
        .subquery("ranked_values")
    )
    return sa.select(
        ranked.c.indicator_id,
        ranked.c.commitment_id,
        ranked.c.update_id,
        ranked.c.reported_at,
        ranked.c.value,
    ).where(ranked.c.position == 1)
