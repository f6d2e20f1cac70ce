"""The back office's campaign pages: compose, live count, lifecycle, progress, preview, links."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from pact_tracker.campaigns import update_links
from pact_tracker.campaigns.link_models import UpdateLink
from pact_tracker.campaigns.models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
    Suppression,
)
from pact_tracker.campaigns.services import analytics, audience, suppress_address
from pact_tracker.campaigns.services import campaigns as service
from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.core.activity import Activity
from pact_tracker.core.types import utcnow

BODY = "Hello {{ recipient_name }},\n\nPlease report for {{ signatory_name }}: <{{ update_url }}>"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def after(html: str, marker: str, length: int = 400) -> str:
    """The page text just after ``marker`` (which must be there)."""
    assert marker in html, f"{marker!r} not in the page"
    return html.split(marker, 1)[1][:length]


@pytest.fixture
def people(db, make_signatory, make_user, make_programme, make_commitment):
    """Two approved signatories with a person each; only the French one is in the programme."""
    programme = make_programme(code="CLIMATE", name_en="Climate action")
    french = make_signatory(name="Coop Lyon", country_code="FR")
    belgian = make_signatory(
        name="Asso Liege", country_code="BE", organisation_type_code="association"
    )
    make_commitment(signatory=french, programme=programme, status=CommitmentStatus.approved)
    make_commitment(signatory=belgian, status=CommitmentStatus.approved)
    ada = make_user(signatory=french, name="Ada Lovelace", email="ada@coop-lyon.example.org")
    bo = make_user(
        signatory=belgian, name="Bo Peters", email="bo@asso-liege.example.org", locale="fr"
    )
    return {"programme": programme, "french": french, "belgian": belgian, "ada": ada, "bo": bo}


@pytest.fixture
def write(secretariat):
    """``write(**fields)``: a draft campaign by the secretariat."""

    def make(**fields):
        data = {
            "name": "Progress before the summit",
            "contents": {"en": {"subject": "Your progress, {{ recipient_name }}", "body": BODY}},
        }
        data.update(fields)
        return service.create_campaign(data, secretariat)

    return make


@pytest.fixture
def started(db, write, secretariat, people):
    """A running campaign to everyone (Ada and Bo)."""
    campaign = write(name="Spring call")
    service.schedule_campaign(campaign, None, secretariat)
    assert service.start_due_campaigns(utcnow()) == 1
    db.session.refresh(campaign)
    return campaign


def form_data(**overrides) -> dict:
    data = {
        "name": "Before the summit",
        "subject_en": "Your progress, {{ recipient_name }}",
        "body_en": BODY,
        "subject_fr": "",
        "body_fr": "",
        "default_locale": "en",
        "link_valid_days": "21",
        "save": "1",
    }
    data.update(overrides)
    return data


def count_campaigns(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Campaign))


# Who may see them.

PAGES = [
    "/admin/campaigns",
    "/admin/campaigns/new",
    "/admin/campaigns/{id}",
    "/admin/campaigns/{id}/edit",
    "/admin/campaigns/{id}/progress",
    "/admin/campaigns/{id}/recipients",
    "/admin/campaigns/{id}/never-answered",
    "/admin/campaigns/{id}/preview",
    "/admin/campaigns/audience-count",
    "/admin/update-links",
]


@pytest.mark.parametrize("path", PAGES)
def test_campaign_pages_send_visitors_to_sign_in_and_refuse_others(
    client, sign_in, member, organiser, write, path
):
    path = path.format(id=write().id)
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    assert sign_in(member).get(path).status_code == 403
    assert sign_in(organiser).get(path).status_code == 403


def test_the_back_office_has_a_campaigns_tab(admin):
    page = text_of(admin.get("/admin/"))
    assert 'href="/admin/campaigns"' in page and ">Campaigns<" in page


# The list.


def test_the_list_shows_each_campaign_with_status_dates_and_counts(db, admin, write, started):
    draft = write(name="Autumn call")
    page = text_of(admin.get("/admin/campaigns"))
    assert "New campaign" in page and 'href="/admin/campaigns/new"' in page
    assert 'href="/admin/update-links"' in page
    row = after(page, f'data-campaign-id="{started.id}"', 1500)
    assert "Spring call" in row and 'data-campaign-status="running"' in row
    assert started.started_at.strftime("%Y-%m-%d %H:%M") in row
    # recipients, queued, sent, failed, answered
    cells = [c.split("<")[0] for c in row.split('<td class="text-end">')[1:6]]
    assert cells == ["2", "2", "0", "0", "0"]
    assert 'data-campaign-status="draft"' in after(page, f'data-campaign-id="{draft.id}"', 600)


# Composing.


def test_the_compose_page_has_labelled_fields_the_count_and_the_variables(admin, people):
    page = text_of(admin.get("/admin/campaigns/new"))
    for name in (
        "name",
        "programme_ids",
        "organisation_types",
        "countries",
        "commitment_statuses",
        "reporting_states",
        "subject_en",
        "body_en",
        "subject_fr",
        "body_fr",
        "default_locale",
        "link_valid_days",
    ):
        assert f'<label class="form-label" for="{name}"' in page, name
    assert "Climate action" in page and "Coop Lyon" not in page
    assert after(page, 'data-count="people">', 5).startswith("2<")
    assert after(page, 'data-count="signatories">', 5).startswith("2<")
    for variable in ("recipient_name", "signatory_name", "update_url", "commitments"):
        assert "{{ " + variable + " }}" in page
    assert "[Report progress](&lt;{{ update_url }}&gt;)" in page
    assert "/static/js/campaign_audience.js" in page
    assert "<script>" not in page and "style=" not in page


def test_saving_a_new_campaign_stores_audience_and_content(db, admin, secretariat, people):
    response = admin.post(
        "/admin/campaigns/new",
        data=form_data(
            countries=["FR"],
            programme_ids=[str(people["programme"].id)],
            subject_fr="Votre avancement",
            body_fr="Bonjour {{ recipient_name }}",
        ),
    )
    assert response.status_code == 302
    campaign = db.session.scalars(sa.select(Campaign)).one()
    assert response.headers["Location"].endswith(f"/admin/campaigns/{campaign.id}")
    assert campaign.status == CampaignStatus.draft and campaign.created_by_id == secretariat.id
    assert campaign.audience == {"countries": ["FR"], "programme_ids": [people["programme"].id]}
    assert campaign.link_valid_days == 21
    assert {c.locale: c.subject for c in campaign.contents} == {
        "en": "Your progress, {{ recipient_name }}",
        "fr": "Votre avancement",
    }
    page = text_of(admin.get(response.headers["Location"]))
    assert "was saved" in page
    assert "People: 1 · signatories: 1 · excluded (opted out or suppressed address): 0" in page


def test_a_template_error_is_shown_next_to_its_field_and_nothing_is_saved(db, admin, people):
    response = admin.post(
        "/admin/campaigns/new",
        data=form_data(subject_fr="Bonjour {{ recipient_nme }}", body_fr="{% for x in %}"),
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "recipient_nme" in after(page, 'id="subject_fr-errors"')
    assert "line 1" in after(page, 'id="body_fr-errors"')
    assert 'id="subject_en-errors"' not in page
    assert "nothing was saved" in page
    assert count_campaigns(db) == 0


def test_a_missing_name_and_an_unknown_filter_value_are_refused_next_to_their_fields(
    db, admin, people
):
    response = admin.post("/admin/campaigns/new", data=form_data(name="", countries=["ZZ"]))
    assert response.status_code == 422
    page = text_of(response)
    assert 'id="name-errors"' in page
    assert count_campaigns(db) == 0
    response = admin.post("/admin/campaigns/new", data=form_data(countries=["ZZ"]))
    assert response.status_code == 422
    assert "unknown country: ZZ" in after(text_of(response), 'id="countries-errors"')
    assert count_campaigns(db) == 0


def test_the_count_button_counts_the_chosen_filters_without_saving(db, admin, people):
    response = admin.post(
        "/admin/campaigns/new", data=form_data(countries=["BE"], save="", recount="1")
    )
    assert response.status_code == 200
    page = text_of(response)
    assert after(page, 'data-count="people">', 5).startswith("1<")
    assert 'value="BE" selected' in page or 'selected value="BE"' in page
    assert count_campaigns(db) == 0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "countries=FR",
        "countries=FR&countries=BE",
        "organisation_types=association",
        "programme_ids={programme}",
        "reporting_states=on_time&commitment_statuses=approved",
        "countries=DE",
    ],
)
def test_the_live_count_equals_the_services_count(admin, people, query):
    query = query.format(programme=people["programme"].id)
    response = admin.get(f"/admin/campaigns/audience-count?{query}")
    assert response.status_code == 200
    filters: dict[str, list] = {}
    for pair in filter(None, query.split("&")):
        name, value = pair.split("=")
        filters.setdefault(name, []).append(value)
    expected = audience.count_audience(audience.clean_filters(filters))
    assert response.get_json() == {
        "people": expected.people,
        "signatories": expected.signatories,
        "excluded": expected.excluded,
    }


def test_the_live_count_refuses_unknown_values(admin, people):
    response = admin.get("/admin/campaigns/audience-count?countries=ZZ&reporting_states=late")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "countries": ["unknown country: ZZ"],
        "reporting_states": ["unknown reporting state: late"],
    }


def test_the_live_count_changes_with_opt_outs(db, admin, people):
    people["bo"].reminders_opt_out = True
    db.session.commit()
    assert admin.get("/admin/campaigns/audience-count").get_json() == {
        "people": 1,
        "signatories": 1,
        "excluded": 1,
    }


def test_editing_a_draft_shows_its_values_and_saves_changes(db, admin, write, people):
    campaign = write(audience={"countries": ["BE"]})
    page = text_of(admin.get(f"/admin/campaigns/{campaign.id}/edit"))
    assert 'value="Progress before the summit"' in page
    assert after(page, 'data-count="people">', 5).startswith("1<")
    response = admin.post(
        f"/admin/campaigns/{campaign.id}/edit", data=form_data(name="Renamed", countries=["FR"])
    )
    assert response.status_code == 302
    db.session.refresh(campaign)
    assert campaign.name == "Renamed" and campaign.audience == {"countries": ["FR"]}


def test_a_paused_campaigns_audience_is_read_only_and_its_content_still_editable(
    db, admin, started, secretariat
):
    service.pause_campaign(started, secretariat, "checking the wording")
    db.session.commit()
    page = text_of(admin.get(f"/admin/campaigns/{started.id}/edit"))
    assert "frozen when the campaign started" in page and "Everyone: no filter." in page
    assert 'name="countries"' not in page
    response = admin.post(
        f"/admin/campaigns/{started.id}/edit",
        data=form_data(name="Spring call", countries=["BE"], subject_en="New subject"),
    )
    assert response.status_code == 302
    db.session.refresh(started)
    assert started.audience == {}
    assert started.content_for("en").subject == "New subject"
    queued = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.campaign_id == started.id)
    ).all()
    assert {m.subject for m in queued} == {"New subject"}


def test_editing_a_running_campaign_is_refused_and_changes_nothing(db, admin, started):
    response = admin.get(f"/admin/campaigns/{started.id}/edit")
    assert response.status_code == 302
    assert "can no longer be edited" in text_of(admin.get(response.headers["Location"]))
    response = admin.post(f"/admin/campaigns/{started.id}/edit", data=form_data(name="Changed"))
    assert response.status_code == 409
    assert "can no longer be edited" in text_of(response)
    db.session.refresh(started)
    assert started.name == "Spring call"


# The campaign page and its actions.


def test_a_drafts_page_offers_schedule_edit_and_cancel_only(admin, write, people):
    campaign = write()
    page = text_of(admin.get(f"/admin/campaigns/{campaign.id}"))
    assert 'data-campaign-status="draft"' in page
    assert 'data-action="schedule"' in page and 'data-action="cancel"' in page
    for action in ("pause", "resume", "unschedule", "resend"):
        assert f'data-action="{action}"' not in page
    assert "(UTC)" in page
    assert "People: 2 · signatories: 2 · excluded (opted out or suppressed address): 0" in page


def test_scheduling_now_and_at_a_utc_time(db, admin, write, people):
    campaign = write()
    response = admin.post(
        f"/admin/campaigns/{campaign.id}/schedule", data={"when": "at", "at": "2031-05-04T09:30"}
    )
    assert response.status_code == 302
    assert "scheduled for 2031-05-04 09:30 UTC" in text_of(admin.get(response.headers["Location"]))
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.scheduled
    assert campaign.scheduled_at == datetime(2031, 5, 4, 9, 30, tzinfo=UTC)
    page = text_of(admin.get(f"/admin/campaigns/{campaign.id}"))
    assert 'data-action="unschedule"' in page and "Reschedule" in page
    response = admin.post(f"/admin/campaigns/{campaign.id}/schedule", data={"when": "now"})
    assert response.status_code == 302
    db.session.refresh(campaign)
    assert abs(campaign.scheduled_at - utcnow()) < timedelta(minutes=1)


def test_scheduling_at_a_time_needs_the_time(db, admin, write, people):
    campaign = write()
    response = admin.post(f"/admin/campaigns/{campaign.id}/schedule", data={"when": "at"})
    assert response.status_code == 422
    assert "Give the date and time (UTC)" in after(text_of(response), 'id="at-errors"')
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.draft and campaign.scheduled_at is None


def test_scheduling_a_campaign_that_reaches_nobody_is_refused(db, admin, write, people):
    campaign = write(audience={"countries": ["DE"]})
    response = admin.post(f"/admin/campaigns/{campaign.id}/schedule", data={"when": "now"})
    assert response.status_code == 422
    assert "Nobody would receive this campaign" in text_of(response)
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.draft


def test_scheduling_a_running_campaign_is_refused_with_409(db, admin, started):
    response = admin.post(f"/admin/campaigns/{started.id}/schedule", data={"when": "now"})
    assert response.status_code == 409
    assert "cannot become scheduled" in text_of(response)
    db.session.refresh(started)
    assert started.status == CampaignStatus.running


def test_unscheduling_makes_a_draft_again(db, admin, write, secretariat, people):
    campaign = write()
    service.schedule_campaign(campaign, utcnow() + timedelta(days=3), secretariat)
    db.session.commit()
    response = admin.post(f"/admin/campaigns/{campaign.id}/unschedule")
    assert response.status_code == 302
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.draft and campaign.scheduled_at is None
    assert "a draft again" in text_of(admin.get(response.headers["Location"]))


def test_pausing_with_a_reason_shows_it_and_resuming_runs_again(db, admin, started):
    page = text_of(admin.get(f"/admin/campaigns/{started.id}"))
    assert 'data-action="pause"' in page and 'data-action="resume"' not in page
    assert 'data-status="running"' in page and "/static/js/campaign_progress.js" in page
    response = admin.post(
        f"/admin/campaigns/{started.id}/pause", data={"reason": "A typo in the French text"}
    )
    assert response.status_code == 302
    page = text_of(admin.get(response.headers["Location"]))
    assert "is paused" in page
    assert "A typo in the French text" in after(page, "data-pause-reason")
    assert 'data-action="resume"' in page
    db.session.refresh(started)
    assert started.status == CampaignStatus.paused
    assert admin.post(f"/admin/campaigns/{started.id}/resume").status_code == 302
    db.session.refresh(started)
    assert started.status == CampaignStatus.running and started.pause_reason is None


@pytest.mark.parametrize("action", ["pause", "resume", "unschedule", "resend"])
def test_an_action_the_status_does_not_allow_is_refused_and_changes_nothing(
    db, admin, write, people, action
):
    campaign = write()
    response = admin.post(f"/admin/campaigns/{campaign.id}/{action}")
    assert response.status_code in (409, 422)
    assert 'class="alert alert-danger"' in text_of(response)
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.draft


def test_cancelling_needs_the_confirmation_then_withdraws_unsent_messages(db, admin, started):
    response = admin.post(f"/admin/campaigns/{started.id}/cancel")
    assert response.status_code == 422
    assert "Tick the box" in text_of(response)
    db.session.refresh(started)
    assert started.status == CampaignStatus.running
    response = admin.post(f"/admin/campaigns/{started.id}/cancel", data={"confirm": "y"})
    assert response.status_code == 302
    assert "2 unsent messages were withdrawn" in text_of(admin.get(response.headers["Location"]))
    db.session.refresh(started)
    assert started.status == CampaignStatus.cancelled
    statuses = db.session.scalars(
        sa.select(OutboxMessage.status).where(OutboxMessage.campaign_id == started.id)
    ).all()
    assert set(statuses) == {OutboxStatus.cancelled}


def _deliver(db, campaign, *, failed_email=None, answered_email=None):
    """Mark the campaign's messages as the dispatcher and the recipients would."""
    for message in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.campaign_id == campaign.id)
    ):
        if message.to_address == failed_email:
            message.status, message.last_reply = OutboxStatus.failed, "550 5.1.1 no such user"
        else:
            message.status, message.last_reply = OutboxStatus.sent, "250 2.0.0 Ok: queued"
            message.sent_at = utcnow()
        message.attempts = 1
    for recipient in db.session.scalars(
        sa.select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
    ):
        if recipient.user.email == answered_email:
            recipient.answered_at = utcnow()
    db.session.commit()


