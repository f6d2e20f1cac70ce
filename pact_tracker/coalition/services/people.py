"""Users and memberships: accounts, their roles, and who acts for which signatory.

Every function validates all of its input before touching the session, so a
refused call writes nothing; every change is flushed and recorded in the
activity log, and the caller commits.
"""

import re
from typing import Any

from sqlalchemy import Select

from pact_tracker.campaigns.services import absolute_url, queue_email
from pact_tracker.coalition.models import (
    ApiToken,
    Membership,
    Role,
    Signatory,
    SignatoryStatus,
    User,
)
from pact_tracker.coalition.services.validation import (
    Errors,
    apply_changes,
    clean_text,
    refuse_unknown,
)
from pact_tracker.core import activity, permissions
from pact_tracker.core.errors import InvalidInput, InvalidTransition, NotAllowed
from pact_tracker.core.tokens import revoke_token
from pact_tracker.extensions import db

LOCALES = ("en", "fr")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
USER_SELF_FIELDS = frozenset({"name", "locale", "reminders_opt_out"})
USER_SECRETARIAT_FIELDS = frozenset({"role", "active"})

#: Statuses that may no longer take new members.
_CLOSED_SIGNATORY_STATUSES = frozenset({SignatoryStatus.rejected, SignatoryStatus.withdrawn})


def _clean_email(email: Any, errors: Errors) -> str | None:
    email = clean_text({"email": email}, "email", errors, max_length=254, required=True)
    if email is None:
        return None
    email = email.lower()
    if not EMAIL_PATTERN.match(email):
        errors.add("email", "Must be an email address such as name@example.org.")
    return email


def _clean_locale(locale: Any, errors: Errors) -> str | None:
    if locale not in LOCALES:
        errors.add("locale", f"Must be one of: {', '.join(LOCALES)}.")
        return None
    return locale


def _clean_role(role: Any, errors: Errors) -> Role | None:
    try:
        return Role(role)
    except ValueError:
        errors.add("role", f"Must be one of: {', '.join(r.value for r in Role)}.")
        return None


def _clean_bool(data: dict, field: str, errors: Errors) -> bool | None:
    value = data[field]
    if not isinstance(value, bool):
        errors.add(field, "Must be true or false.")
        return None
    return value


def find_user_by_email(email: str) -> User | None:
    """The user with this address, whatever its case, or None."""
    return db.session.scalar(db.select(User).where(User.email == email.strip().lower()))


def create_user(
    email: str,
    name: str,
    role: Role = Role.member,
    *,
    locale: str = "en",
    signatory: Signatory | None = None,
    is_admin: bool = False,
    actor: User | None = None,
) -> User:
    """Create an account; with ``signatory``, also make the person one of its members."""
    errors = Errors()
    email = _clean_email(email, errors)
    name = clean_text({"name": name}, "name", errors, max_length=160, required=True)
    role = _clean_role(role, errors)
    locale = _clean_locale(locale, errors)
    if email and "email" not in errors and find_user_by_email(email) is not None:
        errors.add("email", f"An account with the address {email} already exists.")
    if signatory is not None and signatory.status in _CLOSED_SIGNATORY_STATUSES:
        errors.add("signatory", f"The signatory is {signatory.status} and takes no new members.")
    errors.raise_if_any("The user has invalid fields.")

    user = User(email=email, name=name, role=role, locale=locale)
    db.session.add(user)
    if signatory is not None:
        db.session.add(Membership(user=user, signatory=signatory, is_admin=is_admin))
    db.session.flush()
    activity.record(
        "user.created",
        user,
        actor=actor,
        signatory_id=signatory.id if signatory is not None else None,
        payload={
            "email": user.email,
            "role": str(user.role),
            "signatory": signatory.slug if signatory is not None else None,
            "is_admin": is_admin if signatory is not None else False,
        },
    )
    return user


def _other_active_secretariat_exists(user: User) -> bool:
    query = db.select(User.id).where(
        User.role == Role.secretariat, User.active.is_(True), User.id != user.id
    )
    return db.session.scalar(query.limit(1)) is not None


