"""The back office's coalition pages: applications, signatories, users and roles, activity."""

import pytest

from pact_tracker.campaigns.models import OutboxMessage
from pact_tracker.coalition import services as coalition
from pact_tracker.coalition.models import Role, SignatoryStatus, User
from pact_tracker.core.activity import Activity


def text_of(response) -> str:
    return response.get_data(as_text=True)


ADMIN_PAGES = [
    "/admin/",
    "/admin/applications",
    "/admin/signatories",
    "/admin/users",
    "/admin/users/new",
    "/admin/activity",
    "/admin/import",
    "/admin/programmes",
    "/admin/programmes/new",
    "/admin/review",
]


@pytest.fixture
def application(db, make_user):
    """An organisation that applied, with its contact person."""
    applicant = make_user(name="Ada Applicant", email="ada@mutual.example.org")
    return coalition.apply_to_join(
        {
            "name": "Mutuelle Solidaire",
            "slug": "mutuelle-solidaire",
            "organisation_type_code": "mutual",
            "country_code": "BE",
        },
        applicant,
    )


def _activity(db, action: str) -> list[Activity]:
    return db.session.scalars(db.select(Activity).where(Activity.action == action)).all()


def test_the_to_do_list_counts_applications_and_commitments_waiting(admin, application):
    page = text_of(admin.get("/admin/"))
    assert "Applications waiting" in page and "Mutuelle Solidaire" in page
    assert "Commitments waiting for review" in page


def test_approving_an_application_stores_the_status_logs_it_and_emails_the_contact(
    db, admin, application, secretariat
):
    page = text_of(admin.get("/admin/applications/mutuelle-solidaire"))
    assert "ada@mutual.example.org" in page and "Message to the applicant" in page

    response = admin.post(
        "/admin/applications/mutuelle-solidaire",
        data={"approve": "Approve", "message": "Welcome aboard."},
    )
    assert response.status_code == 302
    assert "was approved" in text_of(admin.get(response.headers["Location"]))
    db.session.refresh(application)
    assert application.status == SignatoryStatus.approved
    assert application.manifesto_signed_on is not None
    (entry,) = _activity(db, "signatory.approved")
    assert entry.actor_id == secretariat.id and entry.payload["reason"] == "Welcome aboard."
    (email,) = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.template == "application_decision")
    ).all()
    assert email.to_address == "ada@mutual.example.org"
    assert "Mutuelle Solidaire" in email.subject and "Welcome aboard." in email.body_text


