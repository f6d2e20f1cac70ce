"""Taking a snapshot of the large demo data on PostgreSQL, beside one hand-written SQL statement.

The large demo is loaded once and reused (``benchmarks.large_data``).

* ours: ``services.snapshots.take_snapshot`` as of the demo's last day (entries,
  indicator values, every breakdown's aggregates), in one transaction, rolled
  back afterwards so that the database stays as it was loaded.
* floor: the same entries and aggregates written by ONE hand-written statement
  (a CTE ranking progress updates with ``row_number()``, the status log and the
  assessments the same way, inserting entries, indicator values and the
  aggregates of every breakdown, public part and whole, and the groups' labels as
  data-modifying CTEs), also rolled back.
  Both runs are checked to give the same entry count and the same aggregates.

Each is run twice, alternately (floor, ours, floor, ours; ``BENCH_SNAPSHOT_ROUNDS``);
the best of each is reported. The process's peak memory (``ru_maxrss``) is measured in a child
process that only takes the snapshot, so the load's own memory is not counted.

SQLite is not measured here (the large data is a PostgreSQL matter): the
scenario returns no row for it.
"""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks.floor_sql import AS_OF_CTES
from benchmarks.large_data import CUTOFF, SCALE, app_for, ensure_loaded, log
from benchmarks.runner import Database, Row

ROOT = Path(__file__).resolve().parent.parent
#: Rounds of (floor, ours); the best of each is reported.
ROUNDS = int(os.environ.get("BENCH_SNAPSHOT_ROUNDS", "2"))


