"""The as-of queries (``commitments.as_of``) beside hand-written SQL giving the same rows.

For one instant (the large demo's last day: the whole year of history counts),
each of the three queries the snapshots are built on is executed and all its
rows fetched:

* ours: ``effective_updates_as_of``, ``commitment_states_as_of`` and
  ``indicator_values_as_of``, executed through the session as the application
  does (SQLAlchemy compiles them and turns each value into its Python type);
* floor: for each, one hand-written statement (the ranking of
  ``snapshot_large.FLOOR_SQL``: ``row_number()`` per commitment or indicator,
  the reporting clock computed once per commitment), run on the driver's own
  cursor, its raw rows fetched.

Each pair is checked to give the same rows (values normalised: the driver
returns SQLite timestamps as text). Figures are the sum of the three queries,
the best of ``BENCH_AS_OF_ROUNDS`` rounds, each floor then ours.

PostgreSQL: the large demo (``benchmarks.large_data``), only read. SQLite: the
medium demo loaded into the scenario's own database (the large one takes too
long to load on SQLite for the budget).
"""

import os
import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from benchmarks.floor_sql import AS_OF_CTES, LIVE
from benchmarks.large_data import CUTOFF, SCALE, app_for, ensure_loaded, log
from benchmarks.runner import Database, Row

#: Rounds of (floor, ours) per query; the best of each is kept.
ROUNDS = int(os.environ.get("BENCH_AS_OF_ROUNDS", "1"))
SQLITE_SCALE = "medium"
TEXT_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?")
QUERIES = ("effective_updates_as_of", "commitment_states_as_of", "indicator_values_as_of")

EFFECTIVE = f"""
WITH {LIVE}
SELECT commitment_id, id, reported_at, status, percent_complete FROM (
    SELECT live.*, row_number() OVER (
        PARTITION BY commitment_id ORDER BY reported_at DESC, recorded_at DESC, id DESC
    ) AS rn
    FROM live
) ranked WHERE rn = 1
"""  # noqa: S608 - constant fragments, no input

INDICATOR_VALUES = f"""
WITH {LIVE}
SELECT indicator_id, commitment_id, update_id, reported_at, value FROM (
    SELECT v.indicator_id, live.commitment_id, v.update_id, live.reported_at, v.value,
           row_number() OVER (PARTITION BY v.indicator_id
               ORDER BY live.reported_at DESC, live.recorded_at DESC, live.id DESC) AS rn
    FROM indicator_value v JOIN live ON live.id = v.update_id
) ranked WHERE rn = 1
"""  # noqa: S608 - constant fragments, no input

#: The states, with the dialect's spelling of midnight of a date and of month arithmetic.
STATES = """
WITH {ctes}, base AS (
    SELECT c.id AS commitment_id, c.signatory_id, c.programme_id,
           coalesce(sb.to_status, sa.from_status, c.status) AS status,
           (c.published_at IS NOT NULL AND c.published_at <= :t
            AND c.visibility = 'public') AS is_published,
           e.id AS update_id, e.reported_at, e.status AS progress_status, e.percent_complete,
           c.cadence_months,
           CASE WHEN c.approved_at <= :t
                THEN coalesce(e.reported_at, {greatest}(c.approved_at, {midnight}))
           END AS clock
    FROM commitment c
    LEFT JOIN effective e ON e.commitment_id = c.id
    LEFT JOIN status_before sb ON sb.commitment_id = c.id
    LEFT JOIN status_after sa ON sa.commitment_id = c.id
    WHERE c.created_at <= :t
), scheduled AS (
    SELECT base.*, {due} AS report_due_at, {inactive} AS inactive_at FROM base
)
SELECT commitment_id, signatory_id, programme_id, status, is_published, update_id,
       reported_at, progress_status, percent_complete, report_due_at, inactive_at,
       CASE
         WHEN status <> 'approved' OR clock IS NULL THEN NULL
         WHEN inactive_at <= :t THEN 'inactive'
         WHEN report_due_at <= :t THEN 'overdue'
         WHEN report_due_at <= :soon THEN 'due'
         ELSE 'on_time'
       END AS reporting_state
FROM scheduled
"""


def _postgresql_months(months: str) -> str:
    return (
        f"CASE WHEN clock IS NOT NULL THEN (clock AT TIME ZONE 'UTC' "
        f"+ make_interval(months => {months})) AT TIME ZONE 'UTC' END"
    )


def _sqlite_months(months: str) -> str:
    # As core.types.add_months: a day past the month's end stops at its last day.
    shifted = f"datetime(clock, '+' || ({months}) || ' months')"
    last_day = (
        f"datetime(date(clock, 'start of month', '+' || ({months} + 1) || ' months', "
        f"'-1 day') || ' ' || time(clock))"
    )
    return (
        f"CASE WHEN strftime('%d', {shifted}) = strftime('%d', clock) "
        f"THEN {shifted} ELSE {last_day} END"
    )


