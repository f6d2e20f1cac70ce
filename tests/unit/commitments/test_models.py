"""Indicator progress, the reporting schedule and the reporting-state traffic light."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from pact_tracker.commitments.models import (
    Commitment,
    CommitmentStatus,
    Indicator,
    ReportingState,
    reporting_state_at,
)
from pact_tracker.commitments.reporting import report_schedule
from pact_tracker.core.types import utcnow
from pact_tracker.programmes.models import Direction


@pytest.mark.parametrize(
    ("baseline", "target", "direction", "current", "expected"),
    [
        (0, 200, Direction.increase, 50, 25.0),
        (0, 200, Direction.increase, 300, 100.0),
        (0, 200, Direction.increase, -10, 0.0),
        (100, 40, Direction.decrease, 70, 50.0),
        (100, 40, Direction.decrease, 120, 0.0),
        (10, 10, Direction.increase, 10, None),
        (5, 5, Direction.maintain, 5, None),
        (0, 100, Direction.maintain, 50, None),
        (None, 100, Direction.increase, 50, None),
        (0, None, Direction.increase, 50, None),
        (0, 100, Direction.increase, None, None),
    ],
)
def test_indicator_progress(baseline, target, direction, current, expected):
    indicator = Indicator(
        name="x",
        unit="u",
        baseline=None if baseline is None else Decimal(baseline),
        target=None if target is None else Decimal(target),
        direction=direction,
    )
    current = None if current is None else Decimal(current)
    assert indicator.progress(current) == expected


def test_schedule_is_empty_before_approval():
    assert report_schedule(6, None, date(2026, 1, 1), None) == (None, None)


def test_schedule_starts_at_approval_or_the_later_start_date():
    approved = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)
    assert report_schedule(6, approved, date(2026, 1, 1), None) == (
        datetime(2026, 8, 10, 9, 30, tzinfo=UTC),
        datetime(2027, 2, 10, 9, 30, tzinfo=UTC),
    )
    assert report_schedule(3, approved, date(2026, 5, 1), None) == (
        datetime(2026, 8, 1, tzinfo=UTC),
        datetime(2026, 11, 1, tzinfo=UTC),
    )


def test_schedule_restarts_at_the_last_report():
    approved = datetime(2026, 2, 10, tzinfo=UTC)
    reported = datetime(2026, 6, 15, 12, tzinfo=UTC)
    assert report_schedule(12, approved, date(2026, 1, 1), reported) == (
        datetime(2027, 6, 15, 12, tzinfo=UTC),
        datetime(2028, 6, 15, 12, tzinfo=UTC),
    )


_NOW = datetime(2026, 6, 1, tzinfo=UTC)
_WINDOW = timedelta(days=14)


@pytest.mark.parametrize(
    ("status", "due_in_days", "expected"),
    [
        (CommitmentStatus.approved, 30, ReportingState.on_time),
        (CommitmentStatus.approved, 14, ReportingState.due),
        (CommitmentStatus.approved, 1, ReportingState.due),
        (CommitmentStatus.approved, 0, ReportingState.overdue),
        (CommitmentStatus.approved, -10, ReportingState.overdue),
        (CommitmentStatus.draft, 30, None),
        (CommitmentStatus.achieved, -10, None),
    ],
)
def test_reporting_state_at(status, due_in_days, expected):
    due = _NOW + timedelta(days=due_in_days)
    assert reporting_state_at(status, due, due + timedelta(days=180), _NOW, _WINDOW) == expected


def test_inactive_after_two_cadences_without_report():
    due = _NOW - timedelta(days=200)
    state = reporting_state_at(CommitmentStatus.approved, due, _NOW, _NOW, _WINDOW)
    assert state == ReportingState.inactive


@pytest.mark.parametrize(
    ("status", "due_in_days", "inactive_in_days"),
    [
        (CommitmentStatus.approved, 60, 240),
        (CommitmentStatus.approved, 10, 190),
        (CommitmentStatus.approved, -5, 175),
        (CommitmentStatus.approved, -200, -20),
        (CommitmentStatus.draft, 60, 240),
        (CommitmentStatus.not_achieved, -5, 175),
    ],
)
def test_reporting_state_in_python_and_in_sql_agree(
    db, make_commitment, status, due_in_days, inactive_in_days
):
    now = utcnow()
    commitment = make_commitment(
        status=status,
        report_due_at=now + timedelta(days=due_in_days),
        inactive_at=now + timedelta(days=inactive_in_days),
    )
    in_sql = db.session.scalar(
        db.select(Commitment.reporting_state).where(Commitment.id == commitment.id)
    )
    in_python = commitment.reporting_state
    assert in_sql == (None if in_python is None else in_python.value)
    by_filter = db.session.scalars(
        db.select(Commitment.id).where(Commitment.reporting_state == str(in_python))
    ).all()
    assert (commitment.id in by_filter) == (in_python is not None)
    # The indexable filter agrees with the hybrid for every state.
    for state in ReportingState:
        matched = db.session.scalar(
            db.select(Commitment.id).where(
                Commitment.id == commitment.id, Commitment.has_reporting_state(state)
            )
        )
        assert (matched is not None) == (in_python == state), state
