"""Unsubscribing from reminders and campaigns with the link every such email carries.

The link's token is signed with ``SECRET_KEY`` (salt ``unsubscribe``) and
names the user and the address the email went to: no row is stored, and the
token works as long as the person keeps that address. Unsubscribing sets
``User.reminders_opt_out`` rather than suppressing the address: the person
stops receiving reminders and campaigns, yet still receives what they ask for
themselves (sign-in links) and can subscribe again from their profile.

Reminder and campaign emails (templates whose name starts with ``reminder`` or
``campaign``) carry the RFC 2369 ``List-Unsubscribe`` header with this link
and the RFC 8058 ``List-Unsubscribe-Post`` header, so that mail clients offer
a one-click unsubscribe that POSTs to the link without a session or CSRF token.
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from pact_tracker.campaigns.services import absolute_url
from pact_tracker.coalition.models import User
from pact_tracker.coalition.services import update_user
from pact_tracker.extensions import db

SALT = "unsubscribe"
#: Email templates whose messages carry the List-Unsubscribe headers.
UNSUBSCRIBABLE_PREFIXES = ("reminder", "campaign")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(user_id: int, address: str) -> str:
    """The signed token naming ``user_id`` and the ``address`` an email goes to."""
    return _serializer().dumps([user_id, address.strip().lower()])


def unsubscribe_url(user_id: int, address: str) -> str:
    return absolute_url("campaigns.unsubscribe", token=unsubscribe_token(user_id, address))


def user_for_token(token: str) -> User | None:
    """The user a token names, if the signature holds and the address is still theirs."""
    if not token or len(token) > 500:
        return None
    try:
        user_id, address = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(address, str):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.email.strip().lower() != address:
        return None
    return user


def unsubscribe(user: User) -> User:
    """Stop reminders and campaigns for ``user``, who asked it themselves (safe to repeat)."""
    return update_user(user, {"reminders_opt_out": True}, actor=user)


def list_unsubscribe_headers(template: str, user_id: int | None, address: str) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers of an email, empty unless it is a reminder or campaign."""
    if user_id is None or not template.startswith(UNSUBSCRIBABLE_PREFIXES):
        return {}
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user_id, address)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
