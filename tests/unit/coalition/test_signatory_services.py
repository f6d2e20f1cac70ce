"""Signatories: validation, slugs, the lifecycle and its activity log."""

from datetime import date

import pytest

from pact_tracker.coalition import services
from pact_tracker.coalition.models import Role, Signatory, SignatoryStatus
from pact_tracker.core.activity import Activity
from pact_tracker.core.errors import InvalidInput, InvalidTransition


def _data(**overrides):
    data = {
        "name": "Coopérative des Fermes du Sud",
        "acronym": "CFS",
        "organisation_type_code": "cooperative",
        "country_code": "FR",
        "subdivision_code": "FR-OCC",
        "locality": "Montpellier",
        "website": "https://fermes-du-sud.example.org",
        "description": "Farmers' cooperative selling through short circuits.",
    }
    data.update(overrides)
    return data


def test_application_is_applied_with_a_slug_from_the_name_and_is_logged(db, make_user, activities):
    applicant = make_user()
    signatory = services.create_signatory(_data(), applicant)
    assert signatory.status == SignatoryStatus.applied
    assert signatory.slug == "cooperative-des-fermes-du-sud"
    assert signatory.manifesto_signed_on is None
    (entry,) = activities("signatory.applied")
    assert entry.actor_id == applicant.id
    assert entry.signatory_id == signatory.id
    assert entry.payload["slug"] == "cooperative-des-fermes-du-sud"


def test_generated_slugs_are_made_unique(db):
    first = services.create_signatory(_data(), None)
    second = services.create_signatory(_data(), None)
    third = services.create_signatory(_data(), None)
    assert [first.slug, second.slug, third.slug] == [
        "cooperative-des-fermes-du-sud",
        "cooperative-des-fermes-du-sud-2",
        "cooperative-des-fermes-du-sud-3",
    ]


def test_created_approved_gets_todays_manifesto_date_and_a_created_entry(
    db, secretariat, activities
):
    signatory = services.create_signatory(
        _data(country_code="fr"), secretariat, SignatoryStatus.approved
    )
    assert signatory.status == SignatoryStatus.approved
    assert signatory.manifesto_signed_on == date.today()
    assert signatory.country_code == "FR"
    (entry,) = activities("signatory.created")
    assert entry.actor_id == secretariat.id
    assert entry.payload["status"] == "approved"


def test_created_approved_keeps_the_given_manifesto_date(db, secretariat):
    signatory = services.create_signatory(
        _data(manifesto_signed_on="2024-06-05"), secretariat, SignatoryStatus.approved
    )
    assert signatory.manifesto_signed_on == date(2024, 6, 5)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"acronym": "A" * 41}, "acronym"),
        ({"organisation_type_code": "pirate_ship"}, "organisation_type_code"),
        ({"country_code": "XX"}, "country_code"),
        ({"subdivision_code": "BE-VAN"}, "subdivision_code"),
        ({"subdivision_code": "FR-NOPE"}, "subdivision_code"),
        ({"website": "ftp://files.example.org"}, "website"),
        ({"website": "not a url"}, "website"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"manifesto_signed_on": "05/06/2024"}, "manifesto_signed_on"),
        ({"manifesto_signed_on": "2999-01-01"}, "manifesto_signed_on"),
        ({"description": "bad\x00byte"}, "description"),
        ({"colour": "green"}, "colour"),
    ],
)
def test_invalid_signatory_names_the_field_and_writes_nothing(db, count, overrides, field):
    signatories, entries = count(Signatory), count(Activity)
    with pytest.raises(InvalidInput) as raised:
        services.create_signatory(_data(**overrides), None)
    assert field in raised.value.errors
    assert raised.value.errors[field][0]
    assert (count(Signatory), count(Activity)) == (signatories, entries)


def test_every_bad_field_is_reported_at_once(db):
    with pytest.raises(InvalidInput) as raised:
        services.create_signatory({"website": "nope"}, None)
    assert set(raised.value.errors) == {
        "name",
        "organisation_type_code",
        "country_code",
        "website",
    }
    assert raised.value.errors["name"] == ["This field is required."]


def test_explicit_slug_must_be_unused(db, make_signatory):
    make_signatory(name="taken-slug")
    with pytest.raises(InvalidInput) as raised:
        services.create_signatory(_data(slug="taken-slug"), None)
    assert "already used" in raised.value.errors["slug"][0]


def test_update_records_the_changed_fields_only(db, make_signatory, make_user, activities):
    signatory = make_signatory(locality="Lyon")
    member = make_user(signatory=signatory)
    services.update_signatory(
        signatory, {"locality": "Villeurbanne", "name": signatory.name}, member
    )
    assert signatory.locality == "Villeurbanne"
    (entry,) = activities("signatory.updated")
    assert entry.actor_id == member.id
    assert entry.payload == {"changes": {"locality": {"from": "Lyon", "to": "Villeurbanne"}}}


def test_update_without_change_records_nothing(db, make_signatory, activities):
    signatory = make_signatory(locality="Lyon")
    services.update_signatory(signatory, {"locality": " Lyon "}, None)
    assert activities("signatory.updated") == []


def test_update_checks_the_kept_subdivision_against_a_new_country(db, make_signatory):
    signatory = make_signatory(subdivision_code="FR-IDF")
    with pytest.raises(InvalidInput) as raised:
        services.update_signatory(signatory, {"country_code": "BE"}, None)
    assert raised.value.errors["subdivision_code"] == ["FR-IDF is not a subdivision of BE."]
    assert signatory.country_code == "FR"


