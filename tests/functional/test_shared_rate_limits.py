"""Rate limits counted in Redis hold across processes, as across the hosts of a deployment.

With the default ``memory://`` storage each gunicorn worker counts on its own;
``PACT_RATELIMIT_STORAGE_URI=redis://...`` (README, "Deployment past one
machine") makes every process count in one place. Two processes here, each
with its own application, post wrong passwords from the same address: the
second is refused once both together reach the sign-in limit. Redis runs on
this machine (127.0.0.1:6379), as in CI; the keys of the test are its own and
removed afterwards.
"""

import json
import os
import subprocess
import sys
import uuid

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/0"

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
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)
    connection.close()


def _attempts(database_url: str, prefix: str, count: int) -> list[int]:
    output = subprocess.run(
        [sys.executable, "-c", SIGN_IN_ATTEMPTS, database_url, REDIS_URL, prefix, str(count)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
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
