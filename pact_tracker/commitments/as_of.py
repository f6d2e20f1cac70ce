"""The state of every commitment as of an instant, read from the append-only logs.

Snapshots are built on these queries, over millions of progress updates, so
they stay set-based: window functions rank the rows per commitment in the
database; nothing loops over rows in Python. Both run on SQLite and PostgreSQL.

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
    REPORTING_STATUSES,
    Commitment,
    IndicatorValue,
    ProgressUpdate,
    ReportingState,
    StatusChange,
    Visibility,
)
from pact_tracker.core.types import UTCDateTime, add_months, enum_type


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
    approved_at = sa.case(
        (Commitment.approved_at <= instant, Commitment.approved_at), else_=sa.null()
    )
    work_starts = start_of_day_utc(Commitment.start_date)
    clock_starts = sa.func.coalesce(
        effective.c.reported_at,
        sa.case((approved_at >= work_starts, approved_at), else_=work_starts),
    )
    report_due_at = sa.case(
        (approved_at.is_(None), sa.null()),
        else_=add_months(clock_starts, Commitment.cadence_months),
    )
    inactive_at = sa.case(
        (approved_at.is_(None), sa.null()),
        else_=add_months(clock_starts, Commitment.cadence_months * 2),
    )
    window = timedelta(days=current_app.config["REPORT_DUE_WINDOW_DAYS"])
    reporting_state = sa.case(
        (status.not_in([str(s) for s in REPORTING_STATUSES]), sa.null()),
        (approved_at.is_(None), sa.null()),
        (inactive_at <= instant, ReportingState.inactive.value),
        (report_due_at <= instant, ReportingState.overdue.value),
        (report_due_at <= instant + window, ReportingState.due.value),
        else_=ReportingState.on_time.value,
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