def test_update_refuses_the_slug_of_another_signatory(db, make_signatory):
    make_signatory(name="other")
    signatory = make_signatory(name="mine")
    with pytest.raises(InvalidInput) as raised:
        services.update_signatory(signatory, {"slug": "other"}, None)
    assert list(raised.value.errors) == ["slug"]
    assert signatory.slug == "mine"


def test_approval_sets_the_manifesto_date_and_sends_the_status_action(
    db, make_signatory, secretariat, activities
):
    signatory = make_signatory(status=SignatoryStatus.applied, manifesto_signed_on=None)
    services.change_signatory_status(signatory, SignatoryStatus.approved, secretariat)
    assert signatory.status == SignatoryStatus.approved
    assert signatory.manifesto_signed_on == date.today()
    (entry,) = activities("signatory.approved")
    assert entry.actor_id == secretariat.id
    assert entry.payload == {"from": "applied", "to": "approved", "reason": ""}


@pytest.mark.parametrize(
    "new_status",
    [SignatoryStatus.suspended, SignatoryStatus.withdrawn],
)
def test_suspension_and_withdrawal_keep_the_reason(db, make_signatory, secretariat, new_status):
    signatory = make_signatory()
    services.change_signatory_status(signatory, new_status, secretariat, "No report for 2 years")
    assert signatory.status == new_status
    assert signatory.status_reason == "No report for 2 years"


def test_rejection_keeps_the_reason(db, make_signatory, secretariat):
    signatory = make_signatory(status=SignatoryStatus.applied)
    services.change_signatory_status(
        signatory, SignatoryStatus.rejected, secretariat, "Not an SSE org"
    )
    assert (signatory.status, signatory.status_reason) == ("rejected", "Not an SSE org")


def test_reapproval_after_suspension_clears_the_reason_and_keeps_the_date(
    db, make_signatory, secretariat
):
    signatory = make_signatory(manifesto_signed_on=date(2023, 1, 2))
    services.change_signatory_status(signatory, "suspended", secretariat, "Unpaid")
    services.change_signatory_status(signatory, "approved", secretariat)
    assert signatory.status_reason is None
    assert signatory.manifesto_signed_on == date(2023, 1, 2)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (SignatoryStatus.applied, SignatoryStatus.suspended),
        (SignatoryStatus.applied, SignatoryStatus.withdrawn),
        (SignatoryStatus.approved, SignatoryStatus.rejected),
        (SignatoryStatus.approved, SignatoryStatus.applied),
        (SignatoryStatus.rejected, SignatoryStatus.approved),
        (SignatoryStatus.withdrawn, SignatoryStatus.approved),
    ],
)
def test_refused_transitions_say_why_and_change_nothing(
    db, make_signatory, secretariat, count, start, target
):
    signatory = make_signatory(status=start)
    entries = count(Activity)
    with pytest.raises(InvalidTransition) as raised:
        services.change_signatory_status(signatory, target, secretariat)
    assert f"that is {start} cannot become {target}" in raised.value.message
    assert signatory.status == start
    assert count(Activity) == entries


def test_final_statuses_say_so(db, make_signatory, secretariat):
    signatory = make_signatory(status=SignatoryStatus.withdrawn)
    with pytest.raises(InvalidTransition) as raised:
        services.change_signatory_status(signatory, SignatoryStatus.approved, secretariat)
    assert raised.value.message.endswith("Its status is final.")


def test_apply_to_join_makes_the_applicant_its_admin(db, make_user, activities):
    applicant = make_user(role=Role.member)
    signatory = services.apply_to_join(_data(), applicant)
    assert signatory.status == SignatoryStatus.applied
    (membership,) = signatory.memberships
    assert membership.user is applicant and membership.is_admin
    assert [a.action for a in activities()][-2:] == ["signatory.applied", "membership.added"]


def test_signatories_query_shows_members_their_own_unapproved_signatory(
    db, make_signatory, make_user, secretariat
):
    public = make_signatory(name="aaa-public")
    pending = make_signatory(name="aaa-pending", status=SignatoryStatus.applied)
    make_signatory(name="aaa-hidden", status=SignatoryStatus.applied)
    member = make_user(signatory=pending)

    def names(viewer):
        query = services.signatories_query(viewer, q="aaa-")
        return [s.name for s in db.session.scalars(query)]

    assert names(None) == [public.name]
    assert names(member) == ["aaa-pending", "aaa-public"]
    assert names(secretariat) == ["aaa-hidden", "aaa-pending", "aaa-public"]


def test_deciding_an_application_emails_its_contacts_in_their_language(
    db, make_signatory, make_user, secretariat
):
    from pact_tracker.campaigns.models import OutboxMessage

    applicant = make_signatory(name="Coop Candidate", status=SignatoryStatus.applied)
    contact = make_user(signatory=applicant, locale="fr")
    services.change_signatory_status(
        applicant, SignatoryStatus.rejected, secretariat, reason="Outside our scope"
    )
    (message,) = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.user_id == contact.id)
    ).all()
    assert message.locale == "fr"
    assert "Outside our scope" in message.body_text
    assert message.idempotency_key == f"application-decision:{applicant.id}:{contact.id}"


def test_suspending_an_approved_signatory_sends_no_application_email(
    db, make_signatory, make_user, secretariat
):
    from pact_tracker.campaigns.models import OutboxMessage

    signatory = make_signatory()
    make_user(signatory=signatory)
    services.change_signatory_status(signatory, SignatoryStatus.suspended, secretariat, "Audit")
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