def test_the_campaign_page_shows_progress_rates_and_who_never_answered(db, admin, started, people):
    _deliver(
        db, started, failed_email="bo@asso-liege.example.org", answered_email=people["ada"].email
    )
    page = text_of(admin.get(f"/admin/campaigns/{started.id}"))
    counts = {
        key: after(page, f'data-progress="{key}">', 5).split("<")[0]
        for key in ("recipients", "queued", "sent", "failed", "answered")
    }
    assert counts == {"recipients": "2", "queued": "0", "sent": "1", "failed": "1", "answered": "1"}
    assert "1 of 2 signatories answered (50.0 %)" in page
    by_type = after(page, 'data-rates="organisation_type"', 1200)
    assert "Association" in by_type and "Cooperative" in by_type
    assert "Climate action" in after(page, 'data-rates="programme"', 1200)
    assert "Asso Liege" in after(page, "data-never-answered", 300)
    assert "Coop Lyon" not in after(page, "data-never-answered", 300)
    assert 'data-action="resend"' in page

    progress = admin.get(f"/admin/campaigns/{started.id}/progress").get_json()
    expected = service.campaign_progress(started)
    assert progress["status"] == "running"
    assert (progress["sent"], progress["failed"], progress["answered"]) == (
        expected.sent,
        expected.failed,
        expected.answered,
    )

    page = text_of(admin.get(f"/admin/campaigns/{started.id}/never-answered"))
    assert 'data-slug="asso-liege"' in page and 'data-slug="coop-lyon"' not in page


