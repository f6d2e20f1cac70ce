"""Journey: an organiser plans an event whose snapshot publishes at its start; the worker
publishes it then (not before); an anonymous visitor reads it, and its headline matches the
public CSV; renaming a signatory afterwards changes no byte of any export.

The worker's tick runs here with its clock set to the event's start (``worker.run_job``,
what ``flask pact worker`` runs every minute), so the journey does not wait for it.
"""

import csv
import io
import re
import uuid
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from pact_tracker import worker
from pact_tracker.coalition.models import Role, Signatory
from pact_tracker.coalition.services import people, signatories
from pact_tracker.commitments.models import Commitment
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.events.models import Event, Snapshot
from pact_tracker.events.services import events as event_services
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.extensions import db

PARIS = ZoneInfo("Europe/Paris")
EXPORTS = ("csv", "json", "xlsx", "pdf", "datapackage")
ADVANCE_EVENTS = next(job for job in worker.JOBS if job.name == "advance-events")


def _local(instant, *, seconds: bool = False) -> str:
    """``instant`` as a ``datetime-local`` input takes it, in Paris."""
    return instant.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M" + (":%S" if seconds else ""))


def _done() -> None:
    # An open transaction (BEGIN IMMEDIATE on SQLite) would keep the live server from writing.
    commit()
    db.session.close()


def _event_by_name(name: str) -> tuple[int, str, object]:
    event = db.session.scalar(sa.select(Event).where(Event.name == name))
    found = (event.id, event.slug, event.starts_at)
    _done()
    return found


def _snapshot_of(event_id: int) -> tuple[int, str] | None:
    snapshot = db.session.scalar(sa.select(Snapshot).where(Snapshot.event_id == event_id))
    found = (snapshot.id, str(snapshot.status)) if snapshot else None
    _done()
    return found


def _held_for_a_later_event(world, organisation, programme_code: str) -> tuple[int, str]:
    """A commitment the reviewer approved and held for another event: not public yet."""
    commitment_id, title = world.approved_commitment(
        organisation, programme_code=programme_code, approve=False
    )
    later = event_services.create_event(
        {
            "name": world.unique("Later summit"),
            "starts_at": utcnow() + timedelta(days=60),
            "timezone": "Europe/Paris",
            "wave_days": [],
        },
        None,
    )
    reviewer = people.create_user(
        f"reviewer-{uuid.uuid4().hex[:10]}@example.org", "Holding reviewer", Role.secretariat
    )
    event_services.approve_and_hold(
        db.session.get(Commitment, commitment_id), later, reviewer, "Fine"
    )
    _done()
    return commitment_id, title


def _download(page: Page, export: str) -> bytes:
    with page.expect_download() as info:
        page.locator(f'[data-export="{export}"]').click()
    return Path(info.value.path()).read_bytes()


def _every_export(page: Page) -> dict[str, bytes]:
    """Each export of the snapshot open in ``page``, and each of its charts, as bytes."""
    files = {export: _download(page, export) for export in EXPORTS}
    charts = page.locator("img[data-chart]")
    for index in range(charts.count()):
        chart = charts.nth(index)
        response = page.request.get(chart.get_attribute("src"))
        assert response.ok, chart.get_attribute("src")
        files[f"chart {chart.get_attribute('data-chart')}"] = response.body()
    return files


def test_the_worker_publishes_at_the_start_what_the_public_reads_and_a_rename_changes_nothing(
    page, new_page, world, live_app, sign_in, screenshot
):
    organiser = world.organiser()
    programme = world.programme_with_proposal()
    lyon = world.organisation(country="FR")
    dakar = world.organisation(country="SN", organisation_type="association")
    public_id, _public_title = world.approved_commitment(lyon, programme_code=programme.code)
    world.approved_commitment(dakar, programme_code=programme.code)
    held_id, _held_title = _held_for_a_later_event(world, dakar, programme.code)

    # The organiser plans the event: its cutoff is now (to the second, after everything above
    # was recorded), and it starts in ten minutes.
    cutoff = (utcnow() + timedelta(seconds=1)).replace(microsecond=0)
    name = f"Summit at the start {uuid.uuid4().hex[:6]}"
    sign_in(page, organiser)
    page.goto("/manage/events/new")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Timezone").fill("Europe/Paris")
    page.get_by_label("Starts (local time)").fill(_local(cutoff + timedelta(minutes=10)))
    page.get_by_label("Cutoff (local time)").fill(_local(cutoff, seconds=True))
    page.get_by_label("Reminder waves (days before the cutoff)").fill("")
    page.get_by_label("Publish its snapshot when the event starts").check()
    page.get_by_role("button", name="Create the event").click()
    expect(
        page.get_by_role("status").filter(has_text=f"The event “{name}” was created.")
    ).to_be_visible()
    expect(page.locator("[data-publish-at-start]")).to_have_text("Published when the event starts.")
    event_id, slug, starts_at = _event_by_name(name)
    screenshot(page, "event-publish-at-start")

    # Before the start the worker takes the snapshot (its cutoff passed) but keeps it a draft.
    while utcnow() < cutoff:  # a snapshot is never taken as of an instant still to come
        page.wait_for_timeout(50)
    worker.run_job(live_app, ADVANCE_EVENTS, clock=lambda: starts_at - timedelta(minutes=1))
    snapshot_id, status = _snapshot_of(event_id)
    assert status == "draft"
    visitor = new_page("visitor")
    assert visitor.goto(f"/snapshots/{snapshot_id}").status == 404

    # At the start it publishes it; a second run (or a second worker) changes nothing.
    worker.run_job(live_app, ADVANCE_EVENTS, clock=lambda: starts_at)
    assert _snapshot_of(event_id) == (snapshot_id, "published")
    worker.run_job(live_app, ADVANCE_EVENTS, clock=lambda: starts_at + timedelta(minutes=1))
    assert _snapshot_of(event_id) == (snapshot_id, "published")

    # An anonymous visitor reads it from the event's page.
    visitor.goto(f"/events/{slug}")
    expect(visitor.locator("[data-publish-at-start]")).to_have_text(
        "Published when the event starts."
    )
    visitor.locator("[data-snapshot-link]").click()
    expect(visitor.locator("[data-snapshot-status]")).to_have_text("Published")
    headline = int(re.sub(r"\D", "", visitor.locator('[data-figure="commitments"]').inner_text()))
    rows = list(csv.DictReader(io.StringIO(_download(visitor, "csv").decode())))
    ids = {int(row["commitment_id"]) for row in rows}
    assert public_id in ids and held_id not in ids  # held for a later event: not public
    assert headline == len(rows), "the public headline counts what the public CSV leaves out"

    # Renaming a signatory after publication changes no byte of any export.
    before = _every_export(visitor)
    signatory = db.session.scalar(sa.select(Signatory).where(Signatory.slug == lyon.slug))
    signatories.update_signatory(signatory, {"name": f"{lyon.name} renamed"}, None)
    _done()
    visitor.reload()
    after = _every_export(visitor)
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == [], f"exports changed by a rename: {changed}"
    assert snapshot_services.verify(db.session.get(Snapshot, snapshot_id))
    _done()
