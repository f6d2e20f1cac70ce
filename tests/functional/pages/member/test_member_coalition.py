"""My space: my organisations, their profile, my colleagues, my preferences."""

from datetime import timedelta

import sqlalchemy as sa

from pact_tracker.campaigns.models import OutboxMessage
from pact_tracker.coalition.models import Membership, Role, User
from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.core.types import utcnow


def text(response) -> str:
    return response.get_data(as_text=True)


def test_my_home_lists_my_organisations_and_what_needs_a_report(
    db, sign_in, owner, own, make_signatory, make_commitment
):
    second = make_signatory(name="Atelier Second", slug="atelier-second")
    db.session.add(Membership(user=owner, signatory=second))
    overdue = make_commitment(
        signatory=second, status=CommitmentStatus.approved, title="Late with its report"
    )
    overdue.report_due_at = utcnow() - timedelta(days=3)
    overdue.inactive_at = utcnow() + timedelta(days=150)
    make_commitment(signatory=own, title="A mere draft")
    db.session.flush()
    page = text(sign_in(owner).get("/my/"))
    assert 'data-signatory="coop-horizon"' in page and 'data-signatory="atelier-second"' in page
    assert page.index("Atelier Second") < page.index("Coop Horizon")
    assert "Late with its report" in page and 'data-reporting-state="overdue"' in page
    assert "A mere draft" not in page
    assert f"/my/atelier-second/commitments/{overdue.id}/progress" in page


def test_my_home_asks_a_report_for_my_private_commitment_but_never_for_another_signatorys(
    db, member_client, own, make_signatory, make_commitment
):
    def overdue(signatory, **fields):
        commitment = make_commitment(
            signatory=signatory, status=CommitmentStatus.approved, **fields
        )
        commitment.report_due_at = utcnow() - timedelta(days=3)
        commitment.inactive_at = utcnow() + timedelta(days=150)
        return commitment

    mine = overdue(own, visibility="private", title="Our private promise")
    theirs = overdue(make_signatory(), title="A published promise of others")
    db.session.flush()
    page = text(member_client.get("/my/"))
    assert f'data-commitment-id="{mine.id}"' in page and "Our private promise" in page
    assert f'data-commitment-id="{theirs.id}"' not in page and theirs.title not in page


def test_my_home_says_when_everything_is_reported(member_client, approved):
    assert "data-all-reported" in text(member_client.get("/my/"))


def test_my_home_needs_a_sign_in(client):
    response = client.get("/my/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_editing_the_profile(db, member_client, own):
    url = f"/my/{own.slug}/profile"
    assert 'value="Coop Horizon"' in text(member_client.get(url))
    response = member_client.post(
        url,
        data={
            "name": "Coop Horizon SCIC",
            "acronym": "CH",
            "website": "https://coop-horizon.example.org",
            "locality": "Lyon",
            "subdivision_code": "FR-ARA",
            "description": "We repair and reuse.",
        },
    )
    assert response.status_code == 302
    assert "was saved" in text(member_client.get(url))
    db.session.refresh(own)
    assert (own.name, own.acronym, own.subdivision_code) == ("Coop Horizon SCIC", "CH", "FR-ARA")


def test_a_bad_profile_is_refused_next_to_the_field_and_nothing_changes(db, member_client, own):
    response = member_client.post(
        f"/my/{own.slug}/profile",
        data={"name": "Renamed", "website": "ftp://nowhere", "subdivision_code": "BE-BRU"},
    )
    assert response.status_code == 422
    page = text(response)
    assert 'id="website-errors"' in page and "http:// or https://" in page
    assert 'id="subdivision_code-errors"' in page
    db.session.refresh(own)
    assert own.name == "Coop Horizon"


def test_inviting_a_new_colleague_emails_an_invitation_that_grants_nothing_yet(
    db, member_client, own, owner
):
    url = f"/my/{own.slug}/members"
    page = text(member_client.get(url))
    assert "Olga Owner" in page and "data-invite-form" in page
    response = member_client.post(
        url,
        data={"email": "Nina@Example.org", "name": "Nina New", "locale": "fr", "is_admin": "y"},
    )
    assert response.status_code == 302
    page = text(member_client.get(url))
    assert "An invitation to act for Coop Horizon was sent to nina@example.org." in page
    assert "Nina New" in page and "Invited, not yet accepted" in page
    nina = db.session.scalar(sa.select(User).where(User.email == "nina@example.org"))
    assert nina.locale == "fr" and nina.signatory_ids == set()
    assert nina.memberships[0].is_admin and nina.memberships[0].pending
    message = db.session.scalar(
        sa.select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"invitation:{nina.memberships[0].id}"
        )
    )
    assert message.locale == "fr" and "/my/invitations" in message.body_text