def test_the_recipients_table_filters_by_status_and_shows_the_smtp_reply(
    db, admin, started, people
):
    _deliver(db, started, failed_email="bo@asso-liege.example.org")
    page = text_of(admin.get(f"/admin/campaigns/{started.id}/recipients"))
    assert "2 recipients" in page
    row = after(page, 'data-recipient="bo@asso-liege.example.org"', 900)
    assert "Asso Liege" in row and 'data-message-status="failed"' in row
    assert "550 5.1.1 no such user" in row
    failed = text_of(admin.get(f"/admin/campaigns/{started.id}/recipients?status=failed"))
    assert "1 recipient" in failed and "ada@coop-lyon.example.org" not in failed
    sent = text_of(admin.get(f"/admin/campaigns/{started.id}/recipients?status=sent"))
    assert "250 2.0.0 Ok" in sent and "bo@asso-liege" not in sent


def test_resending_to_failed_queues_one_new_message(db, admin, started, people):
    _deliver(db, started, failed_email="bo@asso-liege.example.org")
    response = admin.post(f"/admin/campaigns/{started.id}/resend")
    assert response.status_code == 302
    assert "1 messages will be sent again" in text_of(admin.get(response.headers["Location"]))
    keys = db.session.scalars(
        sa.select(OutboxMessage.idempotency_key).where(
            OutboxMessage.campaign_id == started.id, OutboxMessage.status == OutboxStatus.queued
        )
    ).all()
    assert keys == [f"campaign:{started.id}:{people['bo'].id}:resend-1"]


