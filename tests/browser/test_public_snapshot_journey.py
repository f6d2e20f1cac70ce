"""Journey: an anonymous visitor reads a published snapshot whose headline adds up to the public
CSV; renaming a signatory and a programme, and moving the signatory to another country, after
publication changes no byte of the page, its charts or any export."""

import csv
import io
import json
import re
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from pact_tracker.coalition.models import Signatory
from pact_tracker.commitments.models import Commitment, Visibility
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.events.models import Snapshot
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme

EXPORTS = ("csv", "json", "xlsx", "pdf", "datapackage")


def _download(page: Page, export: str) -> bytes:
    with page.expect_download() as info:
        page.locator(f'[data-export="{export}"]').click()
    return Path(info.value.path()).read_bytes()


def _everything(page: Page, snapshot_id: int) -> dict[str, bytes]:
    """The snapshot's page, each chart and each export, as the visitor's browser gets them."""
    page.goto(f"/snapshots/{snapshot_id}")
    files = {export: _download(page, export) for export in EXPORTS}
    charts = page.locator("img[data-chart]")
    expect(charts).to_have_count(7)
    for index in range(7):
        source = charts.nth(index).get_attribute("src")
        files[source] = page.request.get(source).body()
    html = page.request.get(f"/snapshots/{snapshot_id}").body()
    # A form's CSRF token belongs to the visitor's session, not to the snapshot.
    files["page"] = re.sub(rb'name="csrf_token"[^>]*value="[^"]*"', b"csrf", html)
    return files


def test_a_visitor_is_told_what_the_public_part_adds_up_to_and_renaming_changes_no_byte(
    page, world, screenshot
):
    programme = world.programme_with_proposal()
    lyon = world.organisation(country="FR")
    public_id, _title = world.approved_commitment(lyon, programme_code=programme.code)
    private_id, private_title = world.approved_commitment(lyon, programme_code=programme.code)
    db.session.get(Commitment, private_id).visibility = Visibility.private
    snapshot = snapshot_services.take_snapshot(
        utcnow(), title=f"Public part {uuid.uuid4().hex[:6]}"
    )
    snapshot_services.publish_snapshot(snapshot, None)
    snapshot_id = snapshot.id
    commit()
    db.session.close()

    page.goto(f"/snapshots/{snapshot_id}")
    headline = int(re.sub(r"\D", "", page.locator('[data-figure="commitments"]').inner_text()))
    rows = list(csv.DictReader(io.StringIO(_download(page, "csv").decode())))
    assert headline == len(rows)
    ids = {int(row["commitment_id"]) for row in rows}
    assert public_id in ids and private_id not in ids
    expect(page.get_by_text(private_title)).to_have_count(0)
    shown_hash = page.locator("[data-sha256]").inner_text().strip()
    assert json.loads(_download(page, "json"))["content_sha256"] == shown_hash
    screenshot(page, "snapshot-public-part")
    before = _everything(page, snapshot_id)

    signatory = db.session.scalar(db.select(Signatory).where(Signatory.slug == lyon.slug))
    signatory.name, signatory.country_code = f"{lyon.name} renamed", "BE"
    renamed = db.session.scalar(db.select(Programme).where(Programme.code == programme.code))
    renamed.name_en, renamed.name_fr = "A new name", "Un nouveau nom"
    commit()
    db.session.close()

    after = _everything(page, snapshot_id)
    assert after.keys() == before.keys()
    changed = [name for name, content in before.items() if after[name] != content]
    assert changed == []
    assert snapshot_services.verify(db.session.get(Snapshot, snapshot_id))
    db.session.close()
