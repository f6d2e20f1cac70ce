"""Programmes and proposals: validation, list replacement, type filtering, activity log."""

import pytest

from pact_tracker.core.activity import Activity
from pact_tracker.core.errors import InvalidInput
from pact_tracker.programmes import services
from pact_tracker.programmes.models import Direction, Programme, Proposal, ProposalIndicator


def _programme_data(**overrides):
    data = {
        "code": "sse-fin",
        "name_en": "Solidarity finance",
        "name_fr": "Finance solidaire",
        "description_en": "Money that serves the territory.",
        "goal_numbers": [10, 8, 8],
    }
    data.update(overrides)
    return data


def _proposal_data(**overrides):
    data = {
        "title_en": "Open a solidarity savings account",
        "title_fr": "Ouvrir un livret d'épargne solidaire",
        "text_en": "Offer savers a product that funds local SSE enterprises.",
        "organisation_type_codes": ["solidarity_finance", "cooperative"],
        "target_codes": ["8.3", "8.10"],
        "dimension_codes": ["territorial_anchoring"],
        "indicators": [
            {
                "name_en": "Savings collected",
                "name_fr": "Épargne collectée",
                "unit": "EUR",
                "direction": "increase",
                "dimension_code": "economic_performance",
            }
        ],
    }
    data.update(overrides)
    return data


def test_create_programme_uppercases_the_code_links_goals_and_logs(db, secretariat, activities):
    programme = services.create_programme(_programme_data(), secretariat)
    assert programme.code == "SSE-FIN"
    assert [goal.number for goal in programme.goals] == [8, 10]
    assert programme.active is True
    (entry,) = activities("programme.created")
    assert entry.actor_id == secretariat.id
    assert entry.payload == {"code": "SSE-FIN", "goal_numbers": [8, 10]}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "A"}, "code"),
        ({"code": "SSE FIN"}, "code"),
        ({"code": "X" * 33}, "code"),
        ({"name_en": ""}, "name_en"),
        ({"name_fr": None}, "name_fr"),
        ({"goal_numbers": [0]}, "goal_numbers"),
        ({"goal_numbers": [18]}, "goal_numbers"),
        ({"goal_numbers": "8"}, "goal_numbers"),
        ({"active": "yes"}, "active"),
        ({"budget": 100}, "budget"),
    ],
)
def test_invalid_programme_names_the_field_and_writes_nothing(
    db, secretariat, count, overrides, field
):
    programmes, entries = count(Programme), count(Activity)
    with pytest.raises(InvalidInput) as raised:
        services.create_programme(_programme_data(**overrides), secretariat)
    assert list(raised.value.errors) == [field]
    assert (count(Programme), count(Activity)) == (programmes, entries)


def test_programme_code_must_be_unique(db, make_programme):
    make_programme(code="CLIMATE")
    with pytest.raises(InvalidInput) as raised:
        services.create_programme(_programme_data(code="climate"), None)
    assert raised.value.errors["code"] == ["The code CLIMATE is already used by another programme."]


def test_update_programme_replaces_goals_and_records_changes(
    db, make_programme, secretariat, activities
):
    programme = make_programme(code="JOBS")
    services.update_programme(programme, {"goal_numbers": [1, 8], "active": False}, secretariat)
    assert [goal.number for goal in programme.goals] == [1, 8]
    assert programme.active is False
    (entry,) = activities("programme.updated")
    assert entry.payload["changes"] == {
        "active": {"from": True, "to": False},
        "goal_numbers": {"from": [8], "to": [1, 8]},
    }


def test_update_programme_may_keep_its_own_code(db, make_programme, activities):
    programme = make_programme(code="JOBS")
    services.update_programme(programme, {"code": "jobs"}, None)
    assert programme.code == "JOBS"
    assert activities("programme.updated") == []