def _counts(page: str) -> dict[str, str]:
    return {
        key: after(page, f'data-progress="{key}">', 5).split("<")[0]
        for key in ("recipients", "queued", "sent", "failed")
    }


def test_a_suppressed_failed_recipient_is_explained_lifted_and_resent_then_counted_once(
    app, db, admin, started, people, secretariat
):
    _deliver(db, started, failed_email="bo@asso-liege.example.org")
    suppress_address("bo@asso-liege.example.org", "bounce: 550 5.1.1 no such user")
    db.session.commit()
    page = text_of(admin.get(f"/admin/campaigns/{started.id}"))
    held = after(page, 'data-held="bo@asso-liege.example.org"', 900)
    assert "the address is suppressed since" in held and "(bounce: 550 5.1.1 no such user)" in held
    assert 'data-action="resend"' not in page
    refused = admin.post(f"/admin/campaigns/{started.id}/resend")
    assert refused.status_code == 422
    assert "the address is suppressed since" in after(text_of(refused), "data-held-back", 900)

    suppression = db.session.scalars(sa.select(Suppression)).one()
    lift_url = f"/admin/campaigns/{started.id}/suppressions/{suppression.id}/lift"
    assert f'action="{lift_url}"' in held
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert admin.post(lift_url).status_code == 400
        page = text_of(admin.get(f"/admin/campaigns/{started.id}"))
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        lifted = admin.post(lift_url, data={"csrf_token": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert lifted.status_code == 302
    page = text_of(admin.get(lifted.headers["Location"]))
    assert "bo@asso-liege.example.org will receive mail again" in page
    assert "data-held-back" not in page and 'data-action="resend"' in page
    assert db.session.scalars(sa.select(Suppression)).all() == []
    [entry] = db.session.scalars(
        sa.select(Activity).where(Activity.action == "suppression.lifted")
    ).all()
    assert entry.actor_id == secretariat.id
    assert entry.payload["address"] == "bo@asso-liege.example.org"

    assert admin.post(f"/admin/campaigns/{started.id}/resend").status_code == 302
    resent = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.queued)
    ).one()
    resent.status = OutboxStatus.sent
    db.session.commit()
    page = text_of(admin.get(f"/admin/campaigns/{started.id}"))
    assert _counts(page) == {"recipients": "2", "queued": "0", "sent": "2", "failed": "0"}
    progress = admin.get(f"/admin/campaigns/{started.id}/progress").get_json()
    assert (progress["recipients"], progress["sent"], progress["failed"]) == (2, 2, 0)
    row = after(text_of(admin.get("/admin/campaigns")), f'data-campaign-id="{started.id}"', 1500)
    # recipients, queued, sent, failed
    assert [c.split("<")[0] for c in row.split('<td class="text-end">')[1:5]] == [
        "2",
        "0",
        "2",
        "0",
    ]


