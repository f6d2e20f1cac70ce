"""The organiser overview's grouped statements give the figures the history gives, row by row.

A generated coalition (approvals, changes requested, closings and withdrawals,
late reports, corrections and chains of them, reports sharing an instant) is
read three ways: the overview's statements, the per-commitment reading of the
logs the overview used to group (``commitment_states_as_of``), and, for
today's lights, each commitment's own ``reporting_state`` in Python.
"""

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest

from pact_tracker.commitments.as_of import (
    ACCEPTED_STATUSES,
    accepted_by_programme_as_of,
    commitment_states_as_of,
)
from pact_tracker.commitments.models import (
    Commitment,
    CommitmentStatus,
    ProgressStatus,
    ProgressUpdate,
    StatusChange,
)
from pact_tracker.commitments.services import overview
from pact_tracker.commitments.services.workflow import refresh_schedules
from pact_tracker.core.types import utcnow

SEED = 14
#: (path through the workflow after the draft) and how often it is drawn.
PATHS = [
    ((), 1),
    (("submitted",), 1),
    (("submitted", "changes_requested"), 1),
    (("submitted", "approved"), 4),
    (("submitted", "changes_requested", "submitted", "approved"), 1),
    (("submitted", "approved", "achieved"), 1),
    (("submitted", "approved", "partially_achieved"), 1),
    (("submitted", "approved", "not_achieved"), 1),
    (("submitted", "approved", "withdrawn"), 2),
    (("withdrawn",), 1),
]
ORGANISATIONS = [("cooperative", "FR"), ("association", "BE"), ("local_authority", "SN")]


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """An instant between two others, on whole hours half the time (so that some coincide)."""
    span = (end - start).total_seconds()
    at = start + timedelta(seconds=rng.uniform(0, span))
    if rng.random() < 0.5:
        at = at.replace(minute=0, second=0, microsecond=0)
    return max(start, min(at, end))


def _write_history(db, rng, commitment, created, now):
    """Status steps and reports (some late, some corrected) of one commitment, up to ``now``."""
    paths, weights = zip(*PATHS, strict=True)
    path = rng.choices(paths, weights)[0]
    at, status, steps = created, CommitmentStatus.draft, [(None, "draft", created)]
    for target in path:
        at = _moment(rng, at, min(at + timedelta(days=60), now))
        steps.append((status, target, at))
        status = CommitmentStatus(target)
    for old, new, when in steps:
        db.session.add(
            StatusChange(commitment=commitment, from_status=old, to_status=new, changed_at=when)
        )
    commitment.status = status
    approvals = [when for _, new, when in steps if new == "approved"]
    commitment.approved_at = approvals[0] if approvals else None
    if not approvals:
        return []
    closings = [when for _, new, when in steps if new not in ("draft", "submitted", "approved")]
    last = closings[0] if closings and status != "approved" else now
    updates = []
    for _ in range(rng.randint(0, 5)):
        reported = _moment(rng, commitment.approved_at, last)
        late = timedelta(days=rng.choice([0, 0, 0, 1, 12])) if rng.random() < 0.4 else timedelta()
        updates.append(_update(db, rng, commitment, reported, min(reported + late, now)))
    if updates and rng.random() < 0.5:
        # Two reports of the same instant, recorded apart.
        twin = updates[-1]
        updates.append(_update(db, rng, commitment, twin.reported_at, now - timedelta(hours=2)))
    for _ in range(rng.randint(0, 2)):
        open_ = [u for u in updates if u.superseded_by is None]
        if not open_:
            break
        original = rng.choice(open_)
        recorded = _moment(rng, original.recorded_at, now)
        if original.recorded_at - original.reported_at > timedelta(hours=2) and rng.random() < 0.5:
            # Recorded before the late report it corrects (an import of older files).
            recorded = original.recorded_at - timedelta(hours=1)
        updates.append(
            _update(db, rng, commitment, original.reported_at, recorded, supersedes=original)
        )
    return updates


def _update(db, rng, commitment, reported, recorded, supersedes=None):
    update = ProgressUpdate(
        commitment=commitment,
        reported_at=reported,
        recorded_at=recorded,
        status=rng.choice(list(ProgressStatus)),
        percent_complete=rng.choice([None, rng.randint(0, 100)]),
        supersedes=supersedes,
    )
    db.session.add(update)
    db.session.flush()
    return update


@pytest.fixture
def world(db, make_signatory, make_programme, make_commitment):
    """Forty commitments over a year of history, their stored schedules refreshed from it."""
    rng = random.Random(SEED)
    now = utcnow()
    programmes = [make_programme(code=f"WORLD{n}") for n in range(3)]
    signatories = [
        make_signatory(organisation_type_code=kind, country_code=country)
        for kind, country in ORGANISATIONS
    ]
    commitments, events = [], set()
    for _ in range(40):
        created = _moment(rng, now - timedelta(days=400), now - timedelta(days=30))
        commitment = make_commitment(
            signatory=rng.choice(signatories),
            programme=rng.choice(programmes),
            created_at=created,
            start_date=(created + timedelta(days=rng.randint(-30, 60))).date(),
            cadence_months=rng.choice([1, 3, 6]),
        )
        updates = _write_history(db, rng, commitment, created, now)
        events |= {created} | {u.recorded_at for u in updates} | {u.reported_at for u in updates}
        commitments.append(commitment)
    db.session.flush()
    refresh_schedules(commitments)
    db.session.expire_all()
    changes = db.session.scalars(db.select(StatusChange.changed_at)).all()
    return {"now": now, "events": sorted(events | set(changes))}