FLOOR_SQL = f"""
WITH {AS_OF_CTES}, assessed AS (
    SELECT commitment_id, level FROM (
        SELECT commitment_id, level, row_number() OVER (
            PARTITION BY commitment_id ORDER BY assessed_at DESC, id DESC) AS rn
        FROM assessment WHERE assessed_at <= :t
    ) ranked WHERE rn = 1
), recorded AS (
    SELECT commitment_id, max(recorded_at) AS recorded_at
    FROM progress_update WHERE recorded_at <= :t GROUP BY commitment_id
), base AS (
    SELECT c.id AS commitment_id, c.signatory_id, c.programme_id, s.organisation_type_code,
           s.country_code, c.title, s.name AS signatory_name, s.slug AS signatory_slug,
           p.code AS programme_code,
           coalesce(sb.to_status, sa.from_status, c.status) AS status,
           (c.published_at IS NOT NULL AND c.published_at <= :t
            AND c.visibility = 'public' AND s.status = 'approved') AS is_published,
           e.id AS update_id, e.reported_at, r.recorded_at AS last_recorded_at,
           e.status AS progress_status, e.percent_complete,
           a.level AS assessed_level, c.cadence_months,
           coalesce(e.reported_at, greatest(c.approved_at,
                    CAST(c.start_date AS timestamp) AT TIME ZONE 'UTC')) AS clock
    FROM commitment c
    JOIN signatory s ON s.id = c.signatory_id
    JOIN programme p ON p.id = c.programme_id
    LEFT JOIN effective e ON e.commitment_id = c.id
    LEFT JOIN recorded r ON r.commitment_id = c.id
    LEFT JOIN status_before sb ON sb.commitment_id = c.id
    LEFT JOIN status_after sa ON sa.commitment_id = c.id
    LEFT JOIN assessed a ON a.commitment_id = c.id
    WHERE c.created_at <= :t AND c.approved_at <= :t
), entries AS (
    SELECT base.*,
           CASE
             WHEN status <> 'approved' THEN NULL
             WHEN (clock AT TIME ZONE 'UTC' + make_interval(months => cadence_months * 2))
                  AT TIME ZONE 'UTC' <= :t THEN 'inactive'
             WHEN (clock AT TIME ZONE 'UTC' + make_interval(months => cadence_months))
                  AT TIME ZONE 'UTC' <= :t THEN 'overdue'
             WHEN (clock AT TIME ZONE 'UTC' + make_interval(months => cadence_months))
                  AT TIME ZONE 'UTC' <= :t + make_interval(days => :window) THEN 'due'
             ELSE 'on_time'
           END AS reporting_state
    FROM base
    WHERE status IN ('approved', 'achieved', 'partially_achieved', 'not_achieved', 'withdrawn')
), inserted_entries AS (
    INSERT INTO snapshot_entry (
        snapshot_id, commitment_id, signatory_id, programme_id, organisation_type_code,
        country_code, title, signatory_name, signatory_slug, programme_code, status,
        is_published, update_id, last_reported_at, last_recorded_at, progress_status,
        percent_complete, assessed_level, reporting_state)
    SELECT :sid, commitment_id, signatory_id, programme_id, organisation_type_code, country_code,
           title, signatory_name, signatory_slug, programme_code, status, is_published,
           update_id, reported_at, last_recorded_at, progress_status, percent_complete,
           assessed_level, reporting_state
    FROM entries
    RETURNING 1
), inserted_values AS (
    INSERT INTO snapshot_indicator_value (
        snapshot_id, indicator_id, commitment_id, update_id, value)
    SELECT :sid, indicator_id, commitment_id, update_id, value FROM (
        SELECT v.indicator_id, live.commitment_id, v.update_id, v.value,
               row_number() OVER (PARTITION BY v.indicator_id
                   ORDER BY live.reported_at DESC, live.recorded_at DESC, live.id DESC) AS rn
        FROM indicator_value v JOIN live ON live.id = v.update_id
    ) ranked
    WHERE rn = 1 AND commitment_id IN (SELECT commitment_id FROM entries)
    RETURNING 1
), grouped AS (
    SELECT 'overall' AS breakdown, 'all' AS key, update_id, percent_complete, status,
        is_published FROM entries
    UNION ALL SELECT 'programme', CAST(programme_id AS text), update_id, percent_complete, status,
        is_published FROM entries
    UNION ALL SELECT 'organisation_type', organisation_type_code, update_id, percent_complete,
        status, is_published FROM entries
    UNION ALL SELECT 'country', country_code, update_id, percent_complete, status, is_published
        FROM entries
    UNION ALL SELECT 'status', status, update_id, percent_complete, status, is_published
        FROM entries
    UNION ALL SELECT 'reporting_state', coalesce(reporting_state, 'none'), update_id,
        percent_complete, status, is_published FROM entries
    UNION ALL SELECT 'goal', CAST(g.goal_number AS text), e.update_id, e.percent_complete,
        e.status, e.is_published
        FROM entries e JOIN (
            SELECT DISTINCT ct.commitment_id, t.goal_number
            FROM commitment_target ct JOIN sdg_target t ON t.code = ct.target_code
        ) g ON g.commitment_id = e.commitment_id
    UNION ALL SELECT 'dimension', d.dimension_code, e.update_id, e.percent_complete, e.status,
        e.is_published
        FROM entries e JOIN commitment_dimension d ON d.commitment_id = e.commitment_id
), inserted_aggregates AS (
    INSERT INTO snapshot_aggregate (
        snapshot_id, public, breakdown, key, commitments, reported, percent_sum, percent_count,
        achieved)
    SELECT :sid, scope.public, breakdown, key, count(*), count(update_id),
           coalesce(sum(percent_complete), 0), count(percent_complete),
           count(*) FILTER (WHERE status = 'achieved')
    FROM grouped JOIN (VALUES (false), (true)) AS scope (public)
        ON is_published OR NOT scope.public
    GROUP BY scope.public, breakdown, key
    RETURNING 1
), inserted_labels AS (
    INSERT INTO snapshot_label (
        snapshot_id, breakdown, key, label_en, label_fr, position, colour)
    SELECT :sid, k.breakdown, k.key, l.label_en, l.label_fr, l.position, l.colour
    FROM (SELECT DISTINCT breakdown, key FROM grouped) k JOIN (
        SELECT 'programme' AS breakdown, CAST(id AS text) AS key, name_en AS label_en,
               name_fr AS label_fr, row_number() OVER (ORDER BY code) AS position,
               CAST(NULL AS text) AS colour
            FROM programme
        UNION ALL SELECT 'goal', CAST(number AS text), number || '. ' || short_en,
               number || '. ' || short_fr, number, colour FROM sdg_goal
        UNION ALL SELECT 'organisation_type', code, label_en, label_fr, position, NULL
            FROM organisation_type
        UNION ALL SELECT 'country', code, name_en, name_fr, 0, NULL FROM country
        UNION ALL SELECT 'dimension', code, label_en, label_fr, position, NULL
            FROM impact_dimension
    ) l ON l.breakdown = k.breakdown AND l.key = k.key
    RETURNING 1
)
SELECT (SELECT count(*) FROM inserted_entries), (SELECT count(*) FROM inserted_values),
       (SELECT count(*) FROM inserted_aggregates)
"""  # noqa: S608 - constant fragments of ours, no input