def test_a_scheduled_campaign_is_paused_and_resumed_from_its_page(
    db, admin, write, people, secretariat
):
    campaign = write()
    later = utcnow() + timedelta(days=2)
    service.schedule_campaign(campaign, later, secretariat)
    db.session.commit()
    page = text_of(admin.get(f"/admin/campaigns/{campaign.id}"))
    assert 'data-action="pause"' in page
    response = admin.post(
        f"/admin/campaigns/{campaign.id}/pause", data={"reason": "Waiting for the figures"}
    )
    assert response.status_code == 302
    page = text_of(admin.get(response.headers["Location"]))
    assert "it will not start until you resume it" in page
    assert "Waiting for the figures" in after(page, "data-pause-reason")
    assert 'data-action="resume"' in page and 'data-action="pause"' not in page
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.paused
    response = admin.post(f"/admin/campaigns/{campaign.id}/resume")
    assert response.status_code == 302
    assert "scheduled again" in text_of(admin.get(response.headers["Location"]))
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.scheduled and campaign.scheduled_at == later


# Preview and test send.


def test_the_preview_shows_subject_text_and_html_as_the_chosen_person(admin, write, people):
    campaign = write(
        contents={
            "en": {"subject": "Your progress, {{ recipient_name }}", "body": BODY},
            "fr": {"subject": "Votre avancement, {{ recipient_name }}", "body": "**Bonjour**"},
        }
    )
    page = text_of(admin.get(f"/admin/campaigns/{campaign.id}/preview"))
    # The first person of the audience by name, by default.
    assert "Your progress, Ada Lovelace" in after(page, "data-preview-subject")
    assert "Please report for Coop Lyon" in after(page, "data-preview-text")
    assert '<a href="http://' in after(page, "data-preview-html", 600)
    assert "Bo Peters &lt;bo@asso-liege.example.org&gt;" in page  # in the select
    page = text_of(admin.get(f"/admin/campaigns/{campaign.id}/preview?user_id={people['bo'].id}"))
    assert "Votre avancement, Bo Peters" in page  # in Bo's language
    assert "<strong>Bonjour</strong>" in after(page, "data-preview-html")
    page = text_of(
        admin.get(
            f"/admin/campaigns/{campaign.id}/preview?email=BO@asso-liege.example.org&locale=en"
        )
    )
    assert "Your progress, Bo Peters" in page


