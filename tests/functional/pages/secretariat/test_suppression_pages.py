"""The secretariat's list of suppressed addresses, and lifting one so mail flows again."""

import sqlalchemy as sa

from pact_tracker.campaigns.models import Suppression
from pact_tracker.campaigns.services import is_suppressed, queue_email, suppress_address
from pact_tracker.core.activity import Activity


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_list_shows_each_address_and_why_and_filters_by_address(db, admin):
    suppress_address("bounced@example.org", "bounce: 550 5.1.1 no such mailbox")
    suppress_address("gone@example.net", "bounce: 551 user moved")
    page = _text(admin.get("/admin/suppressions"))
    assert "bounced@example.org" in page and "550 5.1.1 no such mailbox" in page
    assert "gone@example.net" in page
    filtered = _text(admin.get("/admin/suppressions?email=example.net"))
    assert "gone@example.net" in filtered and "bounced@example.org" not in filtered
    assert "No address is suppressed." in _text(admin.get("/admin/suppressions?email=nobody"))


def test_lifting_an_address_lets_mail_reach_it_again_and_is_logged(db, admin, make_user):
    person = make_user(email="bounced@example.org")
    suppress_address(person.email, "bounce: 550 5.1.1 no such mailbox")
    suppression = db.session.scalars(sa.select(Suppression)).one()
    assert (
        queue_email(
            person,
            "sign_in_link",
            idempotency_key="before",
            context={"url": "http://pact.test/x", "minutes": 15},
        )
        is None
    )

    response = admin.post(f"/admin/suppressions/{suppression.id}/lift?email=bounced")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/suppressions?email=bounced")
    assert "bounced@example.org will receive mail again." in _text(
        admin.get(response.headers["Location"])
    )
    assert not is_suppressed(person.email)
    logged = db.session.scalars(
        sa.select(Activity).where(Activity.action == "suppression.lifted")
    ).one()
    assert logged.payload["address"] == "bounced@example.org"
    message = queue_email(
        person,
        "sign_in_link",
        idempotency_key="after",
        context={"url": "http://pact.test/x", "minutes": 15},
    )
    assert message is not None and message.to_address == person.email
    assert admin.post(f"/admin/suppressions/{suppression.id}/lift").status_code == 404


def test_lifting_needs_the_csrf_token(app, db, admin):
    suppress_address("bounced@example.org", "bounce: 550")
    suppression = db.session.scalars(sa.select(Suppression)).one()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = admin.post(f"/admin/suppressions/{suppression.id}/lift")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert is_suppressed("bounced@example.org")
