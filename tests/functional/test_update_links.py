"""Update links: a reminder's link opens a session scoped to one signatory's progress forms.

The token leaves the address at once; the scoped session sees nothing but
the link's pages; a report made through it is tagged ``reminder_link`` and
marks the reminder answered; a link that stopped working gets one 410 page.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pact_tracker.campaigns import tasks as campaign_tasks
from pact_tracker.campaigns import update_links
from pact_tracker.campaigns.link_models import UpdateLink
from pact_tracker.campaigns.models import OutboxMessage
from pact_tracker.campaigns.services import queue_email
from pact_tracker.coalition.models import Membership
from pact_tracker.commitments.models import CommitmentStatus, ProgressUpdate, UpdateSource
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow

BASE = "http://127.0.0.1:5000"
GONE = 'data-update-link="gone"'


@pytest.fixture
def signatory(make_signatory):
    return make_signatory()


@pytest.fixture
def member(make_user, signatory):
    return make_user(name="Rémi Reminded", signatory=signatory)


@pytest.fixture
def commitment(make_commitment, signatory):
    return make_commitment(signatory=signatory, status=CommitmentStatus.approved)


@pytest.fixture
def reminder(db, member):
    """A message the link is sent in (any outbox row will do for the link)."""
    return queue_email(
        member,
        "sign_in_link",
        idempotency_key=f"reminder-test:{member.id}",
        context={"url": f"{BASE}/", "minutes": 15},
    )


def _issue(db, member, signatory, **kwargs) -> str:
    url = update_links.issue_update_link(member, signatory, **kwargs)
    db.session.commit()
    assert url.startswith(f"{BASE}/u/")
    return url[len(BASE) :]


def _open(client, path):
    response = client.get(path)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/u/"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    return response


def test_the_link_opens_a_scoped_session_and_drops_the_token(
    db, client, member, signatory, commitment
):
    path = _issue(db, member, signatory)
    _open(client, path)
    page = client.get("/u/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert signatory.name in text and f'data-commitment-id="{commitment.id}"' in text
    assert path.rsplit("/", 1)[1] not in text
    link = db.session.scalars(sa.select(UpdateLink)).one()
    assert link.used_at is not None
    assert len(link.token_hash) == 64 and link.token_hash not in path


def test_the_scoped_session_sees_nothing_else(
    db, client, member, signatory, commitment, make_signatory, make_commitment
):
    other = make_commitment(signatory=make_signatory(), status=CommitmentStatus.approved)
    draft = make_commitment(signatory=signatory)
    _open(client, _issue(db, member, signatory))
    for path in ("/my/", f"/my/{signatory.slug}/commitments", "/admin/activity"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path
    for path in (
        f"/u/commitments/{other.id}/progress",
        f"/u/commitments/{draft.id}/progress",
    ):
        assert client.get(path).status_code == 404, path
    api = client.post(f"/api/v1/commitments/{commitment.id}/updates", json={"status": "on_track"})
    assert api.status_code == 401
    assert client.get("/account/password").status_code == 302


def test_reporting_through_the_link_answers_the_reminder(
    db, client, member, signatory, commitment, reminder
):
    _open(client, _issue(db, member, signatory, message=reminder))
    form = client.get(f"/u/commitments/{commitment.id}/progress")
    assert form.status_code == 200 and "data-progress-form" in form.get_data(as_text=True)
    response = client.post(
        f"/u/commitments/{commitment.id}/progress",
        data={"status": "on_track", "percent_complete": "40", "narrative": "Going well."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/u/"
    db.session.expire_all()
    update = db.session.scalars(
        sa.select(ProgressUpdate).where(ProgressUpdate.commitment_id == commitment.id)
    ).one()
    assert update.source == UpdateSource.reminder_link and update.author_id == member.id
    answered_at = db.session.get(OutboxMessage, reminder.id).answered_at
    assert answered_at == update.recorded_at
    # Idempotent: running the answer again changes nothing.
    assert update_links.mark_reminders_answered(update) == 0


def test_reporting_when_signed_in_answers_the_reminder_too(
    db, member, signatory, commitment, reminder, sign_in
):
    _issue(db, member, signatory, message=reminder)
    client = sign_in(member)
    response = client.post(
        f"/my/{signatory.slug}/commitments/{commitment.id}/progress",
        data={"status": "on_track", "percent_complete": "10"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, reminder.id).answered_at is not None


def _expire(db, link):
    link.expires_at = utcnow() - timedelta(seconds=1)


def _revoke(db, link):
    update_links.revoke_update_link(link, actor=None)


def _deactivate(db, link):
    link.user.active = False


def _leave(db, link):
    membership = db.session.scalars(
        sa.select(Membership).where(Membership.user_id == link.user_id)
    ).one()
    db.session.delete(membership)


@pytest.mark.parametrize("spoil", [_expire, _revoke, _deactivate, _leave])
def test_a_link_that_stopped_working_gets_the_410_page(
    db, app, member, signatory, commitment, spoil
):
    path = _issue(db, member, signatory)
    scoped = app.test_client()
    _open(scoped, path)  # a session opened before the link stopped working
    spoil(db, db.session.scalars(sa.select(UpdateLink)).one())
    db.session.commit()
    for client, url in (
        (app.test_client(), path),
        (scoped, "/u/"),
        (scoped, f"/u/commitments/{commitment.id}/progress"),
    ):
        response = client.get(url)
        assert response.status_code == 410, url
        assert GONE in response.get_data(as_text=True)


def test_unknown_tokens_and_no_session_are_refused(client):
    response = client.get("/u/not-a-real-token")
    assert response.status_code == 410 and GONE in response.get_data(as_text=True)
    assert client.get("/u/").status_code == 403


def test_a_reminder_answer_that_fails_after_commit_keeps_the_201_and_the_worker_answers_later(
    db, client, member, signatory, commitment, reminder, token_for, monkeypatch, make_user
):
    _issue(db, member, signatory, message=reminder)
    # A colleague asked too, who has not reported: their reminder stays unanswered.
    colleague = make_user(signatory=signatory)
    unanswered = queue_email(
        colleague,
        "sign_in_link",
        idempotency_key=f"reminder-test:{colleague.id}",
        context={"url": f"{BASE}/", "minutes": 15},
    )
    _issue(db, colleague, signatory, message=unanswered)

    def database_gone(update):
        raise sa.exc.OperationalError(
            "UPDATE outbox_message ...", {}, Exception("server closed the connection unexpectedly")
        )

    # The receiver marking reminders answered meets a database that went away after the commit.
    monkeypatch.setattr(update_links, "mark_reminders_answered", database_gone)
    response = client.post(
        f"/api/v1/commitments/{commitment.id}/updates",
        json={"status": "on_track", "percent_complete": 40, "narrative": "Stored once."},
        headers=token_for(member),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert "Retry-After" not in response.headers
    body = response.get_json()
    assert body["percent_complete"] == 40 and body["narrative"]
    db.session.expire_all()
    updates = db.session.scalars(
        sa.select(ProgressUpdate).where(ProgressUpdate.commitment_id == commitment.id)
    ).all()
    assert [update.id for update in updates] == [body["id"]]
    assert db.session.get(OutboxMessage, reminder.id).answered_at is None

    monkeypatch.undo()
    assert campaign_tasks.answer_reminders(utcnow) == "answered 1"
    commit()
    db.session.expire_all()
    assert db.session.get(OutboxMessage, reminder.id).answered_at == updates[0].recorded_at
    assert db.session.get(OutboxMessage, unanswered.id).answered_at is None
    # Run again (a late or second worker), it changes nothing.
    assert campaign_tasks.answer_reminders(utcnow) == "answered 0"