def test_previewing_as_an_unknown_address_says_so(admin, write, people):
    campaign = write()
    response = admin.get(f"/admin/campaigns/{campaign.id}/preview?email=nobody@example.org")
    assert response.status_code == 422
    assert "No account has this address." in after(text_of(response), 'id="email-errors"')


def test_a_test_send_queues_one_uncounted_email_to_oneself(db, admin, write, people, secretariat):
    campaign = write()
    response = admin.post(
        f"/admin/campaigns/{campaign.id}/test", data={"as_email": "bo@asso-liege.example.org"}
    )
    assert response.status_code == 302
    assert "A test email to" in text_of(admin.get(response.headers["Location"]))
    (message,) = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == service.TEST_TEMPLATE)
    ).all()
    assert message.to_address == secretariat.email and message.campaign_id is None
    assert "Bo Peters" in message.subject
    assert service.campaign_progress(campaign).messages == 0


def test_test_sends_are_rate_limited(db, admin, write, people):
    campaign = write()
    statuses = [admin.post(f"/admin/campaigns/{campaign.id}/test").status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    sent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.template == service.TEST_TEMPLATE)
    )
    assert sent == 5


def test_a_test_send_as_an_unknown_address_is_refused(db, admin, write, people):
    campaign = write()
    response = admin.post(
        f"/admin/campaigns/{campaign.id}/test", data={"as_email": "nobody@example.org"}
    )
    assert response.status_code == 422
    assert "No account has this address." in after(text_of(response), 'id="as_email-errors"')
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


