"""Journey: an organisation applies to join, the secretariat approves it, the public sees it."""

import uuid

from playwright.sync_api import Page, expect


def _flash(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def test_organisation_applies_and_the_secretariat_approves_it(
    page, new_page, world, sign_in_secretariat
):
    secretariat = world.secretariat()
    name = world.unique("Brussels Solidarity Foundation")
    contact = f"applicant-{uuid.uuid4().hex[:10]}@example.org"

    # The organisation applies.
    page.goto("/")
    page.get_by_role("link", name="Read the manifesto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The coalition's manifesto")
    page.get_by_role("main").get_by_role("link", name="Join the coalition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the coalition")
    page.get_by_label("Name of the organisation").fill(name)
    page.get_by_label("Acronym (optional)").fill("BSF")
    page.get_by_label("Type of organisation").select_option(label="Foundation")
    page.get_by_label("Country").select_option(label="Belgium")
    page.get_by_label("Town or area (optional)").fill("Brussels")
    page.get_by_label("Website (optional)").fill("https://bsf.example.org")
    page.get_by_label("What your organisation does (optional)").fill(
        "We fund *social cooperatives* in Brussels."
    )
    page.get_by_label("Your name").fill("Alex Applicant")
    page.get_by_label("Your email address").fill(contact)
    page.get_by_role("button", name="Send the application").click()
    # Joining means endorsing the manifesto: refused next to the box, nothing kept.
    manifesto_box = page.get_by_label("I endorse the coalition's manifesto")
    expect(page.locator("#accept_manifesto-errors")).to_have_text(
        "Joining means endorsing the manifesto."
    )
    expect(page.get_by_label("Name of the organisation")).to_have_value(name)
    manifesto_box.check()
    page.get_by_role("button", name="Send the application").click()
    expect(_flash(page, "Thank you: your application was received.")).to_be_visible()

    # Not public yet.
    page.goto("/signatories")
    page.get_by_label("Name or acronym").fill(name)
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("[data-list=signatories] tbody")).to_contain_text("No signatory matches.")

    # The secretariat reviews the application in the back office and approves it.
    admin = new_page("secretariat")
    sign_in_secretariat(admin, secretariat)
    admin.goto("/admin/")
    admin.get_by_role("navigation", name="Back office").get_by_role(
        "link", name="Applications"
    ).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Applications to join")
    admin.locator("[data-applications]").get_by_role("link", name=name).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Application of {name}")
    expect(admin.get_by_role("main")).to_contain_text(contact)
    admin.get_by_label("Message to the applicant").fill("Welcome to the coalition!")
    admin.get_by_role("button", name="Approve").click()
    expect(_flash(admin, f"{name} was approved and joins the coalition.")).to_be_visible()
    expect(_flash(admin, "will receive the decision by email")).to_be_visible()
    expect(admin.locator("[data-applications]").get_by_role("link", name=name)).to_have_count(0)

    # The signatory is now in the public directory, with its page.
    page.reload()
    rows = page.locator("[data-list=signatories] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Foundation")
    expect(rows.first).to_contain_text("Belgium")
    rows.first.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("[data-description] em")).to_have_text("social cooperatives")
    expect(page.locator("[data-profile]")).to_contain_text("Manifesto signed on")
