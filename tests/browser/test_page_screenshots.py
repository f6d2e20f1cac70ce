"""The main pages, each with its heading, kept as full-page screenshots (test-artifacts/)."""

from playwright.sync_api import Page, expect


def _visit(page: Page, screenshot, name: str, path: str, heading: str) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    screenshot(page, name)


def test_main_pages_show_their_heading(
    page, new_page, world, sign_in, sign_in_secretariat, screenshot
):
    organisation = world.organisation(name=world.unique("Atelier coopératif du Rhône"))
    commitment_id, title = world.approved_commitment(
        organisation, title=world.unique("Hire 40 people far from employment")
    )
    world.progress_report(
        organisation,
        commitment_id,
        value=18,
        narrative="Eight people hired this quarter, **two** of them over fifty.",
    )
    _waiting_id, waiting_title = world.approved_commitment(
        organisation, title=world.unique("Open a second workshop"), approve=False
    )
    secretariat = world.secretariat()
    organiser = world.organiser()

    # The public pages.
    _visit(page, screenshot, "home", "/", "Pact for Impact")
    _visit(page, screenshot, "directory", "/signatories", "Signatories")
    _visit(page, screenshot, "signatory", f"/signatories/{organisation.slug}", organisation.name)
    _visit(page, screenshot, "explorer", "/commitments", "Commitments")
    _visit(page, screenshot, "commitment", f"/commitments/{commitment_id}", title)
    expect(page.locator("[data-narrative] strong")).to_have_text("two")
    _visit(page, screenshot, "sdg-goal", "/sdg/8", "Decent work and economic growth")
    expect(page.locator("[data-list=commitments]")).to_contain_text(title)

    # The member space.
    member = new_page("member")
    sign_in(member, organisation.member)
    _visit(
        member,
        screenshot,
        "member-commitments",
        f"/my/{organisation.slug}/commitments",
        organisation.name,
    )
    expect(member.locator("[data-commitments]")).to_contain_text(waiting_title)
    _visit(
        member,
        screenshot,
        "progress-form",
        f"/my/{organisation.slug}/commitments/{commitment_id}/progress",
        "Report progress",
    )

    # The secretariat's review queue, and the organisers' overview.
    admin = new_page("secretariat")
    sign_in_secretariat(admin, secretariat)
    _visit(admin, screenshot, "admin-review", "/admin/review", "Commitments waiting for review")
    expect(admin.locator("[data-review-queue]")).to_contain_text(waiting_title)
    events = new_page("organiser")
    sign_in(events, organiser)
    _visit(events, screenshot, "organiser-overview", "/organiser/", "Progress across the coalition")