def _aggregates(snapshot_id: int) -> dict:
    from pact_tracker.events.models import SnapshotAggregate
    from pact_tracker.extensions import db

    rows = db.session.scalars(
        sa.select(SnapshotAggregate).where(SnapshotAggregate.snapshot_id == snapshot_id)
    )
    return {
        (a.public, str(a.breakdown), a.key): (
            a.commitments, a.reported, a.percent_sum, a.percent_count, a.achieved
        )
        for a in rows
    }  # fmt: skip


def _entries_digest(snapshot_id: int) -> str:
    from pact_tracker.extensions import db

    return db.session.execute(
        sa.text(
            "SELECT md5(string_agg(concat_ws('|', commitment_id, signatory_id, programme_id, "
            "organisation_type_code, country_code, title, signatory_name, signatory_slug, "
            "programme_code, status, is_published, update_id, last_reported_at, "
            "last_recorded_at, progress_status, percent_complete, assessed_level, "
            "reporting_state), ',' ORDER BY commitment_id)) FROM snapshot_entry "
            "WHERE snapshot_id = :sid"
        ),
        {"sid": snapshot_id},
    ).scalar()


def measure(url: str) -> dict:
    """In this process: the floor, then ours, each in a transaction rolled back; checked equal."""
    from flask import current_app

    from pact_tracker.events.models import Snapshot
    from pact_tracker.events.services import snapshots
    from pact_tracker.extensions import db

    app = app_for(url)
    figures = {"floor": float("inf"), "ours": float("inf")}
    with app.app_context():
        window = current_app.config["REPORT_DUE_WINDOW_DAYS"]
        for _round in range(ROUNDS):
            floor_snapshot = Snapshot(title="floor", cutoff_at=CUTOFF)
            db.session.add(floor_snapshot)
            db.session.flush()
            started = time.perf_counter()
            entries, values, aggregates = db.session.execute(
                sa.text(FLOOR_SQL), {"t": CUTOFF, "sid": floor_snapshot.id, "window": window}
            ).one()
            figures["floor"] = min(figures["floor"], time.perf_counter() - started)
            started = time.perf_counter()
            ours = snapshots.take_snapshot(CUTOFF, title="ours")
            figures["ours"] = min(figures["ours"], time.perf_counter() - started)
            figures["entries"], figures["values"] = entries, values
            figures["same_entries"] = ours.entry_count == entries and _entries_digest(
                ours.id
            ) == _entries_digest(floor_snapshot.id)
            figures["same_aggregates"] = _aggregates(ours.id) == _aggregates(floor_snapshot.id)
            figures["aggregates"] = aggregates
            db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def run(database: Database) -> list[Row]:
    if database.name != "postgresql":
        return []
    url = ensure_loaded()
    # In a child process, so that its peak memory is the snapshot's, not the load's.
    output = subprocess.run(  # noqa: S603 - this interpreter, this module
        [sys.executable, "-m", "benchmarks.snapshot_large", "--measure", url],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = eval(output.strip().splitlines()[-1], {})  # noqa: S307 - our own child's repr
    log(f"snapshot: {figures}")
    if not (figures["same_entries"] and figures["same_aggregates"]):
        raise AssertionError(f"take_snapshot and the SQL floor disagree: {figures}")
    return [
        Row(
            "snapshot",
            database.name,
            f"{figures['entries']:,} entries ({SCALE})",
            figures["ours"],
            figures["floor"],
            "s",
            higher_is_better=False,
            note=(
                f"floor: one hand-written INSERT ... WITH statement; ours "
                f"{figures['ours'] / figures['floor']:.2f}x the floor; same entries and "
                f"{figures['aggregates']} aggregates; peak memory of the process "
                f"{figures['peak_mb']:.0f} MB"
            ),
        )
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        print(repr(measure(sys.argv[2])))
    else:
        ensure_loaded()
