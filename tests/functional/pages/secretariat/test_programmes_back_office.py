"""The back office's programmes and proposals: bilingual fields, errors next to fields."""

from pact_tracker.programmes.models import Programme, Proposal


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_creating_a_programme_with_its_goals(db, admin):
    response = admin.post(
        "/admin/programmes/new",
        data={
            "code": "CLEAN-EN",
            "name_en": "Clean energy",
            "name_fr": "Énergie propre",
            "description_en": "Power for all.",
            "description_fr": "De l'énergie pour tous.",
            "goal_numbers": ["7", "13"],
            "active": "y",
        },
    )
    assert response.status_code == 302
    programme = db.session.scalar(db.select(Programme).where(Programme.code == "CLEAN-EN"))
    assert programme.name_fr == "Énergie propre"
    assert [goal.number for goal in programme.goals] == [7, 13]
    page = text_of(admin.get("/admin/programmes"))
    assert "CLEAN-EN" in page and "Clean energy" in page


def test_a_bad_code_is_refused_next_to_the_field_and_nothing_is_written(db, admin):
    response = admin.post(
        "/admin/programmes/new",
        data={"code": "bad code!", "name_en": "Oops", "name_fr": "Oups"},
    )
    assert response.status_code == 422
    assert "2 to 32 capital letters" in text_of(response)
    assert db.session.scalar(db.select(Programme).where(Programme.name_en == "Oops")) is None


def test_editing_a_programme_deactivates_it(db, admin, make_programme):
    programme = make_programme(code="OLD-PRG")
    response = admin.post(
        "/admin/programmes/OLD-PRG/edit",
        data={"code": "OLD-PRG", "name_en": "Renamed", "name_fr": "Renommé", "goal_numbers": ["8"]},
    )
    assert response.status_code == 302
    db.session.refresh(programme)
    assert programme.name_en == "Renamed" and programme.active is False


def test_creating_and_editing_a_proposal_with_suggested_indicators(db, admin, make_programme):
    make_programme(code="JOBS")
    data = {
        "title_en": "Hire locally",
        "title_fr": "Embaucher localement",
        "text_en": "Hire people from the neighbourhood.",
        "text_fr": "Embaucher des personnes du quartier.",
        "organisation_type_codes": ["cooperative", "local_authority"],
        "target_codes": "8.5, 8.6",
        "dimension_codes": ["territorial_anchoring"],
        "indicators-0-name_en": "Local hires",
        "indicators-0-name_fr": "Embauches locales",
        "indicators-0-unit": "people",
        "indicators-0-direction": "increase",
        "indicators-0-dimension_code": "territorial_anchoring",
        "active": "y",
    }
    response = admin.post("/admin/programmes/JOBS/proposals/new", data=data)
    assert response.status_code == 302, text_of(response)
    proposal = db.session.scalar(db.select(Proposal).where(Proposal.title_en == "Hire locally"))
    assert [t.code for t in proposal.targets] == ["8.5", "8.6"]
    assert {t.code for t in proposal.organisation_types} == {"cooperative", "local_authority"}
    (indicator,) = proposal.indicators
    assert indicator.name_fr == "Embauches locales" and indicator.unit == "people"

    page = text_of(admin.get(f"/admin/proposals/{proposal.id}/edit"))
    assert 'value="Embauches locales"' in page and 'value="8.5, 8.6"' in page

    refused = admin.post(
        f"/admin/proposals/{proposal.id}/edit", data={**data, "target_codes": "99.9"}
    )
    assert refused.status_code == 422
    assert "Unknown SDG target" in text_of(refused)
    db.session.refresh(proposal)
    assert [t.code for t in proposal.targets] == ["8.5", "8.6"]


def test_a_proposal_needs_an_organisation_type(db, admin, make_programme):
    make_programme(code="JOBS")
    response = admin.post(
        "/admin/programmes/JOBS/proposals/new",
        data={"title_en": "No type", "title_fr": "Sans type"},
    )
    assert response.status_code == 422
    assert "Choose at least one type of organisation." in text_of(response)
    assert db.session.scalar(db.select(Proposal).where(Proposal.title_en == "No type")) is None
