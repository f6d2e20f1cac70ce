"""Unsubscribing from reminders and campaigns: the page, its button, RFC 8058 one-click.

And the ``List-Unsubscribe`` headers: on reminder and campaign emails as the
real SMTP server receives them, never on a sign-in link.
"""

import pytest
from itsdangerous import URLSafeSerializer

from pact_tracker.auth import links
from pact_tracker.campaigns.dispatcher import dispatch_outbox
from pact_tracker.campaigns.models import OutboxMessage
from pact_tracker.campaigns.services import new_message_id
from pact_tracker.campaigns.unsubscribe import (
    list_unsubscribe_headers,
    unsubscribe_token,
    user_for_token,
)
from pact_tracker.coalition.models import User
from pact_tracker.core.activity import Activity

BASE = "http://127.0.0.1:5000"


@pytest.fixture
def member(make_user, make_signatory):
    return make_user(name="Una Subscribed", signatory=make_signatory())


def _path(user) -> str:
    return f"/unsubscribe/{unsubscribe_token(user.id, user.email)}"


def _opted_out(db, user) -> bool:
    db.session.expire_all()
    return db.session.get(User, user.id).reminders_opt_out


def test_opening_the_page_changes_nothing(db, client, member):
    for _ in range(2):  # a mail scanner following the link, then the person
        response = client.get(_path(member))
        assert response.status_code == 200
        assert response.headers["Referrer-Policy"] == "no-referrer"
        page = response.get_data(as_text=True)
        assert member.email in page and 'data-form="unsubscribe"' in page
    assert not _opted_out(db, member)


def test_the_button_unsubscribes(app, db, client, member):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(_path(member))  # the page's form without its CSRF token
        assert refused.status_code == 400
        assert not _opted_out(db, member)
        page = client.get(_path(member)).get_data(as_text=True)
        csrf_token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post(_path(member), data={"csrf_token": csrf_token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200
    assert 'data-unsubscribe="done"' in response.get_data(as_text=True)
    assert _opted_out(db, member)
    entry = db.session.scalars(db.select(Activity).where(Activity.action == "user.updated")).one()
    assert entry.actor_id == member.id
    assert entry.payload["changes"]["reminders_opt_out"]["to"] is True


def test_one_click_works_without_session_or_csrf_token(app, db, member):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()  # a mail client: no cookie, no page fetched first
        response = client.post(_path(member), data={"List-Unsubscribe": "One-Click"})
        again = client.post(_path(member), data={"List-Unsubscribe": "One-Click"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert (response.status_code, again.status_code) == (200, 200)
    assert _opted_out(db, member)


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        URLSafeSerializer("another-key", salt="unsubscribe").dumps([1, "x@example.org"]),
        URLSafeSerializer("testing-only", salt="another-salt").dumps([1, "x@example.org"]),
    ],
)
def test_forged_tokens_get_the_410_page(db, client, member, token):
    for response in (client.get(f"/unsubscribe/{token}"), client.post(f"/unsubscribe/{token}")):
        assert response.status_code == 410
        assert 'data-unsubscribe="invalid"' in response.get_data(as_text=True)
    assert not _opted_out(db, member)


def test_a_token_for_an_old_address_no_longer_works(db, client, member):
    path = _path(member)
    member.email = "new-address@example.org"
    db.session.commit()
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 410
    assert user_for_token(path.rsplit("/", 1)[1]) is None
    assert not _opted_out(db, member)


def test_the_token_names_the_user_and_address(app, db, member):
    token = unsubscribe_token(member.id, member.email.upper())
    assert URLSafeSerializer(app.config["SECRET_KEY"], salt="unsubscribe").loads(token) == [
        member.id,
        member.email.lower(),
    ]
    assert user_for_token(token) == member


def test_headers_only_on_reminders_and_campaigns(db, member):
    for template in ("reminder_due", "campaign_message"):
        headers = list_unsubscribe_headers(template, member.id, member.email)
        assert headers == {
            "List-Unsubscribe": f"<{BASE}{_path(member)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    assert list_unsubscribe_headers("sign_in_link", member.id, member.email) == {}
    assert list_unsubscribe_headers("reminder_due", None, member.email) == {}


def test_a_delivered_reminder_carries_the_headers(db, client, member, smtp_sink):
    # The row as a reminder planner writes it (its bodies are rendered when queued).
    db.session.add(
        OutboxMessage(
            idempotency_key=f"reminder:test:{member.id}",
            user_id=member.id,
            to_address=member.email,
            template="reminder_due",
            subject="Time to report",
            body_text="Please report your progress.",
            body_html="<p>Please report your progress.</p>",
            locale="en",
            message_id=new_message_id(),
        )
    )
    db.session.commit()
    assert dispatch_outbox().sent == 1
    (mail,) = smtp_sink.wait_for(1)
    url = mail.message["List-Unsubscribe"]
    assert url == f"<{BASE}{_path(member)}>"
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = client.post(url[len(BASE) + 1 : -1], data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert _opted_out(db, member)


def test_a_delivered_sign_in_link_has_no_unsubscribe_headers(db, member, smtp_sink):
    assert links.request_sign_in_link(member.email) is not None
    db.session.commit()
    assert dispatch_outbox().sent == 1
    (mail,) = smtp_sink.wait_for(1)
    assert mail.message["List-Unsubscribe"] is None
    assert mail.message["List-Unsubscribe-Post"] is None