def update_user(user: User, data: dict, actor: User | None) -> User:
    """Change a user's name, language or reminder choice; the secretariat also role and active.

    :param actor: None for the system (shell, import), which may change everything.
    """
    errors = Errors()
    may_administer = actor is None or permissions.is_secretariat(actor)
    allowed = USER_SELF_FIELDS | USER_SECRETARIAT_FIELDS
    refuse_unknown(data, allowed, errors)
    if not may_administer:
        refused = sorted(set(data) & USER_SECRETARIAT_FIELDS)
        if refused:
            raise NotAllowed(
                "Only the secretariat may change a user's role or active flag.",
                errors={field: ["Only the secretariat may change this."] for field in refused},
            )
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = clean_text(data, "name", errors, max_length=160, required=True)
    if "locale" in data:
        values["locale"] = _clean_locale(data["locale"], errors)
    for field in ("reminders_opt_out", "active"):
        if field in data:
            values[field] = _clean_bool(data, field, errors)
    if "role" in data:
        values["role"] = _clean_role(data["role"], errors)
    losing_secretariat = (values.get("role", user.role) != Role.secretariat) or (
        values.get("active") is False
    )
    if (
        user.role == Role.secretariat
        and user.active
        and losing_secretariat
        and not _other_active_secretariat_exists(user)
    ):
        field = "role" if "role" in values else "active"
        errors.add(field, "This is the last active secretariat account.")
    errors.raise_if_any("The user has invalid fields.")

    changes = apply_changes(user, values)
    if not changes:
        return user
    if changes.get("active", {}).get("to") is False:
        _revoke_tokens(user, actor)
    db.session.flush()
    activity.record("user.updated", user, actor=actor, payload={"changes": changes})
    return user


