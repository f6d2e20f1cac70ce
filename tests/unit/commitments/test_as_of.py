"""Commitments as they stood at an instant, from the append-only logs, on both databases."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from pact_tracker.commitments.as_of import commitment_states_as_of, indicator_values_as_of
from pact_tracker.commitments.models import (
    CommitmentStatus,
    IndicatorValue,
    ProgressStatus,
    ProgressUpdate,
    ReportingState,
    StatusChange,
    reporting_state_at,
)
from pact_tracker.commitments.reporting import report_schedule

T = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
APPROVED = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def commitment(db, make_commitment):
    """Approved on 10 January 2026, reporting every three months, with a status history."""
    commitment = make_commitment(
        status=CommitmentStatus.approved,
        created_at=datetime(2025, 12, 1, tzinfo=UTC),
        approved_at=APPROVED,
        published_at=APPROVED,
        start_date=date(2026, 1, 1),
        cadence_months=3,
    )
    steps = [
        (None, CommitmentStatus.draft, datetime(2025, 12, 1, tzinfo=UTC)),
        (CommitmentStatus.draft, CommitmentStatus.submitted, datetime(2026, 1, 5, tzinfo=UTC)),
        (CommitmentStatus.submitted, CommitmentStatus.approved, APPROVED),
    ]
    for old, new, at in steps:
        db.session.add(
            StatusChange(commitment=commitment, from_status=old, to_status=new, changed_at=at)
        )
    db.session.flush()
    return commitment


@pytest.fixture
def add_update(db):
    def add(
        commitment, reported_at, recorded_at=None, *, supersedes=None, percent=None, value=None
    ):
        update = ProgressUpdate(
            commitment=commitment,
            reported_at=reported_at,
            recorded_at=recorded_at or reported_at,
            status=ProgressStatus.on_track,
            percent_complete=percent,
            supersedes=supersedes,
        )
        if value is not None:
            update.values = [IndicatorValue(indicator_id=commitment.indicators[0].id, value=value)]
        db.session.add(update)
        db.session.flush()
        return update

    return add


def _state(db, instant, commitment_id):
    rows = db.session.execute(commitment_states_as_of(instant)).mappings().all()
    matching = [row for row in rows if row["commitment_id"] == commitment_id]
    return matching[0] if matching else None


def test_updates_recorded_before_and_exactly_at_the_instant_count_later_ones_do_not(
    db, commitment, add_update
):
    before = add_update(commitment, T - 30 * DAY, percent=10)
    at = add_update(commitment, T, percent=20)
    add_update(commitment, T + DAY, percent=30)
    state = _state(db, T, commitment.id)
    assert (state["update_id"], state["percent_complete"], state["reported_at"]) == (at.id, 20, T)
    assert state["progress_status"] == ProgressStatus.on_track
    assert _state(db, T - timedelta(seconds=1), commitment.id)["update_id"] == before.id


def test_a_backdated_report_received_after_the_instant_does_not_count(db, commitment, add_update):
    known = add_update(commitment, T - 30 * DAY)
    add_update(commitment, T - 10 * DAY, recorded_at=T + timedelta(hours=1))
    assert _state(db, T, commitment.id)["update_id"] == known.id


def test_a_correction_recorded_after_the_instant_leaves_the_original_in_force(
    db, commitment, add_update
):
    original = add_update(commitment, T - 10 * DAY, percent=40)
    add_update(commitment, T - 10 * DAY, T + DAY, supersedes=original, percent=4)
    state = _state(db, T, commitment.id)
    assert (state["update_id"], state["percent_complete"]) == (original.id, 40)


def test_a_correction_recorded_before_the_instant_replaces_the_original(db, commitment, add_update):
    original = add_update(commitment, T - 10 * DAY, percent=40)
    correction = add_update(commitment, T - 10 * DAY, T - DAY, supersedes=original, percent=4)
    state = _state(db, T, commitment.id)
    assert (state["update_id"], state["percent_complete"]) == (correction.id, 4)


def test_a_correction_of_an_older_report_does_not_overtake_a_newer_report(
    db, commitment, add_update
):
    older = add_update(commitment, T - 20 * DAY)
    newer = add_update(commitment, T - 10 * DAY)
    add_update(commitment, T - 20 * DAY, T - DAY, supersedes=older)
    assert _state(db, T, commitment.id)["update_id"] == newer.id


def test_a_chain_of_two_corrections_counts_its_newest_known_link(db, commitment, add_update):
    original = add_update(commitment, T - 30 * DAY, percent=10)
    first = add_update(commitment, T - 30 * DAY, T - 20 * DAY, supersedes=original, percent=11)
    second = add_update(commitment, T - 30 * DAY, T + 5 * DAY, supersedes=first, percent=12)
    assert _state(db, T - 25 * DAY, commitment.id)["update_id"] == original.id
    assert _state(db, T, commitment.id)["update_id"] == first.id
    assert _state(db, T + 6 * DAY, commitment.id)["update_id"] == second.id


def test_status_is_read_from_the_status_history(db, commitment):
    db.session.add(
        StatusChange(
            commitment=commitment,
            from_status=CommitmentStatus.approved,
            to_status=CommitmentStatus.achieved,
            changed_at=T + 10 * DAY,
        )
    )
    commitment.status = CommitmentStatus.achieved
    db.session.flush()
    assert _state(db, datetime(2026, 1, 6, tzinfo=UTC), commitment.id)["status"] == "submitted"
    assert _state(db, APPROVED, commitment.id)["status"] == CommitmentStatus.approved
    assert _state(db, T, commitment.id)["status"] == CommitmentStatus.approved
    after = _state(db, T + 10 * DAY, commitment.id)
    assert after["status"] == CommitmentStatus.achieved
    assert after["reporting_state"] is None


def test_a_commitment_created_after_the_instant_is_absent(db, commitment, make_commitment):
    later = make_commitment(created_at=T + DAY)
    ids = {row.commitment_id for row in db.session.execute(commitment_states_as_of(T))}
    assert commitment.id in ids and later.id not in ids


def test_without_updates_the_update_columns_are_null(db, commitment):
    state = _state(db, T, commitment.id)
    assert state["update_id"] is None and state["percent_complete"] is None


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 3, 30, tzinfo=UTC),
        datetime(2026, 4, 20, tzinfo=UTC),
        datetime(2026, 7, 20, tzinfo=UTC),
        datetime(2026, 9, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    ],
)
@pytest.mark.parametrize("with_report", [False, True])
def test_reporting_state_as_of_agrees_with_the_python_schedule(
    app, db, commitment, add_update, instant, with_report
):
    last = None
    if with_report:
        last = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
        add_update(commitment, last)
    known_last = last if last is not None and last <= instant else None
    due, inactive = report_schedule(3, APPROVED, commitment.start_date, known_last)
    window = timedelta(days=app.config["REPORT_DUE_WINDOW_DAYS"])
    expected = reporting_state_at(CommitmentStatus.approved, due, inactive, instant, window)
    state = _state(db, instant, commitment.id)
    assert (state["report_due_at"], state["inactive_at"]) == (due, inactive)
    assert state["reporting_state"] == expected


def test_reporting_state_covers_every_light(db, commitment):
    lights = {
        _state(db, instant, commitment.id)["reporting_state"]
        for instant in (
            datetime(2026, 3, 1, tzinfo=UTC),
            datetime(2026, 4, 1, tzinfo=UTC),
            datetime(2026, 5, 1, tzinfo=UTC),
            datetime(2026, 8, 1, tzinfo=UTC),
        )
    }
    assert lights == set(ReportingState)


def test_publication_as_of_the_instant(db, commitment):
    assert _state(db, APPROVED - DAY, commitment.id)["is_published"] in (False, 0)
    assert _state(db, APPROVED, commitment.id)["is_published"] in (True, 1)


def test_indicator_values_come_from_live_updates_known_at_the_instant(db, commitment, add_update):
    indicator = commitment.indicators[0]
    first = add_update(commitment, T - 30 * DAY, value=10)
    second = add_update(commitment, T - 10 * DAY, value=50)
    add_update(commitment, T - 10 * DAY, T - DAY, supersedes=second, value=30)
    add_update(commitment, T + DAY, value=90)

    def value_at(instant):
        rows = db.session.execute(indicator_values_as_of(instant)).mappings().all()
        return {row["indicator_id"]: (row["value"], row["update_id"]) for row in rows}.get(
            indicator.id
        )

    assert value_at(T - 20 * DAY) == (Decimal(10), first.id)
    assert value_at(T - 5 * DAY)[0] == Decimal(50)
    assert value_at(T)[0] == Decimal(30)
    assert value_at(T + 2 * DAY)[0] == Decimal(90)


def test_the_queries_rank_rows_in_the_database(db):
    for query in (commitment_states_as_of(T), indicator_values_as_of(T)):
        sql = str(query.compile(db.engine)).lower()
        assert "row_number() over (partition by" in sql
