"""Every page of every role under load: gunicorn with several workers, wrk with 8 clients.

For each data set (the small demo on SQLite and PostgreSQL, the large demo on
PostgreSQL, ``benchmarks.large_data``), the application runs under gunicorn
(``2 × CPUs + 1`` sync workers, as the README recommends) and wrk keeps
``CLIENTS`` connections busy on one endpoint at a time for ``SECONDS`` seconds,
after a warm-up, and reports throughput and the 50th, 95th and 99th
percentiles of latency. An endpoint with many URLs (signatory pages,
commitment pages, goals...) is loaded on a sample of them in turn, so that no
single row is served hot. On PostgreSQL both data sets are served at once (each
by its own idle servers) and each endpoint is loaded on the small data, then at
once on the large: the ratio of the two then compares the data, not two runs
minutes apart on a machine whose speed drifts (``measure``).

The endpoints (``ENDPOINTS``) come in groups: the public pages and API lists;
a member's pages, the secretariat's and the event organiser's, each loaded
with the session of that person, signed in through the real forms
(``benchmarks.sessions``: CSRF token read from the page, the secretariat's
second factor computed from its stored TOTP secret); and a published
snapshot's page, the page with its 7 charts, each chart and each export.
The snapshot group is loaded as a browser asks, with ``Accept-Encoding: gzip,
deflate, br`` (wrk's script sets the header): its large text files (CSV, JSON,
Data Package) are then sent gzip-compressed, as kept with them.
SQLite loads only the public group (for reference; the goals are PostgreSQL's).

* ours: the real application, production configuration.
* floor: ``benchmarks.floor_app``, a minimal WSGI application under the same
  gunicorn returning the same rows from hand-written SQL, for the endpoints it
  implements (the explorer, the signatory list, signatory pages and the two
  API lists).

A published snapshot's files are rendered once, by the worker, when it is
published (``events.tasks.render_published_files``): before gunicorn starts,
the benchmark forgets the files a previous run kept and has the worker's task
render them again, timing each (``prerender``; rows of their own for the PDF
and the XLSX, the issue's "first render"). The web processes then serve what
was kept, as in production with its worker running, and never load the
libraries that draw charts and documents.

Every URL is fetched once before the load, with its role's cookie (and its
group's ``Accept-Encoding``) and no redirect followed, and must answer 200 with
its content, decompressed first if it was sent gzip-compressed (``check``); for a
snapshot's charts and exports that first request is timed and shown, the load
measures them afterwards. wrk's
non-2xx answers or socket errors fail the scenario; its timeouts are shown. Each
run starts once the workers are idle (a slow page leaves requests nobody waits
for). After the load, each gunicorn worker's resident memory is read from
/proc. The rows give p95 in milliseconds; the detail gives p50/p99 and
throughput. The summary checks the issue's goals: p95 under 100 ms on the
large data, p95 on large within 1.5 times the small one, and workers under
150 MB after the load on the large data.
"""