# Update links.


@pytest.fixture
def links(db, people, secretariat):
    """Ada's link (opened), Bo's link (never opened), Bo's expired and revoked links."""
    made = {}
    for name, user, signatory in (
        ("opened", people["ada"], people["french"]),
        ("fresh", people["bo"], people["belgian"]),
        ("expired", people["bo"], people["belgian"]),
        ("revoked", people["bo"], people["belgian"]),
    ):
        url = update_links.issue_update_link(user, signatory)
        made[name] = update_links.find_link(url.rsplit("/", 1)[1])
    made["opened"].used_at = utcnow()
    made["expired"].expires_at = utcnow() - timedelta(days=1)
    update_links.revoke_update_link(made["revoked"], secretariat)
    db.session.commit()
    return made


def test_the_update_links_list_filters_by_state_signatory_and_email(admin, links):
    page = text_of(admin.get("/admin/update-links"))
    assert "4 links" in page
    states = {name: f'data-link-id="{link.id}" data-state="' for name, link in links.items()}
    assert after(page, states["opened"], 6) == 'used">'
    assert after(page, states["fresh"], 8) == 'active">'
    assert after(page, states["expired"], 9) == 'expired">'
    assert after(page, states["revoked"], 9) == 'revoked">'
    for state, name in (("active", "fresh"), ("used", "opened"), ("expired", "expired")):
        page = text_of(admin.get(f"/admin/update-links?state={state}"))
        assert "1 link" in page and f'data-link-id="{links[name].id}"' in page
    page = text_of(admin.get("/admin/update-links?signatory=coop-lyon"))
    assert "1 link" in page and f'data-link-id="{links["opened"].id}"' in page
    page = text_of(admin.get("/admin/update-links?email=BO@asso-liege.example.org"))
    assert "3 links" in page


