"""Comparing two snapshots (``events.services.comparison``) beside hand-written SQL.

The two snapshots are those of the demo's summits, as of their cutoffs
(4 March and 4 September 2026):

* PostgreSQL: the large demo (``benchmarks.large_data``), whose two past
  events come with their published snapshots (on data loaded without them,
  they are taken with ``take_snapshot`` inside one transaction, rolled back
  at the end, so that the shared database stays as it was loaded);
* SQLite: the medium demo loaded into the scenario's own database, with its
  two published snapshots likewise.

* ours: ``comparison.compare(before, after)``: new, completed and withdrawn
  commitments, every group's figures on both sides, the signatories that
  reported since and those gone quiet (loaded as objects, as the pages and the
  API use them); also the API form, ``GET /api/v1/snapshots/<id>/comparison``
  with a secretariat token, in the note;
* floor: three hand-written statements on the driver's cursor (changed entries,
  groups, signatories), the same figures checked equal.

Best of ``BENCH_COMPARISON_ROUNDS`` rounds (floor, ours, API each).
"""

import os
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from benchmarks.as_of_query import driver_parameters, driver_statement
from benchmarks.large_data import SCALE, app_for, ensure_loaded, log
from benchmarks.runner import Database, Row

ROUNDS = int(os.environ.get("BENCH_COMPARISON_ROUNDS", "2"))
SQLITE_SCALE = "medium"
#: The demo summits' cutoffs (two weeks before 18 March and 18 September 2026).
CUTOFFS = (datetime(2026, 3, 4, 8, 0, tzinfo=UTC), datetime(2026, 9, 4, 7, 0, tzinfo=UTC))

CHANGED_ENTRIES = """
SELECT n.commitment_id, o.commitment_id IS NULL AS is_new, n.status
FROM snapshot_entry n
LEFT JOIN snapshot_entry o ON o.snapshot_id = :before AND o.commitment_id = n.commitment_id
WHERE n.snapshot_id = :after
  AND (o.commitment_id IS NULL OR (n.status IN ('achieved', 'withdrawn') AND o.status <> n.status))
ORDER BY n.commitment_id
"""
GROUPS = """
SELECT n.breakdown, n.key, coalesce(o.commitments, 0), n.commitments,
       CASE WHEN o.percent_count > 0
            THEN CAST(o.percent_sum AS DOUBLE PRECISION) / o.percent_count END,
       CASE WHEN n.percent_count > 0
            THEN CAST(n.percent_sum AS DOUBLE PRECISION) / n.percent_count END
FROM snapshot_aggregate n
LEFT JOIN snapshot_aggregate o
       ON o.snapshot_id = :before AND o.breakdown = n.breakdown AND o.key = n.key
WHERE n.snapshot_id = :after
ORDER BY n.breakdown, n.key
"""
SIGNATORIES = """
WITH since AS (
    SELECT DISTINCT signatory_id FROM snapshot_entry
    WHERE snapshot_id = :after AND last_reported_at > :before_cutoff
), had AS (
    SELECT DISTINCT signatory_id FROM snapshot_entry
    WHERE snapshot_id = :before AND update_id IS NOT NULL
)
SELECT s.id, s.name, s.id IN (SELECT signatory_id FROM since) AS reported
FROM signatory s
WHERE s.id IN (SELECT signatory_id FROM since)
   OR (s.id IN (SELECT signatory_id FROM had) AND s.id NOT IN (SELECT signatory_id FROM since))
ORDER BY s.name
"""


def _floor(cursor, dialect: str, before, after) -> dict:
    """The comparison's figures from three statements on the driver's cursor."""
    parameters = {
        "before": before.id,
        "after": after.id,
        **driver_parameters({"before_cutoff": before.cutoff_at}, dialect),
    }

    def rows(sql: str) -> list:
        cursor.execute(driver_statement(sql, dialect), parameters)
        return cursor.fetchall()

    changed = rows(CHANGED_ENTRIES)
    groups = rows(GROUPS)
    signatories = rows(SIGNATORIES)
    return {
        "new": [c for c, is_new, _status in changed if is_new],
        "completed": [c for c, _new, status in changed if status == "achieved"],
        "withdrawn": [c for c, _new, status in changed if status == "withdrawn"],
        "changes": [tuple(group) for group in groups],
        "reported": sorted((name, id_) for id_, name, reported in signatories if reported),
        "gone_quiet": sorted((name, id_) for id_, name, reported in signatories if not reported),
    }


def _figures(result) -> dict:
    """Ours in the floor's shape."""
    return {
        "new": result.new,
        "completed": result.completed,
        "withdrawn": result.withdrawn,
        "changes": [
            (
                c.breakdown,
                c.key,
                c.before_commitments,
                c.after_commitments,
                c.before_average,
                c.after_average,
            )
            for c in result.changes
        ],  # fmt: skip
        "reported": sorted((s.name, s.id) for s in result.reported),
        "gone_quiet": sorted((s.name, s.id) for s in result.gone_quiet),
    }


