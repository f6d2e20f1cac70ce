"""The large demo on PostgreSQL, loaded once and shared by the scenarios that need it.

The large demo (20,000 signatories, 200,000 commitments, 2.2 million progress
updates) takes minutes to load, so it lives in a database of its own,
``pact_bench_large`` on the benchmark's server (``BENCH_LARGE_DATABASE_URL`` to
choose another), reused by later runs. A table ``bench_marker`` records that the
load finished, the shape of the schema it was loaded with and a digest of the
demo's code (``pact_tracker/demo``): when a column or table changes, or the
demo does, the database is loaded again; an index added since is created on
reuse, so that a change of indexes is measured without a reload. The load
includes the demo's events (two published snapshots) and its campaign.
``BENCH_SNAPSHOT_SCALE=medium`` uses ``pact_bench_medium`` and the medium demo
instead.
"""

import hashlib
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from benchmarks.runner import DEFAULT_POSTGRESQL

ROOT = Path(__file__).resolve().parent.parent
SCALE = os.environ.get("BENCH_SNAPSHOT_SCALE", "large")
#: The demo's last day: every commitment of the demo is approved by then.
CUTOFF = datetime(2026, 10, 31, 0, 0, tzinfo=UTC)
MARKER = "bench_marker"


def log(text: str) -> None:
    print(f"#   {text}", file=sys.stderr, flush=True)


def large_database_url() -> str:
    configured = os.environ.get("BENCH_LARGE_DATABASE_URL")
    if configured:
        return configured
    base = make_url(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRESQL)
    return base.set(database=f"pact_bench_{SCALE}").render_as_string(hide_password=False)


def app_for(url: str, **config):
    from pact_tracker import create_app

    return create_app(
        {
            "PACT_ENV": "production",
            "SECRET_KEY": "benchmark-only",
            # One process: its rate limits, counted in memory, hold.
            "RATELIMIT_SINGLE_PROCESS": True,
            "SQLALCHEMY_DATABASE_URI": url,
            **config,
        }
    )


def _schema_shape() -> str:
    """A digest of the tables and their columns (not the indexes: those are added on reuse)."""
    from pact_tracker.extensions import db

    shape = sorted(
        f"{table.name}.{column.name}:{column.type!r}"
        for table in db.metadata.tables.values()
        for column in table.columns
    )
    return hashlib.sha256("\n".join(shape).encode()).hexdigest()[:16]


def demo_version() -> str:
    """A digest of the demo's code: when it changes, so may the rows it writes."""
    sources = sorted((ROOT / "pact_tracker" / "demo").glob("*.py"))
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def _is_loaded(url: str, shape: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            marker = sa.text(
                "SELECT count(*) FROM bench_marker "
                "WHERE scale = :scale AND shape = :shape AND demo = :demo"
            )
            found = {"scale": SCALE, "shape": shape, "demo": demo_version()}
            return connection.scalar(marker, found) == 1
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _create_missing_indexes(app) -> None:
    from pact_tracker.extensions import db

    with app.app_context():
        with db.engine.begin() as connection:
            existing = {
                row[0] for row in connection.exec_driver_sql("SELECT indexname FROM pg_indexes")
            }
            for table in db.metadata.sorted_tables:
                for index in table.indexes:
                    if index.name not in existing:
                        log(f"creating index {index.name} added since the load")
                        index.create(connection)
                        connection.exec_driver_sql(f"ANALYZE {table.name}")
        db.engine.dispose()


def ensure_loaded(url: str | None = None) -> str:
    """Create and load the demo database unless a finished load is already there; its URL."""
    url = url or large_database_url()
    app = app_for(url)
    with app.app_context():
        shape = _schema_shape()
    if _is_loaded(url, shape):
        log(f"reusing {make_url(url).database} ({SCALE} demo already loaded)")
        _create_missing_indexes(app)
        return url
    _load(app, url, shape)
    return url


def _load(app, url: str, shape: str) -> None:
    from pact_tracker.demo import SCALES, load_demo
    from pact_tracker.extensions import db
    from pact_tracker.reference.services import load_reference_data

    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        log(f"loading the {SCALE} demo into {target.database} (once; minutes)...")
        # With the demo's events (their published snapshots) and its campaign: the
        # signed-in pages and the snapshot's page, charts and exports are measured on them.
        totals = load_demo(SCALES[SCALE], seed=1)
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
            connection.exec_driver_sql(f"CREATE TABLE {MARKER} (scale text, shape text, demo text)")
            connection.execute(
                sa.text("INSERT INTO bench_marker VALUES (:scale, :shape, :demo)"),
                {"scale": SCALE, "shape": shape, "demo": demo_version()},
            )
        db.engine.dispose()
    log(
        f"loaded {totals.get('commitment', 0):,} commitments, "
        f"{totals.get('progress_update', 0):,} updates in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    ensure_loaded()