import contextlib
import dataclasses
import gzip
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from benchmarks import sessions
from benchmarks.large_data import ensure_loaded, log
from benchmarks.runner import Database, Row
from pact_tracker.demo import DEMO_PASSWORD
from pact_tracker.demo.generate import ORGANISER_EMAIL, SECRETARIAT_EMAIL

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = int(os.environ.get("BENCH_PAGE_CLIENTS", "8"))
SECONDS = int(os.environ.get("BENCH_PAGE_SECONDS", "2"))
WORKERS = int(os.environ.get("BENCH_PAGE_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
#: How many distinct URLs an endpoint with a parameter is loaded on.
SAMPLE = 200
#: The issue's goals.
GOAL_P95_MS = 100
GOAL_GROWTH = 1.5
GOAL_WORKER_MB = 150
#: wrk gives up on a request after this long (counted as a timeout, shown on the row).
WRK_TIMEOUT_SECONDS = 10
#: The groups of endpoints; SQLite (measured for reference) loads only the public ones.
GROUPS = ("public", "member", "secretariat", "organiser", "snapshot")
SQLITE_GROUPS = ("public",)
#: ``BENCH_PAGE_GROUPS=member,snapshot`` loads only those groups (trials, tests).
CHOSEN_GROUPS = tuple(
    group.strip() for group in os.environ.get("BENCH_PAGE_GROUPS", ",".join(GROUPS)).split(",")
)
#: What a browser accepts, sent for the snapshot group (its text files are kept gzip'd too).
BROWSER_ACCEPT_ENCODING = "gzip, deflate, br"
#: The organiser's as-of view is loaded as of the autumn summit's cutoff.
AS_OF_DATE = "2026-09-04"


@dataclass(frozen=True)
class World:
    """What the signed-in pages need from the data loaded: found by SQL before the load."""

    #: A member of an approved signatory with 6 to 9 commitments (as many on both scales).
    member_email: str
    member_slug: str
    #: The published snapshot with the latest cutoff, and the campaign with most recipients.
    snapshot_id: int
    campaign_id: int


_MEMBER = """
SELECT s.slug, u.email FROM signatory s
JOIN membership m ON m.signatory_id = s.id AND m.is_admin
JOIN "user" u ON u.id = m.user_id AND u.active
WHERE s.status = 'approved'
  AND (SELECT count(*) FROM commitment c WHERE c.signatory_id = s.id) BETWEEN 6 AND 9
  AND (SELECT count(*) FROM commitment c
       WHERE c.signatory_id = s.id AND c.status = 'approved') >= 3
ORDER BY s.id LIMIT 1
"""
_SNAPSHOT = (
    "SELECT id FROM snapshot WHERE status = 'published' ORDER BY cutoff_at DESC, id DESC LIMIT 1"
)
_CAMPAIGN = (
    "SELECT campaign_id FROM campaign_recipient GROUP BY campaign_id "
    "ORDER BY count(*) DESC, campaign_id LIMIT 1"
)


def find_world(connection: sa.Connection) -> World:
    member = connection.execute(sa.text(_MEMBER)).one_or_none()
    snapshot_id = connection.scalar(sa.text(_SNAPSHOT))
    campaign_id = connection.scalar(sa.text(_CAMPAIGN))
    if member is None or snapshot_id is None or campaign_id is None:
        raise AssertionError(
            f"the data lacks what the signed-in pages need: member {member}, published "
            f"snapshot {snapshot_id}, campaign {campaign_id} (load the demo with its events "
            "and campaign)"
        )
    return World(member.email, member.slug, snapshot_id, campaign_id)


Sampler = Callable[[sa.Connection, World], list[str]]


@dataclass(frozen=True)
class Endpoint:
    name: str
    paths: Sampler
    group: str = "public"
    #: Whether ``floor_app`` serves the same paths.
    has_floor: bool = False
    #: A frozen artefact: the first request of each URL (served from what the worker kept,
    #: see ``prerender``) is timed on its own and shown.
    first_timed: bool = False

    @property
    def role(self) -> str | None:
        """Who is signed in for it (None: nobody)."""
        return self.group if self.group in ("member", "secretariat", "organiser") else None

    @property
    def accept_encoding(self) -> str:
        """The ``Accept-Encoding`` its requests send ("": none, as the other groups)."""
        return BROWSER_ACCEPT_ENCODING if self.group == "snapshot" else ""


def _fixed(*paths: str) -> Sampler:
    return lambda _connection, world: [path.format(world=world) for path in paths]


def _sampled(statement: str, template: str) -> Sampler:
    """Up to ``SAMPLE`` URLs from the rows of ``statement``, spread over the table.

    ``statement`` may use ``:slug`` (the member's signatory); ``template`` ``{world...}``.
    """

    def sample(connection: sa.Connection, world: World) -> list[str]:
        parameters = {"slug": world.member_slug} if ":slug" in statement else {}
        values = [row[0] for row in connection.execute(sa.text(statement), parameters)]
        step = max(1, len(values) // SAMPLE)
        return [template.format(value, world=world) for value in values[::step][:SAMPLE]]

    return sample


_APPROVED_SLUGS = "SELECT slug FROM signatory WHERE status = 'approved' ORDER BY id"
_PUBLISHED_IDS = (
    "SELECT c.id FROM commitment c JOIN signatory s ON s.id = c.signatory_id "
    "WHERE s.status = 'approved' AND c.visibility = 'public' AND c.published_at IS NOT NULL "
    "ORDER BY c.id"
)
_MY_COMMITMENTS = (
    "SELECT c.id FROM commitment c JOIN signatory s ON s.id = c.signatory_id "
    "WHERE s.slug = :slug ORDER BY c.id"
)
_MY_APPROVED = (
    "SELECT c.id FROM commitment c JOIN signatory s ON s.id = c.signatory_id "
    "WHERE s.slug = :slug AND c.status = 'approved' ORDER BY c.id"
)
#: The charts of a snapshot's page (``events.views.snapshots.BREAKDOWNS``), in its order.
CHARTS = ("programme", "goal", "organisation_type", "country", "dimension", "status",
          "reporting_state")  # fmt: skip
_SNAPSHOT_PAGE = "/snapshots/{world.snapshot_id}"
_CHART = "/snapshots/{world.snapshot_id}/charts/%s.svg"
_MY = "/my/{world.member_slug}"
_CAMPAIGN_PAGE = "/admin/campaigns/{world.campaign_id}"

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
    # A member of one signatory: their home, their commitments, each page and progress form.
    Endpoint("member /my/", _fixed("/my/"), "member"),
    Endpoint("member /my/<slug>/commitments", _fixed(_MY + "/commitments"), "member"),
    Endpoint(
        "member /my/<slug>/commitments/<id>",
        _sampled(_MY_COMMITMENTS, _MY + "/commitments/{}"),
        "member",
    ),
    Endpoint(
        "member /my/<slug>/commitments/<id>/progress",
        _sampled(_MY_APPROVED, _MY + "/commitments/{}/progress"),
        "member",
    ),
    # The secretariat, signed in with its second factor.
    Endpoint("secretariat /admin/", _fixed("/admin/"), "secretariat"),
    Endpoint("secretariat /admin/review", _fixed("/admin/review"), "secretariat"),
    Endpoint("secretariat /admin/applications", _fixed("/admin/applications"), "secretariat"),
    Endpoint("secretariat /admin/users", _fixed("/admin/users"), "secretariat"),
    Endpoint("secretariat /admin/activity", _fixed("/admin/activity"), "secretariat"),
    Endpoint("secretariat /admin/signatories", _fixed("/admin/signatories"), "secretariat"),
    Endpoint("secretariat /admin/campaigns/<id>", _fixed(_CAMPAIGN_PAGE), "secretariat"),
    Endpoint(
        "secretariat /admin/campaigns/<id>/recipients",
        _fixed(_CAMPAIGN_PAGE + "/recipients"),
        "secretariat",
    ),
    Endpoint("secretariat /admin/update-links", _fixed("/admin/update-links"), "secretariat"),
    Endpoint("secretariat /admin/suppressions", _fixed("/admin/suppressions"), "secretariat"),
    # The event organiser: the overview, today and as of a past date.
    Endpoint("organiser /organiser/", _fixed("/organiser/"), "organiser"),
    Endpoint(
        "organiser /organiser/?on=<date>", _fixed(f"/organiser/?on={AS_OF_DATE}"), "organiser"
    ),
    # A published snapshot, as the public sees it: each chart (first, so that its first
    # request is the first), its page, the page with its charts (as a browser loads
    # them), and each export once rendered.
    *(
        Endpoint(
            f"/snapshots/<id>/charts/{chart}.svg",
            _fixed(_CHART % chart),
            "snapshot",
            first_timed=True,
        )
        for chart in CHARTS
    ),
    Endpoint("/snapshots/<id>", _fixed(_SNAPSHOT_PAGE), "snapshot"),
    Endpoint(
        "/snapshots/<id> with its 7 charts",
        _fixed(_SNAPSHOT_PAGE, *(_CHART % chart for chart in CHARTS)),
        "snapshot",
    ),
    *(
        Endpoint(
            f"/snapshots/<id>/{name}",
            _fixed(f"{_SNAPSHOT_PAGE}/{name}"),
            "snapshot",
            first_timed=True,
        )
        for name in ("export.pdf", "export.xlsx", "export.csv", "export.json", "datapackage.json")
    ),
)


@dataclass(frozen=True)
class Load:
    requests: int
    errors: int
    timeouts: int
    seconds: float
    p50: float
    p95: float
    p99: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def meets_goal(self) -> bool:
        return self.requests > 0 and self.p95 < GOAL_P95_MS and not self.timeouts


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    base: str
    #: gunicorn's master process; its workers are its children.
    pid: int


@contextmanager
def _gunicorn(application: str, environment: dict[str, str]) -> Iterator[Server]:
    """Serve ``application`` with gunicorn on a free loopback port."""
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
        yield Server(base, process.pid)
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


def _children(master_pid: int) -> list[tuple[int, float]]:
    """The children of ``master_pid`` (gunicorn's workers) and their resident memory in MB."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:  # the process ended meanwhile
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("PPid", "0")) == master_pid and "VmRSS" in fields:
            children.append((int(entry.name), int(fields["VmRSS"].split()[0]) / 1024))
    return children


def worker_rss_mb(master_pid: int) -> list[float]:
    """The resident memory (VmRSS) of each of gunicorn's workers, in MB, smallest first."""
    return sorted(mb for _pid, mb in _children(master_pid))


# What each kind of URL must answer: its content type, and how its body starts or ends.
_EXPECTED = {
    "html": ("text/html", lambda body: body.rstrip().endswith(b"</html>")),
    "json": ("application/json", lambda body: json.loads(body) is not None),
    "svg": ("image/svg+xml", lambda body: b"<svg" in body[:500] and b"<rect" in body),
    "pdf": ("application/pdf", lambda body: body.startswith(b"%PDF-")),
    "xlsx": ("application/vnd.openxmlformats", lambda body: body.startswith(b"PK")),
    "csv": ("text/csv", lambda body: body.count(b"\n") >= 2),
}


def kind_of(path: str) -> str:
    """What a URL serves, from its path: ``html``, ``json``, ``svg``, ``pdf``, ``xlsx``, ``csv``."""
    bare = path.split("?")[0]
    if bare.startswith("/api/") or bare.endswith(".json"):
        return "json"
    suffix = bare.rsplit(".", 1)[-1] if "." in bare.rsplit("/", 1)[-1] else "html"
    return suffix if suffix in _EXPECTED else "html"


def check(
    base: str, paths: list[str], cookie: str = "", accept_encoding: str = ""
) -> dict[str, float]:
    """Every URL answers 200 (no redirect) with its content, before any load; the seconds of each.

    A signed-in page must show the sign-out button: the session was honoured. A body
    sent gzip-compressed (``accept_encoding`` allowing it) is checked decompressed.
    """
    durations = {}
    extra = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
    for path in paths:
        started = time.perf_counter()
        status, headers, body = sessions.fetch(base, path, cookie, extra)
        durations[path] = time.perf_counter() - started
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        kind = kind_of(path)
        content_type, well_formed = _EXPECTED[kind]
        problem = None
        if status != 200:
            problem = f"answered {status} {headers.get('Location', '')}"
        elif not (headers.get("Content-Type") or "").startswith(content_type):
            problem = f"is {headers.get('Content-Type')}, expected {content_type}"
        elif not well_formed(body):
            problem = f"is not a whole {kind} ({len(body)} bytes)"
        elif cookie and kind == "html" and b"/sign-out" not in body:
            problem = "was served to nobody signed in"
        if problem:
            raise AssertionError(f"{path} {problem}")
    return durations


_WRK_SCRIPT = """
local paths = {%s}
local position = 0
%s
%s
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
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    errors.connect + errors.read + errors.write + errors.status, errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(paths: list[str], cookie: str = "", accept_encoding: str = "") -> str:
    """The Lua script of a load on ``paths``, in turn, every request with ``cookie`` and
    ``accept_encoding`` (as ``Accept-Encoding``) if given."""
    cookie_header = f'wrk.headers["Cookie"] = {_lua_string(cookie)}' if cookie else ""
    encoding_header = (
        f'wrk.headers["Accept-Encoding"] = {_lua_string(accept_encoding)}'
        if accept_encoding
        else ""
    )
    paths_list = ", ".join(map(_lua_string, paths))
    return _WRK_SCRIPT % (paths_list, cookie_header, encoding_header)


def _wrk(base: str, paths: list[str], seconds: int, cookie: str, accept_encoding: str) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(paths, cookie, accept_encoding))
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
                f"{WRK_TIMEOUT_SECONDS}s",
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
    requests, errors, timeouts, duration_us, *percentiles = (int(value) for value in fields)
    # No answer within the run: its latency is longer than the run, unknown (wrk says 0).
    p50, p95, p99 = (value / 1000 if requests else math.inf for value in percentiles)
    return Load(requests, errors, timeouts, duration_us / 1e6, p50, p95, p99)


def load(
    server: "Server",
    paths: list[str],
    cookie: str = "",
    seconds: int = SECONDS,
    accept_encoding: str = "",
) -> Load:
    """wrk on ``paths`` for ``seconds`` after a one-second warm-up; refused on any error answer.

    wrk stops at the end of its run without waiting for the answers due: a slow page
    leaves the workers busy with requests nobody waits for any more. Each run starts
    once the server is idle again, so that no page is measured behind another's queue.
    """
    _wrk(server.base, paths, 1, cookie, accept_encoding)  # warm-up: connections, caches
    wait_until_idle(server.pid)
    result = _wrk(server.base, paths, seconds, cookie, accept_encoding)
    wait_until_idle(server.pid)
    if result.requests < CLIENTS and seconds < WRK_TIMEOUT_SECONDS:
        # A page of seconds: too few answers for a percentile; a longer run gives some.
        result = _wrk(server.base, paths, WRK_TIMEOUT_SECONDS, cookie, accept_encoding)
        wait_until_idle(server.pid)
    if result.errors:
        raise AssertionError(f"{server.base}{paths[0]}: {result.errors} errors under load")
    return result


def _cpu_ticks(pids: list[int]) -> int:
    """CPU time used so far by ``pids`` (user and system, in clock ticks)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def wait_until_idle(master_pid: int, quiet_polls: int = 3, timeout: float = 120) -> None:
    """Wait until gunicorn's workers use no CPU for ``quiet_polls`` polls of 0.1 s in a row.

    A request still served burns CPU in its worker (rendering) or waits on a query:
    the workers count as idle only when none of them moved, polled until then.
    """
    deadline = time.monotonic() + timeout
    workers = [pid for pid, _mb in _children(master_pid)]
    last, quiet = _cpu_ticks(workers), 0
    while quiet < quiet_polls and time.monotonic() < deadline:
        time.sleep(0.1)  # the polling interval: the condition is checked after each
        now = _cpu_ticks(workers)
        quiet = quiet + 1 if now == last else 0
        last = now


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


def _totp_reader(url: str, email: str) -> Callable[[], tuple[str, int | None]]:
    """Reads the stored TOTP secret of ``email`` (and the last step it accepted)."""

    def read() -> tuple[str, int | None]:
        engine = sa.create_engine(url)
        try:
            with engine.connect() as connection:
                return connection.execute(
                    sa.text(
                        'SELECT t.secret, t.last_used_step FROM totp_credential t JOIN "user" u '
                        "ON u.id = t.user_id WHERE u.email = :email"
                    ),
                    {"email": email},
                ).one()
        finally:
            engine.dispose()

    return read


def sign_in_everyone(
    base: str, url: str, world: World | None, roles: set[str]
) -> dict[str | None, str]:
    """The ``Cookie`` header of each role's session (``None``: nobody signed in)."""
    cookies: dict[str | None, str] = {None: ""}
    accounts = {
        # Callables: the world is None where only public pages are loaded (SQLite).
        "member": lambda: (world.member_email, None),
        "secretariat": lambda: (SECRETARIAT_EMAIL, _totp_reader(url, SECRETARIAT_EMAIL)),
        "organiser": lambda: (ORGANISER_EMAIL, None),
    }
    for role in sorted(roles):
        email, totp = accounts[role]()
        cookies[role] = sessions.sign_in(base, email, DEMO_PASSWORD, totp)
    return cookies


@dataclass
class Measured:
    rows: list[Row]
    loads: dict[str, Load]
    #: The first request of each frozen artefact, in ms (the largest over its URLs).
    first: dict[str, float]
    rss_mb: list[float]


def endpoints_for(database_name: str) -> list[Endpoint]:
    groups = SQLITE_GROUPS if database_name == "sqlite" else GROUPS
    return [e for e in ENDPOINTS if e.group in groups and e.group in CHOSEN_GROUPS]


def prerender(url: str) -> dict[str, float]:
    """The worker's rendering of every published snapshot's public files, from scratch.

    Returns the seconds each kind of file took (the longest over snapshots and languages).
    The files kept by an earlier run are forgotten first, so that each render is a
    first one. Timed between the renders' signals: a file's figure includes the commit
    of the one before it.
    """
    from benchmarks.large_data import app_for
    from pact_tracker import signals
    from pact_tracker.events.models import SnapshotArtefact
    from pact_tracker.events.tasks import render_published_files
    from pact_tracker.extensions import db

    took: dict[str, float] = {}
    last = [time.perf_counter()]

    def rendered(_snapshot, kind: str, **_details) -> None:
        now = time.perf_counter()
        kind = kind.split(":")[0]  # "pdf:12": drawn with the comparison to snapshot 12
        took[kind] = max(took.get(kind, 0.0), now - last[0])
        last[0] = now

    def compressed(_snapshot, kind: str, **_details) -> None:
        rendered(_snapshot, f"{kind} gzip")  # the file's compressed copy, made after it

    app = app_for(url)
    with (
        app.app_context(),
        signals.snapshot_artefact_rendered.connected_to(rendered),
        signals.snapshot_artefact_compressed.connected_to(compressed),
    ):
        db.session.execute(sa.delete(SnapshotArtefact))
        db.session.commit()
        last[0] = time.perf_counter()
        while render_published_files() is not None:
            pass
        db.session.remove()
        db.engine.dispose()
    return took


def _prerender_rows(database_name: str, size: str, took: dict[str, float]) -> list[Row]:
    detail = "the worker's first render of one file, the longest of each kind: " + ", ".join(
        f"{kind} {seconds:.1f} s" for kind, seconds in sorted(took.items())
    )
    return [
        Row(f"snapshot first render {kind}", database_name, size, took[kind] * 1000, None,
            "ms", higher_is_better=False, detail=detail if kind == "pdf" else "")
        for kind in ("pdf", "xlsx") if kind in took
    ]  # fmt: skip


def settle(url: str) -> None:
    """Leave PostgreSQL as a server in service would be before the load, not busy behind it.

    Autovacuum may be off (it is on this machine) or not yet awake: without a vacuum
    the tables' visibility maps are unset (every index lookup visits the table) and
    the worker's fresh renders (hundreds of megabytes of files) are still being
    written out by the checkpointer while the pages are measured. Both happen once,
    here, as a server in service would have done them already.
    """
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("VACUUM (ANALYZE)")
                connection.exec_driver_sql("CHECKPOINT")
    finally:
        engine.dispose()


@dataclass
class _Size:
    """One data set under test: its database, the URLs of each endpoint, its servers."""

    name: str
    url: str
    paths: dict[str, list[str]]
    world: World | None
    result: Measured


def _prepare(database_name: str, size: str, url: str, endpoints: list[Endpoint]) -> _Size:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        world = find_world(connection) if any(e.group != "public" for e in endpoints) else None
        paths = {endpoint.name: endpoint.paths(connection, world) for endpoint in endpoints}
    engine.dispose()
    result = Measured([], {}, {}, [])
    if any(endpoint.group == "snapshot" for endpoint in endpoints):
        log(f"{database_name} {size}: rendering the published snapshots' files (the worker)")
        result.rows += _prerender_rows(database_name, size, prerender(url))
    settle(url)
    return _Size(size, url, paths, world, result)


def measure(database_name: str, urls: dict[str, str]) -> dict[str, Measured]:
    """Every endpoint on each data set of ``urls`` (``{size: url}``), one after the other.

    Each data set has its own servers, all started before the load; an endpoint is
    loaded on one size and at once on the next, so that what the machine does
    meanwhile (a neighbour, the host) weighs on both alike, and their ratio compares
    the data, not the minutes between two runs.
    """
    endpoints = endpoints_for(database_name)
    sizes = [_prepare(database_name, size, url, endpoints) for size, url in urls.items()]
    roles = {e.role for e in endpoints if e.role is not None}
    with contextlib.ExitStack() as stack:
        servers = {}
        for size in sizes:
            environment = _environment(size.url)
            ours = stack.enter_context(_gunicorn("wsgi:app", environment))
            floor = stack.enter_context(_gunicorn("benchmarks.floor_app:application", environment))
            cookies = sign_in_everyone(ours.base, size.url, size.world, roles)
            servers[size.name] = (ours, floor, cookies)
        for endpoint in endpoints:
            for size in sizes:
                ours, floor, cookies = servers[size.name]
                size.result.rows += _measure_endpoint(
                    endpoint, size.paths[endpoint.name], cookies[endpoint.role], ours, floor,
                    database_name, size.name, size.result,
                )  # fmt: skip
        for size in sizes:
            size.result.rss_mb = worker_rss_mb(servers[size.name][0].pid)
    for size in sizes:
        size.result.rows.append(_rss_row(database_name, size.name, size.result.rss_mb))
    return {size.name: size.result for size in sizes}


def _rss_row(database_name: str, size: str, rss_mb: list[float]) -> Row:
    return Row(
        "pages: gunicorn worker RSS",
        database_name,
        size,
        max(rss_mb),
        None,
        "MB",
        higher_is_better=False,
        detail="after the load; workers " + ", ".join(f"{mb:.0f}" for mb in rss_mb),
    )


def _measure_endpoint(
    endpoint: Endpoint,
    paths: list[str],
    cookie: str,
    ours: Server,
    floor: Server,
    database_name: str,
    size: str,
    result: Measured,
) -> list[Row]:
    durations = check(ours.base, paths, cookie, endpoint.accept_encoding)
    rows = []
    if endpoint.first_timed:
        result.first[endpoint.name] = max(durations.values()) * 1000
    measured = result.loads[endpoint.name] = load(
        ours, paths, cookie, accept_encoding=endpoint.accept_encoding
    )
    floor_load = load(floor, paths) if endpoint.has_floor else None
    log(f"{database_name} {size} {endpoint.name}: p95 {measured.p95:.1f} ms")
    detail = _detail(measured, floor_load)
    if endpoint.first_timed:
        detail += f"; first request {result.first[endpoint.name]:,.0f} ms"
    rows.insert(
        0,
        Row(f"page {endpoint.name}", database_name, size, measured.p95,
            floor_load.p95 if floor_load else None, "ms p95", higher_is_better=False,
            detail=detail),
    )  # fmt: skip
    return rows


def _detail(load: Load, floor: Load | None) -> str:
    text = f"p50 {load.p50:.1f} p99 {load.p99:.1f} ms, {load.throughput:.0f} req/s"
    if not load.requests:
        text = f"no answer within the {load.seconds:.0f} s run"
    if load.timeouts:
        text += f", {load.timeouts} timed out (> {WRK_TIMEOUT_SECONDS} s)"
    if floor:
        text += f"; floor p50 {floor.p50:.1f} p99 {floor.p99:.1f} ms, {floor.throughput:.0f} req/s"
    return text


def load_small_demo(url: str) -> str:
    """The small demo (with its events, snapshots and campaign) in the database at ``url``."""
    from benchmarks.large_data import app_for
    from pact_tracker.demo import SCALES, load_demo
    from pact_tracker.extensions import db
    from pact_tracker.reference.services import load_reference_data

    app = app_for(url)
    with app.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        load_demo(SCALES["small"], seed=1)
        db.session.remove()
        db.engine.dispose()
    return url


def _p95(load: Load) -> str:
    return f"{load.p95:,.1f}" if load.requests else f"(none in {load.seconds:.0f} s)"


def goals(small: Measured, large: Measured) -> str:
    """Every endpoint measured on both sizes with its verdict, and the workers' memory."""
    lines = [
        f"page goals on PostgreSQL (large: p95 < {GOAL_P95_MS} ms; p95 large / small ≤ "
        f"{GOAL_GROWTH}; exports and charts after their first request):"
    ]
    missed = 0
    for name, on_large in large.loads.items():
        on_small = small.loads.get(name)
        if on_small is None:
            continue
        growth = on_large.p95 / on_small.p95 if on_small.requests and on_large.requests else None
        met = on_large.meets_goal() and growth is not None and growth <= GOAL_GROWTH
        missed += not met
        first = f"; first request {large.first[name]:,.0f} ms" if name in large.first else ""
        lines.append(
            f"  {name}: p95 {_p95(on_small)} → {_p95(on_large)} ms, "
            f"×{'–' if growth is None else f'{growth:.2f}'}{first}"
            f"{f', {on_large.timeouts} timed out' if on_large.timeouts else ''}"
            f" [{'ok' if met else 'MISSED'}]"
        )
    biggest = max(large.rss_mb, default=0.0)
    lines.append(
        f"  gunicorn worker RSS after the load on the large data: max {biggest:.0f} MB "
        f"(goal < {GOAL_WORKER_MB}) [{'ok' if biggest < GOAL_WORKER_MB else 'MISSED'}]"
    )
    lines.append(f"  {missed} of {len(lines) - 2} pages missed their goals")
    return "\n".join(lines)


def run(database: Database) -> list[Row]:
    urls = {"small": load_small_demo(database.url)}
    if database.name == "postgresql":
        urls["large"] = ensure_loaded()
    measured = measure(database.name, urls)
    rows = [row for size in urls for row in measured[size].rows]
    if "large" in measured:
        rows[-1] = dataclasses.replace(rows[-1], note=goals(measured["small"], measured["large"]))
    return rows
