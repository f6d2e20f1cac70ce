"""Loading the medium demo (2,000 signatories, 20,000 commitments), beside the driver alone.

Each side starts from a new schema holding only the reference data (the
lexicon ``flask pact init`` loads).

* ours: ``pact_tracker.demo.load_demo`` at ``BENCH_DEMO_SCALE`` (medium by
  default), without the events (those go through the snapshot service, measured
  by the snapshot scenario): the rows generated and written chunk by chunk
  (``COPY`` on PostgreSQL, ``executemany`` of Core inserts on SQLite), a commit
  per chunk of 1,000 signatories, the id sequences moved past the demo's ids.
* floor: the very same rows (generated beforehand by the demo's own generator
  with the same seed, not timed) written with the driver alone: psycopg's
  ``COPY ... FROM STDIN`` per table, or sqlite3's ``executemany`` of a
  hand-written ``INSERT`` (values turned into what SQLAlchemy stores: UTC
  datetimes as text, decimals as floats), a commit per chunk too, then the
  sequences set.

So the gap is what generating the rows costs, plus our writer's own overhead;
the note gives the generation alone. Both are checked to leave the same
number of rows in every table.
"""

import json
import os
import sqlite3
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from benchmarks.runner import Database, Row

SCALE = os.environ.get("BENCH_DEMO_SCALE", "medium")
SEED = 1
#: A fixed hash for every account, so that both sides write the same rows (argon2 is slow).
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$YmVuY2htYXJr$YmVuY2htYXJrLW9ubHk"  # noqa: S105


def _log(text: str) -> None:
    print(f"#   {text}", file=sys.stderr, flush=True)


def run(database: Database) -> list[Row]:
    from pact_tracker import create_app
    from pact_tracker.demo import SCALES
    from pact_tracker.extensions import db

    scale = SCALES[SCALE]
    app = create_app(
        {
            "PACT_ENV": "production",
            "SECRET_KEY": "benchmark-only",
            # One process: its rate limits, counted in memory, hold.
            "RATELIMIT_SINGLE_PROCESS": True,
            "SQLALCHEMY_DATABASE_URI": database.url,
        }
    )
    with app.app_context():
        ours, totals = _ours(scale)
        _log(f"ours: {ours:.1f} s for {sum(totals.values()):,} rows")
        ours_counts = _counts(totals)
        batches, generation = _generate(scale)
        _log(f"generated the same rows in {generation:.1f} s (not timed for the floor)")
        floor = _floor(database, batches)
        _log(f"floor: {floor:.1f} s")
        floor_counts = _counts(totals)
        db.session.remove()
        db.engine.dispose()
    written = {table: sum(len(b.get(table, ())) for b in batches) for table in totals}
    if not (ours_counts == floor_counts == totals == written):
        raise AssertionError(
            f"the rows differ: ours {ours_counts}, floor {floor_counts}, generated {written}"
        )
    rows = sum(totals.values())
    return [
        Row(
            "demo-load",
            database.name,
            f"{SCALE}: {scale.signatories:,} signatories, {rows:,} rows",
            rows / ours,
            rows / floor,
            "rows/s",
            note=(
                f"ours {ours:.1f} s, floor {floor:.1f} s (the driver alone, rows made "
                f"beforehand); generating the rows alone {generation:.1f} s; same row count "
                f"in all {len(totals)} tables"
            ),
        )
    ]


def _fresh_schema() -> None:
    """An empty coalition: the schema and the reference data, nothing else."""
    from pact_tracker.core.activity import commit
    from pact_tracker.extensions import db
    from pact_tracker.reference.services import load_reference_data

    db.session.remove()
    db.drop_all()
    db.create_all()
    load_reference_data()
    commit()


def _ours(scale) -> tuple[float, dict[str, int]]:
    from pact_tracker.demo import load_demo

    _fresh_schema()
    started = time.perf_counter()
    totals = load_demo(scale, seed=SEED, password_hash=PASSWORD_HASH, with_events=False)
    return time.perf_counter() - started, totals


def _counts(tables) -> dict[str, int]:
    from pact_tracker.extensions import db

    counts = {}
    for table in tables:
        rows = sa.select(sa.func.count()).select_from(db.metadata.tables[table])
        if table == "activity":
            # The entry saying the demo was loaded is written after the rows, by the service.
            rows = rows.where(sa.column("action") != "demo.loaded")
        counts[table] = db.session.scalar(rows)
    db.session.rollback()
    return counts


def _generate(scale):
    """The batches load_demo writes, made the way it makes them, on a fresh schema."""
    from pact_tracker.demo import _HOLDING_SHARE, check_loadable, writer
    from pact_tracker.demo.generate import Generator
    from pact_tracker.demo.rows import Batch, Ids
    from pact_tracker.extensions import db

    _fresh_schema()
    started = time.perf_counter()
    reference = check_loadable()
    first = writer.first_ids(db.session.connection())
    generator = Generator(SEED, reference, Ids(first), PASSWORD_HASH)
    batch = Batch()
    generator.staff({}, batch)
    generator.catalogue(batch)
    batches = [batch]
    per_signatory = scale.commitments / (scale.signatories * _HOLDING_SHARE)
    for offset in range(0, scale.signatories, scale.chunk):
        batch = Batch()
        generator.signatories(min(scale.chunk, scale.signatories - offset), per_signatory, batch)
        batches.append(batch)
    elapsed = time.perf_counter() - started
    db.session.rollback()
    return batches, elapsed


def _floor(database: Database, batches) -> float:
    from pact_tracker.demo.rows import COLUMNS, ID_TABLES

    if database.name == "postgresql":
        return _floor_postgresql(database.url, batches, COLUMNS, ID_TABLES)
    return _floor_sqlite(database.url, batches, COLUMNS)


def _floor_postgresql(url: str, batches, columns: dict, id_tables) -> float:
    import psycopg

    from pact_tracker.demo.writer import copyable

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        started = time.perf_counter()
        for batch in batches:
            with connection.cursor() as cursor:
                for table, names in columns.items():
                    rows = batch.get(table)
                    if not rows:
                        continue
                    quoted = ", ".join(f'"{name}"' for name in names)
                    with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                        for row in rows:
                            copy.write_row(copyable(row))
            connection.commit()
        with connection.cursor() as cursor:
            for table in id_tables:
                # Past the demo's own ids, as writer.reset_sequences does.
                highest = f'coalesce((SELECT max(id) FROM "{table}"), 1)'  # noqa: S608
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), {highest})"
                )
        connection.commit()
        return time.perf_counter() - started


def _stored(value):
    """A value as SQLAlchemy stores it in SQLite."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
        return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _floor_sqlite(url: str, batches, columns: dict) -> float:
    connection = sqlite3.connect(make_url(url).database)
    try:
        started = time.perf_counter()
        for batch in batches:
            for table, names in columns.items():
                rows = batch.get(table)
                if not rows:
                    continue
                quoted = ", ".join(f'"{name}"' for name in names)
                places = ", ".join("?" * len(names))
                statement = f'INSERT INTO "{table}" ({quoted}) VALUES ({places})'  # noqa: S608

                connection.executemany(statement, (tuple(map(_stored, row)) for row in rows))
            connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


if __name__ == "__main__":
    from benchmarks.runner import main

    raise SystemExit(main(["--only", "demo-load", *sys.argv[1:]]))
