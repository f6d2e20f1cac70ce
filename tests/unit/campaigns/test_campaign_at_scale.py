"""A campaign to 2,000 people, delivered to a real SMTP server, answered through its links."""

import re
from collections import Counter
from datetime import date
from urllib.parse import urlsplit

import sqlalchemy as sa

from pact_tracker.campaigns import dispatcher, tasks, update_links
from pact_tracker.campaigns.models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
)
from pact_tracker.campaigns.services import campaigns as service
from pact_tracker.coalition.models import Membership, Signatory, SignatoryStatus, User
from pact_tracker.commitments.models import CommitmentStatus

PEOPLE = 2_000
CONTENTS = {
    "en": {
        "subject": "{{ signatory_name }}: your progress before the summit",
        "body": "Hello {{ recipient_name }},\n\nReport here: <{{ update_url }}>",
    },
    "fr": {
        "subject": "{{ signatory_name }} : votre avancement avant le sommet",
        "body": "Bonjour {{ recipient_name }},\n\nC'est ici : <{{ update_url }}>",
    },
}
LINK = re.compile(r"https?://\S+/u/([A-Za-z0-9_-]{20,})")


def _coalition(db) -> list[User]:
    """``PEOPLE`` people, half French-speaking, two per signatory."""
    signatories = [
        Signatory(
            name=f"Scale Organisation {n}",
            slug=f"scale-organisation-{n}",
            organisation_type_code="cooperative",
            country_code="FR",
            status=SignatoryStatus.approved,
            manifesto_signed_on=date(2025, 3, 4),
        )
        for n in range(PEOPLE // 2)
    ]
    people = [
        User(
            email=f"scale-{n}@example.org",
            name=f"Person {n}",
            locale="fr" if n % 2 else "en",
        )
        for n in range(PEOPLE)
    ]
    db.session.add_all(signatories + people)
    db.session.flush()
    db.session.add_all(
        Membership(user=person, signatory=signatories[n // 2]) for n, person in enumerate(people)
    )
    db.session.flush()
    return people


def test_two_thousand_recipients_get_one_message_each_in_their_language_with_a_working_link(
    app, db, client, secretariat, smtp_sink, make_commitment
):
    app.config["OUTBOX_BATCH_SIZE"] = 500
    people = {person.email: (person.id, person.name, person.locale) for person in _coalition(db)}
    campaign = service.create_campaign(
        {"name": "Before the summit", "contents": CONTENTS}, secretariat
    )
    service.schedule_campaign(campaign, None, secretariat)
    campaign_id = campaign.id
    db.session.commit()

    assert tasks.advance_campaigns() == "started 1, finished 0"
    # The worker runs each tick in a session of its own; so does this test.
    db.session.commit()
    db.session.expunge_all()
    result = dispatcher.dispatch_outbox()
    assert (result.sent, result.failed, result.retried) == (PEOPLE, 0, 0)
    received = smtp_sink.wait_for(PEOPLE)

    assert Counter(r.recipient for r in received) == Counter(dict.fromkeys(people, 1))
    signatory_of = dict(
        db.session.execute(sa.select(Membership.user_id, Membership.signatory_id)).all()
    )
    tokens = {}
    for message in received:
        user_id, name, locale = people[message.recipient]
        greeting = "Bonjour" if locale == "fr" else "Hello"
        assert message.text.startswith(f"{greeting} {name},")
        assert (" : votre avancement" in message.message["Subject"]) == (locale == "fr")
        [token] = set(LINK.findall(message.text))
        assert f"/u/{token}" in message.html
        tokens[user_id] = token
    assert len(set(tokens.values())) == PEOPLE
    for user_id, token in tokens.items():
        link = update_links.find_link(token)
        assert (link.user_id, link.signatory_id) == (user_id, signatory_of[user_id])

    # Two people report through their link: their recipient rows and messages are answered.
    answering = ["scale-10@example.org", "scale-11@example.org"]
    for email in answering:
        commitment = make_commitment(
            signatory=db.session.get(Signatory, signatory_of[people[email][0]]),
            status=CommitmentStatus.approved,
        )
        url = next(m for m in received if m.recipient == email).text
        path = urlsplit(LINK.search(url).group(0)).path
        assert client.get(path).headers["Location"] == "/u/"
        reported = client.post(
            f"/u/commitments/{commitment.id}/progress",
            data={"status": "on_track", "percent_complete": "50", "narrative": "Halfway."},
        )
        assert reported.status_code == 302, reported.get_data(as_text=True)
    db.session.expire_all()
    answered = db.session.scalars(
        sa.select(CampaignRecipient.user_id).where(CampaignRecipient.answered_at.is_not(None))
    ).all()
    assert sorted(answered) == sorted(people[email][0] for email in answering)
    assert db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.answered_at.is_not(None))
    ) == len(answering)

    assert tasks.advance_campaigns() == "started 0, finished 1"
    campaign = db.session.get(Campaign, campaign_id)
    assert campaign.status == CampaignStatus.finished
    statuses = Counter(m.status for m in db.session.scalars(sa.select(OutboxMessage)))
    assert statuses == {OutboxStatus.sent: PEOPLE}
    progress = service.campaign_progress(campaign)
    assert (progress.recipients, progress.sent, progress.answered) == (PEOPLE, PEOPLE, 2)
