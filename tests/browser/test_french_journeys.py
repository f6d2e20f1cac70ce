"""The journeys in French: the language is chosen with the button and remembered."""

import re

from playwright.sync_api import Page, expect


def _flash(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def _rows(page: Page, list_name: str):
    return page.locator(f"[data-list={list_name}] tbody tr")


def test_visitor_browses_in_french(page, world):
    finance = world.organisation(
        name=world.unique("Caisse solidaire de Dakar"),
        organisation_type="solidarity_finance",
        country="SN",
    )
    _id, water_title = world.approved_commitment(
        finance, title=world.unique("Raccorder 500 foyers à l'eau potable"), target="6.1"
    )
    _id, hunger_title = world.approved_commitment(
        finance, title=world.unique("Approvisionner trois cantines scolaires"), target="2.1"
    )

    page.goto("/")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="English")).to_be_visible()

    # The directory in French, reference data included.
    page.get_by_role("link", name="Parcourir les signataires").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signataires")
    kind = page.get_by_label("Type d'organisation")
    kind.select_option(label="Institution de finance solidaire")
    country = page.get_by_label("Pays")
    country.select_option(value="SN")
    expect(country.locator("option:checked")).to_have_text("Sénégal")
    page.get_by_role("button", name="Filtrer").click()
    rows = _rows(page, "signatories")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Institution de finance solidaire")
    expect(rows.first).to_contain_text("Sénégal")
    rows.first.get_by_role("link", name=finance.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(finance.name)
    expect(page.get_by_role("heading", name="Engagements publiés")).to_be_visible()
    expect(_rows(page, "commitments")).to_have_count(2)
    expect(_rows(page, "commitments").first.locator("[data-status]")).to_have_text("Approuvé")

    # The explorer in French, filtered by goal.
    page.goto("/commitments")
    expect(page.get_by_role("heading", level=1)).to_have_text("Engagements")
    page.get_by_label("Objectif de développement durable").select_option(
        label="6. Eau propre et assainissement"
    )
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"[?&]goal=6(&|$)"))
    rows = _rows(page, "commitments")
    expect(rows.filter(has_text=water_title)).to_have_count(1)
    expect(rows.filter(has_text=hunger_title)).to_have_count(0)
    for row in rows.all():
        expect(row.get_by_role("link", name="6 · Eau propre et assainissement")).to_be_visible()
    expect(rows.filter(has_text=water_title)).to_contain_text("Pas encore de rapport")
    rows.filter(has_text=water_title).get_by_role("link", name="6 · Eau propre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Eau propre et assainissement")
    expect(page.get_by_text("Objectif de développement durable 6")).to_be_visible()


def test_member_reports_and_corrects_progress_in_french(page, world, sign_in):
    organisation = world.organisation()
    commitment_id, title = world.approved_commitment(
        organisation, indicator=("Emplois créés", "emplois", 10, 50)
    )
    member = page

    # Signed in in English (the profile's language), the member switches to French.
    sign_in(member, organisation.member)
    member.goto(f"/my/{organisation.slug}/commitments")
    expect(member.get_by_role("button", name="Sign out")).to_be_visible()
    member.get_by_role("button", name="Français").click()
    expect(member.locator("html")).to_have_attribute("lang", "fr")
    expect(member.get_by_role("heading", name="Nos engagements")).to_be_visible()

    member.get_by_role("link", name=title, exact=True).click()
    member.locator("[data-actions]").get_by_role("link", name="Déclarer l'avancement").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Déclarer l'avancement")
    context = member.locator("[data-indicator-context]")
    expect(context).to_contain_text(re.compile(r"Valeur de référence\s?: 10"))
    expect(context).to_contain_text(re.compile(r"Cible\s?: 50"))
    member.get_by_label("Où en est-il ?").select_option(label="En bonne voie")
    member.get_by_label("Pourcentage d'achèvement").fill("40")
    member.get_by_label("Emplois créés (emplois)").fill("26")
    member.get_by_label("Ce qui s'est passé").fill(
        "Nous avons embauché **seize** personnes.\n\n- un tuteur pour chacune"
    )
    member.get_by_label("Preuve 1 : type").select_option(label="Témoignage")
    member.get_by_label("Preuve 1 : dimension d'impact").select_option(label="Performance sociale")
    member.get_by_label("Preuve 1 : titre").fill("Awa, embauchée en mars")
    member.get_by_role("button", name="Envoyer le rapport").click()

    expect(_flash(member, "Merci : votre rapport d'avancement a été enregistré.")).to_be_visible()
    report = member.locator("[data-timeline] [data-update-id]")
    expect(report).to_have_count(1)
    report_id = report.first.get_attribute("data-update-id")
    expect(report.first.get_by_role("heading", level=3)).to_contain_text(
        f"Rapport d'avancement n° {report_id} · En bonne voie · 40 %"
    )
    expect(report.first.locator("[data-narrative] strong")).to_have_text("seize")
    expect(report.first).to_contain_text(re.compile(r"Témoignage\s?: Awa, embauchée en mars"))

    report.first.get_by_role("link", name="Corriger ce rapport").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Corriger un rapport d'avancement")
    member.get_by_label("Emplois créés (emplois)").fill("30")
    member.get_by_label("Pourquoi est-il corrigé ?").fill("Quatre embauches oubliées.")
    member.get_by_role("button", name="Enregistrer la correction").click()
    expect(_flash(member, "Votre correction a été enregistrée")).to_be_visible()
    original = member.locator(f"[data-timeline] [data-update-id='{report_id}']")
    correction = member.locator("[data-timeline] [data-entry-kind=correction]")
    correction_id = correction.get_attribute("data-update-id")
    expect(original.locator("[data-superseded]")).to_have_text(f"Corrigé par le n° {correction_id}")
    expect(correction.get_by_role("heading", level=3)).to_contain_text(
        f"Correction du rapport n° {report_id}"
    )
    expect(correction).to_contain_text("Motif : Quatre embauches oubliées.")
    expect(member.locator("[data-indicators] [data-current-value]")).to_have_text("30")

    # The choice is remembered: signed out and in again, it is still French.
    member.get_by_role("button", name="Se déconnecter").click()
    expect(_flash(member, "Vous êtes déconnecté·e.")).to_be_visible()
    member.get_by_role("link", name="Se connecter").click()
    member.get_by_label("Adresse électronique").fill(organisation.member.email)
    member.get_by_label("Mot de passe").fill(organisation.member.password)
    member.get_by_role("button", name="Se connecter", exact=True).click()
    expect(_flash(member, f"Bienvenue, {organisation.member.name}.")).to_be_visible()
    member.goto(f"/commitments/{commitment_id}")
    expect(member.locator("html")).to_have_attribute("lang", "fr")
    timeline = member.locator("[data-list=timeline]")
    expect(timeline.locator("[data-superseded=true]")).to_contain_text(
        "Remplacé par une correction"
    )
    expect(member.locator("[data-current]")).to_have_text("30")