def test_rejecting_needs_a_message_next_to_the_field_and_then_stores_the_reason(
    db, admin, application
):
    refused = admin.post("/admin/applications/mutuelle-solidaire", data={"reject": "Reject"})
    assert refused.status_code == 422
    assert "Say why the application is rejected." in text_of(refused)
    db.session.refresh(application)
    assert application.status == SignatoryStatus.applied

    response = admin.post(
        "/admin/applications/mutuelle-solidaire",
        data={"reject": "Reject", "message": "Outside the coalition's scope."},
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status == SignatoryStatus.rejected
    assert application.status_reason == "Outside the coalition's scope."
    (entry,) = _activity(db, "signatory.rejected")
    assert entry.payload["reason"] == "Outside the coalition's scope."
    email = db.session.scalar(
        db.select(OutboxMessage).where(OutboxMessage.template == "application_decision")
    )
    assert "Outside the coalition's scope." in email.body_text


def test_signatories_are_filtered_by_status_and_name(admin, application, make_signatory):
    make_signatory(name="Ville Lumière", slug="ville-lumiere")
    page = text_of(admin.get("/admin/signatories?status=applied"))
    assert "Mutuelle Solidaire" in page and "Ville Lumière" not in page
    page = text_of(admin.get("/admin/signatories?q=lumi"))
    assert "Ville Lumière" in page and "Mutuelle Solidaire" not in page


def test_suspending_needs_a_reason_then_reinstating_clears_it(db, admin, make_signatory):
    signatory = make_signatory(name="Coop Suspendue", slug="coop-suspendue")
    refused = admin.post("/admin/signatories/coop-suspendue/status", data={"action": "suspend"})
    assert refused.status_code == 422
    assert "Give the reason" in text_of(refused)
    assert signatory.status == SignatoryStatus.approved

    response = admin.post(
        "/admin/signatories/coop-suspendue/status",
        data={"action": "suspend", "reason": "Unpaid fee."},
    )
    assert response.status_code == 302
    page = text_of(admin.get(response.headers["Location"]))
    assert "Unpaid fee." in page and "is now suspended" in page
    db.session.refresh(signatory)
    assert signatory.status == SignatoryStatus.suspended

    admin.post("/admin/signatories/coop-suspendue/status", data={"action": "reinstate"})
    db.session.refresh(signatory)
    assert signatory.status == SignatoryStatus.approved and signatory.status_reason is None


def test_editing_a_profile_shows_service_errors_next_to_fields_and_writes_nothing(
    db, admin, make_signatory
):
    signatory = make_signatory(name="Coop Profil", slug="coop-profil")
    data = {
        "name": "Coop Profil",
        "slug": "coop-profil",
        "organisation_type_code": "cooperative",
        "country_code": "FR",
        "website": "not a web address",
        "locality": "Nantes",
    }
    refused = admin.post("/admin/signatories/coop-profil", data=data)
    assert refused.status_code == 422
    assert "Must be a web address" in text_of(refused)
    db.session.refresh(signatory)
    assert signatory.locality is None

    response = admin.post(
        "/admin/signatories/coop-profil", data={**data, "website": "https://coop.example.org"}
    )
    assert response.status_code == 302
    db.session.refresh(signatory)
    assert signatory.locality == "Nantes" and signatory.website == "https://coop.example.org"


def test_the_last_secretariat_cannot_lose_the_role(db, admin, secretariat):
    response = admin.post(f"/admin/users/{secretariat.id}", data={"role": "member"})
    assert response.status_code == 422
    assert "This is the last active secretariat account." in text_of(response)
    db.session.refresh(secretariat)
    assert secretariat.role == Role.secretariat

    response = admin.post(f"/admin/users/{secretariat.id}/active", data={"active": "0"})
    assert response.status_code == 422
    assert "last active secretariat account" in text_of(response)


def test_changing_a_role_and_deactivating_an_account(db, admin, make_user):
    colleague = make_user(role=Role.secretariat, name="Second Secretariat")
    response = admin.post(f"/admin/users/{colleague.id}", data={"role": "organiser"})
    assert response.status_code == 302
    assert "now has the role Organiser" in text_of(admin.get(response.headers["Location"]))
    db.session.refresh(colleague)
    assert colleague.role == Role.organiser

    response = admin.post(f"/admin/users/{colleague.id}/active", data={"active": "0"})
    assert response.status_code == 302
    db.session.refresh(colleague)
    assert not colleague.active
    assert _activity(db, "user.deactivated")


def test_users_are_filtered_by_role(admin, make_user):
    make_user(role=Role.organiser, email="orla@example.org")
    make_user(email="mia@example.org")
    page = text_of(admin.get("/admin/users?role=organiser"))
    assert "orla@example.org" in page and "mia@example.org" not in page


def test_creating_a_user_refuses_a_taken_address_next_to_the_field(db, admin, make_user):
    make_user(email="taken@example.org")
    refused = admin.post(
        "/admin/users/new",
        data={"email": "taken@example.org", "name": "Twin", "role": "member", "locale": "en"},
    )
    assert refused.status_code == 422
    assert "already exists" in text_of(refused)

    response = admin.post(
        "/admin/users/new",
        data={"email": "New@Example.org", "name": "Nina New", "role": "organiser", "locale": "fr"},
    )
    assert response.status_code == 302
    created = coalition.find_user_by_email("new@example.org")
    assert created.role == Role.organiser and created.locale == "fr"


def test_activity_log_filters_by_action_actor_signatory_and_dates(
    db, admin, secretariat, application, make_signatory
):
    other = make_signatory(name="Coop Autre", slug="coop-autre")
    coalition.change_signatory_status(application, SignatoryStatus.approved, secretariat)
    coalition.update_signatory(other, {"locality": "Lille"}, None)

    page = text_of(admin.get("/admin/activity?action=signatory."))
    assert 'data-action="signatory.approved"' in page
    assert 'data-action="signatory.updated"' in page
    assert 'data-action="membership.added"' not in page

    page = text_of(admin.get(f"/admin/activity?actor={secretariat.email}"))
    assert 'data-action="signatory.approved"' in page
    assert 'data-action="signatory.updated"' not in page

    page = text_of(admin.get("/admin/activity?signatory=coop-autre"))
    assert 'data-action="signatory.updated"' in page
    assert 'data-action="signatory.approved"' not in page

    page = text_of(admin.get("/admin/activity?since=2999-01-01"))
    assert "No activity matches these filters." in page

    page = text_of(admin.get("/admin/activity?actor=nobody@example.org"))
    assert "No account has this address." in page and "data-activity-id" not in page


def test_activity_shows_the_newest_first_with_subject_links(db, admin, secretariat, application):
    coalition.change_signatory_status(application, SignatoryStatus.approved, secretariat)
    page = text_of(admin.get("/admin/activity"))
    assert page.index('data-action="signatory.approved"') < page.index(
        'data-action="signatory.applied"'
    )
    assert 'href="/admin/signatories/mutuelle-solidaire"' in page


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_members_and_organisers_are_refused_the_back_office(
    sign_in, member, organiser, client, path
):
    for person in (member, organiser):
        assert sign_in(person).get(path).status_code == 403
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_refused_writes_change_nothing(db, sign_in, member, organiser, application):
    for person in (member, organiser):
        response = sign_in(person).post(
            "/admin/applications/mutuelle-solidaire", data={"approve": "Approve"}
        )
        assert response.status_code == 403
    db.session.refresh(application)
    assert application.status == SignatoryStatus.applied


def test_back_office_pages_are_in_french(admin):
    admin.post("/language", data={"locale": "fr", "next": "/admin/"})
    page = text_of(admin.get("/admin/"))
    assert "Candidatures en attente" in page


def test_a_deactivated_secretariat_loses_the_back_office(db, sign_in, make_user, secretariat):
    colleague = make_user(role=Role.secretariat)
    client = sign_in(colleague)
    assert client.get("/admin/").status_code == 200
    coalition.deactivate_user(colleague, secretariat)
    assert client.get("/admin/").status_code == 302
    assert db.session.get(User, colleague.id).active is False
