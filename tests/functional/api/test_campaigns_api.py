"""Campaigns through the API: the secretariat's alone, the services' rules, the bodies.

A refused request rolls its transaction back, and with it whatever the test
had only flushed, so fixtures are committed (a savepoint, still undone after
the test) before requests that should fail.
"""

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from pact_tracker.campaigns.models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
)
from pact_tracker.campaigns.services import campaigns as service
from pact_tracker.campaigns.services import lift_suppression, suppress_address
from pact_tracker.coalition.models import Role
from pact_tracker.core.activity import Activity
from pact_tracker.core.types import utcnow

API = "/api/v1/campaigns"
BODY = "Hello {{ recipient_name }},\n\nPlease report for {{ signatory_name }}: <{{ update_url }}>"


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _new(**overrides) -> dict:
    data = {
        "name": "Progress before the summit",
        "audience": {"countries": ["fr"], "organisation_types": ["cooperative"]},
        "contents": {
            "en": {"subject": "Your progress, {{ recipient_name }}", "body": BODY},
            "fr": {"subject": "Vos progrès, {{ recipient_name }}", "body": "Bonjour " + BODY},
        },
        "default_locale": "en",
        "link_valid_days": 14,
    }
    data.update(overrides)
    return data


@pytest.fixture
def world(db, make_signatory, make_user, token_for):
    """Two French signatories and a Belgian one with a member each; organiser, secretariat."""
    lyon = make_signatory(name="Coop Lyon")
    lille = make_signatory(name="Coop Lille", organisation_type_code="local_authority")
    brussels = make_signatory(name="Coop Brussels", country_code="BE")
    people = {
        "lyon": lyon,
        "lille": lille,
        "brussels": brussels,
        "member": make_user(signatory=lyon, name="Mia Member", locale="fr"),
        "lille_member": make_user(signatory=lille, name="Leo Lille"),
        "belgian": make_user(signatory=brussels, name="Bea Belgian"),
        "organiser": make_user(role=Role.organiser, name="Olly Organiser"),
        "secretariat": make_user(role=Role.secretariat, name="Sam Secretariat"),
    }
    people["headers"] = {
        key: token_for(people[key]) for key in ("member", "organiser", "secretariat")
    }
    db.session.commit()
    return people


@pytest.fixture
def draft(db, world):
    """A draft to the French cooperatives (Lyon), written by the secretariat; committed."""
    campaign = service.create_campaign(_new(), world["secretariat"])
    db.session.commit()
    return campaign


@pytest.fixture
def running(db, world, draft):
    """The draft, scheduled now and started as the worker would start it; committed."""
    service.schedule_campaign(draft, None, world["secretariat"])
    assert service.start_due_campaigns(utcnow()) == 1
    db.session.commit()
    db.session.refresh(draft)
    assert draft.status == CampaignStatus.running
    return draft


def _messages(db, campaign) -> list[OutboxMessage]:
    return db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.campaign_id == campaign.id)
        .order_by(OutboxMessage.to_address)
    ).all()


# Who may call.