def test_revoking_a_link_stops_it_and_keeps_the_filters(db, admin, links):
    link = links["fresh"]
    response = admin.post(f"/admin/update-links/{link.id}/revoke?state=active")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/update-links?state=active")
    assert "no longer works" in text_of(admin.get(response.headers["Location"]))
    db.session.refresh(link)
    assert link.revoked_at is not None
    again = admin.post(f"/admin/update-links/{link.id}/revoke")
    assert "already revoked" in text_of(admin.get(again.headers["Location"]))
    assert admin.post("/admin/update-links/999999/revoke").status_code == 404


# CSRF.


def test_campaign_forms_need_their_csrf_token(app, db, admin, write, links, people):
    campaign = write()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = [
            admin.post("/admin/campaigns/new", data=form_data()).status_code,
            admin.post(
                f"/admin/campaigns/{campaign.id}/schedule", data={"when": "now"}
            ).status_code,
            admin.post(f"/admin/campaigns/{campaign.id}/cancel", data={"confirm": "y"}).status_code,
            admin.post(f"/admin/campaigns/{campaign.id}/test").status_code,
            admin.post(f"/admin/update-links/{links['fresh'].id}/revoke").status_code,
        ]
        page = text_of(admin.get(f"/admin/campaigns/{campaign.id}"))
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        accepted = admin.post(
            f"/admin/campaigns/{campaign.id}/schedule", data={"when": "now", "csrf_token": token}
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert refused == [400] * 5
    assert accepted.status_code == 302
    db.session.refresh(campaign)
    db.session.refresh(links["fresh"])
    assert count_campaigns(db) == 1 and links["fresh"].revoked_at is None
    assert campaign.status == CampaignStatus.scheduled
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UpdateLink)) == 4


def test_the_campaign_pages_work_in_french(db, admin, started, people):
    _deliver(db, started, answered_email=people["ada"].email)
    admin.post("/language", data={"locale": "fr", "next": "/admin/"})
    for path in (
        "/admin/campaigns",
        "/admin/campaigns/new",
        f"/admin/campaigns/{started.id}",
        f"/admin/campaigns/{started.id}/recipients",
        f"/admin/campaigns/{started.id}/never-answered",
        f"/admin/campaigns/{started.id}/preview",
        "/admin/update-links",
    ):
        response = admin.get(path)
        assert response.status_code == 200, path
        assert '<html lang="fr">' in text_of(response), path
    page = text_of(admin.get(f"/admin/campaigns/{started.id}"))
    assert "Coopérative" in after(page, 'data-rates="organisation_type"', 1200)


def test_actions_on_a_cancelled_or_running_campaign_are_refused_with_409(db, admin, started):
    response = admin.post(f"/admin/campaigns/{started.id}/resume")
    assert response.status_code == 409
    assert "A running campaign cannot become running." in text_of(response)
    response = admin.post(f"/admin/campaigns/{started.id}/unschedule")
    assert response.status_code == 409
    db.session.refresh(started)
    assert started.status == CampaignStatus.running
    admin.post(f"/admin/campaigns/{started.id}/cancel", data={"confirm": "y"})
    response = admin.post(f"/admin/campaigns/{started.id}/cancel", data={"confirm": "y"})
    assert response.status_code == 409
    assert "A cancelled campaign cannot become cancelled." in text_of(response)
    page = text_of(admin.get(f"/admin/campaigns/{started.id}"))
    assert 'data-campaign-status="cancelled"' in page
    assert "data-action=" not in page  # no button left


def test_a_campaign_holding_many_back_lists_the_first_and_counts_the_rest(
    db, admin, started, monkeypatch
):
    for message in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.campaign_id == started.id)
    ):
        message.status, message.last_reply = OutboxStatus.failed, "550 5.1.1 no such user"
        suppress_address(message.to_address, "bounce: 550 5.1.1 no such user")
    db.session.commit()
    monkeypatch.setattr(analytics, "HELD_BACK_SHOWN", 1)
    page = text_of(admin.get(f"/admin/campaigns/{started.id}"))
    held = after(page, "data-held-back", 3000)
    assert held.count("data-held=") == 1 and 'data-held="ada@coop-lyon.example.org"' in held
    assert "1 of 2 shown." in held and 'href="/admin/suppressions"' in held
