"""Email sign-in links, end to end through a real SMTP server on loopback.

Request a link, receive it, open it (a page with a button), press the button,
signed in; and every way it must refuse: used, expired, unknown address.
"""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pact_tracker.auth import links
from pact_tracker.auth.link_models import SignInLink
from pact_tracker.campaigns.models import OutboxMessage
from pact_tracker.coalition.models import Role
from pact_tracker.core.activity import Activity
from pact_tracker.core.types import utcnow

LINK = re.compile(r"http://127\.0\.0\.1:5000(/sign-in/link/[\w-]+(?:\?next=\S+)?)")


@pytest.fixture
def inbox(smtp_sink):
    """The messages the worker delivers to the real SMTP server on loopback."""
    return _Messages(smtp_sink)


class _Messages:
    def __init__(self, sink):
        self._sink = sink

    def wait_for(self, count: int) -> list:
        return [received.message for received in self._sink.wait_for(count)]


@pytest.fixture
def member(make_user, make_signatory):
    """A member with no password: links are how they sign in."""
    return make_user(name="Lina Link", signatory=make_signatory())


def _deliver(runner) -> str:
    result = runner.invoke(args=["pact", "worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def _link_in(message) -> str:
    return LINK.search(message.get_body(("plain",)).get_content()).group(1)


def _signed_in(client) -> bool:
    return client.get("/account/password").status_code == 200


SENT = "If an account exists for {}, a sign-in link is on its way."


def test_member_signs_in_with_an_emailed_link(client, runner, member, inbox):
    response = client.post("/sign-in/link", data={"email": member.email.upper()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in/link"
    page = client.get("/sign-in/link").get_data(as_text=True)
    assert SENT.format(member.email.upper()) in page
    assert "dispatch-outbox: claimed 1, sent 1" in _deliver(runner)
    (message,) = inbox.wait_for(1)
    assert message["To"] == member.email
    assert message["Subject"] == "Your sign-in link"
    path = _link_in(message)
    assert path in message.get_body(("html",)).get_content()

    for _ in range(2):  # opening the link (a mail scanner, say) does not use it
        opened = client.get(path)
        assert opened.status_code == 200
        assert opened.headers["Referrer-Policy"] == "no-referrer"
        assert f"as {member.email}." in opened.get_data(as_text=True)
        assert not _signed_in(client)

    response = client.post(path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Welcome, Lina Link." in client.get("/").get_data(as_text=True)
    assert _signed_in(client)


def test_a_link_works_only_once(client, app, runner, member, inbox):
    client.post("/sign-in/link", data={"email": member.email})
    _deliver(runner)
    path = _link_in(inbox.wait_for(1)[0])
    assert client.post(path).status_code == 302
    other = app.test_client()
    for attempt in (other.post(path), other.get(path)):
        assert attempt.status_code == 410
        assert "This sign-in link cannot be used" in attempt.get_data(as_text=True)
    assert not _signed_in(other)


def test_an_expired_link_is_refused(db, client, runner, member, inbox):
    client.post("/sign-in/link", data={"email": member.email})
    _deliver(runner)
    path = _link_in(inbox.wait_for(1)[0])
    db.session.execute(
        sa.update(SignInLink)
        .where(SignInLink.user_id == member.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    response = client.post(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert not _signed_in(client)


def test_a_link_of_a_deactivated_person_is_refused(db, client, runner, member, inbox):
    client.post("/sign-in/link", data={"email": member.email})
    _deliver(runner)
    path = _link_in(inbox.wait_for(1)[0])
    member.active = False
    db.session.flush()
    assert client.post(path).status_code == 410
    assert not _signed_in(client)


def test_unknown_and_deactivated_addresses_get_the_same_answer_and_no_mail(
    db, client, runner, make_user, member, inbox
):
    gone = make_user(active=False)
    answers = []
    for address in ("nobody@example.org", gone.email, member.email):
        response = client.post("/sign-in/link", data={"email": address})
        answers.append((response.status_code, response.headers["Location"]))
        assert SENT.format(address) in client.get("/sign-in/link").get_data(as_text=True)
    assert len(set(answers)) == 1
    _deliver(runner)
    assert [m["To"] for m in inbox.wait_for(1)] == [member.email]
    recipients = db.session.scalars(sa.select(OutboxMessage.to_address)).all()
    assert "nobody@example.org" not in recipients and gone.email not in recipients


def test_a_bad_address_is_shown_next_to_the_field_and_nothing_is_sent(db, client):
    response = client.post("/sign-in/link", data={"email": "not an address"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page and "Invalid email address." in page
    assert db.session.scalar(sa.select(sa.func.count(SignInLink.id))) == 0


def test_the_link_lands_on_the_page_asked_for_and_never_off_site(client, runner, member, inbox):
    client.post("/sign-in/link?next=/account/password", data={"email": member.email})
    client.post("/sign-in/link", data={"email": member.email, "next": "https://evil.example/"})
    _deliver(runner)
    kept, dropped = sorted((_link_in(m) for m in inbox.wait_for(2)), key=len, reverse=True)
    assert kept.endswith("?next=/account/password")
    assert "evil" not in dropped and "next" not in dropped
    opened = client.get(kept).get_data(as_text=True)
    assert 'value="/account/password"' in opened
    response = client.post(kept.partition("?")[0], data={"next": "/account/password"})
    assert response.headers["Location"] == "/account/password"


def test_using_a_link_retires_the_persons_other_links(client, app, runner, member, inbox):
    client.post("/sign-in/link", data={"email": member.email})
    client.post("/sign-in/link", data={"email": member.email})
    _deliver(runner)
    first, second = (_link_in(m) for m in inbox.wait_for(2))
    assert client.post(second).status_code == 302
    assert app.test_client().post(first).status_code == 410


def test_secretariat_still_gives_its_second_factor(client, runner, make_user, inbox):
    chief = make_user(role=Role.secretariat, name="Sam")
    client.post("/sign-in/link", data={"email": chief.email})
    _deliver(runner)
    path = _link_in(inbox.wait_for(1)[0])
    response = client.post(path)
    assert response.headers["Location"] == "/sign-in/two-factor"
    assert not _signed_in(client)
    assert "authenticator app" in client.get("/sign-in/two-factor").get_data(as_text=True)


def test_requests_are_rate_limited_per_client(client, member):
    for _ in range(5):
        assert client.post("/sign-in/link", data={"email": member.email}).status_code == 302
    assert client.post("/sign-in/link", data={"email": member.email}).status_code == 429


def test_one_person_gets_at_most_five_links_an_hour_whoever_asks(db, app, member):
    with app.test_request_context():
        sent = [links.request_sign_in_link(member.email) for _ in range(6)]
    assert all(sent[:5]) and sent[5] is None
    assert db.session.scalar(sa.select(sa.func.count(SignInLink.id))) == 5


def test_links_are_stored_as_hashes_and_their_use_is_logged(db, client, runner, member, inbox):
    client.post("/sign-in/link", data={"email": member.email})
    _deliver(runner)
    path = _link_in(inbox.wait_for(1)[0])
    token = path.rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(SignInLink.token_hash))
    assert token not in stored and len(stored) == 64
    client.post(path)
    actions = db.session.scalars(
        sa.select(Activity.action).where(Activity.subject_id == member.id).order_by(Activity.id)
    ).all()
    assert actions[-3:] == ["user.sign_in_link_sent", "user.sign_in_link_used", "user.signed_in"]


def test_sign_in_page_offers_an_email_link(client):
    page = client.get("/sign-in?next=/account/password").get_data(as_text=True)
    assert 'href="/sign-in/link?next=/account/password"' in page
    assert "Sign in with an email link instead" in page
