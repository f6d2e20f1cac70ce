"""The member's commitments: adopt, write, edit, submit, withdraw, and the SMART check."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from form_data import commitment_form

from pact_tracker.commitments import services as commitments
from pact_tracker.commitments.models import Commitment, CommitmentStatus
from pact_tracker.core.types import utcnow
from pact_tracker.events.services import events


def text(response) -> str:
    return response.get_data(as_text=True)


def _count_commitments(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Commitment))


def test_my_commitments_show_status_light_next_report_and_actions(
    member_client, own, approved, make_commitment, make_signatory
):
    draft = make_commitment(signatory=own, title="Plant a thousand trees")
    foreign = make_commitment(signatory=make_signatory(), title="Someone else's promise")
    page = text(member_client.get(f"/my/{own.slug}/commitments"))
    assert "Plant a thousand trees" in page and "Open three repair workshops" in page
    assert foreign.title not in page
    assert f'data-commitment-id="{draft.id}"' in page
    assert 'data-status="draft"' in page and 'data-status="approved"' in page
    assert 'data-reporting-state="on_time"' in page
    assert f"/my/{own.slug}/commitments/{approved.id}/progress" in page
    assert f"/my/{own.slug}/commitments/{draft.id}/edit" in page
    filtered = text(member_client.get(f"/my/{own.slug}/commitments?status=draft"))
    assert "Plant a thousand trees" in filtered and "Open three repair workshops" not in filtered


def test_a_member_lists_every_commitment_of_their_signatory_even_private_or_held_back(
    member_client, own, make_commitment, make_signatory
):
    private = make_commitment(
        signatory=own, status=CommitmentStatus.approved, visibility="private", title="Kept private"
    )
    held_back = make_commitment(
        signatory=own, status=CommitmentStatus.approved, title="Held back for the summit"
    )
    held_back.published_at = None
    foreign = make_commitment(
        signatory=make_signatory(), status=CommitmentStatus.approved, title="Published elsewhere"
    )
    page = text(member_client.get(f"/my/{own.slug}/commitments"))
    assert f'data-commitment-id="{private.id}"' in page and "Kept private" in page
    assert f'data-commitment-id="{held_back.id}"' in page and "Held back for the summit" in page
    assert f'data-commitment-id="{foreign.id}"' not in page and foreign.title not in page
    approved_only = text(member_client.get(f"/my/{own.slug}/commitments?status=approved"))
    assert "Kept private" in approved_only and "Held back for the summit" in approved_only


def test_proposals_are_those_adapted_to_my_type_grouped_by_programme(
    member_client, own, make_proposal, make_programme
):
    programme = make_programme(code="WORK", name_en="Decent work", name_fr="Travail décent")
    mine = make_proposal(programme=programme)
    make_proposal(programme=programme, organisation_types=("state",), title_en="For states only")
    make_proposal(programme=programme, active=False, title_en="Retired proposal")
    page = text(member_client.get(f"/my/{own.slug}/proposals"))
    assert 'data-programme="WORK"' in page and "Decent work" in page
    assert f'data-proposal-id="{mine.id}"' in page
    assert "For states only" not in page and "Retired proposal" not in page
    assert f"/my/{own.slug}/commitments/new?proposal={mine.id}" in page


def test_proposals_and_the_adoption_form_speak_the_page_language(member_client, own, make_proposal):
    proposal = make_proposal()
    member_client.post("/language", data={"locale": "fr", "next": "/"})
    page = text(member_client.get(f"/my/{own.slug}/proposals"))
    assert "Créer des emplois pour les personnes éloignées de l&#39;emploi" in page
    form = text(member_client.get(f"/my/{own.slug}/commitments/new?proposal={proposal.id}"))
    assert 'value="Créer des emplois pour les personnes éloignées de l&#39;emploi"' in form
    assert "Emplois créés" in form
    assert '<option selected value="fr">' in form


def test_adopting_a_proposal_pre_fills_the_form_from_it(member_client, own, make_proposal):
    proposal = make_proposal()
    page = text(member_client.get(f"/my/{own.slug}/commitments/new?proposal={proposal.id}"))
    assert 'value="Create jobs for people far from employment"' in page
    assert f'<option selected value="{proposal.programme_id}">' in page
    assert '<option selected value="8.5">' in page
    assert 'value="Jobs created"' in page
    assert re.search(r'checked[^>]*value="social_performance"', page)


def test_a_proposal_for_another_type_cannot_be_adopted(member_client, own, make_proposal):
    states_only = make_proposal(organisation_types=("state",))
    response = member_client.get(f"/my/{own.slug}/commitments/new?proposal={states_only.id}")
    assert response.status_code == 200  # shown, but the service refuses on save
    response = member_client.post(
        f"/my/{own.slug}/commitments/new?proposal={states_only.id}",
        data=commitment_form(states_only.programme_id, proposal_id=str(states_only.id)),
    )
    assert response.status_code == 422
    assert "not adapted to cooperatives" in text(response)


def test_adopt_submit_changes_requested_edit_resubmit(
    db, member_client, own, owner, make_proposal, secretariat
):
    proposal = make_proposal()
    before = _count_commitments(db)
    # The proposal as it comes: no baseline or target yet, a short text.
    page = text(member_client.get(f"/my/{own.slug}/commitments/new?proposal={proposal.id}"))
    assert "Jobs created" in page
    response = member_client.post(
        f"/my/{own.slug}/commitments/new?proposal={proposal.id}",
        data={
            "proposal_id": str(proposal.id),
            "title": "Create jobs for people far from employment",
            "description": "Hire and train people who have been out of work for a long time.",
            "language": "en",
            "programme_id": str(proposal.programme_id),
            "target_codes": ["8.5"],
            "scope": "national",
            "country_code": "FR",
            "start_date": "2026-01-01",
            "due_date": "2027-12-31",
            "cadence_months": "6",
            "visibility": "public",
            "indicators-0-name": "Jobs created",
            "indicators-0-unit": "jobs",
            "indicators-0-direction": "increase",
        },
    )
    assert response.status_code == 302
    assert _count_commitments(db) == before + 1
    commitment = db.session.scalars(
        sa.select(Commitment).order_by(Commitment.id.desc()).limit(1)
    ).one()
    assert commitment.proposal_id == proposal.id and commitment.status == CommitmentStatus.draft
    url = f"/my/{own.slug}/commitments/{commitment.id}"
    assert response.headers["Location"] == url

    page = text(member_client.get(url))
    assert "Your draft commitment was saved" in page
    assert 'data-smart-score="60"' in page
    assert "Add at least one indicator with a target value." in page
    assert "Describe the commitment in at least 200 characters" in page

    refused = member_client.post(f"{url}/submit")
    assert refused.status_code == 422
    page = text(refused)
    assert "not ready to submit" in page
    assert "Add at least one indicator with a target value." in page
    db.session.refresh(commitment)
    assert commitment.status == CommitmentStatus.draft

    indicator_id = commitment.indicators[0].id
    edit = commitment_form(
        proposal.programme_id,
        **{"indicators-0-id": str(indicator_id), "indicators-0-name": "Jobs created"},
    )
    assert member_client.post(f"{url}/edit", data=edit).status_code == 302
    response = member_client.post(f"{url}/submit")
    assert response.status_code == 302
    assert "was submitted" in text(member_client.get(url))
    db.session.refresh(commitment)
    assert commitment.status == CommitmentStatus.submitted
    assert member_client.get(f"{url}/edit").status_code == 403

    commitments.request_changes(commitment, secretariat, "Please name the districts **first**.")
    page = text(member_client.get(f"{url}/edit"))
    assert "The secretariat asks for changes" in page
    assert "Please name the districts <strong>first</strong>." in page
    edit["description"] = "Districts: Croix-Rousse, Guillotière, Vaise. " + edit["description"]
    edit["indicators-0-target"] = "12"
    assert member_client.post(f"{url}/edit", data=edit).status_code == 302
    assert member_client.post(f"{url}/submit").status_code == 302
    db.session.refresh(commitment)
    assert commitment.status == CommitmentStatus.submitted
    assert commitment.indicators[0].target == 12
    assert "Croix-Rousse" in commitment.description
    timeline = text(member_client.get(url))
    assert timeline.count('data-entry-kind="status_change"') == 4
    assert 'data-status="changes_requested"' in timeline


def test_a_custom_commitment_needs_a_programme_and_writes_nothing_without(
    db, member_client, own, make_programme
):
    make_programme()
    before = _count_commitments(db)
    response = member_client.post(
        f"/my/{own.slug}/commitments/new", data=commitment_form("", title="")
    )
    assert response.status_code == 422
    page = text(response)
    assert 'id="programme_id-errors"' in page and 'id="title-errors"' in page
    assert "data-error-summary" in page and 'href="#programme_id"' in page
    assert _count_commitments(db) == before


def test_service_errors_land_on_the_row_they_belong_to(db, member_client, own, make_programme):
    programme = make_programme()
    before = _count_commitments(db)
    data = commitment_form(programme.id)
    for field in ("name", "unit", "baseline", "target"):
        del data[f"indicators-0-{field}"]
    # Row 1 blank, row 2 without its unit: the service names indicators[0], the form row 2.
    data.update({"indicators-1-name": "Volunteers", "indicators-1-target": "50"})
    data["funding_amount"] = "1000"  # without its currency
    response = member_client.post(f"/my/{own.slug}/commitments/new", data=data)
    assert response.status_code == 422
    page = text(response)
    unit_errors = re.search(r'id="indicators-1-unit-errors">(.*?)</div>\s*</div>', page, re.S)
    assert unit_errors and "This field is required." in unit_errors.group(1)
    assert 'id="indicators-0-unit-errors"' not in page
    assert 'id="funding_currency-errors"' in page
    assert "Give the amount and its currency together, or neither." in page
    assert _count_commitments(db) == before


def test_withdraw_asks_for_a_reason_then_closes_the_commitment(
    db, member_client, own, make_commitment
):
    commitment = make_commitment(signatory=own)
    url = f"/my/{own.slug}/commitments/{commitment.id}/withdraw"
    assert "Withdrawing is final" in text(member_client.get(url))
    refused = member_client.post(url, data={"reason": ""})
    assert refused.status_code == 422 and 'id="reason-errors"' in text(refused)
    db.session.refresh(commitment)
    assert commitment.status == CommitmentStatus.draft
    response = member_client.post(url, data={"reason": "Our funding was cut."})
    assert response.status_code == 302
    page = text(member_client.get(response.headers["Location"]))
    assert "The commitment was withdrawn." in page and "Our funding was cut." in page
    db.session.refresh(commitment)
    assert commitment.status == CommitmentStatus.withdrawn
    assert member_client.get(url).status_code == 403


def test_the_secretariat_may_use_the_member_pages_of_any_signatory(
    sign_in, secretariat, own, make_commitment
):
    commitment = make_commitment(signatory=own, title="Checked by the secretariat")
    client = sign_in(secretariat)
    assert "Checked by the secretariat" in text(client.get(f"/my/{own.slug}/commitments"))
    assert client.get(f"/my/{own.slug}/commitments/{commitment.id}/edit").status_code == 200


@pytest.mark.parametrize(
    ("path", "is_form"),
    [
        ("/my/{slug}/commitments", False),
        ("/my/{slug}/proposals", False),
        ("/my/{slug}/commitments/new", True),
        ("/my/{slug}/commitments/{draft}", False),
        ("/my/{slug}/commitments/{draft}/edit", True),
        ("/my/{slug}/commitments/{draft}/withdraw", True),
        ("/my/{slug}/commitments/{approved}/progress", True),
        ("/my/{slug}/updates/{update}/correct", True),
        ("/my/{slug}/profile", True),
        ("/my/{slug}/members", True),
    ],
)
def test_a_member_of_another_signatory_is_refused_everywhere(
    db, sign_in, outsider, own, owner, approved, make_commitment, path, is_form
):
    draft = make_commitment(signatory=own)
    update = commitments.report_progress(approved, {"status": "on_track"}, owner)
    url = path.format(slug=own.slug, draft=draft.id, approved=approved.id, update=update.id)
    client = sign_in(outsider)
    assert client.get(url).status_code in (403, 404)
    if is_form:
        posted = client.post(url, data={"reason": "x", "status": "on_track", "name": "Hijacked"})
        assert posted.status_code in (403, 404)
    db.session.refresh(own)
    assert own.name == "Coop Horizon"
    assert len(approved.updates) == 1


def test_a_member_of_another_signatory_cannot_submit_or_reach_my_commitment_by_its_id(
    db, sign_in, outsider, other_signatory, own, make_commitment
):
    draft = make_commitment(signatory=own)
    client = sign_in(outsider)
    assert client.post(f"/my/{own.slug}/commitments/{draft.id}/submit").status_code == 403
    # Under their own slug, my commitment does not exist.
    url = f"/my/{other_signatory.slug}/commitments/{draft.id}"
    assert client.get(url).status_code == 404
    db.session.refresh(draft)
    assert draft.status == CommitmentStatus.draft


def test_anonymous_visitors_are_sent_to_sign_in(client, own):
    response = client.get(f"/my/{own.slug}/commitments")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_commitment_held_for_an_event_says_so_on_its_members_page(
    db, member_client, make_commitment, own, secretariat
):
    summit = events.create_event(
        {"name": "Ocean Summit", "starts_at": utcnow() + timedelta(days=40)}, None
    )
    commitment = make_commitment(signatory=own, status=CommitmentStatus.submitted)
    events.approve_and_hold(commitment, summit, secretariat)
    page = text(member_client.get(f"/my/{own.slug}/commitments/{commitment.id}"))
    assert "Held back until Ocean Summit starts: it will be published then." in page
