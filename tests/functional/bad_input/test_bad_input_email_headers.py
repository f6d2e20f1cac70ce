"""E-mail header injection: line breaks in every field that ends up in an email.

Names (of people and organisations), campaign subjects and campaign names are
stored as typed, but every message that leaves through SMTP (a real sink on
loopback) has one Subject on one line, no header the sender did not write,
and goes to its one recipient only. Addresses with a line break are refused.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from corpus import HEADER_INJECTION, by_name

from pact_tracker.campaigns.dispatcher import dispatch_outbox
from pact_tracker.campaigns.models import Campaign, OutboxMessage
from pact_tracker.campaigns.services import campaigns as campaign_service
from pact_tracker.coalition.models import Membership, Role, Signatory, SignatoryStatus, User
from pact_tracker.coalition.services import change_signatory_status
from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.core.types import utcnow

#: The headers every message may carry; anything else was injected.
ALLOWED_HEADERS = {
    "subject", "from", "to", "date", "message-id", "auto-submitted", "mime-version",
    "content-type", "content-transfer-encoding", "list-unsubscribe", "list-unsubscribe-post",
}  # fmt: skip
INJECTED = ("bcc", "x-injected", "victim@example.org", "forged")


def _deliver(db, smtp_sink) -> list:
    """Send what the outbox holds; return what the SMTP server received."""
    db.session.commit()
    queued = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.status == "queued"))
    assert queued > 0
    result = dispatch_outbox()
    assert result.sent == queued, result
    return smtp_sink.wait_for(queued)


def _assert_clean(mail, recipient: str) -> None:
    message = mail.message
    assert mail.recipient == recipient
    names = {name.lower() for name in message}  # the header names
    assert names <= ALLOWED_HEADERS, names - ALLOWED_HEADERS
    assert len(message.get_all("Subject")) == 1
    subject = message["Subject"]
    assert "\r" not in subject and "\n" not in subject
    assert message["To"] == recipient
    # An injected blank line would have started the body early: the parts are intact.
    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None


def _only(received, recipient: str):
    mails = [mail for mail in received if mail.recipient == recipient]
    assert len(mails) == 1, [mail.recipient for mail in received]
    return mails[0]


@pytest.mark.parametrize("bad", **by_name(HEADER_INJECTION))
def test_an_invitation_naming_the_organisation_and_the_person_goes_out_clean(
    db, make_signatory, make_user, signed_in, smtp_sink, bad
):
    own = make_signatory(name="Coop " + bad.value, slug="coop-crlf")
    admin = signed_in(make_user(name="Ines " + bad.value, signatory=own))
    response = admin.post(
        f"/my/{own.slug}/members",
        data={"name": bad.value, "email": "new.colleague@example.org", "locale": "en"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    invited = db.session.scalar(sa.select(User).where(User.email == "new.colleague@example.org"))
    assert invited.name == bad.value
    mail = _only(_deliver(db, smtp_sink), "new.colleague@example.org")
    _assert_clean(mail, "new.colleague@example.org")
    # The organisation's name is in the subject, on one line.
    assert mail.message["Subject"].startswith("Invitation to act for Coop Ada")
    assert not any(mail.recipient == "victim@example.org" for mail in smtp_sink.received)


@pytest.mark.parametrize("bad", **by_name(HEADER_INJECTION))
def test_an_application_names_go_out_clean(client, db, secretariat, smtp_sink, bad):
    response = client.post(
        "/join",
        data={
            "name": "Bakery " + bad.value,
            "organisation_type": "cooperative",
            "country": "FR",
            "contact_name": bad.value,
            "contact_email": "bea@bakery.example.org",
            "contact_locale": "en",
            "accept_manifesto": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    applied = db.session.scalar(sa.select(Signatory).where(Signatory.name == "Bakery " + bad.value))
    # The decision names the organisation in its subject.
    change_signatory_status(applied, SignatoryStatus.approved, secretariat)
    mail = _only(_deliver(db, smtp_sink), "bea@bakery.example.org")
    _assert_clean(mail, "bea@bakery.example.org")
    assert mail.message["Subject"].startswith("Bakery Ada")


@pytest.mark.parametrize("bad", **by_name(HEADER_INJECTION))
def test_a_campaign_subject_with_line_breaks_and_names_goes_out_on_one_line(
    client, db, make_signatory, make_user, make_commitment, token_for, smtp_sink, bad
):
    own = make_signatory(name="Coop " + bad.value, slug="coop-crlf")
    make_commitment(signatory=own, status=CommitmentStatus.approved)
    person = make_user(name=bad.value, signatory=own, email="ada@coop.example.org")
    secretariat = make_user(role=Role.secretariat)
    db.session.commit()
    subject = "Hello " + bad.value + " {{ recipient_name }} of {{ signatory_name }}"
    response = client.post(
        "/api/v1/campaigns",
        json={
            "name": "Campaign " + bad.value,
            "audience": {"countries": ["FR"]},
            "contents": {"en": {"subject": subject, "body": "Hello {{ recipient_name }}."}},
            "default_locale": "en",
        },
        headers=token_for(secretariat),
    )
    assert response.status_code == 201, response.get_json()
    campaign = db.session.get(Campaign, response.get_json()["id"])
    now = utcnow()
    campaign_service.schedule_campaign(campaign, now - timedelta(minutes=1), secretariat)
    queued = campaign_service.start_campaign(campaign, now)
    assert queued == 1
    mail = _only(_deliver(db, smtp_sink), person.email)
    _assert_clean(mail, person.email)
    assert mail.message["Subject"].startswith("Hello Ada")
    assert "Ada" in mail.text


@pytest.mark.parametrize(
    "address",
    [
        "new@example.org\r\nBcc: victim@example.org",
        "new@example.org\nBcc: victim@example.org",
        "new@example.org, victim@example.org",
        "Victim <victim@example.org>",
    ],
    ids=["crlf-bcc", "lf-bcc", "two-addresses", "display-name"],
)
def test_an_address_that_is_not_one_address_is_refused_everywhere(
    client, db, make_signatory, make_user, signed_in, token_for, address
):
    own = make_signatory(slug="coop-addr")
    admin_user = make_user(signatory=own)
    admin = signed_in(admin_user)
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    memberships = db.session.scalar(sa.select(sa.func.count()).select_from(Membership))
    page = admin.post(
        f"/my/{own.slug}/members", data={"name": "New", "email": address, "locale": "en"}
    )
    assert page.status_code == 422
    assert 'id="email-errors"' in page.get_data(as_text=True)
    api = client.post(
        f"/api/v1/signatories/{own.slug}/members",
        json={"name": "New", "email": address},
        headers=token_for(admin_user),
    )
    assert api.status_code == 422
    assert "email" in api.get_json()["errors"]["json"]
    joined = client.post(
        "/join",
        data={
            "name": "Bakery",
            "organisation_type": "cooperative",
            "country": "FR",
            "contact_name": "Bea",
            "contact_email": address,
            "accept_manifesto": "y",
        },
    )
    assert joined.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == memberships
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
