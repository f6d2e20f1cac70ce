"""Email sign-in links: single use, valid for minutes, and only their hash is stored.

For people who have no password (most members) and for anyone who forgot it.
The request never reveals whether an address has an account; the link opens a
page whose button signs in, so that mail scanners following links do not use it.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from pact_tracker.auth.link_models import SignInLink
from pact_tracker.campaigns.models import OutboxMessage
from pact_tracker.campaigns.services import absolute_url, queue_email
from pact_tracker.coalition.models import User
from pact_tracker.coalition.services import find_user_by_email
from pact_tracker.core import activity
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db

LINK_LIFETIME = timedelta(minutes=15)
#: Links one person may be sent per hour, however many machines ask: no mail bombing.
LINKS_PER_HOUR = 5


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_sign_in_link(email: str, next_url: str | None = None) -> OutboxMessage | None:
    """Email a sign-in link to the active user with this address.

    Returns the queued message, or None when nothing is sent (no such active
    user, or too many links lately); the caller answers the same either way.

    :param next_url: a safe local path to land on after signing in.
    """
    user = find_user_by_email(email)
    if user is None or not user.active:
        return None
    now = utcnow()
    recent = db.session.scalar(
        sa.select(sa.func.count(SignInLink.id)).where(
            SignInLink.user_id == user.id, SignInLink.created_at > now - timedelta(hours=1)
        )
    )
    if recent >= LINKS_PER_HOUR:
        return None
    token = secrets.token_urlsafe(32)
    link = SignInLink(
        token_hash=_sha256(token), user_id=user.id, created_at=now, expires_at=now + LINK_LIFETIME
    )
    db.session.add(link)
    db.session.flush()
    activity.record("user.sign_in_link_sent", user)
    values = {"token": token, "next": next_url} if next_url else {"token": token}
    return queue_email(
        user,
        "sign_in_link",
        idempotency_key=f"sign-in-link:{link.id}",
        context={
            "url": absolute_url("auth.sign_in_link", **values),
            "minutes": int(LINK_LIFETIME.total_seconds() // 60),
        },
    )


def find_valid_link(token: str) -> SignInLink | None:
    """The link for ``token`` if it can still sign its (active) user in."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(sa.select(SignInLink).where(SignInLink.token_hash == _sha256(token)))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    return link if link.user.active else None


def redeem_sign_in_link(token: str) -> User | None:
    """Use the link: its user, once; None if it is unknown, used, expired or the user inactive.

    Every other unused link of that person stops working as well.
    """
    link = find_valid_link(token)
    if link is None:
        return None
    now = utcnow()
    # Two clicks racing: the one whose UPDATE finds the link unused wins.
    claimed = db.session.execute(
        sa.update(SignInLink)
        .where(SignInLink.id == link.id, SignInLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    db.session.execute(
        sa.update(SignInLink)
        .where(SignInLink.user_id == link.user_id, SignInLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(link)
    user = link.user
    activity.record("user.sign_in_link_used", user, actor=user)
    return user
