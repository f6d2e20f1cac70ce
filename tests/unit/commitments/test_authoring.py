"""Writing commitments: from scratch, from a proposal, and editing drafts."""

from datetime import date
from decimal import Decimal

import pytest

from pact_tracker.commitments.models import (
    Commitment,
    CommitmentStatus,
    IndicatorValue,
    ProgressStatus,
    ProgressUpdate,
    StatusChange,
)
from pact_tracker.commitments.services import create_commitment, update_commitment
from pact_tracker.core.activity import Activity
from pact_tracker.core.errors import InvalidInput, InvalidTransition
from pact_tracker.core.types import utcnow


def _count(db, model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _custom(programme, **overrides):
    data = {
        "programme_id": programme.id,
        "title": "Open two repair cafés",
        "description": "Repair cafés in two districts.",
        "target_codes": ["12.5"],
        "start_date": date(2026, 1, 1),
        "due_date": date(2027, 6, 30),
    }
    data.update(overrides)
    return data


def test_adopting_a_proposal_copies_it_in_the_commitment_language(
    db, make_signatory, make_user, make_proposal
):
    signatory = make_signatory()
    member = make_user(signatory=signatory)
    proposal = make_proposal()
    data = {"proposal_id": proposal.id, "language": "fr", "due_date": "2028-01-01"}
    commitment = create_commitment(signatory, data, member)
    assert commitment.status == CommitmentStatus.draft
    assert commitment.proposal == proposal and commitment.programme == proposal.programme
    assert commitment.title == "Créer des emplois pour les personnes éloignées de l'emploi"
    assert commitment.description == proposal.text_fr
    assert [t.code for t in commitment.targets] == ["8.5"]
    assert [d.code for d in commitment.dimensions] == ["social_performance"]
    assert [(i.name, i.unit) for i in commitment.indicators] == [("Emplois créés", "jobs")]
    assert commitment.country_code == signatory.country_code
    first_step = db.session.scalars(
        db.select(StatusChange).where(StatusChange.commitment_id == commitment.id)
    ).one()
    assert (first_step.from_status, first_step.to_status) == (None, CommitmentStatus.draft)
    logged = db.session.scalars(
        db.select(Activity).where(Activity.subject_id == commitment.id)
    ).one()
    assert logged.action == "commitment.created" and logged.actor_id == member.id


def test_data_overrides_what_the_proposal_suggests(db, make_signatory, make_proposal):
    proposal = make_proposal()
    commitment = create_commitment(
        make_signatory(),
        {
            "proposal_id": proposal.id,
            "title": "Our own title",
            "due_date": date(2028, 1, 1),
            "indicators": [{"name": "Jobs", "unit": "jobs", "baseline": 2, "target": "12.5"}],
        },
        None,
    )
    assert commitment.title == "Our own title"
    assert [(i.name, i.baseline, i.target) for i in commitment.indicators] == [
        ("Jobs", Decimal("2"), Decimal("12.5"))
    ]


def test_a_proposal_for_another_type_of_organisation_is_refused(db, make_signatory, make_proposal):
    proposal = make_proposal(organisation_types=("state",))
    before = _count(db, Commitment)
    with pytest.raises(InvalidInput) as refused:
        create_commitment(
            make_signatory(), {"proposal_id": proposal.id, "due_date": date(2028, 1, 1)}, None
        )
    assert refused.value.errors["proposal_id"] == ["This proposal is not adapted to cooperatives."]
    assert _count(db, Commitment) == before


def test_plural_labels_in_the_refusal_read_naturally(db, make_signatory, make_proposal):
    proposal = make_proposal(organisation_types=("cooperative",))
    with pytest.raises(InvalidInput) as refused:
        create_commitment(
            make_signatory(organisation_type_code="local_authority"),
            {"proposal_id": proposal.id, "due_date": date(2028, 1, 1)},
            None,
        )
    assert refused.value.errors["proposal_id"] == [
        "This proposal is not adapted to local or regional authorities."
    ]


def test_an_inactive_or_unknown_proposal_is_refused(db, make_signatory, make_proposal):
    inactive = make_proposal(active=False)
    for proposal_id, message in ((inactive.id, "no longer offered"), (999999, "no proposal")):
        with pytest.raises(InvalidInput) as refused:
            create_commitment(make_signatory(), {"proposal_id": proposal_id}, None)
        assert message in refused.value.errors["proposal_id"][0]


def test_every_broken_rule_is_named_at_once(db, make_signatory, make_programme):
    data = _custom(
        make_programme(),
        title="",
        language="de",
        target_codes=["99.9"],
        scope="subnational",
        country_code="FR",
        subdivision_code="DE-BY",
        start_date="2027-01-01",
        due_date="2026-01-01",
        cadence_months=30,
        funding_amount="-5",
        visibility="secret",
        indicators=[{"name": "", "unit": "kg", "direction": "sideways"}],
        milestones=[{"title": "Launch"}],
        colour="red",
    )
    with pytest.raises(InvalidInput) as refused:
        create_commitment(make_signatory(), data, None)
    assert set(refused.value.errors) == {
        "title",
        "language",
        "target_codes",
        "subdivision_code",
        "due_date",
        "cadence_months",
        "funding_amount",
        "funding_currency",
        "visibility",
        "indicators[0].name",
        "indicators[0].direction",
        "milestones[0].due_date",
        "colour",
    }
    assert refused.value.errors["subdivision_code"] == ["DE-BY is not in FR."]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"programme_id": None}, "programme_id", "A programme is required"),
        ({"scope": "national", "country_code": None}, "country_code", "needs a country"),
        ({"scope": "subnational"}, "subdivision_code", "needs a subdivision"),
        ({"scope": "national", "subdivision_code": "FR-IDF"}, "subdivision_code", "Only a"),
        ({"funding_amount": 1000}, "funding_currency", "together"),
        ({"funding_amount": 10, "funding_currency": "XYZ"}, "funding_currency", "ISO 4217"),
        ({"funding_amount": "1e20", "funding_currency": "EUR"}, "funding_amount", "digits"),
        ({"title": "x" * 201}, "title", "At most 200"),
        ({"description": "nul\x00byte"}, "description", "NUL"),
        ({"dimension_codes": ["social\x00"]}, "dimension_codes", "NUL"),
        ({"cadence_months": 0}, "cadence_months", "between 1 and 24"),
    ],
)
def test_field_rules(db, make_signatory, make_programme, overrides, field, message):
    with pytest.raises(InvalidInput) as refused:
        create_commitment(make_signatory(), _custom(make_programme(), **overrides), None)
    assert message in refused.value.errors[field][0]


