"""The deployment of the README's "Deployment past one machine", run for real under load.

Two gunicorn servers (``wsgi:app``, two workers each, on two loopback ports:
two "hosts" behind a load balancer that this test plays), two ``flask pact
worker`` processes sharing the outbox, an SMTP sink in a process of its own
(``smtp_sink.ProcessSink``), all on one database, in the production
configuration (CSRF on, rate limits on and counted in Redis for every process,
``PACT_PROXY_HOPS=1`` so that each simulated person has their own forwarded
address). The schema is made as a
deploy makes it, once, before any process starts: the migrations (what
``flask db upgrade`` runs) and the reference data (``flask pact init``).

While client threads send each request of a journey to one server and the
next to the other (members reporting progress with Bearer tokens, the
secretariat writing and scheduling a campaign, organisations joining, people
signing in with an emailed link, readers of the public pages and API), the
workers deliver the campaign (a few hundred people), this week's reminder
digests and the sign-in links. Then: no 5xx; every acknowledged write is in
the database exactly once; every message reached the sink exactly once (by
Message-ID and by recipient); nothing is left unsent; the workers and the
servers stop cleanly on SIGTERM.

Both databases: the suite runs on SQLite and on PostgreSQL, and so does this
test. Only PostgreSQL is a deployment past one machine, but "several
processes on one host sharing one SQLite file" is how a single machine is
deployed, and the same promises (nothing lost, nothing twice) hold there on
the database's lock instead of row locks: checking them is not a pretence.
The one assertion that differs says so: on PostgreSQL both workers must have
delivered part of the outbox (``FOR UPDATE SKIP LOCKED``); on SQLite the
lock may let one worker take every batch.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest
import redis
import sqlalchemy as sa
from flask_migrate import upgrade
from process_log import ProcessLog, start_process, stop_process
from smtp_sink import ProcessSink, free_port

from pact_tracker import create_app
from pact_tracker.campaigns.models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus
from pact_tracker.coalition.models import Membership, Role, Signatory, SignatoryStatus, User
from pact_tracker.commitments.models import Commitment, CommitmentStatus, ProgressUpdate
from pact_tracker.core.activity import commit
from pact_tracker.core.tokens import issue_token
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.services import load_reference_data

#: Several processes each (``make test-fast`` leaves them out).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "deployment-under-load-secret"
#: Redis runs on this machine, as in CI (.ci/run checks it).
REDIS_URL = "redis://127.0.0.1:6379/0"

#: Cooperatives: the campaign's audience (one member each).
COOPERATIVES = 240
#: Associations whose report is due in ten days: one reminder digest each, this week.
ASSOCIATIONS = 60
#: Cooperative members with an API token, reporting progress.
REPORTERS = 40
REPORTS_EACH = 3
#: Cooperative members who sign in with an emailed link (not reporters).
LINK_USERS = 6
JOINERS = 16
DRAFTS = 5

#: Short ticks, so that the whole run stays within seconds.
WORKER_SETTINGS = {
    "WORKER_INTERVALS": {
        "dispatch-outbox": 0.2,
        "advance-campaigns": 0.3,
        "plan-reminders": 1,
        "reclaim-leases": 1,
    },
    "OUTBOX_BATCH_SIZE": 25,
    "MAIL_CONCURRENCY": 2,
    "MAIL_TIMEOUT": 10,
}

CAMPAIGN_CONTENTS = {
    "en": {
        "subject": "{{ signatory_name }}: your progress before the summit",
        "body": "Hello {{ recipient_name }},\n\nReport here: <{{ update_url }}>",
    },
    "fr": {
        "subject": "{{ signatory_name }} : votre avancement avant le sommet",
        "body": "Bonjour {{ recipient_name }},\n\nC'est ici : <{{ update_url }}>",
    },
}

PUBLIC_READS = (
    "/",
    "/signatories",
    "/commitments",
    "/manifesto",
    "/healthz",
    "/api/v1/signatories",
    "/api/v1/commitments",
)


# The processes.


class Processes:
    """Every process the test starts, each killed at the end whatever happened."""

    def __init__(self, url: str, log: ProcessLog, base_url: str):
        self.url = url
        #: The one public address of every server (the load balancer's), in links sent by mail.
        self.base_url = base_url
        self.log = log
        self.started: list[tuple[subprocess.Popen, threading.Thread]] = []
        #: Rate limits are counted in Redis for every process, as the README deploys them;
        #: under keys of this test's own, removed at the end.
        self.rate_limit_prefix = f"pact-test-{uuid.uuid4().hex}"

    def environment(self, **settings) -> dict[str, str]:
        env = {
            **os.environ,
            "PACT_ENV": "production",
            "PACT_SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": self.url,
            "PACT_PROXY_HOPS": "1",
            "PACT_BASE_URL": self.base_url,
            "PACT_RATELIMIT_STORAGE_URI": REDIS_URL,
            "PACT_RATELIMIT_KEY_PREFIX": self.rate_limit_prefix,
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("TEST_DATABASE_URL", None)
        for key, value in settings.items():
            env[f"PACT_{key}"] = json.dumps(value)
        return env

    def start(self, name: str, args: list[str], **settings) -> subprocess.Popen:
        # A session of its own: gunicorn's workers are ended with their master.
        process = start_process(
            [sys.executable, "-m", *args],
            name,
            cwd=ROOT,
            env=self.environment(**settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.started.append((process, self.log.follow(process, name)))
        return process

    def web_server(self, port: int) -> subprocess.Popen:
        # --preload: the app is imported once, before the fork (create_app opens no connection,
        # so each worker opens its own); no control socket: two servers share this machine.
        args = ["gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--preload"]
        args += ["--timeout", "30", "--graceful-timeout", "10", "--no-control-socket", "wsgi:app"]
        return self.start("web", args)

    def worker(self, smtp_port: int) -> subprocess.Popen:
        args = ["flask", "--app", "pact_tracker", "pact", "worker"]
        mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port}
        return self.start("worker", args, **mail, **WORKER_SETTINGS)

    def terminate(self, process: subprocess.Popen, timeout: float = 30) -> int:
        """SIGTERM, and its exit status once it has gone."""
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout)

    def kill_all(self) -> None:
        """SIGKILL each process and all it started, and wait; each one even if another failed."""
        for process, reader in self.started:
            try:
                stop_process(process, first=signal.SIGKILL)
            finally:
                reader.join(20)
                process.stdout.close()
        forget_rate_limits(self.rate_limit_prefix)


def forget_rate_limits(prefix: str) -> None:
    """Remove the Redis keys a test's processes counted rate limits under."""
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
    finally:
        connection.close()