OPERATIONS = [
    ("GET", "", None),
    ("POST", "", _new()),
    ("GET", "/audience-count?countries=FR", None),
    ("GET", "/{id}", None),
    ("PATCH", "/{id}", {"name": "Renamed"}),
    ("POST", "/{id}/schedule", {}),
    ("POST", "/{id}/unschedule", None),
    ("POST", "/{id}/pause", {}),
    ("POST", "/{id}/resume", None),
    ("POST", "/{id}/cancel", None),
    ("POST", "/{id}/resend-failed", None),
    ("POST", "/{id}/test-send", {}),
    ("GET", "/{id}/progress", None),
    ("GET", "/{id}/recipients", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_anonymous_callers_get_401_and_others_than_the_secretariat_403(
    client, db, world, draft, method, path, body
):
    url = API + path.format(id=draft.id)
    before = (_count(db, Campaign), _count(db, OutboxMessage), _count(db, Activity))

    anonymous = client.open(url, method=method, json=body)
    assert anonymous.status_code == 401
    assert anonymous.get_json()["message"] == "This operation needs a Bearer token."
    for role in ("member", "organiser"):
        refused = client.open(url, method=method, json=body, headers=world["headers"][role])
        assert refused.status_code == 403, role
        assert refused.get_json()["message"] == "Campaigns are for the secretariat."
    bad_token = client.open(url, method=method, json=body, headers={"Authorization": "Bearer x"})
    assert bad_token.status_code == 401

    after = (_count(db, Campaign), _count(db, OutboxMessage), _count(db, Activity))
    assert after == before
    db.session.refresh(draft)
    assert (draft.name, draft.status) == ("Progress before the summit", CampaignStatus.draft)


def test_a_refusal_says_nothing_of_which_campaigns_exist(client, world):
    for campaign_id in (1, 999_999, 2**31):
        response = client.get(f"{API}/{campaign_id}", headers=world["headers"]["member"])
        assert response.status_code == 403


# Writing.


def test_create_answers_the_draft_and_records_who_wrote_it(client, db, world):
    response = client.post(API, json=_new(), headers=world["headers"]["secretariat"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["name"] == "Progress before the summit"
    assert body["audience"] == {"countries": ["FR"], "organisation_types": ["cooperative"]}
    assert body["default_locale"] == "en"
    assert body["link_valid_days"] == 14
    assert body["contents"] == {
        "en": {"subject": "Your progress, {{ recipient_name }}", "body": BODY},
        "fr": {"subject": "Vos progrès, {{ recipient_name }}", "body": "Bonjour " + BODY},
    }
    assert body["scheduled_at"] is None and body["started_at"] is None
    assert body["created_by_id"] == world["secretariat"].id
    campaign = db.session.get(Campaign, body["id"])
    assert [c.locale for c in campaign.contents] == ["en", "fr"]
    action = db.session.scalar(
        sa.select(Activity.action).where(
            Activity.subject_type == "campaign", Activity.subject_id == campaign.id
        )
    )
    assert action == "campaign.created"


def test_template_errors_are_422_naming_each_field_and_nothing_is_written(client, db, world):
    before = (_count(db, Campaign), _count(db, Activity))
    data = _new(
        contents={
            "en": {"subject": "Hi {{ recipient_nme }}", "body": "{% for x in %}"},
            "fr": {"subject": "Bonjour", "body": ""},
        }
    )
    response = client.post(API, json=data, headers=world["headers"]["secretariat"])
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"] == "The campaign has errors: nothing was saved."
    errors = body["errors"]["json"]
    assert set(errors) == {"subject_en", "body_en", "body_fr"}
    assert "recipient_nme" in errors["subject_en"][0]
    assert errors["body_en"][0].startswith("line 1:")
    assert errors["body_fr"] == ["required when the other one is written"]
    assert (_count(db, Campaign), _count(db, Activity)) == before


def test_sandbox_escapes_are_refused_as_field_errors(client, db, world):
    data = _new(contents={"en": {"subject": "x", "body": "{{ ''.__class__.__mro__ }}"}})
    response = client.post(API, json=data, headers=world["headers"]["secretariat"])
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["body_en"]


@pytest.mark.parametrize(
    ("audience", "field", "message"),
    [
        ({"programme_ids": [2_000_000]}, "audience.programme_ids", "unknown programme: 2000000"),
        ({"countries": ["ZZ"]}, "audience.countries", "unknown country: ZZ"),
        ({"organisation_types": ["guild"]}, "audience.organisation_types", "unknown"),
    ],
)
def test_filters_naming_unknown_things_are_422_and_nothing_is_written(
    client, db, world, audience, field, message
):
    before = _count(db, Campaign)
    response = client.post(
        API, json=_new(audience=audience), headers=world["headers"]["secretariat"]
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)
    assert _count(db, Campaign) == before


def test_malformed_fields_are_422_from_the_schema(client, db, world):
    before = _count(db, Campaign)
    data = _new(
        audience={"reporting_states": ["late"], "planets": ["Mars"]},
        default_locale="de",
        link_valid_days=0,
    )
    del data["name"]
    response = client.post(API, json=data, headers=world["headers"]["secretariat"])
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert set(errors) == {"name", "audience", "default_locale", "link_valid_days"}
    assert set(errors["audience"]) == {"reporting_states", "planets"}
    assert _count(db, Campaign) == before


def test_a_default_language_without_content_is_refused(client, db, world):
    data = _new(default_locale="fr", contents={"en": {"subject": "Hi", "body": "Hello"}})
    response = client.post(API, json=data, headers=world["headers"]["secretariat"])
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {
        "subject_fr": ["the default language needs a subject and a body"]
    }


def test_nul_characters_are_refused_before_the_database(client, db, world):
    response = client.post(
        API, json=_new(name="Spring\x00call"), headers=world["headers"]["secretariat"]
    )
    assert response.status_code == 422
    assert "name" in response.get_json()["errors"]["json"]


def test_patch_changes_what_is_given_and_keeps_the_rest(client, db, world, draft):
    response = client.patch(
        f"{API}/{draft.id}",
        json={
            "name": "  Before   the summit ",
            "audience": {"organisation_types": ["cooperative"]},
        },
        headers=world["headers"]["secretariat"],
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["name"] == "Before the summit"
    assert body["audience"] == {"organisation_types": ["cooperative"]}
    assert set(body["contents"]) == {"en", "fr"}
    db.session.refresh(draft)
    assert draft.name == "Before the summit"


def test_patch_with_a_bad_template_changes_nothing(client, db, world, draft):
    response = client.patch(
        f"{API}/{draft.id}",
        json={"name": "New", "contents": {"en": {"subject": "{{", "body": "Hi"}}},
        headers=world["headers"]["secretariat"],
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["subject_en"]
    db.session.refresh(draft)
    assert draft.name == "Progress before the summit"
    assert {c.locale for c in draft.contents} == {"en", "fr"}


def test_a_running_campaign_can_no_longer_be_edited(client, db, world, running):
    response = client.patch(
        f"{API}/{running.id}", json={"name": "Too late"}, headers=world["headers"]["secretariat"]
    )
    assert response.status_code == 409
    assert response.get_json()["message"] == "A running campaign can no longer be edited."


def test_the_audience_of_a_paused_campaign_is_frozen(client, db, world, running):
    headers = world["headers"]["secretariat"]
    assert client.post(f"{API}/{running.id}/pause", json={}, headers=headers).status_code == 200
    response = client.patch(
        f"{API}/{running.id}", json={"audience": {"countries": ["BE"]}}, headers=headers
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {
        "audience": ["frozen since the campaign started"]
    }
    renamed = client.patch(f"{API}/{running.id}", json={"name": "Paused call"}, headers=headers)
    assert renamed.status_code == 200
    assert renamed.get_json()["audience"]["countries"] == ["FR"]


def test_unknown_campaigns_are_404(client, world):
    headers = world["headers"]["secretariat"]
    for campaign_id in (999_999, 2**31, 2**63):
        response = client.get(f"{API}/{campaign_id}", headers=headers)
        assert response.status_code == 404
        assert response.get_json()["message"] == f"No campaign {campaign_id}."
    assert client.post(f"{API}/999999/cancel", headers=headers).status_code == 404


# Reading.


def test_list_is_newest_first_paginated_and_filtered_by_status(client, db, world):
    secretariat = world["secretariat"]
    made = [service.create_campaign(_new(name=f"Call {n}"), secretariat) for n in range(3)]
    service.schedule_campaign(made[1], None, secretariat)
    db.session.commit()
    headers = world["headers"]["secretariat"]

    page = client.get(f"{API}?page=1&page_size=2", headers=headers)
    assert page.status_code == 200
    assert [c["name"] for c in page.get_json()] == ["Call 2", "Call 1"]
    pagination = json.loads(page.headers["X-Pagination"])
    assert (pagination["total"], pagination["last_page"]) == (3, 2)

    drafts = client.get(f"{API}?status=draft", headers=headers).get_json()
    assert [c["name"] for c in drafts] == ["Call 2", "Call 0"]
    scheduled = client.get(f"{API}?status=scheduled", headers=headers).get_json()
    assert [(c["name"], c["status"]) for c in scheduled] == [("Call 1", "scheduled")]
    assert client.get(f"{API}?status=sunk", headers=headers).status_code == 422


def test_audience_count_counts_people_signatories_and_the_excluded(client, db, world):
    headers = world["headers"]["secretariat"]
    everyone = client.get(f"{API}/audience-count", headers=headers)
    assert everyone.status_code == 200
    assert everyone.get_json() == {"people": 3, "signatories": 3, "excluded": 0}

    world["lille_member"].reminders_opt_out = True
    db.session.commit()
    french = client.get(f"{API}/audience-count?countries=FR", headers=headers).get_json()
    assert french == {"people": 1, "signatories": 1, "excluded": 1}
    both = client.get(f"{API}/audience-count?countries=fr&countries=BE", headers=headers)
    assert both.get_json() == {"people": 2, "signatories": 2, "excluded": 1}
    cities = client.get(
        f"{API}/audience-count?organisation_types=local_authority", headers=headers
    ).get_json()
    assert cities == {"people": 0, "signatories": 0, "excluded": 1}


def test_audience_count_refuses_unknown_filters_naming_them(client, world):
    headers = world["headers"]["secretariat"]
    unknown = client.get(f"{API}/audience-count?countries=ZZ", headers=headers)
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {"query": {"countries": ["unknown country: ZZ"]}}
    malformed = client.get(f"{API}/audience-count?programme_ids=two", headers=headers)
    assert malformed.status_code == 422
    assert "programme_ids" in malformed.get_json()["errors"]["query"]


# The lifecycle.


def test_schedule_at_a_time_with_an_offset_then_unschedule(client, db, world, draft):
    headers = world["headers"]["secretariat"]
    response = client.post(
        f"{API}/{draft.id}/schedule",
        json={"scheduled_at": "2030-01-06T09:00:00+01:00"},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "scheduled"
    assert response.get_json()["scheduled_at"] == "2030-01-06T08:00:00+00:00"
    db.session.refresh(draft)
    assert draft.scheduled_at == datetime(2030, 1, 6, 8, 0, tzinfo=UTC)

    moved = client.post(
        f"{API}/{draft.id}/schedule", json={"scheduled_at": "2030-02-01T10:00:00Z"}, headers=headers
    )
    assert moved.get_json()["scheduled_at"] == "2030-02-01T10:00:00+00:00"

    back = client.post(f"{API}/{draft.id}/unschedule", headers=headers)
    assert back.status_code == 200
    assert (back.get_json()["status"], back.get_json()["scheduled_at"]) == ("draft", None)
    again = client.post(f"{API}/{draft.id}/unschedule", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["message"] == "A draft campaign cannot become draft."


def test_schedule_without_a_time_means_now(client, db, world, draft):
    before = utcnow()
    response = client.post(f"{API}/{draft.id}/schedule", headers=world["headers"]["secretariat"])
    assert response.status_code == 200
    scheduled_at = datetime.fromisoformat(response.get_json()["scheduled_at"])
    assert before <= scheduled_at <= utcnow()


def test_a_time_without_an_offset_is_refused(client, db, world, draft):
    response = client.post(
        f"{API}/{draft.id}/schedule",
        json={"scheduled_at": "2030-01-06T09:00:00"},
        headers=world["headers"]["secretariat"],
    )
    assert response.status_code == 422
    assert "scheduled_at" in response.get_json()["errors"]["json"]
    db.session.refresh(draft)
    assert (draft.status, draft.scheduled_at) == (CampaignStatus.draft, None)


def test_a_campaign_to_nobody_cannot_be_scheduled(client, db, world):
    campaign = service.create_campaign(
        _new(audience={"organisation_types": ["state"]}), world["secretariat"]
    )
    db.session.commit()
    response = client.post(f"{API}/{campaign.id}/schedule", headers=world["headers"]["secretariat"])
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {"audience": ["nobody to write to"]}
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.draft


def test_pause_resume_and_cancel_a_running_campaign(client, db, world, running):
    headers = world["headers"]["secretariat"]
    assert client.post(f"{API}/{running.id}/resume", headers=headers).status_code == 409

    paused = client.post(f"{API}/{running.id}/pause", json={"reason": "a typo"}, headers=headers)
    assert paused.status_code == 200
    assert (paused.get_json()["status"], paused.get_json()["pause_reason"]) == ("paused", "a typo")
    assert client.post(f"{API}/{running.id}/pause", headers=headers).status_code == 409

    resumed = client.post(f"{API}/{running.id}/resume", headers=headers)
    assert resumed.status_code == 200
    assert (resumed.get_json()["status"], resumed.get_json()["pause_reason"]) == ("running", None)

    cancelled = client.post(f"{API}/{running.id}/cancel", headers=headers)
    assert cancelled.status_code == 200
    body = cancelled.get_json()
    assert body["withdrawn"] == 1
    assert body["campaign"]["status"] == "cancelled"
    assert body["campaign"]["finished_at"] is not None
    assert [m.status for m in _messages(db, running)] == [OutboxStatus.cancelled]

    again = client.post(f"{API}/{running.id}/cancel", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["message"] == "A cancelled campaign cannot become cancelled."
    assert client.post(f"{API}/{running.id}/schedule", headers=headers).status_code == 409


def test_resend_failed_queues_a_new_message_to_each_failure(client, db, world, running):
    headers = world["headers"]["secretariat"]
    nothing = client.post(f"{API}/{running.id}/resend-failed", headers=headers)
    assert nothing.status_code == 422
    assert nothing.get_json()["message"] == (
        "No message of this campaign failed: there is nothing to resend."
    )

    [message] = _messages(db, running)
    message.status, message.last_reply = OutboxStatus.failed, "550 5.2.2 mailbox full"
    db.session.commit()
    response = client.post(f"{API}/{running.id}/resend-failed", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["queued"] == 1
    assert body["campaign"]["resend_count"] == 1
    statuses = sorted(str(m.status) for m in _messages(db, running))
    assert statuses == ["failed", "queued"]


def test_resend_failed_names_the_suppressed_address_and_counts_a_recipient_once(
    client, db, world, running
):
    headers = world["headers"]["secretariat"]
    [message] = _messages(db, running)
    message.status, message.last_reply = OutboxStatus.failed, "550 5.1.1 no such user"
    suppress_address(message.to_address, "bounce: 550 5.1.1 no such user")
    db.session.commit()
    refused = client.post(f"{API}/{running.id}/resend-failed", headers=headers)
    assert refused.status_code == 422
    [why] = refused.get_json()["errors"]["json"]["recipients"]
    assert why.startswith(f"{message.to_address}: the address is suppressed since ")
    assert why.endswith("(bounce: 550 5.1.1 no such user)")
    assert len(_messages(db, running)) == 1

    lift_suppression(service.held_back(running)[0].suppression, world["secretariat"])
    db.session.commit()
    assert client.post(f"{API}/{running.id}/resend-failed", headers=headers).status_code == 200
    resent = [m for m in _messages(db, running) if m.status == OutboxStatus.queued]
    resent[0].status = OutboxStatus.sent
    db.session.commit()
    progress = client.get(f"{API}/{running.id}/progress", headers=headers).get_json()["progress"]
    assert (progress["recipients"], progress["messages"]) == (1, 2)
    assert (progress["sent"], progress["failed"], progress["done"]) == (1, 0, 1)
    assert progress["by_status"] == {"sent": 1}


def test_a_scheduled_campaign_is_paused_and_resumed_to_scheduled(client, db, world, draft):
    headers = world["headers"]["secretariat"]
    later = "2031-05-04T09:30:00+00:00"
    assert (
        client.post(
            f"{API}/{draft.id}/schedule", json={"scheduled_at": later}, headers=headers
        ).status_code
        == 200
    )
    paused = client.post(f"{API}/{draft.id}/pause", json={"reason": "figures"}, headers=headers)
    assert paused.status_code == 200
    assert (paused.get_json()["status"], paused.get_json()["pause_reason"]) == ("paused", "figures")
    resumed = client.post(f"{API}/{draft.id}/resume", headers=headers)
    assert resumed.status_code == 200
    body = resumed.get_json()
    assert (body["status"], body["pause_reason"], body["started_at"]) == ("scheduled", None, None)
    assert body["scheduled_at"] == later


def test_resend_failed_on_a_draft_is_a_conflict(client, world, draft):
    response = client.post(
        f"{API}/{draft.id}/resend-failed", headers=world["headers"]["secretariat"]
    )
    assert response.status_code == 409
    assert response.get_json()["message"] == "A draft campaign has nothing to resend."


# Trying it out.


def test_test_send_queues_the_campaign_to_oneself_as_another_would_get_it(
    client, db, world, draft, mail_config
):
    secretariat = world["secretariat"]
    response = client.post(
        f"{API}/{draft.id}/test-send",
        json={"as_user_id": world["member"].id},
        headers=world["headers"]["secretariat"],
    )
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    # In the secretariat's language (en), with the member's name and organisation.
    assert body["queued"] is True
    assert body["to"] == secretariat.email
    assert body["subject"].endswith("Your progress, Mia Member")
    message = db.session.get(OutboxMessage, body["outbox_message_id"])
    assert (message.to_address, message.template) == (secretariat.email, "test_campaign")
    assert message.campaign_id is None
    assert "Please report for Coop Lyon" in message.body_text
    assert _messages(db, draft) == []


def test_test_send_as_an_unknown_person_is_422(client, db, world, draft):
    before = _count(db, OutboxMessage)
    response = client.post(
        f"{API}/{draft.id}/test-send",
        json={"as_user_id": 999_999},
        headers=world["headers"]["secretariat"],
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {"as_user_id": ["No user 999999."]}
    assert _count(db, OutboxMessage) == before


def test_test_send_to_a_suppressed_address_says_it_was_not_queued(client, db, world, draft):
    suppress_address(world["secretariat"].email, "bounce: 550 5.1.1 no such user")
    db.session.commit()
    response = client.post(
        f"{API}/{draft.id}/test-send", json={}, headers=world["headers"]["secretariat"]
    )
    assert response.status_code == 202
    assert response.get_json() == {
        "queued": False,
        "to": world["secretariat"].email,
        "subject": None,
        "outbox_message_id": None,
    }


# What happened.


def test_progress_counts_messages_and_answers_with_response_rates(client, db, world, running):
    headers = world["headers"]["secretariat"]
    [recipient] = db.session.scalars(
        sa.select(CampaignRecipient).where(CampaignRecipient.campaign_id == running.id)
    ).all()
    recipient.answered_at = utcnow()
    [message] = _messages(db, running)
    message.status, message.sent_at, message.attempts = OutboxStatus.sent, utcnow(), 1
    db.session.commit()

    response = client.get(f"{API}/{running.id}/progress?locale=fr", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["campaign"]["id"] == running.id
    assert body["progress"] == {
        "recipients": 1,
        "messages": 1,
        "by_status": {"sent": 1},
        "queued": 0,
        "sent": 1,
        "failed": 0,
        "done": 1,
        "answered": 1,
    }
    rates = body["response_rates"]
    assert rates["overall"] == [{"label": "", "asked": 1, "answered": 1, "rate": 1.0}]
    assert rates["organisation_type"] == [
        {"label": "Coopérative", "asked": 1, "answered": 1, "rate": 1.0}
    ]
    assert rates["programme"] == []
    english = client.get(f"{API}/{running.id}/progress", headers=headers).get_json()
    assert english["response_rates"]["organisation_type"][0]["label"] == "Cooperative"


def test_progress_of_a_draft_is_all_zeros(client, world, draft):
    body = client.get(f"{API}/{draft.id}/progress", headers=world["headers"]["secretariat"])
    assert body.get_json()["progress"]["recipients"] == 0
    assert body.get_json()["response_rates"]["overall"][0]["asked"] == 0


def test_recipients_list_each_person_with_their_message(client, db, world, draft):
    draft.audience = {}
    db.session.commit()
    service.schedule_campaign(draft, None, world["secretariat"])
    service.start_due_campaigns(utcnow())
    messages = {m.to_address: m for m in _messages(db, draft)}
    failed = messages[world["belgian"].email]
    failed.status, failed.attempts, failed.last_reply = OutboxStatus.failed, 2, "550 5.1.1 unknown"
    sent = messages[world["member"].email]
    sent.status, sent.attempts, sent.sent_at = OutboxStatus.sent, 1, utcnow()
    db.session.commit()
    headers = world["headers"]["secretariat"]

    response = client.get(f"{API}/{draft.id}/recipients", headers=headers)
    assert response.status_code == 200
    rows = {row["user"]["email"]: row for row in response.get_json()}
    assert set(rows) == {world[k].email for k in ("member", "lille_member", "belgian")}
    belgian = rows[world["belgian"].email]
    assert belgian["signatory"] == {
        "id": world["brussels"].id,
        "slug": "coop-brussels",
        "name": "Coop Brussels",
    }
    assert belgian["user"]["id"] == world["belgian"].id
    assert (belgian["status"], belgian["attempts"], belgian["last_reply"]) == (
        "failed",
        2,
        "550 5.1.1 unknown",
    )
    assert belgian["sent_at"] is None and belgian["answered_at"] is None
    assert rows[world["member"].email]["status"] == "sent"
    assert rows[world["member"].email]["sent_at"] is not None
    assert rows[world["lille_member"].email]["status"] == "queued"

    only_failed = client.get(f"{API}/{draft.id}/recipients?status=failed", headers=headers)
    assert [r["user"]["email"] for r in only_failed.get_json()] == [world["belgian"].email]
    page = client.get(f"{API}/{draft.id}/recipients?page=2&page_size=2", headers=headers)
    assert len(page.get_json()) == 1
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    assert client.get(f"{API}/{draft.id}/recipients?status=lost", headers=headers).status_code == (
        422
    )


def test_answered_recipients_can_be_listed_apart(client, db, world, running):
    [recipient] = db.session.scalars(
        sa.select(CampaignRecipient).where(CampaignRecipient.campaign_id == running.id)
    ).all()
    headers = world["headers"]["secretariat"]
    url = f"{API}/{running.id}/recipients?status=answered"
    assert client.get(url, headers=headers).get_json() == []
    recipient.answered_at = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    db.session.commit()
    [row] = client.get(url, headers=headers).get_json()
    assert row["answered_at"] == "2026-05-04T03:02:01+00:00"
    assert row["signatory"]["slug"] == "coop-lyon"


# The document.


def test_every_operation_documents_its_responses(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = {
        (method.upper(), path): operation
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/campaigns")
        for method, operation in item.items()
        if method in ("get", "post", "patch")
    }
    assert len(operations) == 14
    for (method, path), operation in operations.items():
        codes = set(operation["responses"])
        assert {"401", "403"} <= codes, (method, path, codes)
        assert operation["security"] == [{"bearerAuth": []}]
        if "{campaign_id}" in path:
            assert "404" in codes, (method, path)
        if operation.get("requestBody") or operation.get("parameters", []) and method == "GET":
            assert "422" in codes, (method, path)
    for action in ("schedule", "unschedule", "pause", "resume", "cancel", "resend-failed"):
        assert (
            "409" in operations["POST", f"/api/v1/campaigns/{{campaign_id}}/{action}"]["responses"]
        )
    assert "201" in operations["POST", "/api/v1/campaigns"]["responses"]
    assert "202" in operations["POST", "/api/v1/campaigns/{campaign_id}/test-send"]["responses"]