FLOORS = {
    "postgresql": {
        "effective_updates_as_of": EFFECTIVE,
        "commitment_states_as_of": STATES.format(
            ctes=AS_OF_CTES,
            greatest="greatest",
            midnight="CAST(c.start_date AS timestamp) AT TIME ZONE 'UTC'",
            due=_postgresql_months("cadence_months"),
            inactive=_postgresql_months("cadence_months * 2"),
        ),
        "indicator_values_as_of": INDICATOR_VALUES,
    },
    "sqlite": {
        "effective_updates_as_of": EFFECTIVE,
        "commitment_states_as_of": STATES.format(
            ctes=AS_OF_CTES,
            greatest="max",
            midnight="datetime(c.start_date)",
            due=_sqlite_months("cadence_months"),
            inactive=_sqlite_months("cadence_months * 2"),
        ),
        "indicator_values_as_of": INDICATOR_VALUES,
    },
}


def driver_statement(sql: str, dialect: str) -> str:
    """``:name`` placeholders in the driver's own style (psycopg: ``%(name)s``)."""
    if dialect == "postgresql":
        return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)
    return sql


def driver_parameters(values: dict, dialect: str) -> dict:
    """Parameters for the driver's cursor: on SQLite, instants as UTCDateTime binds them."""
    if dialect != "sqlite":
        return values
    return {
        name: value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, datetime)
        else value
        for name, value in values.items()
    }


def _normal(value):
    """One spelling per value, whoever fetched it (SQLite's text timestamps, 0/1 booleans)."""
    if isinstance(value, str) and TEXT_TIMESTAMP.fullmatch(value):
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bool | int | float | Decimal):
        # Numeric values come back as int, float or Decimal depending on the driver.
        return f"{Decimal(int(value) if isinstance(value, bool) else value):.4f}"
    return str(value) if value is not None else None


def _digest(rows) -> frozenset:
    return frozenset(tuple(_normal(v) for v in row) for row in rows)


def _run_floor(sql: str, parameters: dict) -> tuple[float, list]:
    from pact_tracker.extensions import db

    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        cursor.execute(sql, parameters)
        rows = cursor.fetchall()
        elapsed = time.perf_counter() - started
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return elapsed, rows


def _run_ours(name: str, instant: datetime) -> tuple[float, list]:
    from pact_tracker.commitments import as_of
    from pact_tracker.extensions import db

    started = time.perf_counter()
    rows = db.session.execute(getattr(as_of, name)(instant)).all()
    elapsed = time.perf_counter() - started
    db.session.rollback()
    return elapsed, rows


def measure(url: str, instant: datetime = CUTOFF) -> dict:
    """Per query: the best floor and ours (seconds), the row count, and whether they agree."""
    from flask import current_app

    from pact_tracker.extensions import db

    app = app_for(url)
    figures = {}
    with app.app_context():
        dialect = db.engine.dialect.name
        window = timedelta(days=current_app.config["REPORT_DUE_WINDOW_DAYS"])
        parameters = driver_parameters({"t": instant, "soon": instant + window}, dialect)
        for name in QUERIES:
            sql = driver_statement(FLOORS[dialect][name], dialect)
            best = {"floor": float("inf"), "ours": float("inf")}
            for _round in range(ROUNDS):
                floor_time, floor_rows = _run_floor(sql, parameters)
                ours_time, our_rows = _run_ours(name, instant)
                best["floor"] = min(best["floor"], floor_time)
                best["ours"] = min(best["ours"], ours_time)
            same = len(our_rows) == len(floor_rows) and _digest(our_rows) == _digest(floor_rows)
            figures[name] = {**best, "rows": len(our_rows), "same": same}
            log(f"as-of {name}: {figures[name]}")
        db.session.remove()
        db.engine.dispose()
    return figures


def _load_sqlite(url: str) -> str:
    from pact_tracker.demo import SCALES, load_demo
    from pact_tracker.extensions import db
    from pact_tracker.reference.services import load_reference_data

    started = time.perf_counter()
    with app_for(url).app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        load_demo(SCALES[SQLITE_SCALE], seed=1, with_events=False)
        db.session.remove()
        db.engine.dispose()
    log(f"loaded the {SQLITE_SCALE} demo into SQLite in {time.perf_counter() - started:.0f} s")
    return SQLITE_SCALE


def run(database: Database) -> list[Row]:
    if database.name == "postgresql":
        url, scale = ensure_loaded(), SCALE
    else:
        url, scale = database.url, _load_sqlite(database.url)
    figures = measure(url)
    disagree = [name for name, figure in figures.items() if not figure["same"]]
    if disagree:
        raise AssertionError(f"as-of queries and their SQL floor disagree: {disagree}")
    ours = sum(f["ours"] for f in figures.values())
    floor = sum(f["floor"] for f in figures.values())
    detail = "; ".join(
        f"{name.removesuffix('_as_of')} {f['rows']:,} rows {f['ours'] * 1000:,.0f}/"
        f"{f['floor'] * 1000:,.0f} ms"
        for name, f in figures.items()
    )
    return [
        Row(
            "as-of",
            database.name,
            f"3 queries, {sum(f['rows'] for f in figures.values()):,} rows ({scale})",
            ours * 1000,
            floor * 1000,
            "ms",
            higher_is_better=False,
            note=(
                f"as of {CUTOFF:%Y-%m-%d}; all rows fetched; floor: hand-written SQL on the "
                f"driver's cursor, same rows checked; ours/floor per query: {detail}"
            ),
        )
    ]
