"""Property: the as-of queries equal a brute-force reading of the logs, on random histories.

Each example writes one to three commitments with a random path through the
workflow (status changes at random, often equal, instants), random progress
updates (backdated or not) and chains of corrections, then asks
``commitment_states_as_of`` and ``indicator_values_as_of`` about random
instants, often exactly those of the history, and compares every column
with the rules of ``commitments.as_of`` applied naively in Python; the
organiser's grouped figures (``accepted_by_programme_as_of``) are compared
with those naive states counted per programme and traffic light.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from flask import current_app
from hypothesis import given
from hypothesis import strategies as st
from property_settings import property_settings

from pact_tracker.commitments.as_of import (
    ACCEPTED_STATUSES,
    accepted_by_programme_as_of,
    commitment_states_as_of,
    indicator_values_as_of,
)
from pact_tracker.commitments.models import (
    COMMITMENT_TRANSITIONS,
    CommitmentStatus,
    IndicatorValue,
    ProgressStatus,
    ProgressUpdate,
    ReportingState,
    StatusChange,
    Visibility,
)
from pact_tracker.extensions import db

BASE = datetime(2026, 1, 1, tzinfo=UTC)

#: Instants over more than a year, on a coarse grid (so that ties happen), some with
#: microseconds.
moments = st.builds(
    lambda half_days, micros: BASE + timedelta(hours=12 * half_days, microseconds=micros),
    st.integers(0, 2 * 400),
    st.one_of(st.just(0), st.integers(1, 999_999)),
)
delays = st.one_of(
    st.just(timedelta(0)),
    st.integers(1, 2 * 90).map(lambda half_days: timedelta(hours=12 * half_days)),
)


@dataclass
class Update:
    reported_at: datetime
    recorded_at: datetime
    status: ProgressStatus
    percent: int | None
    value: Decimal | None
    supersedes: "Update | None" = None
    row: ProgressUpdate | None = None


@dataclass
class History:
    cadence: int
    start_date: date
    steps: list[tuple[CommitmentStatus | None, CommitmentStatus, datetime]]
    published_after: timedelta | None
    visibility: Visibility
    updates: list[Update] = field(default_factory=list)

    @property
    def created_at(self) -> datetime:
        return self.steps[0][2]

    @property
    def status(self) -> CommitmentStatus:
        return self.steps[-1][1]

    @property
    def approved_at(self) -> datetime | None:
        approvals = [at for _, to, at in self.steps if to == CommitmentStatus.approved]
        return approvals[0] if approvals else None


_FORWARD = {
    CommitmentStatus.draft: CommitmentStatus.submitted,
    CommitmentStatus.submitted: CommitmentStatus.approved,
    CommitmentStatus.changes_requested: CommitmentStatus.submitted,
}


@st.composite
def histories(draw) -> History:
    times = sorted(draw(st.lists(moments, min_size=1, max_size=6)))
    steps = [(None, CommitmentStatus.draft, times[0])]
    for at in times[1:]:
        current = steps[-1][1]
        allowed = sorted(COMMITMENT_TRANSITIONS[current])
        if not allowed or (current == CommitmentStatus.approved and draw(st.booleans())):
            break
        # Half the time the usual way forward, so that most histories reach approval.
        forward = _FORWARD.get(current)
        choices = st.sampled_from(allowed)
        if forward is not None:
            choices = st.one_of(st.just(forward), choices)
        steps.append((current, draw(choices), at))
    history = History(
        cadence=draw(st.integers(1, 12)),
        start_date=(BASE + timedelta(days=draw(st.integers(-60, 200)))).date(),
        steps=steps,
        published_after=draw(st.one_of(st.none(), st.just(timedelta(0)), delays)),
        visibility=draw(st.sampled_from(list(Visibility))),
    )
    for _ in range(draw(st.integers(0, 6))):
        reported_at = draw(moments)
        history.updates.append(
            Update(
                reported_at=reported_at,
                recorded_at=reported_at + draw(delays),
                status=draw(st.sampled_from(list(ProgressStatus))),
                percent=draw(st.one_of(st.none(), st.integers(0, 100))),
                value=draw(st.one_of(st.none(), st.integers(0, 500).map(Decimal))),
            )
        )
    # Corrections: each of an update not corrected yet (a correction may be corrected).
    for _ in range(draw(st.integers(0, 4))):
        open_ = [u for u in history.updates if not any(c.supersedes is u for c in history.updates)]
        if not open_:
            break
        original = draw(st.sampled_from(open_))
        history.updates.append(
            Update(
                reported_at=original.reported_at,
                recorded_at=original.recorded_at + draw(delays),
                status=draw(st.sampled_from(list(ProgressStatus))),
                percent=draw(st.one_of(st.none(), st.integers(0, 100))),
                value=draw(st.one_of(st.none(), st.integers(0, 500).map(Decimal))),
                supersedes=original,
            )
        )
    return history


def _write(history: History, make_commitment):
    approved_at = history.approved_at
    published_at = (
        approved_at + history.published_after
        if approved_at is not None and history.published_after is not None
        else None
    )
    commitment = make_commitment(
        status=history.status,
        created_at=history.created_at,
        start_date=history.start_date,
        due_date=history.start_date + timedelta(days=900),
        cadence_months=history.cadence,
        approved_at=approved_at,
        published_at=published_at,
        visibility=history.visibility,
    )
    for old, new, at in history.steps:
        db.session.add(
            StatusChange(commitment=commitment, from_status=old, to_status=new, changed_at=at)
        )
    indicator = commitment.indicators[0]
    for update in history.updates:
        update.row = ProgressUpdate(
            commitment=commitment,
            reported_at=update.reported_at,
            recorded_at=update.recorded_at,
            status=update.status,
            percent_complete=update.percent,
            supersedes=update.supersedes.row if update.supersedes else None,
        )
        if update.value is not None:
            update.row.values = [IndicatorValue(indicator_id=indicator.id, value=update.value)]
        db.session.add(update.row)
        db.session.flush()
    db.session.flush()
    return commitment


def _newest(update: Update):
    return (update.reported_at, update.recorded_at, update.row.id)


def _live(history: History, instant: datetime) -> list[Update]:
    """Updates known at ``instant`` that no correction known then replaces."""
    return [
        u
        for u in history.updates
        if u.recorded_at <= instant
        and not any(c.supersedes is u and c.recorded_at <= instant for c in history.updates)
    ]


def _expected_state(history: History, commitment, changes, instant: datetime) -> dict:
    """The row ``commitment_states_as_of`` should give, by the rules read literally.

    :param changes: the commitment's status-change rows.
    """
    changes = [(row.changed_at, row.id, row) for row in changes]
    before = [c for c in changes if c[0] <= instant]
    after = [c for c in changes if c[0] > instant]
    if before:
        status = max(before, key=lambda c: c[:2])[2].to_status
    elif after and min(after, key=lambda c: c[:2])[2].from_status is not None:
        status = min(after, key=lambda c: c[:2])[2].from_status
    else:
        status = commitment.status
    live = _live(history, instant)
    in_force = max(live, key=_newest) if live else None
    approved_at = commitment.approved_at
    approved_then = approved_at if approved_at is not None and approved_at <= instant else None
    report_due_at = inactive_at = reporting_state = None
    if approved_then is not None:
        work_starts = datetime.combine(history.start_date, time.min, tzinfo=UTC)
        clock = in_force.reported_at if in_force else max(approved_then, work_starts)
        report_due_at = clock + relativedelta(months=history.cadence)
        inactive_at = clock + relativedelta(months=2 * history.cadence)
        if status == CommitmentStatus.approved:
            window = timedelta(days=current_app.config["REPORT_DUE_WINDOW_DAYS"])
            if inactive_at <= instant:
                reporting_state = ReportingState.inactive
            elif report_due_at <= instant:
                reporting_state = ReportingState.overdue
            elif report_due_at <= instant + window:
                reporting_state = ReportingState.due
            else:
                reporting_state = ReportingState.on_time
    published_at = commitment.published_at
    return {
        "status": status,
        "is_published": published_at is not None
        and published_at <= instant
        and history.visibility == Visibility.public,
        "update_id": in_force.row.id if in_force else None,
        "reported_at": in_force.reported_at if in_force else None,
        "progress_status": in_force.status if in_force else None,
        "percent_complete": in_force.percent if in_force else None,
        "report_due_at": report_due_at,
        "inactive_at": inactive_at,
        "reporting_state": reporting_state,
    }


def _expected_value(history: History, instant: datetime):
    with_value = [u for u in _live(history, instant) if u.value is not None]
    if not with_value:
        return None
    latest = max(with_value, key=_newest)
    return (latest.row.id, latest.value)


@property_settings(max_examples=100)
@given(st.lists(histories(), min_size=1, max_size=3), st.data())
def test_as_of_queries_equal_a_brute_force_reading_of_the_logs(
    example_scope, make_commitment, stories, data
):
    with example_scope():
        commitments = [_write(history, make_commitment) for history in stories]
        changes = {
            commitment.id: db.session.scalars(
                db.select(StatusChange).where(StatusChange.commitment_id == commitment.id)
            ).all()
            for commitment in commitments
        }
        known = sorted(
            {at for h in stories for _, _, at in h.steps}
            | {t for h in stories for u in h.updates for t in (u.reported_at, u.recorded_at)}
        )
        instants = data.draw(
            st.lists(
                st.one_of(
                    moments,
                    st.sampled_from(known),
                    st.sampled_from(known).map(lambda t: t - timedelta(microseconds=1)),
                ),
                min_size=1,
                max_size=4,
            )
        )
        for instant in instants:
            rows = {
                row["commitment_id"]: row
                for row in db.session.execute(commitment_states_as_of(instant)).mappings()
            }
            values = {
                row["indicator_id"]: (row["update_id"], row["value"])
                for row in db.session.execute(indicator_values_as_of(instant)).mappings()
            }
            grouped: dict = {}
            for history, commitment in zip(stories, commitments, strict=True):
                if history.created_at > instant:
                    assert commitment.id not in rows, instant
                    continue
                expected = _expected_state(history, commitment, changes[commitment.id], instant)
                _add_to_group(grouped, commitment.programme_id, expected)
                actual = {name: rows[commitment.id][name] for name in expected}
                actual["is_published"] = bool(actual["is_published"])
                assert actual == expected, instant
                indicator_id = commitment.indicators[0].id
                assert values.get(indicator_id) == _expected_value(history, instant), instant
            assert _figures_by_programme(instant) == grouped, instant


def _add_to_group(grouped: dict, programme_id: int, expected: dict) -> None:
    """Count an expected state in the organiser's figures (accepted commitments only)."""
    if expected["status"] not in ACCEPTED_STATUSES:
        return
    state = expected["reporting_state"]
    key = (programme_id, None if state is None else str(state))
    commitments, reported, percent_sum, percent_count = grouped.get(key, (0, 0, 0, 0))
    percent = expected["percent_complete"]
    grouped[key] = (
        commitments + 1,
        reported + (expected["update_id"] is not None),
        percent_sum + (percent or 0),
        percent_count + (percent is not None),
    )


def _figures_by_programme(instant: datetime) -> dict:
    return {
        (programme_id, state): (commitments, reported, percent_sum or 0, percent_count)
        for programme_id, state, commitments, reported, percent_sum, percent_count in (
            db.session.execute(accepted_by_programme_as_of(instant)).all()
        )
    }
