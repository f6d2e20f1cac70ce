"""Signatories: registration, profile and lifecycle.

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

from pact_tracker.campaigns.services import absolute_url, queue_email
from pact_tracker.coalition.models import (
    SIGNATORY_TRANSITIONS,
    Role,
    Signatory,
    SignatoryStatus,
    User,
)
from pact_tracker.coalition.services.people import add_member, create_user, find_user_by_email
from pact_tracker.coalition.services.validation import (
    MAX_LONG_TEXT,
    Errors,
    apply_changes,
    clean_text,
    refuse_unknown,
)
from pact_tracker.core import activity, permissions
from pact_tracker.core.errors import InvalidTransition
from pact_tracker.extensions import db
from pact_tracker.reference.models import Country, OrganisationType, Subdivision

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

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


def _date(value: Any, field: str, errors: Errors) -> date | None:
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


def _website(value: str | None, errors: Errors) -> str | None:
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
    errors = Errors()
    refuse_unknown(data, SIGNATORY_FIELDS, errors)
    creating = signatory is None
    values: dict[str, Any] = {}

    def given(field: str) -> bool:
        return creating or field in data

    if given("name"):
        values["name"] = clean_text(data, "name", errors, max_length=200, required=True)
    if given("acronym"):
        values["acronym"] = clean_text(data, "acronym", errors, max_length=40)
    for field, length in (("locality", 160), ("website", 300)):
        if given(field):
            values[field] = clean_text(data, field, errors, max_length=length)
    if "website" in values:
        values["website"] = _website(values["website"], errors)
    if given("description"):
        values["description"] = (
            clean_text(data, "description", errors, max_length=MAX_LONG_TEXT) or ""
        )

    if given("organisation_type_code"):
        code = clean_text(data, "organisation_type_code", errors, max_length=40, required=True)
        if code and db.session.get(OrganisationType, code) is None:
            errors.add("organisation_type_code", f"Unknown organisation type {code!r}.")
        values["organisation_type_code"] = code
    if given("country_code"):
        code = clean_text(data, "country_code", errors, max_length=2, required=True)
        code = code.upper() if code else code
        if code and db.session.get(Country, code) is None:
            errors.add("country_code", f"Unknown country code {code!r}.")
        values["country_code"] = code
    if given("subdivision_code") or "country_code" in data:
        code = clean_text(data, "subdivision_code", errors, max_length=12)
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
        slug = clean_text(data, "slug", errors, max_length=120)
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
    changes = apply_changes(signatory, values)
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

    Deciding an application emails the decision (and ``reason``) to its contacts.

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
    errors = Errors()
    reason = clean_text({"reason": reason}, "reason", errors, max_length=MAX_LONG_TEXT)
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
    if old_status == SignatoryStatus.applied:
        _tell_applicants(signatory, reason or "")
    return signatory


def _tell_applicants(signatory: Signatory, message: str) -> None:
    """Email the decision on an application to each of its contacts, in their language."""
    approved = signatory.status == SignatoryStatus.approved
    url = absolute_url("commitments.my_commitments", slug=signatory.slug) if approved else None
    for membership in signatory.memberships:
        if membership.pending:
            continue
        queue_email(
            membership.user,
            "application_decision",
            idempotency_key=f"application-decision:{signatory.id}:{membership.user_id}",
            context={"signatory": signatory, "approved": approved, "message": message, "url": url},
        )


def apply_to_join(data: dict, applicant: User) -> Signatory:
    """An organisation applies to join: the signatory is ``applied``, the applicant its admin."""
    signatory = create_signatory(data, applicant, SignatoryStatus.applied)
    add_member(signatory, applicant, True, applicant)
    return signatory


def apply_to_join_as(data: dict, *, email: str, name: str, locale: str = "en") -> Signatory:
    """An organisation applies to join, naming its contact person (the join form).

    A new address gets an account acting for the application at once. An
    address that already has an account is only *invited* (and emailed) to act
    for it: the answer is the same either way, so the public form reveals no
    account, and nobody is made to act for an organisation without agreeing.
    """
    existing = find_user_by_email(email)
    if existing is None:
        return apply_to_join(data, create_user(email, name, Role.member, locale=locale))
    signatory = create_signatory(data, None, SignatoryStatus.applied)
    membership = add_member(
        signatory,
        existing,
        True,
        None,
        pending=True,
        invited_name=(name or "").strip()[:160] or None,
    )
    queue_email(
        existing,
        "invitation",
        idempotency_key=f"invitation:{membership.id}",
        context={
            "signatory": signatory,
            "inviter": None,
            "url": absolute_url("coalition.my_invitations"),
        },
    )
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
