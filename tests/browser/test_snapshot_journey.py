"""Journey: an organiser opens a snapshot whose series has an earlier one, sees the charts and
the comparison, publishes it, filters its entries and downloads every export."""

import csv
import io
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pypdfium2
from playwright.sync_api import Page, expect

from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.events.models import Event
from pact_tracker.events.services import events as event_services
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.extensions import db


def _flash(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def _download(page: Page, export: str) -> bytes:
    with page.expect_download() as info:
        page.locator(f'[data-export="{export}"]').click()
    return Path(info.value.path()).read_bytes()


def _snapshot(title: str, event_id: int, *, publish: bool) -> int:
    event = db.session.get(Event, event_id)
    snapshot = snapshot_services.take_snapshot(utcnow(), title=title, event=event)
    if publish:
        snapshot_services.publish_snapshot(snapshot, None)
    snapshot_id = snapshot.id
    commit()
    db.session.close()
    return snapshot_id


def test_an_organiser_reads_compares_publishes_filters_and_exports_a_snapshot(
    page, world, sign_in, screenshot
):
    organiser = world.organiser()
    programme = world.programme_with_proposal()
    lyon = world.organisation(country="FR")
    dakar = world.organisation(country="SN", organisation_type="association")
    first_id, first_title = world.approved_commitment(lyon, programme_code=programme.code)
    _quiet_id, _ = world.approved_commitment(dakar, programme_code=programme.code)
    world.progress_report(dakar, _quiet_id, value=20, narrative="First cohort started.")

    tag = uuid.uuid4().hex[:6]
    series = event_services.create_series(
        {
            "name": f"Browser Summit {tag}",
            "rrule": "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10",
            "timezone": "Europe/Paris",
            "first_starts_at": datetime(2021, 6, 10, 8, 0, tzinfo=UTC),
        },
        None,
    )
    spring, autumn = (
        event.id for event in event_services.schedule_occurrences(series, count=2, actor=None)
    )
    commit()
    db.session.close()
    before_id = _snapshot(f"Summit {tag} one", spring, publish=True)
    # Between the two: a new commitment, and Lyon reports while Dakar stays quiet.
    new_id, new_title = world.approved_commitment(lyon, programme_code=programme.code)
    world.progress_report(lyon, first_id, value=30, narrative="Twelve people trained.")
    after_id = _snapshot(f"Summit {tag} two", autumn, publish=False)

    sign_in(page, organiser)
    page.goto("/snapshots")
    page.get_by_role("link", name=f"Summit {tag} two").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Summit {tag} two")
    expect(page.locator("[data-snapshot-status]")).to_have_text("Draft")

    # The charts are drawn: each image loaded, with a size.
    charts = page.locator("img[data-chart]")
    expect(charts).to_have_count(7)
    for index in range(7):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
        )
    expect(page.locator('[data-figure="commitments"]')).not_to_have_text("0")

    # The comparison with the series' earlier snapshot.
    comparison = page.locator("[data-comparison]")
    expect(comparison.locator("[data-compared]")).to_have_attribute(
        "data-compared", f"{before_id}-{after_id}"
    )
    expect(comparison.locator('[data-change="new"]')).not_to_have_text("0")
    comparison.get_by_text("New commitments (").click()
    expect(comparison.locator(f'li[data-commitment-id="{new_id}"]')).to_have_text(new_title)
    expect(comparison.locator('[data-signatories="reported"]')).to_contain_text(lyon.name)
    expect(comparison.locator('[data-signatories="gone_quiet"]')).to_contain_text(dakar.name)
    screenshot(page, "snapshot-draft")

    # Publish, confirming; the SHA-256 is shown after.
    publish = page.locator('[data-action="publish"]')
    publish.get_by_label("Yes, publish it").check()
    publish.get_by_role("button", name="Publish").click()
    expect(_flash(page, "The snapshot is published. Its SHA-256:")).to_be_visible()
    sha = page.locator("[data-sha256]").inner_text().strip()
    assert len(sha) == 64
    expect(page.locator("[data-snapshot-status]")).to_have_text("Published")

    # Filter the entries: this programme, then only Senegal.
    entries = page.get_by_role("search", name="Filter the commitments")
    entries.get_by_label("Programme").select_option(label=programme.name)
    entries.get_by_role("button", name="Filter").click()
    rows = page.locator('[data-list="entries"] tbody tr[data-commitment-id]')
    expect(rows).to_have_count(3)
    entries = page.get_by_role("search", name="Filter the commitments")
    entries.get_by_label("Country").select_option(label="Senegal")
    entries.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-commitment-id", str(_quiet_id))
    screenshot(page, "snapshot-filtered")

    # Every export.
    table = list(csv.DictReader(io.StringIO(_download(page, "csv").decode())))
    ids = {int(row["commitment_id"]) for row in table}
    assert {first_id, new_id, _quiet_id} <= ids
    assert next(r for r in table if int(r["commitment_id"]) == new_id)["title"] == new_title
    data = json.loads(_download(page, "json"))
    assert data["content_sha256"] == sha and {e["commitment_id"] for e in data["entries"]} == ids
    sheet = openpyxl.load_workbook(io.BytesIO(_download(page, "xlsx"))).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == ids
    package = json.loads(_download(page, "datapackage"))
    assert [f["name"] for f in package["resources"][0]["schema"]["fields"]] == list(table[0])
    pdf = pypdfium2.PdfDocument(_download(page, "pdf"))
    try:
        image = pdf[0].render(scale=1).to_pil().convert("L")
        dark = sum(count for count, shade in image.getcolors(256) if shade < 200)
        assert dark > 0.005 * image.width * image.height, "the PDF's first page is blank"
        assert f"Summit {tag} two" in pdf[0].get_textpage().get_text_range()
    finally:
        pdf.close()
