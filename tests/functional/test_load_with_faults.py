"""Load with faults: progress reported under load, then under load across a database restart.

A gunicorn server (``wsgi:app``, two workers, production configuration: CSRF
and rate limits on) and a ``flask pact worker`` delivering a campaign to an
SMTP sink, on one database. Client threads on loopback, for
``LOAD_FAULTS_SECONDS`` (20 by default; 60 is the long form of the README):

- API reporters post progress updates with Bearer tokens;
- members signed in with their password report progress through the form
  (GET the page for its CSRF token, POST, redirected to the commitment);
- readers browse the public pages and the API.

Then the count: the test prints the requests accepted, the requests failed
and the rows found, and every accepted update is in the database.

1. ``test_load_loses_nothing``, on the configured database (SQLite or
   ``TEST_DATABASE_URL``): no request fails at all (no 5xx, nothing refused),
   the rows found are exactly the accepted updates, the worker finishes the
   campaign and every message reaches the sink once.
2. ``test_load_across_a_database_restart``, always on PostgreSQL: a private
   cluster this test starts (initdb and pg_ctl in a temporary directory, on a
   free port; the shared server the rest of the suite uses is never touched),
   restarted once in the middle of the load with ``pg_ctl restart -m fast``.
   Requests in flight during the restart may fail; every request that ended
   before it or began after it succeeds, without restarting gunicorn or the
   worker (``pool_pre_ping`` replaces the dead connections); nothing
   acknowledged is lost; the worker still finishes the campaign and every
   message reaches the sink (twice at most, under the same Message-ID, for
   one that was in flight when its outcome could not be written). SQLite has
   no server to restart, so this variant runs on PostgreSQL in both CI passes.
"""

import glob
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from http.client import HTTPException
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from process_log import ProcessLog, adopt, end_session
from smtp_sink import ProcessSink, free_port
from test_deployment_under_load import (
    CAMPAIGN_CONTENTS,
    Browser,
    Processes,
    _bearer,
    _people,
    answers_health,
    database,
)

from pact_tracker import create_app
from pact_tracker.auth.services import set_password
from pact_tracker.campaigns.models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus
from pact_tracker.coalition.models import Role, User
from pact_tracker.commitments.models import ProgressUpdate
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.services import load_reference_data

#: Seconds of load per variant: short in CI, ``LOAD_FAULTS_SECONDS=60`` for the long form.
LOAD_SECONDS = float(os.environ.get("LOAD_FAULTS_SECONDS", "20"))
#: The campaign's audience: a cooperative and its member each.
COOPERATIVES = 120
API_REPORTERS = 3
FORM_REPORTERS = 2
READERS = 2
PASSWORD = "load-with-faults-password"
NARRATIVE = "Faults report"

PUBLIC_READS = ("/", "/signatories", "/commitments", "/api/v1/signatories", "/api/v1/commitments")


def worker_settings(smtp_port: int) -> dict:
    """Short ticks; the campaign paced to last about half the load, so that it spans the restart.

    Short leases and back-off: a message whose outcome could not be written while the
    database was down is taken again within seconds, not after the default five minutes.
    """
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "WORKER_INTERVALS": {
            "dispatch-outbox": 0.2,
            "advance-campaigns": 0.3,
            "reclaim-leases": 1,
        },
        "OUTBOX_BATCH_SIZE": 10,
        "OUTBOX_LEASE_SECONDS": 5,
        "OUTBOX_RETRY_BASE_SECONDS": 1,
        "OUTBOX_RETRY_CAP_SECONDS": 2,
        "MAIL_RATE_PER_SECOND": max(COOPERATIVES / (LOAD_SECONDS * 0.6), 1),
        "MAIL_TIMEOUT": 10,
    }


# The database: the configured one, or a private PostgreSQL cluster.


