"""Importing progress updates from CSV, beside the same rows written by hand-written SQL.

100,000 rows by default (``BENCH_CSV_ROWS`` sets another count; the file,
9.5 MB, fits the default ``IMPORT_MAX_BYTES``). Ours goes through the batch
form of the handler, a chunk of 1,000 rows at a time, each commitment read
once and its schedule written once for the whole file: 5.0 s on SQLite and
14.0 s on PostgreSQL for 100,000 rows here, 53% and 52% of the floor's rate
(a shared machine, quiet at the time; 16% and 27% before), against 5 ms a
row row by row before that. The rate does not depend on the size: nothing is
kept in the session from one chunk to the next.

The database holds one signatory and ``ROWS / 10`` approved commitments with
one indicator each (written in bulk, not measured). The CSV file is made
here, the same for every run: each row reports on a commitment (ten rows per
commitment, in order of ``reported_at``) with a status, a percentage, a
narrative and one indicator value. It stays under the default
``IMPORT_MAX_BYTES`` (10 MB): the benchmark imports what a user may import.

* ours: ``flask pact import progress FILE``, the real command through Flask's
  CLI runner: the file read and checked, each chunk of rows parsed and handed
  to ``report_progress_many`` (the checks of ``report_progress``, the updates
  and their values, the commitments' reporting schedules refreshed, the
  activity logged), all or nothing, then one commit and the signals sent
  after it.
* floor: the same file read with ``csv.reader`` and its cells parsed by hand
  (int, ``datetime.fromisoformat``, ``Decimal``), then the same rows written
  with the driver alone (psycopg or sqlite3) in one transaction: the progress
  updates, their indicator values and the activity entries inserted with
  ``executemany``, and each commitment's ``last_reported_at``,
  ``report_due_at`` and ``inactive_at`` set by one ``UPDATE`` per commitment
  (the dates computed with ``relativedelta``, as the app does). No checks at
  all: the floor trusts the file.

The floor runs first, its rows are then deleted (the tables truncated on
PostgreSQL, as empty as the floor found them), and ours runs on the same
seeded database. Both are checked to have written the same number of updates,
values and activity entries, and to leave every commitment with the same
schedule.
"""

import csv
import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.engine import make_url

from benchmarks.runner import Database, Row

ROWS = int(os.environ.get("BENCH_CSV_ROWS", "100000"))
UPDATES_PER_COMMITMENT = 10
APPROVED_AT = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
FIRST_REPORT = datetime(2025, 2, 1, 8, 0, tzinfo=UTC)
STATUSES = ("not_started", "on_track", "on_track", "delayed", "blocked", "completed")
HEADER = (
    "commitment_id", "reported_at", "status", "percent_complete", "narrative", "indicator_values",
)  # fmt: skip


def _log(text: str) -> None:
    print(f"#   {text}", file=sys.stderr, flush=True)


