"""The page benchmark's harness against a live application on the small demo.

``make bench`` signs in as each role through the real forms (the secretariat
with its second factor) and loads every page with the session's cookie; a
harness that silently measured the sign-in page instead, or a URL that no
longer exists, would give fast and false figures. Here the same discovery of
URLs, sign-ins and first-fetch checks run against the application served on a
loopback port (CSRF on), without the load itself.
"""

import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

# The benchmarks are a directory of the repository, not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import page_load, sessions  # noqa: E402
from pact_tracker import create_app
from pact_tracker.core.activity import commit
from pact_tracker.demo import SCALES, load_demo
from pact_tracker.extensions import db
from pact_tracker.reference.services import load_reference_data

#: Renders every chart and export of a snapshot (a few seconds).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served_demo(new_database):
    """The small demo served on a free loopback port; yields (base URL, database URL)."""
    url = new_database("bench_harness")
    app = create_app(
        {
            "PACT_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": True,
            "SIGN_IN_RATE_LIMIT": "1000 per minute",
        }
    )
    with app.app_context():
        db.create_all()
        load_reference_data()
        commit()
        load_demo(SCALES["small"], seed=1)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", url
    finally:
        server.shutdown()
        thread.join()
        with app.app_context():
            db.engine.dispose()


def _world(url: str) -> tuple[page_load.World, dict[str, list[str]]]:
    """What the harness finds in the data: the accounts' world and every endpoint's URLs."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            world = page_load.find_world(connection)
            paths = {e.name: e.paths(connection, world) for e in page_load.ENDPOINTS}
    finally:
        engine.dispose()
    return world, paths


def test_every_page_of_every_role_answers_its_content_to_the_signed_in_role(served_demo):
    base, url = served_demo
    world, paths = _world(url)
    cookies = page_load.sign_in_everyone(base, url, world, {"member", "secretariat", "organiser"})

    checked = 0
    for endpoint in page_load.ENDPOINTS:
        assert paths[endpoint.name], endpoint.name
        # A few URLs of each endpoint: the benchmark checks them all, the way is the same.
        durations = page_load.check(
            base, paths[endpoint.name][:3], cookies[endpoint.role], endpoint.accept_encoding
        )
        checked += len(durations)

    groups = {endpoint.group for endpoint in page_load.ENDPOINTS}
    assert groups == set(page_load.GROUPS)
    assert checked >= len(page_load.ENDPOINTS)


def test_the_secretariat_signs_in_twice_in_a_row_with_its_second_factor(served_demo):
    base, url = served_demo
    world, _paths = _world(url)

    first = page_load.sign_in_everyone(base, url, world, {"secretariat"})["secretariat"]
    # The code of a step is accepted once: the second sign-in uses the next step's.
    second = page_load.sign_in_everyone(base, url, world, {"secretariat"})["secretariat"]

    assert first != second
    for cookie in (first, second):
        page_load.check(base, ["/admin/"], cookie)


def test_the_check_refuses_a_signed_in_page_without_its_session(served_demo):
    base, url = served_demo
    world, _paths = _world(url)
    member = page_load.sign_in_everyone(base, url, world, {"member"})["member"]

    with pytest.raises(AssertionError, match="answered 302"):
        page_load.check(base, ["/admin/review"], "")
    with pytest.raises(AssertionError, match="answered 403"):
        page_load.check(base, ["/admin/review"], member)


def test_a_wrong_password_stops_the_harness(served_demo):
    base, _url = served_demo

    with pytest.raises(sessions.SignInFailed, match="not a redirect"):
        sessions.sign_in(base, "organiser@demo.pact-impact.org", "not-the-password")


def test_the_load_script_sends_the_session_cookie_with_every_request():
    script = page_load.wrk_script(["/my/", '/a"b'], cookie="session=abc.def")

    assert 'wrk.headers["Cookie"] = "session=abc.def"' in script
    assert '"/my/", "/a\\"b"' in script
    assert "wrk.headers" not in page_load.wrk_script(["/"])


def test_the_snapshot_group_is_loaded_accepting_gzip_as_a_browser_does():
    snapshot_endpoints = [e for e in page_load.ENDPOINTS if e.group == "snapshot"]
    assert snapshot_endpoints
    assert all(e.accept_encoding == "gzip, deflate, br" for e in snapshot_endpoints)
    assert all(e.accept_encoding == "" for e in page_load.ENDPOINTS if e.group != "snapshot")
    script = page_load.wrk_script(["/snapshots/1/export.csv"], accept_encoding="gzip, br")
    assert 'wrk.headers["Accept-Encoding"] = "gzip, br"' in script
