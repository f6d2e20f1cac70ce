"""Signatories, their lifecycle, users and memberships.

Every function validates all of its input before touching the session, so a
refused call writes nothing; every change is flushed and recorded in the
activity log, and the caller commits.
"""

import re
import unicodedata
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select

from pact_tracker.coalition.models import (
    SIGNATORY_TRANSITIONS,
    ApiToken,
    Membership,
    Role,
    Signatory,
    SignatoryStatus,
    User,
)
from pact_tracker.core import activity, permissions
from pact_tracker.core.activity import Activity
from pact_tracker.core.errors import InvalidInput, InvalidTransition, NotAllowed
from pact_tracker.core.tokens import revoke_token
from pact_tracker.extensions import db
from pact_tracker.reference.models import Country, OrganisationType, Subdivision

LOCALES = ("en", "fr")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
#: Longest description or status reason accepted, so one row cannot swamp a page.
MAX_LONG_TEXT = 10_000

SIGNATORY_FIELDS = frozenset(
    {
        "name",
        "acronym",
        "slug",
        "organisation_type_code",
        "country_code",
        "subdivision_code",
        "locality",
        "website",
        "description",
        "manifesto_signed_on",
    }
)
USER_SELF_FIELDS = frozenset({"name", "locale", "reminders_opt_out"})
USER_SECRETARIAT_FIELDS = frozenset({"role", "active"})

#: Statuses that may no longer take new members.
_CLOSED_SIGNATORY_STATUSES = frozenset({SignatoryStatus.rejected, SignatoryStatus.withdrawn})


class _Errors(dict):
    """Messages per field, collected so that the caller learns every problem at once."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self, message: str) -> None:
        if self:
            raise InvalidInput(message, errors=dict(self))


def _text(
    data: dict, field: str, errors: _Errors, *, max_length: int, required: bool = False
) -> str | None:
    """The stripped text of ``data[field]``; None when absent or blank and not required."""
    value = data.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, "Must be a text.")
        return None
    value = value.strip()
    if "\x00" in value:
        # PostgreSQL refuses NUL in text, even in a look-up: stop before any query.
        errors.add(field, "Must not contain NUL characters.")
        return None
    if required and not value:
        errors.add(field, "This field is required.")
    if len(value) > max_length:
        errors.add(field, f"At most {max_length} characters.")
    return value or None


def _unknown_fields(data: dict, allowed: frozenset[str], errors: _Errors) -> None:
    for field in sorted(set(data) - allowed):
        errors.add(field, "Unknown field.")


def _serialisable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if isinstance(value, SignatoryStatus | Role) else value


def _apply(obj, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Set the values that differ on ``obj``; return ``{field: {"from": old, "to": new}}``."""
    changes = {}
    for field, value in values.items():
        old = getattr(obj, field)
        if old != value:
            setattr(obj, field, value)
            changes[field] = {"from": _serialisable(old), "to": _serialisable(value)}
    return changes