def test_the_invited_person_accepts_and_then_acts_for_the_organisation(
    db, member_client, sign_in, make_user, own
):
    invitee = make_user(name="Ivan Invitee")
    member_client.post(
        f"/my/{own.slug}/members",
        data={"email": invitee.email, "name": "Whoever", "locale": "en"},
    )
    invitee_client = sign_in(invitee)
    assert invitee_client.get(f"/my/{own.slug}/commitments").status_code in (403, 404)
    page = text(invitee_client.get("/my/invitations"))
    assert "Coop Horizon invites you to act for it." in page
    (membership,) = invitee.memberships
    response = invitee_client.post(f"/my/invitations/{membership.id}/accept")
    assert response.status_code == 302
    assert invitee_client.get(f"/my/{own.slug}/commitments").status_code == 200
    assert db.session.get(User, invitee.id).signatory_ids == {own.id}


def test_the_invited_person_may_decline(db, member_client, sign_in, make_user, own):
    invitee = make_user(name="Dora Declines")
    member_client.post(
        f"/my/{own.slug}/members",
        data={"email": invitee.email, "name": "Dora", "locale": "en"},
    )
    (membership,) = invitee.memberships
    invitee_client = sign_in(invitee)
    invitee_client.post(f"/my/invitations/{membership.id}/decline")
    assert db.session.get(Membership, membership.id) is None
    assert "No invitation is waiting for you." in text(invitee_client.get("/my/invitations"))


def test_nobody_else_can_accept_an_invitation(db, member_client, sign_in, make_user, own):
    invitee = make_user()
    member_client.post(
        f"/my/{own.slug}/members", data={"email": invitee.email, "name": "X", "locale": "en"}
    )
    (membership,) = invitee.memberships
    intruder = sign_in(make_user())
    assert intruder.post(f"/my/invitations/{membership.id}/accept").status_code == 404
    assert db.session.get(Membership, membership.id).pending


def test_inviting_an_unknown_person_needs_a_name(db, member_client, own):
    response = member_client.post(
        f"/my/{own.slug}/members", data={"email": "nobody@example.org", "locale": "en"}
    )
    assert response.status_code == 422
    assert 'id="name-errors"' in text(response)
    assert db.session.scalar(sa.select(User).where(User.email == "nobody@example.org")) is None


def test_inviting_someone_already_there_is_refused_next_to_the_email(member_client, own, owner):
    response = member_client.post(
        f"/my/{own.slug}/members", data={"email": owner.email, "name": "Olga", "locale": "en"}
    )
    assert response.status_code == 422
    assert 'id="email-errors"' in text(response) and "already a member" in text(response)


def test_invitations_are_rate_limited(member_client, own):
    for _ in range(20):
        member_client.post(f"/my/{own.slug}/members", data={"email": "not-an-email"})
    response = member_client.post(f"/my/{own.slug}/members", data={"email": "not-an-email"})
    assert response.status_code == 429


