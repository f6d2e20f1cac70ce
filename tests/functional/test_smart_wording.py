"""The SMART check reads the wording: a vague commitment is not ready, and every point it
takes off is named beside its field on the member's pages (English and French) and in the API.
"""

import re
from datetime import date

import pytest

from pact_tracker.commitments.models import Indicator


@pytest.fixture
def own(make_signatory):
    return make_signatory(name="Coop Vague", slug="coop-vague")


@pytest.fixture
def owner(make_user, own):
    return make_user(name="Val Vague", signatory=own)


@pytest.fixture
def vague(db, make_commitment, own):
    """Issue 13's commitment: "Improve things", 0 -> 1 "things" by 2035."""
    commitment = make_commitment(
        signatory=own,
        title="Improve things",
        description="We want to improve things for the better in the coming years. " * 4,
        due_date=date(2035, 12, 31),
    )
    commitment.indicators = [Indicator(name="Things", unit="things", baseline=0, target=1)]
    db.session.flush()
    return commitment


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _item(page: str, code: str) -> str:
    """The list item or form note of the SMART part ``code``."""
    found = re.search(rf'<(li|div)[^>]*data-smart-code="{code}"[^>]*>.*?</\1>', page, re.S)
    assert found, f"no SMART part {code}"
    return " ".join(found.group(0).split())


def test_a_vague_commitment_is_not_ready_and_its_page_names_each_point_off(sign_in, owner, vague):
    client = sign_in(owner)
    url = f"/my/coop-vague/commitments/{vague.id}"
    page = _page(client, url)
    assert "ready to submit" not in page
    title = _item(page, "title_wording")
    assert 'data-smart-field="title"' in title and 'data-smart-points="10"' in title
    assert "<strong>Title</strong>" in title and "−10 points" in title
    assert "Vague wording in the title: “Improve”, “things”." in title
    unit = _item(page, "unit")
    assert "<strong>Indicators</strong>" in unit and "“things” is not a unit" in unit
    due = _item(page, "due_date")
    assert "The due date 2035-12-31 is past the programme's horizon, 2030-12-31" in due

    refused = client.post(f"{url}/submit")
    assert refused.status_code == 422
    assert "Vague wording in the title" in refused.get_data(as_text=True)


def test_the_edit_form_shows_each_point_off_beside_its_field(sign_in, owner, vague):
    page = _page(sign_in(owner), f"/my/coop-vague/commitments/{vague.id}/edit")
    title_field, description_field = page.index('id="title"'), page.index('id="description"')
    note = page.index('data-smart-note="title"')
    assert title_field < note < description_field
    assert "Vague wording in the title: “Improve”, “things”." in _item(page, "title_wording")
    due_field, indicators = page.index('id="due_date"'), page.index("data-indicator-rows")
    assert due_field < page.index('data-smart-note="due_date"') < indicators
    assert "By 31 Dec 2030 at the latest" in page or "By Dec 31, 2030 at the latest" in page


def test_the_points_off_are_named_in_french(sign_in, owner, vague):
    client = sign_in(owner)
    client.post("/language", data={"locale": "fr", "next": "/"})
    page = _page(client, f"/my/coop-vague/commitments/{vague.id}")
    title = _item(page, "title_wording")
    assert "<strong>Titre</strong>" in title and "−10 points" in title
    assert "Formulation vague dans le titre : « Improve », « things »." in title
    assert "« things » n'est pas une unité" in _item(page, "unit")
    assert "au-delà de l'horizon du programme, 2030-12-31" in _item(page, "due_date")


def test_the_api_lists_each_point_off_with_its_field_points_and_words(
    client, token_for, owner, vague
):
    response = client.get(f"/api/v1/commitments/{vague.id}/smart", headers=token_for(owner))
    report = response.get_json()
    assert report["passed"] is False and report["horizon"] == "2030-12-31"
    missing = {part["code"]: part for part in report["missing"]}
    assert missing["title_wording"] == {
        "code": "title_wording",
        "field": "title",
        "points": 10,
        "terms": ["Improve", "things"],
        "message": "Vague wording in the title: “Improve”, “things”. Say what you will do and "
        "for whom, with a number (e.g. train 200 young jobseekers, finance 30 cooperatives).",
    }
    assert missing["unit"]["terms"] == ["things"] and missing["due_date"]["field"] == "due_date"
    parts = report["missing"] + report["suggestions"]
    assert report["score"] == 100 - sum(part["points"] for part in parts)