def _from_the_states(instant) -> dict:
    """What the overview used to compute: ``commitment_states_as_of`` grouped in Python."""
    figures = defaultdict(lambda: [0, 0, 0, 0])
    for row in _states(instant):
        if row["status"] not in ACCEPTED_STATUSES:
            continue
        state = row["reporting_state"]
        line = figures[(row["programme_id"], None if state is None else str(state))]
        percent = row["percent_complete"]
        line[0] += 1
        line[1] += row["update_id"] is not None
        line[2] += percent or 0
        line[3] += percent is not None
    return {key: tuple(line) for key, line in figures.items()}


def _states(instant):
    from pact_tracker.extensions import db

    return db.session.execute(commitment_states_as_of(instant)).mappings().all()


def _grouped(instant) -> dict:
    from pact_tracker.extensions import db

    return {
        (programme_id, state): (commitments, reported, percent_sum or 0, percent_count)
        for programme_id, state, commitments, reported, percent_sum, percent_count in (
            db.session.execute(accepted_by_programme_as_of(instant)).all()
        )
    }


def test_the_grouped_statement_equals_the_states_at_every_boundary(world):
    instants = []
    for event in world["events"][::3]:
        instants += [event - timedelta(microseconds=1), event, event + timedelta(microseconds=1)]
    assert len(instants) > 60
    for instant in instants:
        assert _grouped(instant) == _from_the_states(instant), instant


def test_the_grouped_statement_sees_accepted_commitments_in_every_light(world):
    lights = Counter()
    for days in range(0, 400, 20):
        for (_, state), figures in _grouped(world["now"] - timedelta(days=days)).items():
            lights[state] += figures[0]
    assert set(lights) == {None, "on_time", "due", "overdue", "inactive"}


def _table_from_the_states(instant) -> list[tuple]:
    """The page's table, as the overview computed it before: one line per programme, then all."""
    from pact_tracker.extensions import db
    from pact_tracker.programmes.models import Programme

    sums = defaultdict(lambda: [0, 0, 0, 0, Counter()])
    for (programme_id, state), figures in _from_the_states(instant).items():
        for key in (programme_id, None):
            for position, number in enumerate(figures):
                sums[key][position] += number
            if state is not None:
                sums[key][4][state] += figures[0]
    codes = {p.id: p.code for p in db.session.scalars(db.select(Programme))}

    def line(key):
        commitments, reported, percent_sum, percent_count, lights = sums[key]
        average = percent_sum / percent_count if percent_count else None
        return (codes.get(key), commitments, reported, average, {**_zeros(), **lights})

    return sorted((line(key) for key in sums if key is not None), key=lambda x: x[0]) + [line(None)]


def _zeros() -> dict:
    return {str(state): 0 for state in overview.REPORTING_STATES}


def _table(day: date) -> list[tuple]:
    table = overview.organiser_overview(day).as_of
    return [
        (
            line.programme.code if line.programme else None,
            line.commitments,
            line.reported,
            line.average_percent,
            line.lights,
        )
        for line in [*table.lines, table.total]
    ]


def _same_tables(actual: list[tuple], expected: list[tuple]) -> bool:
    """Equal, the averages to a billionth (a database's mean against Python's division)."""
    if len(actual) != len(expected):
        return False
    for mine, theirs in zip(actual, expected, strict=True):
        if mine[:3] != theirs[:3] or mine[4] != theirs[4]:
            return False
        if (mine[3] is None) != (theirs[3] is None):
            return False
        if mine[3] is not None and abs(mine[3] - theirs[3]) > 1e-9:
            return False
    return True


def test_a_past_days_table_equals_the_states_at_the_end_of_that_day(world):
    today = world["now"].date()
    for days in (1, 2, 7, 30, 45, 90, 180, 270, 365, 420):
        day = today - timedelta(days=days)
        expected = _table_from_the_states(datetime.combine(day, time.max, tzinfo=UTC))
        assert _same_tables(_table(day), expected), day


def test_todays_table_read_from_the_stored_columns_equals_the_states_now(world):
    table = _table(world["now"].date())
    expected = _table_from_the_states(utcnow())
    assert _same_tables(table, expected)
    assert table[-1][1] > 10 and table[-1][2] > 5


def test_todays_lights_equal_each_commitments_own_traffic_light(db, world):
    lights = overview.organiser_overview(world["now"].date()).lights
    approved = db.session.scalars(
        db.select(Commitment).where(Commitment.status == CommitmentStatus.approved)
    ).all()
    expected = {
        "programme": Counter((c.programme.code, str(c.reporting_state)) for c in approved),
        "type": Counter(
            (c.signatory.organisation_type_code, str(c.reporting_state)) for c in approved
        ),
        "country": Counter((c.signatory.country_code, str(c.reporting_state)) for c in approved),
    }
    for name, lines in (
        ("programme", lights.by_programme),
        ("type", lights.by_type),
        ("country", lights.by_country),
    ):
        actual = Counter(
            {
                (line.subject.code, state): number
                for line in lines
                for state, number in line.counts.items()
                if number
            }
        )
        assert actual == expected[name], name
    assert lights.counts == {**_zeros(), **Counter(str(c.reporting_state) for c in approved)}
    assert sum(lights.counts.values()) == len(approved) > 5