def test_funding_and_subnational_scope_are_accepted_when_consistent(
    db, make_signatory, make_programme
):
    commitment = create_commitment(
        make_signatory(),
        _custom(
            make_programme(),
            scope="subnational",
            subdivision_code="fr-idf",
            funding_amount="2500000.5",
            funding_currency="eur",
        ),
        None,
    )
    assert (commitment.country_code, commitment.subdivision_code) == ("FR", "FR-IDF")
    assert (commitment.funding_amount, commitment.funding_currency) == (
        Decimal("2500000.50"),
        "EUR",
    )


def test_update_replaces_lists_and_keeps_rows_named_by_id(db, make_commitment, secretariat):
    commitment = make_commitment()
    kept = commitment.indicators[0]
    update_commitment(
        commitment,
        {
            "title": "New title",
            "target_codes": ["4.3", "4.4"],
            "indicators": [
                {"id": kept.id, "name": "People trained", "unit": "people", "target": 250},
                {"name": "Trainers hired", "unit": "people"},
            ],
            "milestones": [{"title": "Cohort one", "due_date": "2026-09-01"}],
        },
        secretariat,
    )
    assert commitment.title == "New title"
    assert [t.code for t in commitment.targets] == ["4.3", "4.4"]
    assert [i.name for i in commitment.indicators] == ["People trained", "Trainers hired"]
    assert commitment.indicators[0].id == kept.id and kept.target == Decimal(250)
    assert [m.title for m in commitment.milestones] == ["Cohort one"]


def test_update_refuses_rows_of_another_commitment(db, make_commitment, secretariat):
    other = make_commitment()
    commitment = make_commitment()
    with pytest.raises(InvalidInput) as refused:
        update_commitment(
            commitment,
            {"indicators": [{"id": other.indicators[0].id, "name": "x", "unit": "u"}]},
            secretariat,
        )
    assert "does not belong" in refused.value.errors["indicators[0].id"][0]


def test_update_cannot_delete_an_indicator_that_has_values(db, make_commitment, secretariat):
    commitment = make_commitment()
    indicator = commitment.indicators[0]
    db.session.add(
        ProgressUpdate(
            commitment=commitment,
            reported_at=utcnow(),
            recorded_at=utcnow(),
            status=ProgressStatus.on_track,
            values=[IndicatorValue(indicator_id=indicator.id, value=5)],
        )
    )
    db.session.flush()
    with pytest.raises(InvalidInput) as refused:
        update_commitment(commitment, {"indicators": []}, secretariat)
    assert "already has reported values" in refused.value.errors["indicators"][0]
    assert commitment.indicators == [indicator]


def test_only_drafts_and_sent_back_commitments_can_be_edited(db, make_commitment, secretariat):
    commitment = make_commitment(status=CommitmentStatus.submitted)
    with pytest.raises(InvalidTransition, match="submitted"):
        update_commitment(commitment, {"title": "Sneaky"}, secretariat)
    assert commitment.title != "Sneaky"
