"""API tokens: issued once, stored only as a hash, checked on each request."""

import hashlib
import secrets

from pact_tracker.coalition.models import ApiToken, User
from pact_tracker.core import activity
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db

#: Marks our tokens, so that secret scanners and people can recognise a leaked one.
TOKEN_PREFIX = "pact_"  # noqa: S105 - a label, not a secret  # nosec B105


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(user: User, name: str = "", actor: User | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with the secret, which is never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        token_hash=_hash(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        name=name,
        created_at=utcnow(),
    )
    db.session.add(token)
    db.session.flush()
    activity.record("user.token_issued", user, actor=actor or user, payload={"token": token.id})
    return token, secret


def revoke_token(token: ApiToken, actor: User | None = None) -> None:
    """Stop ``token`` from working, from the next request on."""
    token.revoked_at = utcnow()
    db.session.flush()
    activity.record("user.token_revoked", token.user, actor=actor, payload={"token": token.id})


def user_for_secret(secret: str) -> User | None:
    """The active user a presented token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.execute(
        db.select(ApiToken).where(ApiToken.token_hash == _hash(secret))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token.user
