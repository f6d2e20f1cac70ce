"""A signed-in session ends at most ``SESSION_MAX_HOURS`` after its sign-in (ASVS 3.3.2)."""

from datetime import timedelta

from pact_tracker.auth import services
from pact_tracker.auth.models import UserSession

PASSWORD = "correct horse battery staple"


def test_a_session_older_than_the_limit_is_signed_out(app, db, client, make_user, make_signatory):
    member = make_user(signatory=make_signatory())
    services.set_password(member, PASSWORD)
    client.post("/sign-in", data={"email": member.email, "password": PASSWORD})
    assert client.get("/my/").status_code == 200
    row = db.session.execute(
        db.select(UserSession).where(UserSession.user_id == member.id)
    ).scalar_one()
    limit = timedelta(hours=app.config["SESSION_MAX_HOURS"])
    row.created_at -= limit - timedelta(minutes=1)
    db.session.flush()
    assert client.get("/my/").status_code == 200
    row.created_at -= timedelta(minutes=2)
    db.session.flush()
    response = client.get("/my/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
