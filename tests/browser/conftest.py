"""A live server and a real Chromium (Debian's, driven by Playwright) for the journeys.

The server runs in a thread on its own database (a file for SQLite, a sibling
database for PostgreSQL), because the browser's requests cannot share the
rolled-back transaction of the ``db`` fixture. Screenshots of each test's last
page are kept in ``test-artifacts/screenshots/``.
"""

import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from pact_tracker import create_app
from pact_tracker.core.activity import commit
from pact_tracker.extensions import db
from pact_tracker.reference.services import load_reference_data

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_app(new_database):
    """The application the browser talks to, with CSRF on as in production."""
    app = create_app(
        {
            "PACT_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": new_database("browser"),
            "WTF_CSRF_ENABLED": True,
            "SIGN_IN_RATE_LIMIT": "1000 per minute",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_reference_data()
        commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """Serve ``live_app`` on a free loopback port for the whole run; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def live_db(live_app):
    """An app context on the live server's database, to arrange data for a journey."""
    with live_app.app_context():
        yield db
        db.session.remove()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context (no cookies) per test; its last screen is saved."""
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