def _snapshots(dialect: str):
    """The two snapshots: the demo's published ones, or taken now if the data has none."""
    from pact_tracker.events.models import Snapshot
    from pact_tracker.events.services import snapshots
    from pact_tracker.extensions import db

    published = db.session.scalars(
        sa.select(Snapshot).where(Snapshot.status == "published").order_by(Snapshot.cutoff_at)
    ).all()
    if len(published) == len(CUTOFFS):
        return published
    started = time.perf_counter()
    taken = [
        snapshots.take_snapshot(cutoff, title=f"bench {cutoff:%Y-%m-%d}") for cutoff in CUTOFFS
    ]
    db.session.commit()  # a savepoint: the outer transaction is rolled back at the end
    log(f"snapshot-comparison: two snapshots taken in {time.perf_counter() - started:.0f} s")
    return taken


def _api_headers() -> dict:
    from pact_tracker.coalition.models import User
    from pact_tracker.core.tokens import issue_token
    from pact_tracker.demo.generate import SECRETARIAT_EMAIL
    from pact_tracker.extensions import db

    secretariat = db.session.scalar(sa.select(User).where(User.email == SECRETARIAT_EMAIL))
    _token, secret = issue_token(secretariat, name="benchmark")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _timed(function):
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def measure(url: str) -> dict:
    """In one transaction rolled back at the end: the best floor, ours and API (seconds)."""
    from flask_sqlalchemy.session import Session

    from pact_tracker.events.services import comparison
    from pact_tracker.extensions import db

    class BoundSession(Session):
        def get_bind(self, *args, **kwargs):
            return self.bind

    app = app_for(url, RATELIMIT_ENABLED=False)
    best = {"floor": float("inf"), "ours": float("inf"), "api": float("inf")}
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # Every session (the requests' too) on this connection; their commits end savepoints.
        db.session = db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": BoundSession,
            }
        )
        try:
            dialect = connection.dialect.name
            before, after = _snapshots(dialect)
            headers = _api_headers()
            client = app.test_client()
            cursor = connection.connection.cursor()
            path = f"/api/v1/snapshots/{after.id}/comparison?with={before.id}"
            for _round in range(ROUNDS):
                floor_time, floor = _timed(lambda: _floor(cursor, dialect, before, after))
                ours_time, ours = _timed(lambda: comparison.compare(before, after))
                ours = _figures(ours)
                db.session.expire_all()
                api_time, response = _timed(lambda: client.get(path, headers=headers))
                if response.status_code != 200:
                    raise AssertionError(f"{path}: {response.status_code} {response.text[:300]}")
                for name, value in (("floor", floor_time), ("ours", ours_time), ("api", api_time)):
                    best[name] = min(best[name], value)
            api = response.get_json()
            figures = {
                **best,
                "entries": (before.entry_count, after.entry_count),
                "same": ours == floor,
                "api_same": (api["new"], api["completed"], api["withdrawn"])
                == (ours["new"], ours["completed"], ours["withdrawn"])
                and len(api["changes"]) == len(ours["changes"]),
                "counts": {k: len(v) for k, v in ours.items()},
            }
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()
            db.engine.dispose()
    log(f"snapshot-comparison: {figures}")
    return figures


def _load_sqlite(url: str) -> None:
    from pact_tracker.demo import SCALES, load_demo
    from pact_tracker.extensions import db
    from pact_tracker.reference.services import load_reference_data

    started = time.perf_counter()
    with app_for(url).app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        load_demo(SCALES[SQLITE_SCALE], seed=1, with_events=True, with_campaign=False)
        db.session.remove()
        db.engine.dispose()
    log(
        f"loaded the {SQLITE_SCALE} demo and its two snapshots into SQLite in "
        f"{time.perf_counter() - started:.0f} s"
    )


def run(database: Database) -> list[Row]:
    if database.name == "postgresql":
        url, scale = ensure_loaded(), SCALE
    else:
        _load_sqlite(database.url)
        url, scale = database.url, SQLITE_SCALE
    figures = measure(url)
    if not (figures["same"] and figures["api_same"]):
        raise AssertionError(f"compare() and its SQL floor disagree: {figures}")
    counts = figures["counts"]
    return [
        Row(
            "snapshot-comparison",
            database.name,
            f"{figures['entries'][0]:,} vs {figures['entries'][1]:,} entries ({scale})",
            figures["ours"] * 1000,
            figures["floor"] * 1000,
            "ms",
            higher_is_better=False,
            note=(
                f"floor: three hand-written statements, same figures checked ({counts['new']:,} "
                f"new, {counts['completed']:,} completed, {counts['withdrawn']:,} withdrawn, "
                f"{counts['changes']:,} groups, {counts['reported']:,} signatories reported, "
                f"{counts['gone_quiet']:,} gone quiet); the API form "
                f"{figures['api'] * 1000:,.0f} ms"
            ),
        )
    ]