def test_a_member_who_is_not_admin_sees_colleagues_but_cannot_invite_or_remove(
    db, sign_in, make_user, own, owner
):
    plain = make_user(name="Paul Plain")
    db.session.add(Membership(user=plain, signatory=own, is_admin=False))
    db.session.flush()
    client = sign_in(plain)
    page = text(client.get(f"/my/{own.slug}/members"))
    assert "Olga Owner" in page and "data-invite-form" not in page
    refused = client.post(
        f"/my/{own.slug}/members", data={"email": "x@example.org", "name": "X", "locale": "en"}
    )
    assert refused.status_code == 403
    membership = owner.memberships[0]
    assert client.post(f"/my/{own.slug}/members/{membership.id}/remove").status_code == 403


def test_removing_a_colleague(db, member_client, make_user, own, owner):
    colleague = make_user(name="Colin Colleague", signatory=own)
    membership = colleague.memberships[0]
    response = member_client.post(f"/my/{own.slug}/members/{membership.id}/remove")
    assert response.status_code == 302
    page = text(member_client.get(f"/my/{own.slug}/members"))
    assert "no longer acts for Coop Horizon" in page
    assert db.session.get(Membership, membership.id) is None
    # One cannot remove oneself (and lock the organisation out).
    mine = owner.memberships[0]
    response = member_client.post(f"/my/{own.slug}/members/{mine.id}/remove")
    assert "You cannot remove yourself" in text(member_client.get(response.headers["Location"]))
    assert db.session.get(Membership, mine.id) is not None


def test_removing_a_membership_of_another_signatory_is_not_found(member_client, own, outsider):
    theirs = outsider.memberships[0]
    response = member_client.post(f"/my/{own.slug}/members/{theirs.id}/remove")
    assert response.status_code == 404


def test_preferences_change_name_language_and_reminders(db, member_client, owner):
    page = text(member_client.get("/my/preferences"))
    assert 'value="Olga Owner"' in page and "/account/password" in page
    response = member_client.post(
        "/my/preferences",
        data={"name": "Olga O.", "locale": "fr", "reminders_opt_out": "y"},
    )
    assert response.status_code == 302
    page = text(member_client.get("/my/preferences"))
    assert '<html lang="fr">' in page and "Vos préférences ont été enregistrées." in page
    db.session.refresh(owner)
    assert (owner.name, owner.locale, owner.reminders_opt_out) == ("Olga O.", "fr", True)


def test_preferences_refuse_an_empty_name(db, member_client, owner):
    response = member_client.post("/my/preferences", data={"name": "", "locale": "en"})
    assert response.status_code == 422 and 'id="name-errors"' in text(response)
    db.session.refresh(owner)
    assert owner.name == "Olga Owner"


def test_a_pending_invitee_shows_only_what_the_inviter_typed_on_every_members_page(
    db, member_client, sign_in, make_user, own, secretariat
):
    organiser = make_user(
        role=Role.organiser, name="Event Organiser", email="organiser@example.org"
    )
    member_client.post(
        f"/my/{own.slug}/members",
        data={"email": "organiser@example.org", "name": "Our new colleague", "locale": "en"},
    )
    (invitation,) = organiser.memberships
    admin = sign_in(secretariat)
    pages = {
        "member": f"/my/{own.slug}/members",
        "secretariat": f"/admin/signatories/{own.slug}",
    }
    for who, client in (("member", member_client), ("secretariat", admin)):
        page = text(client.get(pages[who]))
        row = page.split(f'data-membership-id="{invitation.id}"')[1].split("</tr>")[0]
        assert "Our new colleague" in row and "organiser@example.org" in row, who
        assert "Invited, not yet accepted" in row, who
        assert "Event Organiser" not in page, who
        assert f"/admin/users/{organiser.id}" not in page, who

    sign_in(organiser).post(f"/my/invitations/{invitation.id}/accept")
    page = text(member_client.get(pages["member"]))
    row = page.split(f'data-membership-id="{invitation.id}"')[1].split("</tr>")[0]
    assert "Event Organiser" in row and "Our new colleague" not in row
    assert "Event Organiser" in text(admin.get(pages["secretariat"]))
