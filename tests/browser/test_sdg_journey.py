"""Journey: a visitor reads the SDGs' targets and indicators, in English then in French."""

from playwright.sync_api import expect


def test_visitor_reads_the_sdg_indicators_in_both_languages(page, world):
    page.goto("/")
    page.get_by_role("link", name="All the goals, their targets and indicators").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sustainable Development Goals")
    expect(page.locator("[data-goal]")).to_have_count(17)
    expect(page.locator("[data-indicator]")).to_have_count(248)
    indicator = page.locator('[data-indicator="17.3.1"]')
    expect(indicator).to_contain_text("Additional financial resources mobilized")

    # A goal's own page shows the rows of its indicators under each target.
    page.get_by_role("link", name="SDG 15 · Life on land").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Life on land")
    mountains = page.locator('[data-target="15.4"] [data-indicator]')
    expect(mountains).to_have_count(2)
    expect(mountains.nth(1)).to_contain_text("(a) Mountain Green Cover Index")

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(mountains.nth(1)).to_contain_text(
        "a) Indice de couvert végétal montagneux et b) proportion des terres montagneuses dégradées"
    )
    page.get_by_role("link", name="Tous les objectifs, leurs cibles et leurs indicateurs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Objectifs de développement durable")
    expect(page.locator('[data-indicator="17.3.1"]')).to_contain_text(
        "Ressources financières supplémentaires mobilisées en faveur des pays en développement"
    )
    # No indicator is left in English on the French page.
    expect(page.locator("[data-indicator]").filter(has_text="Proportion of")).to_have_count(0)
