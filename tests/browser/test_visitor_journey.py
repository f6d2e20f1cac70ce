"""Journey: a visitor browses the signatories and filters the commitments by SDG goal."""

import re

from playwright.sync_api import Page, expect


def _rows(page: Page, list_name: str):
    return page.locator(f"[data-list={list_name}] tbody tr")


def test_visitor_browses_signatories_and_filters_commitments_by_goal(page, world):
    ocean = world.organisation(
        name=world.unique("Ocean Friends Association"),
        organisation_type="association",
        country="PT",
    )
    forest = world.organisation(
        name=world.unique("Forest Town Council"),
        organisation_type="local_authority",
        country="CL",
    )
    _ocean_id, ocean_title = world.approved_commitment(
        ocean, title=world.unique("Clean 40 km of coastline"), target="14.1"
    )
    _forest_id, forest_title = world.approved_commitment(
        forest, title=world.unique("Plant 10,000 native trees"), target="15.2"
    )

    # The directory, filtered by type and country, from the home page.
    page.goto("/")
    page.get_by_role("link", name="Browse the signatories").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signatories")
    page.get_by_label("Type of organisation").select_option(label="Association")
    page.get_by_label("Country").select_option(label="Portugal")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"organisation_type=association.*country=PT"))
    rows = _rows(page, "signatories")
    expect(rows.filter(has_text=ocean.name)).to_have_count(1)
    expect(rows.filter(has_text=forest.name)).to_have_count(0)
    for row in rows.all():
        expect(row.locator("td").nth(2)).to_have_text("Association")
        expect(row.locator("td").nth(3)).to_have_text("Portugal")
    expect(page.get_by_label("Type of organisation")).to_have_value("association")

    # A signatory's page, with its published commitment and its goal.
    rows.get_by_role("link", name=ocean.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ocean.name)
    profile = page.locator("[data-profile]")
    expect(profile).to_contain_text("Association")
    expect(profile).to_contain_text("Portugal")
    commitments = _rows(page, "commitments")
    expect(commitments).to_have_count(1)
    expect(commitments.first.get_by_role("link", name=ocean_title)).to_be_visible()
    expect(commitments.first.get_by_role("link", name="14 · Life below water")).to_be_visible()

    # The explorer, filtered by SDG goal: only commitments aiming at goal 14.
    page.goto("/")
    page.get_by_role("link", name="Explore the commitments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commitments")
    expect(_rows(page, "commitments").filter(has_text=forest_title)).to_have_count(1)
    page.get_by_label("SDG goal").select_option(label="14. Life below water")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]goal=14(&|$)"))
    rows = _rows(page, "commitments")
    expect(rows.filter(has_text=ocean_title)).to_have_count(1)
    expect(rows.filter(has_text=forest_title)).to_have_count(0)
    for row in rows.all():
        expect(row.get_by_role("link", name="14 · Life below water")).to_be_visible()
    count = page.locator("[data-result-count]")
    expect(count).to_have_attribute("data-result-count", str(rows.count()))

    # The shared URL gives the same list; the goal's chip leads to the goal's page.
    page.reload()
    expect(page.get_by_label("SDG goal")).to_have_value("14")
    expect(rows.filter(has_text=forest_title)).to_have_count(0)
    rows.filter(has_text=ocean_title).get_by_role("link", name="14 · Life below water").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Life below water")
    expect(_rows(page, "commitments").filter(has_text=ocean_title)).to_have_count(1)
    expect(_rows(page, "commitments").filter(has_text=forest_title)).to_have_count(0)
