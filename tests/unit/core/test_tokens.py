"""API tokens: only a hash is stored; revoked tokens and inactive users are refused."""

from pact_tracker.coalition.models import ApiToken
from pact_tracker.core.tokens import issue_token, revoke_token, user_for_secret


def test_the_secret_is_not_stored(db, make_user):
    user = make_user()
    token, secret = issue_token(user, name="laptop")
    stored = db.session.get(ApiToken, token.id)
    assert secret not in (stored.token_hash, stored.prefix)
    assert secret.startswith(stored.prefix)
    assert user_for_secret(secret) == user


def test_revoked_token_no_longer_authenticates(db, make_user):
    user = make_user()
    token, secret = issue_token(user)
    revoke_token(token)
    assert user_for_secret(secret) is None


def test_token_of_a_deactivated_user_is_refused(db, make_user):
    user = make_user()
    _token, secret = issue_token(user)
    user.active = False
    db.session.flush()
    assert user_for_secret(secret) is None


def test_unknown_or_foreign_secrets_are_refused(db):
    assert user_for_secret("pact_not-a-real-token") is None
    assert user_for_secret("ghp_someone-elses-token") is None


def test_api_refuses_a_bad_token_with_401(client):
    response = client.get("/api/v1/sdg/goals", headers={"Authorization": "Bearer pact_wrong"})
    assert response.status_code == 401
    assert "token" in response.get_json()["message"].lower()


def test_api_refuses_a_malformed_authorization_header(client):
    response = client.get("/api/v1/sdg/goals", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert "Bearer" in response.get_json()["message"]