# The people: HTTP clients.


@dataclass
class Reply:
    status: int
    body: str
    headers: dict = field(default_factory=dict)

    def csrf_token(self) -> str:
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.body)
        assert found, f"no CSRF token in the page ({self.status})"
        return found.group(1)


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Record:
    """One request and its answer, for the no-5xx check."""

    method: str
    url: str
    status: int


class Ledger:
    """Every answer given, and the writes acknowledged, by every client thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records: list[Record] = []
        self.reports: list[tuple[int, str]] = []  # (update id, narrative)
        self.joined: list[str] = []
        self.campaigns: list[tuple[int, str]] = []  # (id, name)
        self.signed_in: list[str] = []
        self.errors: list[str] = []

    def note(self, method: str, url: str, status: int) -> None:
        with self.lock:
            self.records.append(Record(method, url, status))

    def server_errors(self) -> list[Record]:
        return [record for record in self.records if record.status >= 500]


class Browser:
    """One person's browser: its cookies, and its address as the load balancer forwards it."""

    def __init__(self, ledger: Ledger, address: str, headers: dict | None = None):
        self.ledger = ledger
        self.address = address
        self.headers = headers or {}
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirects())

    def get(self, url: str) -> Reply:
        return self.send("GET", url)

    def post_form(self, url: str, fields: dict) -> Reply:
        body = urlencode(fields).encode()
        return self.send("POST", url, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, url: str, payload: dict) -> Reply:
        body = json.dumps(payload).encode()
        return self.send("POST", url, body, {"Content-Type": "application/json"})

    def send(self, method: str, url: str, body=None, headers=None) -> Reply:
        headers = {"X-Forwarded-For": self.address, **self.headers, **(headers or {})}
        request = Request(url, data=body, method=method, headers=headers)  # noqa: S310 - http only
        try:
            with self.opener.open(request, timeout=60) as response:
                reply = Reply(response.status, response.read().decode(), dict(response.headers))
        except HTTPError as error:
            reply = Reply(error.code, error.read().decode(), dict(error.headers))
        self.ledger.note(method, url, reply.status)
        return reply


