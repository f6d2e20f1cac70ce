"""Idempotency keys: a creating API request sent twice creates once.

A client that does not know whether its request was stored (a timeout, a
503 while the database restarted) sends it again with the same
``Idempotency-Key`` header. Every API operation answering 201 takes the
header (``ApiBlueprint.response`` wraps it with :func:`idempotent`; the
OpenAPI document lists it):

- the first request claims the key (a row, unique per user and key) in its
  own transaction, and stores its answer there: both are committed with what
  it created, or neither is;
- the same key and the same request (method, path, JSON body) within
  ``LIFETIME`` gets the first answer again (status, body, ``Location``...),
  with ``Idempotent-Replayed: true``, and creates nothing;
- the same key with another request is refused with 422;
- a concurrent duplicate waits on the unique constraint (PostgreSQL) or the
  write lock (SQLite) until the first commits, then gets its answer.

A refused request (4xx) rolls back and leaves no key: the client may fix the
request and send it again under the same key. Keys belong to the
authenticated user; the worker purges expired ones (:func:`purge_expired`).
"""

import hashlib
import json
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Response, request
from flask_smorest import abort
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from pact_tracker.core.types import UTCDateTime, utcnow
from pact_tracker.extensions import db

HEADER = "Idempotency-Key"
#: Set on an answer given again for a repeated key.
REPLAYED_HEADER = "Idempotent-Replayed"
#: How long a key is remembered.
LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
#: Visible ASCII, as in the header's draft standard examples (UUIDs, random strings).
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
#: The headers of the first answer given again with its status and body.
KEPT_HEADERS = ("Content-Type", "Location", "ETag", "Last-Modified", "Link")

BAD_KEY = "The Idempotency-Key header must be 1 to 255 visible ASCII characters."
REUSED_KEY = (
    "This Idempotency-Key was already used in the last 24 hours for a different request "
    "(another operation or body). Send a new request with a new key."
)

#: The header as an OpenAPI parameter, added to every creating operation.
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "A key you choose (a UUID, say) to make this request safe to retry: sent "
    "again with the same key and body within 24 hours, it creates nothing and returns the "
    "first answer (with `Idempotent-Replayed: true`). The same key with another body is "
    "refused with 422. Keys are per user; a refused request does not use up its key.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": KEY_PATTERN,
    },
}


class IdempotencyKey(db.Model):
    """A key a user sent with a creating request, and the answer it got."""

    __tablename__ = "idempotency_key"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_LENGTH), nullable=False)
    #: SHA-256 of the method, path and JSON body: what "the same request" means.
    request_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, index=True
    )
    #: The first answer; set before the request's commit, so a committed row always has it.
    status_code: Mapped[int | None] = mapped_column()
    body: Mapped[str | None] = mapped_column(sa.Text)
    headers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, nullable=False)

    def __repr__(self) -> str:
        return f"<IdempotencyKey {self.id} user={self.user_id} {self.key!r}>"


def idempotent(view):
    """Give ``view`` (a creating operation returning a ``Response``) the header's meaning."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from pact_tracker.core.api import api_user

        key = request.headers.get(HEADER)
        user = api_user()
        if key is None or user is None:
            return view(*args, **kwargs)
        if len(key) > MAX_KEY_LENGTH or not key or not all("!" <= c <= "~" for c in key):
            abort(422, message=BAD_KEY, errors={"headers": {HEADER: [BAD_KEY]}})
        row = claim(user.id, key, _request_hash(), utcnow())
        if row.status_code is not None:
            return _replay(row)
        response = view(*args, **kwargs)
        _keep(row, response)
        return response

    return wrapper


def claim(user_id: int, key: str, request_hash: str, now: datetime) -> IdempotencyKey:
    """The row of ``key``: the first answer's if it was given, else a new one to fill.

    Refuses (422) a key already used for another request.
    """
    _forget_expired(user_id, key, now)
    for _attempt in range(2):
        row = db.session.scalar(
            sa.select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        )
        if row is None:
            row = IdempotencyKey(
                user_id=user_id, key=key, request_hash=request_hash, created_at=now
            )
            try:
                with db.session.begin_nested():
                    db.session.add(row)
            except IntegrityError:
                # A concurrent request with this key committed first: read its answer.
                continue
        if row.request_hash != request_hash:
            abort(422, message=REUSED_KEY, errors={"headers": {HEADER: [REUSED_KEY]}})
        return row
    raise RuntimeError(f"Idempotency key {key!r} could be neither read nor claimed")


def purge_expired(clock=utcnow) -> str:
    """Forget the keys older than ``LIFETIME`` (a worker tick)."""
    result = db.session.execute(
        sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < clock() - LIFETIME)
    )
    return f"purged {result.rowcount}"


def _forget_expired(user_id: int, key: str, now: datetime) -> None:
    # Until the worker purges it, an expired key is free to be used again.
    db.session.execute(
        sa.delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at < now - LIFETIME,
        )
    )


def _request_hash() -> str:
    body = request.get_json(silent=True)
    # Key order and spacing do not make another request; anything else does.
    canonical = (
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if body is not None
        else request.get_data(as_text=True)
    )
    text = f"{request.method} {request.path}\n{canonical}"
    return hashlib.sha256(text.encode()).hexdigest()


def _keep(row: IdempotencyKey, response: Response) -> None:
    row.status_code = response.status_code
    row.body = response.get_data(as_text=True)
    row.headers = {
        name: response.headers[name] for name in KEPT_HEADERS if name in response.headers
    }
    db.session.flush()


def _replay(row: IdempotencyKey) -> Response:
    response = Response(row.body, status=row.status_code, headers=row.headers)
    response.headers[REPLAYED_HEADER] = "true"
    return response
