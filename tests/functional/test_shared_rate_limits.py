"""Rate limits hold across processes, as across the hosts of a deployment.

With ``memory://`` storage each gunicorn worker counts on its own, and a client
gets each limit once per worker. Production therefore refuses to start with it
(``config.check_rate_limit_storage``) unless the operator says that one process
serves the app; ``PACT_RATELIMIT_STORAGE_URI=redis://...`` (README, "Deployment
past one machine") makes every process count in one place. Redis runs on this
machine (127.0.0.1:6379), as in CI; the keys of each test are its own and
removed afterwards.

The real limits, checked here under gunicorn with three workers: from one
address, the 11th wrong password within a minute is refused (429), and the 6th
sign-in link asked within an hour.
"""

import json
import os
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest
from process_log import ProcessLog
from smtp_sink import free_port
from test_deployment_under_load import REDIS_URL, Processes, answers_health, forget_rate_limits

from pact_tracker import create_app
from pact_tracker.extensions import db

#: Several processes each (``make test-fast`` leaves them out).
pytestmark = pytest.mark.slow

WORKERS = 3

#: One process: its own app with the shared storage, ``attempts`` wrong sign-ins from one
#: address; prints the status codes.
SIGN_IN_ATTEMPTS = """
import json, sys
from pact_tracker import create_app
app = create_app({"PACT_ENV": "production", "SECRET_KEY": "rate-limit-test",
                  "SQLALCHEMY_DATABASE_URI": sys.argv[1], "WTF_CSRF_ENABLED": False,
                  "RATELIMIT_STORAGE_URI": sys.argv[2], "RATELIMIT_KEY_PREFIX": sys.argv[3],
                  "SIGN_IN_RATE_LIMIT": "5 per minute"})
with app.app_context():
    from pact_tracker.extensions import db
    db.create_all()
client = app.test_client()
codes = [
    client.post("/sign-in", data={"email": "nobody@example.org", "password": "wrong"},
                environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code
    for _ in range(int(sys.argv[4]))
]
print(json.dumps(codes))
"""


@pytest.fixture
def key_prefix():
    prefix = f"pact-test-{uuid.uuid4().hex}"
    yield prefix
    forget_rate_limits(prefix)


def _attempts(database_url: str, prefix: str, count: int) -> list[int]:
    output = subprocess.run(
        [sys.executable, "-c", SIGN_IN_ATTEMPTS, database_url, REDIS_URL, prefix, str(count)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=120,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_two_processes_share_the_sign_in_limit(new_database, key_prefix):
    database_url = new_database("rate_limits")
    first = _attempts(database_url, key_prefix, 3)
    second = _attempts(database_url, key_prefix, 4)
    # Wrong passwords answer 200 with the form again; the sixth attempt of the
    # address, wherever it lands, is refused.
    assert first == [200, 200, 200]
    assert second == [200, 200, 429, 429]


# Under gunicorn, as deployed.


@pytest.fixture
def gunicorn(new_database):
    """``gunicorn(**settings)`` starts the app under gunicorn (``WORKERS`` workers, access log
    with the pid of the worker that answered); every process ended at the end."""
    url = new_database("gunicorn_limits")
    app = create_app({"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    base = f"http://127.0.0.1:{free_port()}"
    processes = Processes(url, ProcessLog(), base_url=base)

    def start(**settings):
        args = ["gunicorn", "wsgi:app", "--workers", str(WORKERS), "--bind", base[7:]]
        args += ["--no-control-socket", "--access-logfile", "-", "--access-logformat"]
        args += ["pid=%(p)s status=%(s)s %(m)s %(U)s"]
        return processes.start("web", args, WTF_CSRF_ENABLED=False, **settings), processes

    try:
        yield start
    finally:
        processes.kill_all()


def _post_at_once(base: str, path: str, fields: dict, count: int, address: str) -> list[int]:
    """``count`` POSTs sent together from one client address (as the balancer forwards it)."""
    opener = build_opener(_NoRedirects())
    ready = threading.Barrier(count)

    def post(_n):
        request = Request(  # noqa: S310 - http on loopback
            f"{base}{path}",
            data=urlencode(fields).encode(),
            headers={"X-Forwarded-For": address},
            method="POST",
        )
        ready.wait(30)
        try:
            with opener.open(request, timeout=60) as response:
                return response.status
        except HTTPError as error:
            return error.code

    with ThreadPoolExecutor(count) as pool:
        return sorted(pool.map(post, range(count)))


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_under_gunicorn_with_several_workers_redis_holds_the_documented_limits(
    gunicorn, key_prefix
):
    web, processes = gunicorn(
        RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=key_prefix, PROXY_HOPS=1
    )
    processes.log.wait_lines("Booting worker with pid", WORKERS, timeout=60)
    assert answers_health(processes.base_url)()

    passwords = _post_at_once(
        processes.base_url,
        "/sign-in",
        {"email": "nobody@example.org", "password": "wrong"},
        20,
        "203.0.113.7",
    )
    links = _post_at_once(
        processes.base_url, "/sign-in/link", {"email": "nobody@example.org"}, 8, "203.0.113.8"
    )

    # 10 wrong passwords a minute, 5 sign-in links an hour: for all workers together.
    assert passwords == [200] * 10 + [429] * 10
    assert links == [302] * 5 + [429] * 3
    served = {
        line.split("pid=")[1].split()[0]
        for line in processes.log.lines
        if "POST /sign-in" in line and "pid=" in line
    }
    assert len(served) >= 2, "one worker answered everything: the limits were not shared"
    assert processes.terminate(web) == 0


def test_production_under_several_gunicorn_workers_refuses_memory_storage(gunicorn):
    web, processes = gunicorn(RATELIMIT_STORAGE_URI="memory://")

    status = web.wait(60)
    processes.log.wait_line("<exited>")

    assert status != 0
    output = "\n".join(processes.log.lines)
    assert "Rate limits are counted in memory" in output
    assert "PACT_RATELIMIT_STORAGE_URI=redis://" in output
    assert "PACT_RATELIMIT_SINGLE_PROCESS=true" in output
