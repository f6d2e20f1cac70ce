"""The secretariat's decisions on a commitment reach the signatory's members by email.

Decided in the back office (or the API), queued in the same transaction, delivered by
the worker to a real SMTP server on loopback, in each member's language.
"""

import pytest
import sqlalchemy as sa

from pact_tracker.campaigns.models import OutboxMessage, OutboxStatus
from pact_tracker.campaigns.services import suppress_address
from pact_tracker.coalition.models import Membership
from pact_tracker.commitments import services as commitments
from pact_tracker.commitments.models import CommitmentStatus

BASE = "http://127.0.0.1:5000"


@pytest.fixture
def own(make_signatory):
    return make_signatory(name="Coop Décision", slug="coop-decision")


@pytest.fixture
def english(make_user, own):
    return make_user(name="Edna English", signatory=own, locale="en")


@pytest.fixture
def french(make_user, own):
    return make_user(name="Fanny Français", signatory=own, locale="fr")


@pytest.fixture
def admin(sign_in, secretariat):
    return sign_in(secretariat)


@pytest.fixture
def submitted(make_commitment, own):
    return make_commitment(
        signatory=own,
        status=CommitmentStatus.submitted,
        title="Train 40 apprentices in bicycle repair",
    )


def _deliver(runner) -> str:
    result = runner.invoke(args=["pact", "worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def _text(received) -> str:
    """The plain-text body, its lines ended as written (SMTP carries them as CRLF)."""
    return received.text.replace("\r\n", "\n")


def _by_recipient(smtp_sink, count: int) -> dict:
    return {received.recipient: received for received in smtp_sink.wait_for(count)}


def test_members_are_emailed_a_request_for_changes_with_the_comment_in_their_language(
    db, admin, runner, smtp_sink, submitted, english, french, own
):
    response = admin.post(
        f"/admin/commitments/{submitted.id}/review",
        data={"action": "request_changes", "comment": "Say where the workshops will be."},
    )
    assert response.status_code == 302
    assert "claimed 2, sent 2" in _deliver(runner)
    mail = _by_recipient(smtp_sink, 2)
    assert len(smtp_sink.received) == 2
    edit = f"{BASE}/my/coop-decision/commitments/{submitted.id}/edit"
    page = f"{BASE}/my/coop-decision/commitments/{submitted.id}"

    en = mail[english.email]
    assert en.message["Subject"] == (
        "Changes requested on your commitment “Train 40 apprentices in bicycle repair”"
    )
    assert "Hello Edna English," in _text(en)
    assert (
        "The secretariat has reviewed the commitment “Train 40 apprentices in bicycle repair” "
        "of Coop Décision and asks for changes before approving it." in _text(en)
    )
    assert "Comment from the secretariat:\n\nSay where the workshops will be." in _text(en)
    assert edit in _text(en) and page in _text(en)
    assert edit in en.html and "Say where the workshops will be." in en.html

    fr = mail[french.email]
    assert fr.message["Subject"] == (
        "Modifications demandées pour votre engagement « Train 40 apprentices in bicycle repair »"
    )
    assert "Bonjour Fanny Français," in _text(fr)
    assert "Commentaire du secrétariat :\n\nSay where the workshops will be." in _text(fr)
    assert "Modifiez l'engagement, puis soumettez-le à nouveau :" in _text(fr)
    assert edit in _text(fr) and "Modifier l'engagement</a>" in fr.html


def test_members_are_emailed_the_approval_and_the_closing(
    db, admin, runner, smtp_sink, submitted, english, french
):
    response = admin.post(
        f"/admin/commitments/{submitted.id}/review", data={"action": "approve", "comment": ""}
    )
    assert response.status_code == 302
    _deliver(runner)
    mail = _by_recipient(smtp_sink, 2)
    assert mail[english.email].message["Subject"] == (
        "Your commitment “Train 40 apprentices in bicycle repair” was approved"
    )
    assert "It is now public." in _text(mail[english.email])
    assert "Comment from the secretariat" not in _text(mail[english.email])
    assert "/edit" not in _text(mail[english.email])
    assert "Le secrétariat a approuvé l'engagement" in _text(mail[french.email])
    assert "Il est désormais public." in _text(mail[french.email])

    response = admin.post(
        f"/admin/commitments/{submitted.id}/close",
        data={"status": "partially_achieved", "comment": "30 of the 40 finished."},
    )
    assert response.status_code == 302
    _deliver(runner)
    smtp_sink.wait_for(4)
    en, fr = smtp_sink.to(english.email)[-1], smtp_sink.to(french.email)[-1]
    assert "as partially achieved." in _text(en) and "30 of the 40 finished." in _text(en)
    assert "comme partiellement réalisé." in _text(fr)
    assert fr.message["Subject"] == (
        "Votre engagement « Train 40 apprentices in bicycle repair » a été clôturé"
    )


def test_decision_mail_skips_suppressed_addresses_invitees_and_is_queued_once(
    db, make_user, secretariat, submitted, english, french, own
):
    from pact_tracker.commitments.services.decisions import tell_members

    suppress_address(french.email, "550 mailbox unavailable")
    invitee = make_user(name="Ivan Invited")
    db.session.add(Membership(user=invitee, signatory=own, pending=True))
    db.session.flush()
    change = commitments.request_changes(submitted, secretariat, "Add a baseline.")
    tell_members(submitted, change)  # again: nothing new

    rows = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "commitment_decision")
    ).all()
    assert {(row.to_address, row.status) for row in rows} == {
        (english.email, OutboxStatus.queued),
        (french.email, OutboxStatus.suppressed),
    }
    assert {row.idempotency_key for row in rows} == {
        f"commitment-decision:{change.id}:{english.id}",
        f"commitment-decision:{change.id}:{french.id}",
    }
    assert all(
        row.locale == user.locale
        for row, user in zip(
            sorted(rows, key=lambda r: r.to_address),
            sorted([english, french], key=lambda u: u.email),
            strict=True,
        )
    )


def test_the_api_decision_is_emailed_too(db, client, token_for, secretariat, submitted, english):
    response = client.post(
        f"/api/v1/commitments/{submitted.id}/review",
        json={"decision": "request_changes", "comment": "Name the city."},
        headers=token_for(secretariat),
    )
    assert response.status_code == 200, response.get_json()
    row = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "commitment_decision")
    )
    assert row.to_address == english.email and "Name the city." in row.body_text


def test_my_home_lists_commitments_sent_back_for_changes_as_needing_action(
    db, sign_in, secretariat, submitted, english
):
    commitments.request_changes(submitted, secretariat, "Say where the workshops will be.")
    page = sign_in(english).get("/my/").get_data(as_text=True)
    assert "data-needs-changes" in page
    assert "Commitments to change and submit again" in page
    assert "Train 40 apprentices in bicycle repair" in page
    assert "Say where the workshops will be." in page
    assert f"/my/coop-decision/commitments/{submitted.id}/edit" in page
    assert "Every commitment is up to date" not in page


@pytest.mark.parametrize(
    ("publish", "visibility", "said"),
    [
        (True, "public", "It is now public."),
        (False, "public", "It will be made public later."),
        (True, "private", None),
    ],
)
def test_the_approval_mail_says_whether_the_commitment_is_public(
    db, secretariat, submitted, english, publish, visibility, said
):
    submitted.visibility = visibility
    commitments.approve_commitment(submitted, secretariat, publish=publish)
    row = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "commitment_decision")
    )
    assert "The secretariat has approved the commitment" in row.body_text
    for sentence in ("It is now public.", "It will be made public later."):
        assert (sentence in row.body_text) == (sentence == said)