def _revoke_tokens(user: User, actor: User | None) -> None:
    tokens = db.session.scalars(
        db.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    for token in tokens.all():
        revoke_token(token, actor=actor)


def deactivate_user(user: User, actor: User | None) -> User:
    """Close an account: it can no longer sign in, and its API tokens stop working."""
    if not user.active:
        return user
    if user.role == Role.secretariat and not _other_active_secretariat_exists(user):
        raise InvalidInput(
            "The last active secretariat account cannot be deactivated.",
            errors={"active": ["This is the last active secretariat account."]},
        )
    user.active = False
    _revoke_tokens(user, actor)
    db.session.flush()
    activity.record("user.deactivated", user, actor=actor, payload={"email": user.email})
    return user


def add_member(
    signatory: Signatory,
    user: User,
    is_admin: bool,
    actor: User | None,
    *,
    pending: bool = False,
    invited_name: str | None = None,
) -> Membership:
    """Make ``user`` act for ``signatory``; an admin member may invite colleagues.

    :param pending: an invitation, which counts only once the person accepts it.
    :param invited_name: the name the inviter typed, shown until the person accepts.
    """
    errors = Errors()
    if signatory.status in _CLOSED_SIGNATORY_STATUSES:
        errors.add("signatory", f"The signatory is {signatory.status} and takes no new members.")
    if not user.active and not pending:
        errors.add("user", f"The account of {user.email} is deactivated.")
    if any(m.signatory_id == signatory.id for m in user.memberships):
        errors.add("user", f"{user.email} is already a member of {signatory.name} or invited.")
    errors.raise_if_any("This person cannot become a member.")
    membership = Membership(
        user=user,
        signatory=signatory,
        is_admin=bool(is_admin),
        pending=pending,
        invited_name=invited_name if pending else None,
    )
    db.session.add(membership)
    db.session.flush()
    if pending:
        # The signatory's members read its log: the account's id would tell them it existed.
        payload = {"email": user.email, "name": invited_name, "is_admin": membership.is_admin}
    else:
        payload = {"user": user.id, "email": user.email, "is_admin": membership.is_admin}
    activity.record(
        "membership.invited" if pending else "membership.added",
        membership,
        actor=actor,
        signatory_id=signatory.id,
        payload=payload,
    )
    return membership


def invite_member(
    signatory: Signatory,
    email: str,
    actor: User | None,
    *,
    name: str | None = None,
    is_admin: bool = False,
    locale: str = "en",
) -> Membership:
    """Invite the person with ``email`` to act for a signatory, and email them.

    The invitation counts only once they accept it. The answer is the same
    whether or not the address already has an account, so that inviting
    cannot be used to find out who is registered.

    :param name: how to greet the person: the name of a new account, and what the
        signatory's members see of the person until they accept.
    """
    errors = Errors()
    clean = _clean_email(email, errors)
    typed_name = clean_text({"name": name}, "name", errors, max_length=160)
    if not typed_name and "name" not in errors:
        errors.add("name", "Give the name of the person you invite.")
    errors.raise_if_any("The invitation is incomplete.")
    if signatory.status in _CLOSED_SIGNATORY_STATUSES:
        raise InvalidInput(
            "This signatory takes no new members.",
            errors={"signatory": [f"The signatory is {signatory.status}."]},
        )
    user = find_user_by_email(clean) or create_user(
        clean, typed_name, Role.member, locale=locale, actor=actor
    )
    try:
        membership = add_member(
            signatory, user, is_admin, actor, pending=True, invited_name=typed_name
        )
    except InvalidInput as error:
        # The caller named the person by email; report the problem under that field.
        error.errors["email"] = error.errors.pop("user", []) + error.errors.get("email", [])
        if not error.errors["email"]:
            del error.errors["email"]
        raise
    queue_email(
        user,
        "invitation",
        idempotency_key=f"invitation:{membership.id}",
        context={
            "signatory": signatory,
            "inviter": actor,
            "url": absolute_url("coalition.my_invitations"),
        },
    )
    return membership


def pending_invitations(user: User) -> list[Membership]:
    """The invitations ``user`` has not answered yet."""
    return [m for m in user.memberships if m.pending]


def accept_invitation(membership: Membership, user: User) -> Membership:
    """The invited person agrees to act for the signatory."""
    _check_invitee(membership, user)
    membership.pending = False
    db.session.flush()
    activity.record(
        "membership.accepted",
        membership,
        actor=user,
        signatory_id=membership.signatory_id,
        payload={"user": user.id},
    )
    return membership


def decline_invitation(membership: Membership, user: User) -> None:
    """The invited person refuses: the invitation is removed."""
    _check_invitee(membership, user)
    activity.record(
        "membership.declined",
        membership,
        actor=user,
        signatory_id=membership.signatory_id,
        payload={"user": user.id},
    )
    signatory = membership.signatory
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(user, ["memberships"])
    db.session.expire(signatory, ["memberships"])


def _check_invitee(membership: Membership, user: User) -> None:
    if membership.user_id != user.id:
        raise NotAllowed("This invitation is for someone else.")
    if not membership.pending:
        raise InvalidTransition("This invitation was already accepted.")


def remove_member(membership: Membership, actor: User | None) -> None:
    """Stop a user acting for a signatory (their account stays)."""
    activity.record(
        "membership.removed",
        membership,
        actor=actor,
        signatory_id=membership.signatory_id,
        payload={"user": membership.user_id, "email": membership.user.email},
    )
    user, signatory = membership.user, membership.signatory
    db.session.delete(membership)
    db.session.flush()
    # Loaded collections would still hold the row, and user.signatory_ids with it.
    db.session.expire(user, ["memberships"])
    db.session.expire(signatory, ["memberships"])


def colleagues_query(signatory: Signatory) -> Select:
    """The memberships of ``signatory`` by name, the invitations last by the name typed.

    An invitation's place must not hint at the name of an account it may belong to.
    """
    shown_name = db.case((Membership.pending, Membership.invited_name), else_=User.name)
    return (
        db.select(Membership)
        .join(Membership.user)
        .where(Membership.signatory_id == signatory.id)
        .order_by(Membership.pending, shown_name, Membership.id)
    )


def users_query(
    *, role: Role | None = None, active: bool | None = None, q: str | None = None
) -> Select:
    """Users by email, narrowed by role, active flag and part of the name or email."""
    query = db.select(User).order_by(User.email)
    if role:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.active.is_(active))
    if q and q.strip():
        words = q.strip()
        query = query.where(
            db.or_(
                User.name.icontains(words, autoescape=True),
                User.email.icontains(words.lower(), autoescape=True),
            )
        )
    return query
