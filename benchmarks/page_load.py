"""Public pages and API lists under load: gunicorn with several workers, wrk with 8 clients.

For each data set (the small demo on SQLite and PostgreSQL, the large demo on
PostgreSQL, ``benchmarks.large_data``), the application runs under gunicorn
(``2 × CPUs + 1`` sync workers, as the README recommends) and wrk keeps
``CLIENTS`` connections busy on one endpoint at a time for ``SECONDS`` seconds,
after a warm-up, and reports throughput and the 50th, 95th and 99th
percentiles of latency. An endpoint with many URLs (signatory pages,
commitment pages, goals...) is loaded on a sample of them in turn, so that no
single row is served hot.

* ours: the real application, production configuration.
* floor: ``benchmarks.floor_app``, a minimal WSGI application under the same
  gunicorn returning the same rows from hand-written SQL, for the endpoints it
  implements (the explorer, the signatory list, signatory pages and the two
  API lists).

Every URL is fetched once before the load and must answer 200 with its
content; wrk's non-2xx answers or socket errors fail the scenario. The rows
give p95 in milliseconds; the detail gives p50/p99 and throughput. The summary
checks the issue's goals: p95 under 100 ms on the large data, and p95 on large
within 1.5 times the small one.
"""

import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from benchmarks.large_data import ensure_loaded, log
from benchmarks.runner import Database, Row

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = int(os.environ.get("BENCH_PAGE_CLIENTS", "8"))
SECONDS = int(os.environ.get("BENCH_PAGE_SECONDS", "3"))
WORKERS = int(os.environ.get("BENCH_PAGE_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
#: How many distinct URLs an endpoint with a parameter is loaded on.
SAMPLE = 200
#: The issue's goals.
GOAL_P95_MS = 100
GOAL_GROWTH = 1.5

Sampler = Callable[[sa.Connection], list[str]]


@dataclass(frozen=True)
class Endpoint:
    name: str
    paths: Sampler
    #: Whether ``floor_app`` serves the same paths.
    has_floor: bool = False


def _fixed(*paths: str) -> Sampler:
    return lambda _connection: list(paths)


def _sampled(statement: str, template: str) -> Sampler:
    """Up to ``SAMPLE`` URLs from the rows of ``statement``, spread over the table."""

    def sample(connection: sa.Connection) -> list[str]:
        values = [row[0] for row in connection.execute(sa.text(statement))]
        step = max(1, len(values) // SAMPLE)
        return [template.format(value) for value in values[::step][:SAMPLE]]

    return sample


_APPROVED_SLUGS = "SELECT slug FROM signatory WHERE status = 'approved' ORDER BY id"
_PUBLISHED_IDS = (
    "SELECT c.id FROM commitment c JOIN signatory s ON s.id = c.signatory_id "
    "WHERE s.status = 'approved' AND c.visibility = 'public' AND c.published_at IS NOT NULL "
    "ORDER BY c.id"
)

ENDPOINTS = (
    Endpoint("/", _fixed("/")),
    Endpoint("/commitments", _fixed("/commitments"), has_floor=True),
    Endpoint(
        "/commitments?goal=…&page=2",
        _fixed(*(f"/commitments?goal={n}&page=2" for n in range(1, 18))),
    ),
    Endpoint("/commitments/<id>", _sampled(_PUBLISHED_IDS, "/commitments/{}")),
    Endpoint("/signatories", _fixed("/signatories"), has_floor=True),
    Endpoint("/signatories/<slug>", _sampled(_APPROVED_SLUGS, "/signatories/{}"), has_floor=True),
    Endpoint("/sdg/<n>", _fixed(*(f"/sdg/{n}" for n in range(1, 18)))),
    Endpoint("/programmes", _fixed("/programmes")),
    Endpoint("/programmes/<code>", _sampled("SELECT code FROM programme", "/programmes/{}")),
    Endpoint("/events", _fixed("/events")),
    Endpoint("/snapshots", _fixed("/snapshots")),
    Endpoint("/api/v1/commitments", _fixed("/api/v1/commitments"), has_floor=True),
    Endpoint("/api/v1/signatories", _fixed("/api/v1/signatories"), has_floor=True),
    Endpoint(
        "/api/v1/commitments/<id>/updates",
        _sampled(_PUBLISHED_IDS, "/api/v1/commitments/{}/updates"),
    ),
    Endpoint("/api/v1/programmes", _fixed("/api/v1/programmes")),
    Endpoint("/api/v1/events", _fixed("/api/v1/events")),
)


@dataclass(frozen=True)
class Load:
    requests: int
    errors: int
    seconds: float
    p50: float
    p95: float
    p99: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _gunicorn(application: str, environment: dict[str, str]) -> Iterator[str]:
    """Serve ``application`` with gunicorn on a free loopback port; its base URL."""
    port = _free_port()
    command = [
        sys.executable, "-m", "gunicorn", application,
        "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
        "--log-level", "info", "--timeout", "60",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - this interpreter, our application
        command,
        cwd=ROOT,
        env={**os.environ, **environment},
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_listening(process)
        # Once the socket listens, a request waits in its backlog for a worker to take it.
        with urllib.request.urlopen(f"{base}/healthz", timeout=60) as response:  # noqa: S310
            if response.status != 200:
                raise RuntimeError(f"{base}/healthz answered {response.status}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_listening(process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait for gunicorn to say it listens; its log is read (and drained) by a thread."""
    listening = threading.Event()

    def read() -> None:
        for line in process.stderr:
            if "Listening at:" in line:
                listening.set()
            elif "[ERROR]" in line or "Traceback" in line:
                print(f"#   gunicorn: {line.rstrip()}", file=sys.stderr, flush=True)

    threading.Thread(target=read, name="gunicorn-log", daemon=True).start()
    if not listening.wait(timeout):
        raise RuntimeError(f"gunicorn did not listen within {timeout} s ({process.poll()=})")


def _check(base: str, paths: list[str]) -> None:
    """Every URL answers 200 with a body, before any load."""
    for path in paths:
        with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310
            body = response.read()
            if response.status != 200 or len(body) < 2:
                raise AssertionError(f"{path}: {response.status}, {len(body)} bytes")


_WRK_SCRIPT = """
local paths = {%s}
local position = 0
function setup(thread)
  position = position + 1
  thread:set("position", position * 7)
end
function request()
  position = position + 1
  return wrk.format("GET", paths[(position %% #paths) + 1])
end
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _wrk(base: str, paths: list[str], seconds: int) -> Load:
    quoted = ", ".join('"' + path.replace('"', '\\"') + '"' for path in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT % quoted)
    try:
        output = subprocess.run(  # noqa: S603 - wrk from Debian's packages
            [
                shutil.which("wrk") or "wrk",
                "--threads",
                "2",
                "--connections",
                str(CLIENTS),
                "--duration",
                f"{seconds}s",
                "--timeout",
                "10s",
                "--script",
                script.name,
                base,
            ],  # fmt: skip
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    fields = next(line for line in output.splitlines() if line.startswith("RESULT")).split()[1:]
    requests, errors, duration_us, p50, p95, p99 = (int(value) for value in fields)
    return Load(requests, errors, duration_us / 1e6, p50 / 1000, p95 / 1000, p99 / 1000)


def _load(base: str, paths: list[str]) -> Load:
    _wrk(base, paths, 1)  # warm-up: connections, caches of the workers
    load = _wrk(base, paths, SECONDS)
    if load.errors:
        raise AssertionError(f"{base}{paths[0]}: {load.errors} errors under load")
    return load


def _environment(url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "FLOOR_DATABASE_URL": url,
        "PACT_ENV": "production",
        "PACT_SECRET_KEY": "benchmark-only",
        # Several gunicorn workers, each counting rate limits on its own: none is reached here.
        "PACT_RATELIMIT_SINGLE_PROCESS": "true",
        "PACT_BASE_URL": "http://127.0.0.1",
    }


def _measure(database_name: str, size: str, url: str) -> tuple[list[Row], dict[str, Load]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        paths = {endpoint.name: endpoint.paths(connection) for endpoint in ENDPOINTS}
    engine.dispose()
    rows, loads = [], {}
    environment = _environment(url)
    with (
        _gunicorn("wsgi:app", environment) as ours,
        _gunicorn("benchmarks.floor_app:application", environment) as floor,
    ):
        for endpoint in ENDPOINTS:
            _check(ours, paths[endpoint.name])
            load = loads[endpoint.name] = _load(ours, paths[endpoint.name])
            floor_load = _load(floor, paths[endpoint.name]) if endpoint.has_floor else None
            log(f"{database_name} {size} {endpoint.name}: p95 {load.p95:.1f} ms")
            rows.append(
                Row(
                    f"page {endpoint.name}",
                    database_name,
                    size,
                    load.p95,
                    floor_load.p95 if floor_load else None,
                    "ms p95",
                    higher_is_better=False,
                    detail=_detail(load, floor_load),
                )
            )
    return rows, loads


def _detail(load: Load, floor: Load | None) -> str:
    text = f"p50 {load.p50:.1f} p99 {load.p99:.1f} ms, {load.throughput:.0f} req/s"
    if floor:
        text += f"; floor p50 {floor.p50:.1f} p99 {floor.p99:.1f} ms, {floor.throughput:.0f} req/s"
    return text


def _small(database: Database) -> str:
    """The small demo (with its events and snapshots) in the scenario's own database."""
    from benchmarks.large_data import app_for
    from pact_tracker.demo import SCALES, load_demo
    from pact_tracker.extensions import db
    from pact_tracker.reference.services import load_reference_data

    app = app_for(database.url)
    with app.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        load_demo(SCALES["small"], seed=1)
        db.session.remove()
        db.engine.dispose()
    return database.url


def _goals(small: dict[str, Load], large: dict[str, Load]) -> str:
    lines = ["page goals on PostgreSQL (large: p95 < 100 ms; p95 large / small ≤ 1.5):"]
    for endpoint in ENDPOINTS:
        p95_small, p95_large = small[endpoint.name].p95, large[endpoint.name].p95
        growth = p95_large / p95_small if p95_small else float("inf")
        verdict = "ok" if p95_large < GOAL_P95_MS and growth <= GOAL_GROWTH else "MISSED"
        lines.append(
            f"  {endpoint.name}: p95 {p95_small:.1f} → {p95_large:.1f} ms, "
            f"×{growth:.2f} [{verdict}]"
        )
    return "\n".join(lines)


def run(database: Database) -> list[Row]:
    rows, small = _measure(database.name, "small", _small(database))
    if database.name != "postgresql":
        return rows
    large_rows, large = _measure(database.name, "large", ensure_loaded())
    rows += large_rows
    rows[-1] = dataclasses.replace(rows[-1], note=_goals(small, large))
    return rows
