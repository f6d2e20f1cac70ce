"""Journey on the demo coalition: the organiser opens the latest published snapshot, reads its
charts and the comparison with the previous summit, filters its entries, downloads each export.

The demo loads only into an empty database, so this journey has a server and a database of
its own (the other journeys share one).
"""

import csv
import io
import json
import threading
from pathlib import Path

import openpyxl
import pypdfium2
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from pact_tracker import create_app
from pact_tracker.core.activity import commit
from pact_tracker.demo import DEMO_PASSWORD, SCALES, load_demo
from pact_tracker.demo.generate import ORGANISER_EMAIL
from pact_tracker.events.models import Snapshot, SnapshotStatus
from pact_tracker.extensions import db
from pact_tracker.reference.services import load_reference_data

EXPORTS = ("csv", "json", "xlsx", "pdf", "datapackage")


@pytest.fixture(scope="module")
def demo_server(new_database):
    """The demo coalition (small, seed 1) served on a free port; yields (base URL, snapshot)."""
    app = create_app(
        {
            "PACT_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": new_database("browser_demo"),
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        db.create_all()
        load_reference_data()
        commit()
        load_demo(SCALES["small"], seed=1)
        commit()
        latest = db.session.scalars(
            sa.select(Snapshot)
            .where(Snapshot.status == SnapshotStatus.published)
            .order_by(Snapshot.cutoff_at.desc())
        ).first()
        snapshot = (latest.id, latest.title, latest.entry_count)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", snapshot
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo_page(browser, demo_server):
    context = browser.new_context(base_url=demo_server[0], locale="en-GB", accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _download(page: Page, export: str) -> bytes:
    with page.expect_download() as info:
        page.locator(f'[data-export="{export}"]').click()
    return Path(info.value.path()).read_bytes()


def test_the_organiser_reads_the_demos_latest_snapshot_and_downloads_every_export(
    demo_page, demo_server, screenshot
):
    page = demo_page
    _url, (snapshot_id, title, entry_count) = demo_server
    page.goto("/sign-in")
    page.get_by_label("Email").fill(ORGANISER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Event Organiser")).to_be_visible()

    page.goto("/snapshots")
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    assert page.url.endswith(f"/snapshots/{snapshot_id}")

    # Every chart is an SVG that the browser drew (a broken image has no natural width).
    charts = page.locator("img[src*='/charts/']")
    expect(charts.first).to_be_visible()
    assert charts.count() == 7
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
        )

    # The comparison with the previous summit of the series is there at once.
    comparison = page.locator("[data-comparison]")
    expect(comparison).to_contain_text("New commitments (")
    expect(comparison).to_contain_text("Progress gained")
    screenshot(page, "demo-snapshot")

    # Filtering the entries narrows the list and keeps the filter in the address.
    count = page.locator("[data-result-count]")
    total = int(count.get_attribute("data-result-count"))
    assert total == entry_count
    entries = page.get_by_role("search", name="Filter the commitments")
    entries.get_by_label("Status").select_option("achieved")
    entries.get_by_role("button", name="Filter").click()
    expect(page.locator('[data-list="entries"] tbody tr[data-commitment-id]').first).to_be_visible()
    assert "status=achieved" in page.url
    assert 0 < int(count.get_attribute("data-result-count")) < total

    downloaded = {export: _download(page, export) for export in EXPORTS}
    rows = list(csv.DictReader(io.StringIO(downloaded["csv"].decode("utf-8-sig"))))
    assert len(rows) == entry_count
    assert len(json.loads(downloaded["json"])["entries"]) == len(rows)
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded["xlsx"])).active
    assert sheet.max_row == len(rows) + 1
    package = json.loads(downloaded["datapackage"])
    fields = [f["name"] for f in package["resources"][0]["schema"]["fields"]]
    assert fields == list(rows[0].keys())
    pdf = pypdfium2.PdfDocument(downloaded["pdf"])
    image = pdf[0].render(scale=1).to_pil().convert("L")
    low, high = image.getextrema()
    assert high - low > 100  # ink on the page, not a blank sheet
    pdf.close()