def run(database: Database) -> list[Row]:
    from pact_tracker import create_app
    from pact_tracker.extensions import db

    app = create_app(
        {
            "PACT_ENV": "production",
            "SECRET_KEY": "benchmark-only",
            # One process: its rate limits, counted in memory, hold.
            "RATELIMIT_SINGLE_PROCESS": True,
            "SQLALCHEMY_DATABASE_URI": database.url,
        }
    )
    with tempfile.TemporaryDirectory(prefix="pact-bench-csv-") as directory:
        path = Path(directory) / "progress.csv"
        with app.app_context():
            started = time.perf_counter()
            commitments = _seed(ROWS // UPDATES_PER_COMMITMENT)
            size = _write_csv(path, commitments)
            _log(
                f"{len(commitments):,} commitments seeded, {ROWS:,} rows written to the CSV "
                f"({size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
            )
            db.session.remove()
            floor = _floor(database, path)
            _log(f"floor: {floor:.1f} s")
            floor_written = _written()
            _delete_updates(database)
            db.session.remove()
            ours = _ours(app, path)
            _log(f"ours: {ours:.1f} s")
            ours_written = _written()
            db.session.remove()
            db.engine.dispose()
    if ours_written != floor_written:
        raise AssertionError(f"ours and the floor disagree: {ours_written} vs {floor_written}")
    counts = ours_written["counts"]
    if counts != {"updates": ROWS, "values": ROWS, "activity": ROWS}:
        raise AssertionError(f"expected {ROWS:,} of each, got {counts}")
    return [
        Row(
            "csv-import",
            database.name,
            f"{ROWS:,} progress rows ({size / 1e6:.1f} MB)",
            ROWS / ours,
            ROWS / floor,
            "rows/s",
            note=(
                f"ours {ours:.1f} s, floor {floor:.1f} s (driver executemany, no checks); "
                f"same updates, values, activity entries and schedules of "
                f"{len(commitments):,} commitments"
            ),
        )
    ]


def _seed(count: int) -> list[tuple[int, int]]:
    """``count`` approved commitments with one indicator each; their (id, indicator id)."""
    from pact_tracker.coalition.models import Signatory, SignatoryStatus
    from pact_tracker.commitments.models import Commitment, CommitmentStatus, Indicator
    from pact_tracker.extensions import db
    from pact_tracker.programmes.models import Programme
    from pact_tracker.reference.services import load_reference_data

    db.create_all()
    load_reference_data()
    [signatory_id] = _insert(
        Signatory,
        [
            {
                "name": "Coopérative du benchmark",
                "slug": "cooperative-du-benchmark",
                "organisation_type_code": "cooperative",
                "country_code": "FR",
                "status": SignatoryStatus.approved,
                "manifesto_signed_on": date(2024, 12, 1),
            }
        ],
    )
    [programme_id] = _insert(
        Programme, [{"code": "bench", "name_en": "Benchmark", "name_fr": "Banc d'essai"}]
    )
    commitment_ids = _insert(
        Commitment,
        [
            {
                "signatory_id": signatory_id,
                "programme_id": programme_id,
                "title": f"Commitment {n}",
                "status": CommitmentStatus.approved,
                "start_date": date(2025, 1, 6),
                "due_date": date(2027, 12, 31),
                "cadence_months": 1 + n % 6,
                "submitted_at": APPROVED_AT - timedelta(days=3),
                "approved_at": APPROVED_AT,
                "published_at": APPROVED_AT,
            }
            for n in range(count)
        ],
    )
    indicator_ids = _insert(
        Indicator,
        [
            {"commitment_id": cid, "name": "People trained", "unit": "people"}
            for cid in commitment_ids
        ],
    )
    db.session.commit()
    return list(zip(commitment_ids, indicator_ids, strict=True))


def _insert(model, rows: list[dict]) -> list[int]:
    from pact_tracker.extensions import db

    ids = []
    for start in range(0, len(rows), 1000):
        ids += db.session.scalars(
            sa.insert(model).returning(model.id, sort_by_parameter_order=True),
            rows[start : start + 1000],
        ).all()
    return ids


def _write_csv(path: Path, commitments: list[tuple[int, int]]) -> int:
    """The CSV file of ROWS progress updates; its size in bytes."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for n in range(ROWS):
            commitment_id, indicator_id = commitments[n % len(commitments)]
            # Each pass over the commitments is one report each, a little later.
            reported_at = FIRST_REPORT + timedelta(days=n // len(commitments) * 20, seconds=n)
            writer.writerow(
                (
                    commitment_id,
                    reported_at.isoformat(),
                    STATUSES[n % len(STATUSES)],
                    n % 101,
                    f"Report {n}: training held in {2 + n % 9} towns.",
                    f"{indicator_id}:{n % 997}.{n % 10}",
                )
            )
    return path.stat().st_size


def _ours(app, path: Path) -> float:
    runner = app.test_cli_runner()
    started = time.perf_counter()
    result = runner.invoke(args=["pact", "import", "progress", str(path)])
    elapsed = time.perf_counter() - started
    if result.exit_code != 0 or f"Imported {ROWS} progress updates." not in result.stdout:
        raise AssertionError(
            f"the import failed: {result.output[-2000:]} {result.exception!r}"
        ) from result.exception
    return elapsed


def _parse(path: Path) -> list[tuple]:
    """The file's rows as (commitment id, reported_at, status, percent, narrative, values)."""
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        next(reader)
        rows = []
        for commitment_id, reported_at, status, percent, narrative, values in reader:
            indicator_id, _, value = values.partition(":")
            rows.append(
                (
                    int(commitment_id),
                    datetime.fromisoformat(reported_at).astimezone(UTC),
                    status,
                    int(percent),
                    narrative,
                    int(indicator_id),
                    Decimal(value),
                )
            )
    return rows


def _floor(database: Database, path: Path) -> float:
    """Seconds the driver alone takes to read the file and write the same rows."""
    started = time.perf_counter()
    rows = _parse(path)
    if database.name == "postgresql":
        _floor_postgresql(database.url, rows)
    else:
        _floor_sqlite(database.url, rows)
    return time.perf_counter() - started


def _floor_rows(rows: list[tuple], commitments: dict, first_id: int, sqlite: bool):
    """The rows to insert and the schedules to set, in the form the driver takes."""
    now = datetime.now(UTC)
    stamp = _sqlite_datetime if sqlite else (lambda value: value)
    number = float if sqlite else (lambda value: value)
    updates, values, activity, latest = [], [], [], {}
    for update_id, (cid, reported_at, status, percent, narrative, iid, value) in enumerate(
        rows, start=first_id
    ):
        updates.append(
            (update_id, cid, stamp(reported_at), stamp(now), status, percent, narrative, "import")
        )
        values.append((update_id, iid, number(value)))
        payload = json.dumps({"commitment_id": cid, "source": "import"})
        activity.append(
            (stamp(now), "progress.reported", "progress_update", update_id, commitments[cid][1],
             payload)
        )  # fmt: skip
        if cid not in latest or reported_at > latest[cid]:
            latest[cid] = reported_at
    schedules = [
        (
            stamp(last),
            stamp(last + relativedelta(months=commitments[cid][0])),
            stamp(last + relativedelta(months=2 * commitments[cid][0])),
            cid,
        )
        for cid, last in latest.items()
    ]
    return updates, values, activity, schedules


INSERT_UPDATE = (
    "INSERT INTO progress_update (id, commitment_id, reported_at, recorded_at, status, "
    "percent_complete, narrative, source) VALUES ({})"
)
INSERT_VALUE = "INSERT INTO indicator_value (update_id, indicator_id, value) VALUES ({})"
INSERT_ACTIVITY = (
    "INSERT INTO activity (occurred_at, action, subject_type, subject_id, signatory_id, payload) "
    "VALUES ({})"
)
COMMITMENTS = "SELECT id, cadence_months, signatory_id FROM commitment"
UPDATE_SCHEDULE = (
    "UPDATE commitment SET last_reported_at = {}, report_due_at = {}, inactive_at = {} "
    "WHERE id = {}"
)


def _floor_postgresql(url: str, rows: list[tuple]) -> None:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(COMMITMENTS)
        commitments = {cid: (cadence, sid) for cid, cadence, sid in cursor.fetchall()}
        cursor.execute(
            "SELECT nextval('progress_update_id_seq') FROM generate_series(1, %s)", (len(rows),)
        )
        ids = [row[0] for row in cursor.fetchall()]
        updates, values, activity, schedules = _floor_rows(rows, commitments, ids[0], sqlite=False)
        # The sequence hands out consecutive numbers to one session with nothing else running.
        assert ids[-1] - ids[0] == len(rows) - 1
        cursor.executemany(INSERT_UPDATE.format(", ".join(["%s"] * 8)), updates)
        cursor.executemany(INSERT_VALUE.format("%s, %s, %s"), values)
        cursor.executemany(INSERT_ACTIVITY.format(", ".join(["%s"] * 6)), activity)
        cursor.executemany(UPDATE_SCHEDULE.format("%s", "%s", "%s", "%s"), schedules)


def _sqlite_datetime(value: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite (naive, microseconds always written)."""
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"


def _floor_sqlite(url: str, rows: list[tuple]) -> None:
    connection = sqlite3.connect(make_url(url).database)
    try:
        commitments = {cid: (cadence, sid) for cid, cadence, sid in connection.execute(COMMITMENTS)}
        first_id = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM progress_update")
        updates, values, activity, schedules = _floor_rows(
            rows, commitments, first_id.fetchone()[0], sqlite=True
        )
        with connection:
            connection.executemany(INSERT_UPDATE.format(", ".join("?" * 8)), updates)
            connection.executemany(INSERT_VALUE.format("?, ?, ?"), values)
            connection.executemany(INSERT_ACTIVITY.format(", ".join("?" * 6)), activity)
            connection.executemany(UPDATE_SCHEDULE.format("?", "?", "?", "?"), schedules)
    finally:
        connection.close()


def _written() -> dict:
    """What an import left: counts, and every commitment's reporting schedule."""
    from pact_tracker.commitments.models import Commitment
    from pact_tracker.extensions import db

    def count(statement: str) -> int:
        return db.session.execute(sa.text(statement)).scalar()

    schedules = db.session.execute(
        sa.select(
            Commitment.id,
            Commitment.last_reported_at,
            Commitment.report_due_at,
            Commitment.inactive_at,
        ).order_by(Commitment.id)
    ).all()
    written = {
        "counts": {
            "updates": count("SELECT count(*) FROM progress_update WHERE source = 'import'"),
            "values": count("SELECT count(*) FROM indicator_value"),
            "activity": count("SELECT count(*) FROM activity WHERE action = 'progress.reported'"),
        },
        "schedules": [tuple(row) for row in schedules],
    }
    db.session.rollback()
    return written


def _delete_updates(database: Database) -> None:
    """Take the floor's rows away, so that ours starts from the seeded database.

    On PostgreSQL the tables are truncated, which gives them back as the floor
    found them: after a DELETE, even vacuumed, they keep the pages and index
    entries of the floor's 100,000 rows, and the same inserts took a third
    longer there (measured with the floor run twice). The seed logs no activity,
    so the activity table holds only the floor's entries.
    """
    from pact_tracker.extensions import db

    with db.engine.begin() as connection:
        others = connection.exec_driver_sql(
            "SELECT count(*) FROM activity WHERE action <> 'progress.reported'"
        ).scalar()
        assert others == 0, f"the seeded database logs {others} other activity entries"
        if database.name == "postgresql":
            connection.exec_driver_sql(
                "TRUNCATE indicator_value, evidence, progress_update, activity"
            )
        else:
            connection.exec_driver_sql("DELETE FROM indicator_value")
            connection.exec_driver_sql("DELETE FROM progress_update")
            connection.exec_driver_sql("DELETE FROM activity")
        connection.exec_driver_sql(
            "UPDATE commitment SET last_reported_at = NULL, report_due_at = NULL, "
            "inactive_at = NULL"
        )
    if database.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")


if __name__ == "__main__":
    from benchmarks.runner import main

    raise SystemExit(main(["--only", "csv-import", *sys.argv[1:]]))
