"""Passwords (argon2), server-side sessions and TOTP second factors."""

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy.orm import joinedload

from pact_tracker.auth.models import TotpCredential, UserSession
from pact_tracker.campaigns.services import absolute_url, queue_email
from pact_tracker.coalition.models import Role, User
from pact_tracker.core import activity, security_log
from pact_tracker.core.errors import InvalidInput
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def set_password(user: User, password: str, actor: User | None = None) -> None:
    """Give ``user`` a new password and end every session they had.

    Changing a password (not setting a first one) is told to the person by
    email (ASVS 2.2.3): whoever changed it, its owner learns of it.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "The password is too short.",
            {"password": [f"Use at least {MIN_PASSWORD_LENGTH} characters."]},
        )
    changed = bool(user.password_hash)
    user.password_hash = _hasher.hash(password)
    db.session.flush()
    end_all_sessions(user)
    entry = activity.record("user.password_changed", user, actor=actor or user)
    if changed:
        db.session.flush()  # the entry's id names the email, one per change
        queue_email(
            user,
            "password_changed",
            idempotency_key=f"password-changed:{user.id}:{entry.id}",
            context={"url": absolute_url("auth.request_sign_in_link")},
        )


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None, without saying which failed."""
    user = db.session.execute(
        db.select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        security_log.credentials_refused("password", user)
        return None
    if user is None or not user.password_hash or not user.active:
        security_log.credentials_refused("password", user)
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def needs_second_factor(user: User) -> bool:
    return user.role == Role.secretariat


def start_session(user: User, user_agent: str = "") -> str:
    """Open a server-side session for ``user``; return the id to keep in the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user=user, token_hash=_sha256(token), user_agent=user_agent[:200]))
    db.session.flush()
    activity.record("user.signed_in", user, actor=user)
    return token


def session_user(user_id: int, token: str | None) -> User | None:
    """The user of a live session, or None if it was ended, too old, or the user deactivated."""
    if not token:
        return None
    # The person comes with the session row: one statement fewer on every signed-in page.
    row = db.session.execute(
        db.select(UserSession)
        .options(joinedload(UserSession.user))
        .where(UserSession.token_hash == _sha256(token))
    ).scalar_one_or_none()
    if row is None or row.ended_at is not None or row.user_id != user_id:
        return None
    if row.created_at < utcnow() - timedelta(hours=current_app.config["SESSION_MAX_HOURS"]):
        return None
    user = row.user
    return user if user.active else None


def end_session(token: str | None) -> None:
    """End one session (sign-out)."""
    if not token:
        return
    row = db.session.execute(
        db.select(UserSession).where(UserSession.token_hash == _sha256(token))
    ).scalar_one_or_none()
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        db.session.flush()
        activity.record("user.signed_out", row.user, actor=row.user)


def end_all_sessions(user: User) -> int:
    """End every open session of ``user``; return how many there were."""
    rows = db.session.scalars(
        db.select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    ).all()
    for row in rows:
        row.ended_at = utcnow()
    db.session.flush()
    return len(rows)


def totp_credential(user: User) -> TotpCredential | None:
    return db.session.get(TotpCredential, user.id)


def begin_totp_enrolment(user: User) -> TotpCredential:
    """A fresh, unconfirmed secret for ``user`` (replacing an unconfirmed one)."""
    credential = totp_credential(user)
    if credential is not None and credential.confirmed_at is not None:
        return credential
    if credential is None:
        credential = TotpCredential(user_id=user.id, secret=pyotp.random_base32())
        db.session.add(credential)
    else:
        credential.secret = pyotp.random_base32()
    db.session.flush()
    return credential


def provisioning_uri(user: User, credential: TotpCredential, issuer: str) -> str:
    return pyotp.TOTP(credential.secret).provisioning_uri(name=user.email, issuer_name=issuer)


def verify_totp(user: User, code: str) -> bool:
    """Check a 6-digit code, allowing one step of clock drift, never the same step twice."""
    credential = totp_credential(user)
    code = (code or "").strip().replace(" ", "")
    if credential is None or not code.isdigit():
        security_log.credentials_refused("second-factor", user)
        return False
    totp = pyotp.TOTP(credential.secret)
    now = utcnow()
    current_step = totp.timecode(now)
    for step in (current_step - 1, current_step, current_step + 1):
        if credential.last_used_step is not None and step <= credential.last_used_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            credential.last_used_step = step
            if credential.confirmed_at is None:
                credential.confirmed_at = now
                activity.record("user.two_factor_enabled", user, actor=user)
            db.session.flush()
            return True
    security_log.credentials_refused("second-factor", user)
    return False


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no protocol-relative ``//``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target
