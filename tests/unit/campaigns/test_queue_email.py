"""Queueing email: rendered in the person's language, once per cause, never to the suppressed."""

import sqlalchemy as sa

from pact_tracker.campaigns.models import OutboxMessage, OutboxStatus
from pact_tracker.campaigns.services import queue_email, suppress_address


def test_email_is_rendered_in_the_recipients_language(app, db, make_user, queue):
    french = make_user(name="Françoise", locale="fr")
    english = make_user(name="Emma", locale="en")
    fr = queue(french, "fr-1")
    en = queue(english, "en-1")
    assert (fr.locale, en.locale) == ("fr", "en")
    assert fr.subject == "Votre lien de connexion"
    assert en.subject == "Your sign-in link"
    assert "Bonjour Françoise," in fr.body_text
    assert "Bonjour Françoise," in fr.body_html
    assert "Hello Emma," in en.body_text
    assert '<html lang="fr">' in fr.body_html


def test_email_carries_the_link_the_coalition_name_and_base_url(app, db, make_user, queue):
    message = queue(make_user(), "layout-1")
    assert "http://pact.test/sign-in/link/layout-1" in message.body_text
    assert 'href="http://pact.test/sign-in/link/layout-1"' in message.body_html
    for body in (message.body_text, message.body_html):
        assert app.config["COALITION_NAME"] in body
        assert app.config["BASE_URL"] in body


def test_html_body_escapes_what_people_typed_and_text_body_keeps_it(db, make_user, queue):
    message = queue(make_user(name="<b>Bob</b> & co"), "escape-1")
    assert "Hello <b>Bob</b> & co," in message.body_text
    assert "Hello &lt;b&gt;Bob&lt;/b&gt; &amp; co," in message.body_html


def test_the_same_key_twice_gives_the_same_row(db, make_user, queue):
    user = make_user()
    first = queue(user, "twice-1")
    second = queue(user, "twice-1")
    assert first is not None and second.id == first.id
    count = db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.idempotency_key == "twice-1")
    )
    assert count == 1


def test_message_id_is_fixed_at_queueing_on_the_senders_domain(db, make_user, queue):
    message = queue(make_user(), "msgid-1")
    other = queue(make_user(), "msgid-2")
    assert message.message_id.startswith("<") and message.message_id.endswith(">")
    assert message.message_id.endswith("@pact-impact.org>")
    assert message.message_id != other.message_id
    assert message.status == OutboxStatus.queued and message.attempts == 0


def test_suppressed_address_gets_nothing_and_the_reason_is_kept(db, make_user, queue):
    user = make_user()
    suppress_address(user.email.upper(), "unsubscribed")
    suppress_address(user.email, "unsubscribed again")  # repeating is harmless
    assert queue(user, "suppressed-1") is None
    row = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == "suppressed-1")
    )
    assert row.status == OutboxStatus.suppressed
    assert row.last_reply == "not sent: the address is suppressed"
    assert queue(user, "suppressed-1") is None


def test_deactivated_person_gets_nothing(db, make_user):
    user = make_user(active=False)
    message = queue_email(
        user, "sign_in_link", idempotency_key="inactive-1", context={"url": "x", "minutes": 15}
    )
    assert message is None
    row = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == "inactive-1")
    )
    assert row.last_reply == "not sent: the account is deactivated"


def test_queueing_flushes_but_never_commits(db, make_user, queue):
    user = make_user()
    queue(user, "rolled-back-1")
    db.session.rollback()
    assert (
        db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == "rolled-back-1")
        )
        is None
    )


def test_an_opted_out_person_gets_no_reminder_but_still_gets_sign_in_links(db, make_user):
    user = make_user(reminders_opt_out=True)
    reminder = queue_email(
        user, "reminder_digest", idempotency_key="opt-out-1", context={"items": []}
    )
    assert reminder is None
    row = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == "opt-out-1")
    )
    assert row.status == OutboxStatus.suppressed
    assert row.last_reply == "not sent: the person opted out of reminders"
    link = queue_email(
        user, "sign_in_link", idempotency_key="opt-out-2", context={"url": "x", "minutes": 15}
    )
    assert link is not None and link.status == OutboxStatus.queued
