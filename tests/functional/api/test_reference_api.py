"""The lexicon through the API: every text in English and French."""


def test_lists_the_17_goals_in_both_languages(client):
    goals = client.get("/api/v1/sdg/goals").get_json()
    assert [g["number"] for g in goals] == list(range(1, 18))
    assert goals[0]["short_en"] == "No poverty"
    assert goals[0]["short_fr"] == "Pas de pauvreté"
    assert goals[12]["colour"].startswith("#")


def test_lists_the_169_targets_in_both_languages(client):
    targets = client.get("/api/v1/sdg/targets").get_json()
    assert len(targets) == 169
    assert all(t["text_en"] and t["text_fr"] for t in targets)
    assert targets[0]["code"] == "1.1"


def test_targets_filter_by_goal(client):
    targets = client.get("/api/v1/sdg/targets?goal=17").get_json()
    assert len(targets) == 19
    assert {t["goal_number"] for t in targets} == {17}


def test_indicators_filter_by_target(client):
    indicators = client.get("/api/v1/sdg/indicators?target=1.1").get_json()
    assert [i["code"] for i in indicators] == ["1.1.1"]
    assert indicators[0]["text_fr"].startswith("Proportion")


def test_lists_organisation_types_and_the_four_impact_dimensions(client):
    types = client.get("/api/v1/organisation-types").get_json()
    assert {"state", "cooperative", "local_authority", "committed_company"} <= {
        t["code"] for t in types
    }
    assert next(t for t in types if t["code"] == "cooperative")["label_fr"] == "Coopérative"
    dimensions = client.get("/api/v1/impact-dimensions").get_json()
    assert [d["code"] for d in dimensions] == [
        "economic_performance",
        "social_performance",
        "territorial_anchoring",
        "societal_transformation",
    ]
    assert dimensions[2]["label_fr"] == "Ancrage territorial"


def test_countries_and_subdivisions(client):
    countries = client.get("/api/v1/countries").get_json()
    france = next(c for c in countries if c["code"] == "FR")
    assert france["name_fr"] == "France" and france["alpha3"] == "FRA"
    subdivisions = client.get("/api/v1/countries/fr/subdivisions").get_json()
    assert "FR-IDF" in {s["code"] for s in subdivisions}


def test_unknown_country_is_a_404_with_a_message(client):
    response = client.get("/api/v1/countries/XX/subdivisions")
    assert response.status_code == 404
    assert "XX" in response.get_json()["message"]


def test_unknown_goal_is_a_404(client):
    response = client.get("/api/v1/sdg/goals/18")
    assert response.status_code == 404
    assert response.get_json()["message"] == "No SDG goal 18."


def test_every_indicator_has_french_text_in_the_api(client):
    indicators = client.get("/api/v1/sdg/indicators?target=15.4").get_json()
    assert [i["code"] for i in indicators] == ["15.4.1", "15.4.2"]
    assert indicators[1]["text_fr"] == (
        "a) Indice de couvert végétal montagneux et b) proportion des terres montagneuses dégradées"
    )