class PrivateCluster:
    """A PostgreSQL cluster of our own in a temporary directory, to restart at will.

    Debian's ``initdb`` and ``pg_ctl`` refuse to run as root: as root they run as the
    ``postgres`` user (``runuser``), who owns the directory.
    """

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")) or [shutil.which("pg_ctl")]
        assert found[-1], "PostgreSQL's pg_ctl is needed (Debian: apt-get install postgresql)"
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="pact-faults-pg-"))
        self.data = self.directory / "data"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.postmaster: int | None = None

    def run(self, *args: str) -> None:
        subprocess.run(
            [*self.as_owner, str(self.bin / args[0]), *args[1:]],
            cwd=self.directory,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--no-locale", "--no-sync")  # fmt: skip
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self.pg_ctl("start", "-o", options)
        # pg_ctl starts the postmaster in a session of its own: checked at the end of the run.
        self.postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        adopt(self.postmaster, "private PostgreSQL cluster")

    def pg_ctl(self, *args: str) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"), "-w", *args)

    def restart(self) -> None:
        """Fast shutdown (every session cut, open transactions rolled back), then up again."""
        self.pg_ctl("restart", "-m", "fast")

    def remove(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.pg_ctl("stop", "-m", "immediate")
        finally:
            if self.postmaster:
                end_session(self.postmaster)
            shutil.rmtree(self.directory, ignore_errors=True)


# The load.


@dataclass
class Outcome:
    """One request: when it began and ended (monotonic seconds), and its answer (0: none)."""

    kind: str
    began: float
    ended: float
    status: int
    ok: bool


@dataclass
class Ledger:
    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: list[Outcome] = field(default_factory=list)
    #: Narratives of the updates acknowledged (201 from the API, a redirect from the form).
    accepted: list[str] = field(default_factory=list)
    #: Narratives of the updates not acknowledged: not written, or written with the answer lost.
    unanswered: list[str] = field(default_factory=list)

    def note(self, *_args) -> None:
        """``Browser`` reports each answer here; ``send`` below keeps the timings instead."""

    def send(self, kind: str, success: int, call, *args):
        """``call(*args)``: its reply if its status is ``success``, else None (noted as failed)."""
        began = time.monotonic()
        try:
            reply = call(*args)
        except (OSError, HTTPException):
            reply = None
        outcome = Outcome(
            kind,
            began,
            time.monotonic(),
            reply.status if reply else 0,
            bool(reply and reply.status == success),
        )
        with self.lock:
            self.outcomes.append(outcome)
        return reply if outcome.ok else None

    def write(self, narrative: str, acknowledged: bool) -> None:
        with self.lock:
            (self.accepted if acknowledged else self.unanswered).append(narrative)

    def failed(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.ok]


@dataclass
class Coalition:
    #: (commitment id, Bearer headers) of the members reporting through the API.
    api_reporters: list[tuple[int, dict]]
    #: (email, signatory slug, commitment id) of the members reporting through the form.
    form_reporters: list[tuple[str, str, int]]
    secretariat_headers: dict


def deploy_database(url: str) -> Coalition:
    """Migrations and lexicon as a deploy makes them, then the cooperatives written straight in."""
    app = create_app({"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            upgrade()
            load_reference_data()
            programme = Programme(code="FAULTS", name_en="Faults", name_fr="Pannes")
            db.session.add(programme)
            db.session.flush()
            people = _people(programme, "cooperative", COOPERATIVES, utcnow() + timedelta(days=90))
            api = [(commitment_id, _bearer(user)) for user, commitment_id in people[:20]]
            form = people[20 : 20 + FORM_REPORTERS]
            for user, _ in form:
                set_password(user, PASSWORD)
            secretariat = User(
                email="secretariat@faults.example.org", name="Sam", role=Role.secretariat
            )
            db.session.add(secretariat)
            db.session.flush()
            coalition = Coalition(
                api_reporters=api,
                form_reporters=[
                    (user.email, f"cooperative-{n + 20}", commitment_id)
                    for n, (user, commitment_id) in enumerate(form)
                ],
                secretariat_headers=_bearer(secretariat),
            )
            commit()
            db.session.remove()
        return coalition
    finally:
        with app.app_context():
            db.engine.dispose()


def start_campaign(base: str, ledger: Ledger, headers: dict) -> int:
    """Written and scheduled through the API before the load starts: the worker sends it."""
    secretariat = Browser(ledger, "10.9.0.1", headers)
    reply = secretariat.post_json(
        f"{base}/api/v1/campaigns",
        {
            "name": "Before the summit",
            "audience": {"organisation_types": ["cooperative"]},
            "contents": CAMPAIGN_CONTENTS,
        },
    )
    assert reply.status == 201, reply.body
    campaign_id = int(json.loads(reply.body)["id"])
    reply = secretariat.post_json(f"{base}/api/v1/campaigns/{campaign_id}/schedule", {})
    assert reply.status == 200, reply.body
    return campaign_id


def report_through_api(base, ledger: Ledger, reporters, number: int, stop: threading.Event):
    for n in itertools.count():
        if stop.is_set():
            return
        commitment_id, headers = reporters[(number + n * API_REPORTERS) % len(reporters)]
        narrative = f"{NARRATIVE} api-{number}-{n}"
        person = Browser(ledger, f"10.1.{number}.1", headers)
        reply = ledger.send(
            "api write",
            201,
            person.post_json,
            f"{base}/api/v1/commitments/{commitment_id}/updates",
            {"status": "on_track", "percent_complete": n % 101, "narrative": narrative},
        )
        ledger.write(narrative, reply is not None)


def report_through_form(base, ledger: Ledger, reporter, number: int, stop: threading.Event):
    email, slug, commitment_id = reporter
    person = Browser(ledger, f"10.2.{number}.1")
    page = person.get(f"{base}/sign-in")
    reply = person.post_form(
        f"{base}/sign-in",
        {"csrf_token": page.csrf_token(), "email": email, "password": PASSWORD, "next": ""},
    )
    assert reply.status == 302, (reply.status, "signing in")
    url = f"{base}/my/{slug}/commitments/{commitment_id}/progress"
    for n in itertools.count():
        if stop.is_set():
            return
        page = ledger.send("form page", 200, person.get, url)
        if page is None:
            continue
        narrative = f"{NARRATIVE} form-{number}-{n}"
        fields = {
            "csrf_token": page.csrf_token(),
            "status": "on_track",
            "percent_complete": str(n % 101),
            "narrative": narrative,
        }
        reply = ledger.send("form write", 302, person.post_form, url, fields)
        ledger.write(narrative, reply is not None)


def read(base, ledger: Ledger, number: int, stop: threading.Event):
    reader = Browser(ledger, f"10.3.{number}.1")
    for n in itertools.count(number):
        if stop.is_set():
            return
        path = PUBLIC_READS[n % len(PUBLIC_READS)]
        ledger.send(f"read {path}", 200, reader.get, f"{base}{path}")


@dataclass
class Restart:
    began: float = 0.0
    ended: float = 0.0


def run_load(base: str, coalition: Coalition, ledger: Ledger, fault=None) -> Restart:
    """Every client for ``LOAD_SECONDS``; ``fault`` (the restart) halfway through."""
    stop = threading.Event()
    jobs = [
        lambda n=n: report_through_api(base, ledger, coalition.api_reporters, n, stop)
        for n in range(API_REPORTERS)
    ]
    jobs += [
        lambda n=n, r=r: report_through_form(base, ledger, r, n, stop)
        for n, r in enumerate(coalition.form_reporters)
    ]
    jobs += [lambda n=n: read(base, ledger, n, stop) for n in range(READERS)]
    failures: list[str] = []

    def guarded(job):
        try:
            job()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(repr(error))

    threads = [threading.Thread(target=guarded, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + LOAD_SECONDS
    restart = Restart()
    if fault is not None:
        stop.wait(LOAD_SECONDS / 2)
        restart.began = time.monotonic()
        fault()
        restart.ended = time.monotonic()
    stop.wait(max(deadline - time.monotonic(), 0))
    stop.set()
    for thread in threads:
        thread.join(90)
    # No deadlock: every client came back.
    assert [thread for thread in threads if thread.is_alive()] == []
    assert failures == []
    return restart


# The count.


@pytest.fixture
def show(capsys):
    """``show(text)`` prints to the test run's output, even when output is captured."""

    def write(text: str) -> None:
        with capsys.disabled():
            print(text)

    return write


def count(url: str, ledger: Ledger, title: str, show) -> list[str]:
    """Show what was accepted, failed and found; return the narratives found."""
    with database(url) as connection:
        found = connection.scalars(
            sa.select(ProgressUpdate.narrative).where(
                ProgressUpdate.narrative.like(f"{NARRATIVE} %")
            )
        ).all()
    failed = Counter(f"{o.kind}: {o.status or 'no answer'}" for o in ledger.failed())
    show(
        f"\n{title}: {len(ledger.outcomes)} requests in {LOAD_SECONDS:g} s; "
        f"updates accepted {len(ledger.accepted)}, requests failed {len(ledger.failed())}"
        f" {dict(failed)}, rows found {len(found)}"
    )
    return found


def check_campaign(url: str, campaign_id: int, sink: ProcessSink, log: ProcessLog, *, once: bool):
    """The worker finished the campaign; every message reached the sink (once, if ``once``)."""
    log.wait_line("advance-campaigns: started 0, finished 1", timeout=90)
    with database(url) as connection:
        status = connection.scalar(sa.select(Campaign.status).where(Campaign.id == campaign_id))
        assert status == CampaignStatus.finished
        rows = connection.execute(sa.select(OutboxMessage.message_id, OutboxMessage.status)).all()
    assert len(rows) == COOPERATIVES
    assert Counter(row.status for row in rows) == {OutboxStatus.sent: COOPERATIVES}
    received = Counter(message.message_id for message in sink.received)
    assert set(received) == {row.message_id for row in rows}
    assert max(received.values()) <= (1 if once else 2)


@pytest.fixture
def processes():
    """The gunicorn server, the worker and the SMTP sink, killed at the end whatever happened."""
    started: list[Processes] = []
    sinks: list[ProcessSink] = []

    def start(url: str) -> tuple[Processes, ProcessSink, str]:
        base = f"http://127.0.0.1:{free_port()}"
        group = Processes(url, ProcessLog(), base_url=base)
        started.append(group)
        sink = ProcessSink()
        sinks.append(sink)
        return group, sink, base

    try:
        yield start
    finally:
        try:
            for group in started:
                group.kill_all()
        finally:
            for sink in sinks:
                sink.stop()


def start_servers(group: Processes, sink: ProcessSink, base: str):
    web = group.web_server(int(base.rsplit(":", 1)[1]))
    worker = group.start(
        "worker", ["flask", "--app", "pact_tracker", "pact", "worker"], **worker_settings(sink.port)
    )
    group.log.wait_line(f"Listening at: {base}", 60)
    assert answers_health(base)(), f"{base} does not answer"
    return web, worker


def stop_servers(group: Processes, web, worker) -> None:
    assert group.terminate(worker) == 0
    assert group.terminate(web) == 0


@pytest.mark.slow
def test_load_loses_nothing(new_database, processes, show):
    url = new_database("load_faults")
    group, sink, base = processes(url)
    coalition = deploy_database(url)
    web, worker = start_servers(group, sink, base)
    ledger = Ledger()
    campaign_id = start_campaign(base, ledger, coalition.secretariat_headers)

    run_load(base, ledger=ledger, coalition=coalition)
    found = count(url, ledger, f"Load ({sa.make_url(url).get_backend_name()})", show)

    assert ledger.failed() == []
    assert len(ledger.accepted) > 0
    assert Counter(found) == Counter(ledger.accepted)
    assert {o.kind for o in ledger.outcomes} >= {"api write", "form write", "form page"}
    check_campaign(url, campaign_id, sink, group.log, once=True)
    stop_servers(group, web, worker)
    assert group.log.failures() == []


@pytest.fixture
def private_cluster():
    cluster = PrivateCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.mark.slow
def test_load_across_a_database_restart(private_cluster, processes, show):
    url = private_cluster.url
    group, sink, base = processes(url)
    coalition = deploy_database(url)
    web, worker = start_servers(group, sink, base)
    ledger = Ledger()
    campaign_id = start_campaign(base, ledger, coalition.secretariat_headers)

    restart = run_load(base, ledger=ledger, coalition=coalition, fault=private_cluster.restart)
    found = count(url, ledger, "Load across a PostgreSQL restart", show)

    # Nothing acknowledged is lost, and nothing was written that nobody sent. An update
    # whose answer was lost in the restart may or may not be there: the client could not know.
    assert Counter(found) - Counter(ledger.unanswered) == Counter(ledger.accepted)
    # Clients may fail only while the database restarts...
    outside = [o for o in ledger.failed() if o.ended < restart.began or o.began > restart.ended]
    assert outside == []
    # ...and are told to come back (503 and Retry-After), unless the answer was cut off.
    assert {o.status for o in ledger.failed()} <= {0, 503}
    # ...and the app recovered by itself: writes and reads succeeded after it.
    after = [o for o in ledger.outcomes if o.began > restart.ended and o.ok]
    assert {o.kind for o in after} >= {"api write", "form write", "form page"}
    assert worker.poll() is None and web.poll() is None
    check_campaign(url, campaign_id, sink, group.log, once=False)
    stop_servers(group, web, worker)


def test_unreachable_database_answers_503_with_retry_after(caplog):
    """Pages and API alike: 503, Retry-After and a message; the log names no statement."""
    nowhere = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/pact?connect_timeout=5"
    app = create_app(
        {
            "PACT_ENV": "production",
            "SECRET_KEY": "outage",
            "SQLALCHEMY_DATABASE_URI": nowhere,
            "RATELIMIT_SINGLE_PROCESS": True,
        }
    )
    client = app.test_client()
    try:
        page = client.get("/signatories", headers={"Accept-Language": "en"})
        api = client.get("/api/v1/signatories")
    finally:
        with app.app_context():
            db.engine.dispose()
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "briefly unavailable" in page.get_data(as_text=True)
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "5"
    assert api.get_json()["code"] == 503
    warnings = [r.getMessage() for r in caplog.records if r.name == "pact_tracker.core.database"]
    assert warnings and all("Database unreachable: OperationalError" in w for w in warnings)
    assert not any("SELECT" in w for w in warnings)
