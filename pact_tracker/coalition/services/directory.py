"""Reading the public directory of signatories: read-only, set-based queries.

What the public sees of the coalition: approved signatories only, whoever
asks, so that the directory is the same page for everyone.
"""

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.coalition.services.signatories import signatories_query
from pact_tracker.commitments.models import Commitment
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme


def directory_query(
    *,
    organisation_type: str | None = None,
    country: str | None = None,
    programme: str | None = None,
    q: str | None = None,
) -> sa.Select:
    """Approved signatories by name, narrowed by the filters given.

    :param programme: a programme code: only signatories with a published
        commitment in it.
    """
    query = signatories_query(None, organisation_type=organisation_type, country=country, q=q)
    if programme:
        in_programme = (
            sa.select(Commitment.id)
            .join(Programme, Programme.id == Commitment.programme_id)
            .where(
                Commitment.signatory_id == Signatory.id,
                Programme.code == programme,
                Commitment.is_published,
            )
            .exists()
        )
        query = query.where(in_programme)
    return query


def published_counts(signatory_ids: Collection[int]) -> dict[int, int]:
    """Number of published commitments of each signatory named, in one grouped query."""
    if not signatory_ids:
        return {}
    rows = db.session.execute(
        sa.select(Commitment.signatory_id, sa.func.count())
        .where(Commitment.signatory_id.in_(sorted(signatory_ids)), Commitment.is_published)
        .group_by(Commitment.signatory_id)
    )
    return dict(rows.all())


def approved_count() -> int:
    """How many signatories the coalition shows."""
    return db.session.scalar(
        sa.select(sa.func.count(Signatory.id)).where(Signatory.status == SignatoryStatus.approved)
    )


def signatory_by_slug(slug: str) -> Signatory | None:
    """The signatory with this slug, its subdivision loaded, or None."""
    return db.session.scalar(
        sa.select(Signatory)
        .where(Signatory.slug == slug)
        .options(joinedload(Signatory.subdivision))
    )