def test_create_proposal_links_everything_and_logs(db, make_programme, secretariat, activities):
    programme = make_programme(code="FIN")
    proposal = services.create_proposal(programme, _proposal_data(), secretariat)
    assert proposal.programme is programme
    assert [t.code for t in proposal.organisation_types] == ["cooperative", "solidarity_finance"]
    assert [t.code for t in proposal.targets] == ["8.10", "8.3"]
    assert [d.code for d in proposal.dimensions] == ["territorial_anchoring"]
    (indicator,) = proposal.indicators
    assert (indicator.unit, indicator.direction) == ("EUR", Direction.increase)
    assert indicator.dimension_code == "economic_performance"
    (entry,) = activities("proposal.created")
    assert entry.actor_id == secretariat.id
    assert entry.payload["programme"] == "FIN"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title_en": " "}, "title_en"),
        ({"title_fr": "t" * 201}, "title_fr"),
        ({"organisation_type_codes": []}, "organisation_type_codes"),
        ({"organisation_type_codes": ["cooperative", "guild"]}, "organisation_type_codes"),
        ({"target_codes": ["8.99"]}, "target_codes"),
        ({"dimension_codes": ["happiness"]}, "dimension_codes"),
        ({"indicators": [{"name_en": "Jobs", "name_fr": "Emplois"}]}, "indicators"),
        (
            {"indicators": [{"name_en": "J", "name_fr": "E", "unit": "u", "direction": "up"}]},
            "indicators",
        ),
        ({"indicators": "Jobs"}, "indicators"),
    ],
)
def test_invalid_proposal_names_the_field_and_writes_nothing(
    db, make_programme, count, overrides, field
):
    programme = make_programme()
    before = (count(Proposal), count(ProposalIndicator), count(Activity))
    with pytest.raises(InvalidInput) as raised:
        services.create_proposal(programme, _proposal_data(**overrides), None)
    assert list(raised.value.errors) == [field]
    assert (count(Proposal), count(ProposalIndicator), count(Activity)) == before


def test_indicator_errors_say_which_indicator_and_which_part(db, make_programme):
    bad = {"name_en": "Jobs", "name_fr": "Emplois", "unit": "", "dimension_code": "vibes"}
    with pytest.raises(InvalidInput) as raised:
        services.create_proposal(
            make_programme(),
            _proposal_data(indicators=[_proposal_data()["indicators"][0], bad]),
            None,
        )
    assert raised.value.errors["indicators"] == [
        "Indicator 2, unit: This field is required.",
        "Indicator 2, dimension_code: Unknown impact dimension 'vibes'.",
    ]


def test_update_proposal_replaces_the_lists_given_and_keeps_the_others(
    db, make_proposal, secretariat, activities, count
):
    proposal = make_proposal()
    services.update_proposal(
        proposal,
        {
            "organisation_type_codes": ["association"],
            "indicators": [{"name_en": "Members", "name_fr": "Adhérents", "unit": "people"}],
        },
        secretariat,
    )
    assert [t.code for t in proposal.organisation_types] == ["association"]
    assert [i.name_en for i in proposal.indicators] == ["Members"]
    assert [t.code for t in proposal.targets] == ["8.5"]
    assert count(ProposalIndicator) == 1
    changes = activities("proposal.updated")[0].payload["changes"]
    assert set(changes) == {"organisation_type_codes", "indicators"}
    assert changes["organisation_type_codes"] == {"from": ["cooperative"], "to": ["association"]}


def test_update_proposal_with_the_same_content_records_nothing(db, make_proposal, activities):
    proposal = make_proposal()
    (indicator,) = proposal.indicators
    services.update_proposal(
        proposal,
        {
            "title_en": proposal.title_en,
            "indicators": [{"name_en": "Jobs created", "name_fr": "Emplois créés", "unit": "jobs"}],
        },
        None,
    )
    assert proposal.indicators == [indicator]
    assert activities("proposal.updated") == []


def test_proposals_for_type_keeps_active_adapted_proposals(db, make_programme, make_proposal):
    programme = make_programme()
    for_coops = make_proposal(programme=programme)
    make_proposal(programme=programme, organisation_types=("state",))
    make_proposal(programme=programme, active=False)
    for_both = make_proposal(programme=programme, organisation_types=("state", "cooperative"))
    other = make_proposal()

    def ids(query):
        return [p.id for p in db.session.scalars(query)]

    assert ids(services.proposals_for_type("cooperative", programme)) == [for_coops.id, for_both.id]
    assert other.id in ids(services.proposals_for_type("cooperative"))
    assert ids(services.proposals_for_type(["cooperative", "state"], programme)) == [
        for_coops.id,
        for_coops.id + 1,
        for_both.id,
    ]


def test_proposals_of_an_inactive_programme_are_not_offered(db, make_programme, make_proposal):
    programme = make_programme(active=False)
    make_proposal(programme=programme)
    assert db.session.scalars(services.proposals_for_type("cooperative", programme)).all() == []
