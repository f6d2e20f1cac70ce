"""Run the benchmark scenarios on SQLite and PostgreSQL; print one row per scenario.

``python -m benchmarks [--only NAME ...] [--databases sqlite,postgresql]``

A scenario is a function ``run(database: Database) -> list[Row]`` registered
in ``SCENARIOS``. Each row gives our figure and the floor's, measured in the
same run: what the same work costs with nothing of ours in the way (plain
smtplib, a hand-written SQL statement...). To add a scenario, write a module
with such a function and add it to ``SCENARIOS``.

PostgreSQL: ``BENCH_DATABASE_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/pact_bench``), created and
dropped by the run. SQLite: a file in a temporary directory.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

DEFAULT_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/pact_bench"


@dataclass(frozen=True)
class Row:
    scenario: str
    database: str
    #: What was processed, e.g. "20,000 messages".
    size: str
    ours: float
    #: None when the scenario has no floor for this row (it is then shown for its own figure).
    floor: float | None
    #: The unit of both figures, e.g. "msg/s".
    unit: str
    #: True when more is better (a rate), False when less is (a duration, memory).
    higher_is_better: bool = True
    #: Further figures, on the row (percentiles, throughput...).
    detail: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Ours against the floor, as a share of it (1.0 = as good as the floor)."""
        if self.floor is None:
            return None
        if self.higher_is_better:
            return self.ours / self.floor if self.floor else 0.0
        return self.floor / self.ours if self.ours else 0.0


@dataclass
class Database:
    """An empty database of the benchmark's own."""

    name: str
    url: str
    _drop: Callable[[], None]

    def drop(self) -> None:
        self._drop()


def _postgresql() -> Database:
    url = make_url(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRESQL)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def run(statement: str) -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(statement)

    run(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    run(f'CREATE DATABASE "{url.database}"')

    def drop() -> None:
        run(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        admin.dispose()

    return Database("postgresql", url.render_as_string(hide_password=False), drop)


def _sqlite() -> Database:
    directory = tempfile.TemporaryDirectory(prefix="pact-bench-")
    return Database(
        "sqlite", f"sqlite:///{Path(directory.name) / 'bench.sqlite3'}", directory.cleanup
    )


DATABASES = {"sqlite": _sqlite, "postgresql": _postgresql}


def _scenarios() -> dict[str, Callable[[Database], list[Row]]]:
    from benchmarks import (
        as_of_query,
        campaign_delivery,
        csv_import,
        demo_load,
        page_load,
        snapshot_comparison,
        snapshot_large,
    )

    return {
        "campaign-delivery": campaign_delivery.run,
        "snapshot": snapshot_large.run,
        "pages": page_load.run,
        "demo-load": demo_load.run,
        "csv-import": csv_import.run,
        "as-of": as_of_query.run,
        "snapshot-comparison": snapshot_comparison.run,
    }


def _figure(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _print(rows: list[Row]) -> None:
    header = ("scenario", "database", "size", "ours", "floor", "unit", "ratio", "detail")
    table = [header] + [
        (
            r.scenario,
            r.database,
            r.size,
            _figure(r.ours),
            "–" if r.floor is None else _figure(r.floor),
            r.unit,
            "–" if r.ratio is None else f"{r.ratio:.0%}",
            r.detail,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for number, line in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))
    for row in rows:
        if row.note:
            print(f"* {row.scenario} ({row.database}): {row.note}")


def main(argv: list[str] | None = None) -> int:
    description = __doc__.split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=description)
    parser.add_argument("--only", action="append", help="run only this scenario (repeatable)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    options = parser.parse_args(argv)
    scenarios = _scenarios()
    chosen = options.only or list(scenarios)
    unknown = set(chosen) - set(scenarios)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    print(
        f"# {platform.node()}: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        flush=True,
    )
    started = time.perf_counter()
    rows: list[Row] = []
    for name in chosen:
        for kind in options.databases.split(","):
            database = DATABASES[kind.strip()]()
            try:
                print(f"# {name} on {database.name}...", file=sys.stderr, flush=True)
                rows += scenarios[name](database)
            finally:
                database.drop()
    print()
    _print(rows)
    print(f"\n# {time.perf_counter() - started:.0f} s in all")
    return 0
