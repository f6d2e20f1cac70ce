"""Read-only queries of the secretariat's back office: applications and members."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from pact_tracker.coalition.models import Membership, Signatory, SignatoryStatus, User
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme


def applications_query() -> sa.Select:
    """Signatories waiting for a decision, the longest waiting first."""
    return (
        sa.select(Signatory)
        .where(Signatory.status == SignatoryStatus.applied)
        .order_by(Signatory.created_at, Signatory.id)
    )


def applications_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Signatory.id)).where(Signatory.status == SignatoryStatus.applied)
    )


def members_of(signatory: Signatory) -> list[Membership]:
    """The people acting for ``signatory``, admins first, with their accounts."""
    return db.session.scalars(
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.signatory_id == signatory.id)
        .options(selectinload(Membership.user))
        .order_by(Membership.is_admin.desc(), User.email)
    ).all()


def signatory_by_slug(slug: str) -> Signatory | None:
    """Any signatory with this slug, whatever its status."""
    return db.session.scalar(sa.select(Signatory).where(Signatory.slug == slug))


def subjects_of(entries) -> dict[tuple[str, int], object]:
    """The signatories and programmes activity ``entries`` name, keyed ``(table, id)``.

    One query per table, so that a page of the log links its subjects without
    a query per line. Commitments, proposals and users are linked by id alone.
    """
    wanted: dict[str, set[int]] = {"signatory": set(), "programme": set()}
    for entry in entries:
        if entry.subject_type in wanted:
            wanted[entry.subject_type].add(entry.subject_id)
        if entry.signatory_id is not None:
            wanted["signatory"].add(entry.signatory_id)
    found: dict[tuple[str, int], object] = {}
    for table, model in (("signatory", Signatory), ("programme", Programme)):
        if wanted[table]:
            for row in db.session.scalars(
                sa.select(model).where(model.id.in_(sorted(wanted[table])))
            ):
                found[(table, row.id)] = row
    return found