def slugify(text: str) -> str:
    """A URL-safe ASCII slug of ``text`` (``Ville de Paris`` -> ``ville-de-paris``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100].rstrip("-") or "signatory"


def _unique_slug(base: str) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever no signatory uses yet."""
    taken = set(
        db.session.scalars(
            db.select(Signatory.slug).where(
                db.or_(Signatory.slug == base, Signatory.slug.like(f"{base}-%"))
            )
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _date(value: Any, field: str, errors: _Errors) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors.add(field, "Must be a date written YYYY-MM-DD.")
            return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        errors.add(field, "Must be a date.")
        return None
    if value > date.today():
        errors.add(field, "Cannot be in the future.")
    return value


def _website(value: str | None, errors: _Errors) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        errors.add("website", "Must be a web address starting with http:// or https://.")
    return value


def _clean_signatory(data: dict, signatory: Signatory | None = None) -> dict[str, Any]:
    """Validate signatory fields; the keys of ``data`` only, or all of them on creation.

    Raises InvalidInput naming every bad field.
    """
    errors = _Errors()
    _unknown_fields(data, SIGNATORY_FIELDS, errors)
    creating = signatory is None
    values: dict[str, Any] = {}

    def given(field: str) -> bool:
        return creating or field in data

    if given("name"):
        values["name"] = _text(data, "name", errors, max_length=200, required=True)
    if given("acronym"):
        values["acronym"] = _text(data, "acronym", errors, max_length=40)
    for field, length in (("locality", 160), ("website", 300)):
        if given(field):
            values[field] = _text(data, field, errors, max_length=length)
    if "website" in values:
        values["website"] = _website(values["website"], errors)
    if given("description"):
        values["description"] = _text(data, "description", errors, max_length=MAX_LONG_TEXT) or ""

    if given("organisation_type_code"):
        code = _text(data, "organisation_type_code", errors, max_length=40, required=True)
        if code and db.session.get(OrganisationType, code) is None:
            errors.add("organisation_type_code", f"Unknown organisation type {code!r}.")
        values["organisation_type_code"] = code
    if given("country_code"):
        code = _text(data, "country_code", errors, max_length=2, required=True)
        code = code.upper() if code else code
        if code and db.session.get(Country, code) is None:
            errors.add("country_code", f"Unknown country code {code!r}.")
        values["country_code"] = code
    if given("subdivision_code") or "country_code" in data:
        code = _text(data, "subdivision_code", errors, max_length=12)
        if "subdivision_code" not in data and signatory is not None:
            code = signatory.subdivision_code  # a new country must still hold the old one
        code = code.upper() if code else code
        country = values.get("country_code") or (signatory and signatory.country_code)
        if code:
            subdivision = db.session.get(Subdivision, code)
            if subdivision is None:
                errors.add("subdivision_code", f"Unknown subdivision code {code!r}.")
            elif country and subdivision.country_code != country:
                errors.add("subdivision_code", f"{code} is not a subdivision of {country}.")
        values["subdivision_code"] = code

    if given("slug"):
        slug = _text(data, "slug", errors, max_length=120)
        if slug is None and creating:
            # Without a valid name there is nothing to generate it from; the name's error says so.
            slug = _unique_slug(slugify(values["name"])) if values.get("name") else None
        elif slug is None:
            errors.add("slug", "This field is required.")
        elif not SLUG_PATTERN.match(slug):
            errors.add("slug", "Use lower-case letters, digits and single hyphens only.")
        elif slug != (signatory and signatory.slug) and _slug_taken(slug):
            errors.add("slug", f"The slug {slug!r} is already used by another signatory.")
        values["slug"] = slug
    if "manifesto_signed_on" in data:
        values["manifesto_signed_on"] = _date(
            data["manifesto_signed_on"], "manifesto_signed_on", errors
        )

    errors.raise_if_any("The signatory has invalid fields.")
    return values


def _slug_taken(slug: str) -> bool:
    return db.session.scalar(db.select(Signatory.id).where(Signatory.slug == slug)) is not None


def create_signatory(
    data: dict, actor: User | None, status: SignatoryStatus = SignatoryStatus.applied
) -> Signatory:
    """Register a signatory: an application (``applied``) or, for the secretariat, any status.

    :param data: name, acronym, slug (generated from the name when absent),
        organisation_type_code, country_code, subdivision_code, locality,
        website, description, manifesto_signed_on.
    """
    status = SignatoryStatus(status)
    values = _clean_signatory(data)
    if status == SignatoryStatus.approved and values.get("manifesto_signed_on") is None:
        values["manifesto_signed_on"] = date.today()
    signatory = Signatory(status=status, **values)
    db.session.add(signatory)
    db.session.flush()
    action = "signatory.applied" if status == SignatoryStatus.applied else "signatory.created"
    activity.record(
        action,
        signatory,
        actor=actor,
        signatory_id=signatory.id,
        payload={"name": signatory.name, "slug": signatory.slug, "status": str(status)},
    )
    return signatory


def update_signatory(signatory: Signatory, data: dict, actor: User | None) -> Signatory:
    """Change some fields of a signatory's profile; the status has its own service."""
    values = _clean_signatory(data, signatory)
    changes = _apply(signatory, values)
    if changes:
        db.session.flush()
        activity.record(
            "signatory.updated",
            signatory,
            actor=actor,
            signatory_id=signatory.id,
            payload={"changes": changes},
        )
    return signatory


def change_signatory_status(
    signatory: Signatory, new_status: SignatoryStatus, actor: User | None, reason: str = ""
) -> Signatory:
    """Move a signatory along its lifecycle (approve, reject, suspend, withdraw).

    :param reason: why, kept and shown to its members on rejection, suspension
        or withdrawal; cleared on approval.
    """
    new_status = SignatoryStatus(new_status)
    old_status = signatory.status
    if new_status not in SIGNATORY_TRANSITIONS[old_status]:
        allowed = sorted(str(s) for s in SIGNATORY_TRANSITIONS[old_status])
        hint = f" It can become: {', '.join(allowed)}." if allowed else " Its status is final."
        raise InvalidTransition(
            f"A signatory that is {old_status} cannot become {new_status}.{hint}",
            errors={"status": [f"Not allowed from {old_status}."]},
        )
    errors = _Errors()
    reason = _text({"reason": reason}, "reason", errors, max_length=MAX_LONG_TEXT)
    errors.raise_if_any("The reason is invalid.")
    signatory.status = new_status
    if new_status == SignatoryStatus.approved:
        signatory.manifesto_signed_on = signatory.manifesto_signed_on or date.today()
        signatory.status_reason = None
    else:
        signatory.status_reason = reason
    db.session.flush()
    activity.record(
        f"signatory.{new_status}",
        signatory,
        actor=actor,
        signatory_id=signatory.id,
        payload={"from": str(old_status), "to": str(new_status), "reason": reason or ""},
    )
    return signatory


def _clean_email(email: Any, errors: _Errors) -> str | None:
    email = _text({"email": email}, "email", errors, max_length=254, required=True)
    if email is None:
        return None
    email = email.lower()
    if not EMAIL_PATTERN.match(email):
        errors.add("email", "Must be an email address such as name@example.org.")
    return email


def _clean_locale(locale: Any, errors: _Errors) -> str | None:
    if locale not in LOCALES:
        errors.add("locale", f"Must be one of: {', '.join(LOCALES)}.")
        return None
    return locale


def _clean_role(role: Any, errors: _Errors) -> Role | None:
    try:
        return Role(role)
    except ValueError:
        errors.add("role", f"Must be one of: {', '.join(r.value for r in Role)}.")
        return None


def _clean_bool(data: dict, field: str, errors: _Errors) -> bool | None:
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
    errors = _Errors()
    email = _clean_email(email, errors)
    name = _text({"name": name}, "name", errors, max_length=160, required=True)
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
    errors = _Errors()
    may_administer = actor is None or permissions.is_secretariat(actor)
    allowed = USER_SELF_FIELDS | USER_SECRETARIAT_FIELDS
    _unknown_fields(data, allowed, errors)
    if not may_administer:
        refused = sorted(set(data) & USER_SECRETARIAT_FIELDS)
        if refused:
            raise NotAllowed(
                "Only the secretariat may change a user's role or active flag.",
                errors={field: ["Only the secretariat may change this."] for field in refused},
            )
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = _text(data, "name", errors, max_length=160, required=True)
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

    changes = _apply(user, values)
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


def add_member(signatory: Signatory, user: User, is_admin: bool, actor: User | None) -> Membership:
    """Make ``user`` act for ``signatory``; an admin member may invite colleagues."""
    errors = _Errors()
    if signatory.status in _CLOSED_SIGNATORY_STATUSES:
        errors.add("signatory", f"The signatory is {signatory.status} and takes no new members.")
    if not user.active:
        errors.add("user", f"The account of {user.email} is deactivated.")
    if signatory.id in user.signatory_ids:
        errors.add("user", f"{user.email} is already a member of {signatory.name}.")
    errors.raise_if_any("This person cannot become a member.")
    membership = Membership(user=user, signatory=signatory, is_admin=bool(is_admin))
    db.session.add(membership)
    db.session.flush()
    activity.record(
        "membership.added",
        membership,
        actor=actor,
        signatory_id=signatory.id,
        payload={"user": user.id, "email": user.email, "is_admin": membership.is_admin},
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
    """Add the person with ``email`` to a signatory, creating their account if needed.

    :param name: required when the person has no account yet.
    """
    errors = _Errors()
    clean = _clean_email(email, errors)
    errors.raise_if_any("The email address is invalid.")
    user = find_user_by_email(clean)
    if user is None:
        if not (name or "").strip():
            raise InvalidInput(
                "A name is needed to create the account of a new member.",
                errors={"name": ["Required for a person who has no account yet."]},
            )
        if signatory.status in _CLOSED_SIGNATORY_STATUSES:
            raise InvalidInput(
                "This signatory takes no new members.",
                errors={"signatory": [f"The signatory is {signatory.status}."]},
            )
        user = create_user(
            clean,
            name,
            Role.member,
            locale=locale,
            signatory=signatory,
            is_admin=is_admin,
            actor=actor,
        )
        return user.memberships[0]
    try:
        return add_member(signatory, user, is_admin, actor)
    except InvalidInput as error:
        # The caller named the person by email; report the problem under that field.
        error.errors["email"] = error.errors.pop("user", []) + error.errors.get("email", [])
        if not error.errors["email"]:
            del error.errors["email"]
        raise


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


def apply_to_join(data: dict, applicant: User) -> Signatory:
    """An organisation applies to join: the signatory is ``applied``, the applicant its admin."""
    signatory = create_signatory(data, applicant, SignatoryStatus.applied)
    add_member(signatory, applicant, True, applicant)
    return signatory


def signatories_query(
    viewer: User | None,
    *,
    organisation_type: str | None = None,
    country: str | None = None,
    status: SignatoryStatus | None = None,
    q: str | None = None,
) -> Select:
    """The signatories ``viewer`` may see, by name, narrowed by the filters given.

    Everyone sees the approved ones, members also their own, the secretariat all.
    """
    query = db.select(Signatory).order_by(Signatory.name, Signatory.id)
    if not permissions.is_secretariat(viewer):
        visible = Signatory.status == SignatoryStatus.approved
        if viewer is not None and viewer.active and viewer.signatory_ids:
            visible = db.or_(visible, Signatory.id.in_(sorted(viewer.signatory_ids)))
        query = query.where(visible)
    if organisation_type:
        query = query.where(Signatory.organisation_type_code == organisation_type)
    if country:
        query = query.where(Signatory.country_code == country.upper())
    if status:
        query = query.where(Signatory.status == status)
    if q and q.strip():
        words = q.strip()
        query = query.where(
            db.or_(
                Signatory.name.icontains(words, autoescape=True),
                Signatory.acronym.icontains(words, autoescape=True),
            )
        )
    return query


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


def activity_query(
    viewer: User | None,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    signatory_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Activity entries ``viewer`` may read, newest first.

    The secretariat reads everything; anyone else only the entries of the
    signatories they are a member of.

    :param action: an exact action, or a prefix ending with a dot (``signatory.``).
    """
    query = db.select(Activity).order_by(Activity.occurred_at.desc(), Activity.id.desc())
    if not permissions.is_secretariat(viewer):
        ids = viewer.signatory_ids if viewer is not None and viewer.active else set()
        query = query.where(Activity.signatory_id.in_(sorted(ids)))
    if action:
        if action.endswith("."):
            query = query.where(Activity.action.startswith(action, autoescape=True))
        else:
            query = query.where(Activity.action == action)
    if actor_id is not None:
        query = query.where(Activity.actor_id == actor_id)
    if signatory_id is not None:
        query = query.where(Activity.signatory_id == signatory_id)
    if since is not None:
        query = query.where(Activity.occurred_at >= since)
    if until is not None:
        query = query.where(Activity.occurred_at <= until)
    return query