def answers_health(base: str):
    def check():
        try:
            with build_opener().open(f"{base}/healthz", timeout=30) as response:
                return response.status == 200
        except (URLError, OSError):
            return False

    return check


# The coalition.


@dataclass
class Coalition:
    cooperatives: list[str]
    associations: list[str]
    #: (commitment id, Bearer headers) of each reporter.
    reporters: list[tuple[int, dict]]
    link_users: list[str]
    secretariat_headers: dict


def deploy_database(url: str) -> Coalition:
    """The schema and lexicon as a deploy makes them, then a coalition written straight in.

    ``flask db upgrade`` and ``flask pact init`` run here in-process (the same
    functions), which spares two imports of the app.
    """
    app = create_app({"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            upgrade()
            load_reference_data()
            programme = Programme(code="LOAD", name_en="Load", name_fr="Charge")
            db.session.add(programme)
            db.session.flush()
            now = utcnow()
            cooperatives = _people(programme, "cooperative", COOPERATIVES, now + timedelta(days=90))
            associations = _people(programme, "association", ASSOCIATIONS, now + timedelta(days=10))
            reporters = [
                (commitment_id, _bearer(user)) for user, commitment_id in cooperatives[:REPORTERS]
            ]
            secretariat = User(
                email="secretariat@load.example.org", name="Sam", role=Role.secretariat
            )
            db.session.add(secretariat)
            db.session.flush()
            coalition = Coalition(
                cooperatives=[user.email for user, _ in cooperatives],
                associations=[user.email for user, _ in associations],
                reporters=reporters,
                link_users=[user.email for user, _ in cooperatives[-LINK_USERS:]],
                secretariat_headers=_bearer(secretariat),
            )
            commit()
            db.session.remove()
        return coalition
    finally:
        with app.app_context():
            db.engine.dispose()


def _people(programme: Programme, kind: str, count: int, report_due_at) -> list[tuple]:
    """``count`` approved organisations of ``kind``, a member and an approved commitment each."""
    people = []
    for n in range(count):
        signatory = Signatory(
            name=f"{kind.title()} {n}",
            slug=f"{kind}-{n}",
            organisation_type_code=kind,
            country_code="FR",
            status=SignatoryStatus.approved,
            manifesto_signed_on=date(2025, 3, 4),
        )
        user = User(
            email=f"{kind}-{n}@load.example.org", name=f"Person {kind} {n}", role=Role.member
        )
        commitment = Commitment(
            signatory=signatory,
            programme=programme,
            title=f"Commitment of {kind} {n}",
            description="A commitment under load. " * 10,
            start_date=date(2026, 1, 1),
            due_date=date(2028, 12, 31),
            cadence_months=6,
            status=CommitmentStatus.approved,
            country_code="FR",
            approved_at=report_due_at - timedelta(days=200),
            published_at=report_due_at - timedelta(days=200),
            report_due_at=report_due_at,
            inactive_at=report_due_at + timedelta(days=180),
        )
        db.session.add_all(
            [signatory, user, commitment, Membership(user=user, signatory=signatory)]
        )
        people.append((user, commitment))
    db.session.flush()
    return [(user, commitment.id) for user, commitment in people]


def _bearer(user: User) -> dict:
    _token, secret = issue_token(user)
    return {"Authorization": f"Bearer {secret}"}


# The load: each journey sends its requests to one server, then the other.


def report_progress(servers, ledger: Ledger, reporters, offset: int) -> None:
    for n in range(REPORTS_EACH):
        for index, (commitment_id, headers) in enumerate(reporters):
            base = servers[(index + n + offset) % 2]
            narrative = f"Load report {offset}-{index}-{n}"
            person = Browser(ledger, f"10.1.{offset}.{index + 1}", headers)
            reply = person.post_json(
                f"{base}/api/v1/commitments/{commitment_id}/updates",
                {"status": "on_track", "percent_complete": 10 * n, "narrative": narrative},
            )
            if reply.status == 201:
                with ledger.lock:
                    ledger.reports.append((json.loads(reply.body)["id"], narrative))


def run_secretariat(servers, ledger: Ledger, headers: dict) -> None:
    """A campaign written on one server and scheduled on the other, then drafts."""
    secretariat = Browser(ledger, "10.2.0.1", headers)
    audience = {"organisation_types": ["cooperative"]}
    reply = secretariat.post_json(
        f"{servers[0]}/api/v1/campaigns",
        {"name": "Before the summit", "audience": audience, "contents": CAMPAIGN_CONTENTS},
    )
    assert reply.status == 201, reply.body
    campaign_id = json.loads(reply.body)["id"]
    with ledger.lock:
        ledger.campaigns.append((campaign_id, "Before the summit"))
    reply = secretariat.post_json(f"{servers[1]}/api/v1/campaigns/{campaign_id}/schedule", {})
    assert reply.status == 200, reply.body
    for n in range(DRAFTS):
        name = f"Draft {n}"
        reply = secretariat.post_json(
            f"{servers[n % 2]}/api/v1/campaigns", {"name": name, "contents": CAMPAIGN_CONTENTS}
        )
        if reply.status == 201:
            with ledger.lock:
                ledger.campaigns.append((json.loads(reply.body)["id"], name))


def join(servers, ledger: Ledger) -> None:
    """Organisations apply: the form from one server, posted to the other (CSRF across hosts)."""
    for n in range(JOINERS):
        applicant = Browser(ledger, f"10.3.0.{n + 1}")
        form = applicant.get(f"{servers[n % 2]}/join")
        name = f"Joining association {n}"
        reply = applicant.post_form(
            f"{servers[(n + 1) % 2]}/join",
            {
                "csrf_token": form.csrf_token(),
                "name": name,
                "organisation_type": "association",
                "country": "BE",
                "contact_name": f"Applicant {n}",
                "contact_email": f"applicant-{n}@joining.example.org",
                "contact_locale": "fr",
                "accept_manifesto": "y",
            },
        )
        if reply.status == 302:
            with ledger.lock:
                ledger.joined.append(name)
        else:
            ledger.errors.append(f"join {n}: {reply.status}")


def sign_in_with_links(servers, ledger: Ledger, emails: list[str], sink: ProcessSink) -> None:
    """Ask for a link on one server, use it on the other, see one's space on the first."""
    for n, email in enumerate(emails):
        person = Browser(ledger, f"10.4.0.{n + 1}")
        form = person.get(f"{servers[0]}/sign-in/link")
        reply = person.post_form(
            f"{servers[1]}/sign-in/link", {"csrf_token": form.csrf_token(), "email": email}
        )
        assert reply.status == 302, (reply.status, reply.headers, "asking for a link")
        path = _link_path(servers[0], _wait_for_sign_in_link(sink, email, timeout=60).text)
        page = person.get(f"{servers[0]}{path}")
        reply = person.post_form(f"{servers[1]}{path}", {"csrf_token": page.csrf_token()})
        assert reply.status == 302, (reply.status, reply.headers, "using the link")
        space = person.get(f"{servers[0]}/my/")
        if space.status == 200 and "Cooperative" in space.body:
            with ledger.lock:
                ledger.signed_in.append(email)
        else:
            ledger.errors.append(f"{email}'s space: {space.status}")


def _wait_for_sign_in_link(sink: ProcessSink, address: str, timeout: float):
    """The sign-in link's message to ``address`` (who gets the campaign as well)."""

    def arrived():
        return [m for m in sink.to(address) if "/sign-in/link/" in m.text]

    # ProcessSink notifies its condition on each message it reports.
    with sink._changed:
        assert sink._changed.wait_for(arrived, timeout), f"no sign-in link to {address}"
        return arrived()[0]


def _link_path(base_url: str, text: str) -> str:
    """The link's path; the link itself is on the public address (``PACT_BASE_URL``)."""
    found = re.search(r"(https?://[^/\s]+)(/sign-in/link/[A-Za-z0-9_\-]+)", text)
    assert found, text
    assert found.group(1) == base_url
    return found.group(2)


def read_public_pages(servers, ledger: Ledger, stop: threading.Event, offset: int) -> None:
    reader = Browser(ledger, f"10.5.0.{offset + 1}")
    n = offset
    while not stop.is_set():
        reply = reader.get(f"{servers[n % 2]}{PUBLIC_READS[n % len(PUBLIC_READS)]}")
        if reply.status != 200:
            ledger.errors.append(f"read {PUBLIC_READS[n % len(PUBLIC_READS)]}: {reply.status}")
        n += 1


def run_in_threads(jobs: dict) -> list[str]:
    """Run each ``name: callable`` in a thread; return what each raised, if anything."""
    failures: list[str] = []

    def guarded(name, job):
        try:
            job()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(f"{name}: {error!r}")

    threads = [
        threading.Thread(target=guarded, args=(name, job), name=name) for name, job in jobs.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return failures + [f"{t.name}: still running" for t in threads if t.is_alive()]


# The test.


@dataclass
class Deployment:
    processes: Processes
    sink: ProcessSink
    #: The two servers' addresses; the first stands for the load balancer's in links.
    servers: list[str]


@pytest.fixture
def deployment(new_database):
    """The processes on a new database, all killed at the end whatever happened."""
    servers = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    processes = Processes(new_database("deployment"), ProcessLog(), base_url=servers[0])
    sink = None
    try:
        sink = ProcessSink()
        yield Deployment(processes, sink, servers)
    finally:
        processes.kill_all()
        if sink is not None:
            sink.stop()


def test_two_servers_and_two_workers_under_load_lose_nothing_and_send_nothing_twice(deployment):
    processes, sink, servers = deployment.processes, deployment.sink, deployment.servers
    coalition = deploy_database(processes.url)
    web = [processes.web_server(int(base.rsplit(":", 1)[1])) for base in servers]
    workers = [processes.worker(sink.port) for _ in range(2)]
    for base in servers:
        # Once the socket listens, a request waits in its backlog for a worker to take it.
        processes.log.wait_line(f"Listening at: {base}", 60)
        assert answers_health(base)(), f"{base} does not answer"

    ledger = run_load(servers, coalition, sink)
    assert ledger.errors == []
    assert ledger.server_errors() == []

    sink.wait_for(COOPERATIVES + ASSOCIATIONS + LINK_USERS, timeout=60)
    processes.log.wait_line("advance-campaigns: started 0, finished 1", timeout=30)
    for process in workers:
        assert processes.terminate(process) == 0
    for process in web:
        assert processes.terminate(process) == 0
    sink.stop()  # every message it accepted is reported by now

    check_writes(processes.url, ledger)
    check_mail(processes.url, sink, coalition)
    check_worker_logs(processes.log, sa.make_url(processes.url).get_backend_name())


def run_load(servers: list[str], coalition: Coalition, sink: ProcessSink) -> Ledger:
    """Every journey at once, with readers on the public pages until the writers are done."""
    ledger = Ledger()
    stop_reading = threading.Event()
    readers = threading.Thread(
        target=lambda: ledger.errors.extend(
            run_in_threads(
                {
                    f"reader-{n}": lambda n=n: read_public_pages(servers, ledger, stop_reading, n)
                    for n in range(2)
                }
            )
        ),
        daemon=True,
    )
    readers.start()
    half = REPORTERS // 2
    ledger.errors += run_in_threads(
        {
            "reporters-0": lambda: report_progress(servers, ledger, coalition.reporters[:half], 0),
            "reporters-1": lambda: report_progress(servers, ledger, coalition.reporters[half:], 1),
            "secretariat": lambda: run_secretariat(servers, ledger, coalition.secretariat_headers),
            "joiners": lambda: join(servers, ledger),
            "sign-in-links": lambda: sign_in_with_links(
                servers, ledger, coalition.link_users, sink
            ),
        }
    )
    stop_reading.set()
    readers.join(60)
    assert not readers.is_alive()
    return ledger


def check_worker_logs(log: ProcessLog, backend: str) -> None:
    """Both workers stopped cleanly; on PostgreSQL both delivered part of the outbox."""
    assert len([line for line in log.lines if line.endswith("Worker stopped.")]) == 2
    assert log.failures() == []
    senders = {
        line.split("]")[0]
        for line in log.lines
        if "dispatch-outbox: claimed" in line and "claimed 0" not in line
    }
    assert len(senders) == 2 or backend == "sqlite"


def check_writes(url: str, ledger: Ledger) -> None:
    """Every acknowledged write is in the database, once; nothing unacknowledged was written."""
    assert len(ledger.reports) == REPORTERS * REPORTS_EACH
    assert len(ledger.joined) == JOINERS
    assert len(ledger.campaigns) == 1 + DRAFTS
    assert len(ledger.signed_in) == LINK_USERS
    with database(url) as connection:
        updates = connection.execute(
            sa.select(ProgressUpdate.id, ProgressUpdate.narrative).where(
                ProgressUpdate.narrative.like("Load report %")
            )
        ).all()
        assert sorted(map(tuple, updates)) == sorted(ledger.reports)
        joined = connection.scalars(
            sa.select(Signatory.name).where(Signatory.status == SignatoryStatus.applied)
        ).all()
        assert Counter(joined) == Counter(ledger.joined)
        campaigns = connection.execute(sa.select(Campaign.id, Campaign.name)).all()
        assert sorted(map(tuple, campaigns)) == sorted(ledger.campaigns)
        status = connection.scalar(
            sa.select(Campaign.status).where(Campaign.id == ledger.campaigns[0][0])
        )
        assert status == CampaignStatus.finished


def check_mail(url: str, sink: ProcessSink, coalition: Coalition) -> None:
    """Each outbox row sent, and received once under its Message-ID, by the right person."""
    with database(url) as connection:
        rows = connection.execute(
            sa.select(
                OutboxMessage.message_id,
                OutboxMessage.to_address,
                OutboxMessage.template,
                OutboxMessage.status,
            )
        ).all()
    assert Counter(row.status for row in rows) == {OutboxStatus.sent: len(rows)}
    received = Counter(message.message_id for message in sink.received)
    assert received == Counter({row.message_id: 1 for row in rows})
    by_template: dict[str, Counter] = {}
    for row in rows:
        by_template.setdefault(row.template, Counter())[row.to_address] += 1
    for message in sink.received:
        row = next(r for r in rows if r.message_id == message.message_id)
        assert message.recipient == row.to_address
    assert by_template.pop("sign_in_link") == Counter(coalition.link_users)
    assert by_template.pop("reminder_digest") == Counter(coalition.associations)
    campaign = by_template.popitem()
    assert campaign[1] == Counter(coalition.cooperatives)
    assert by_template == {}


class database:  # noqa: N801 - used as a function in ``with``
    """A short-lived connection to the deployment's database, for the checks."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url)

    def __enter__(self):
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *exc):
        self.connection.close()
        self.engine.dispose()
