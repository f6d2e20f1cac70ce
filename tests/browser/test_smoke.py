"""The browser reaches the live server, and the language switch works by clicking."""

from playwright.sync_api import expect


def test_home_page_switches_to_french_and_remembers_it(page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pact for Impact")
    expect(page.locator("[data-figure=signatories]")).to_be_visible()
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
