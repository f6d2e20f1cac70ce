"""A snapshot's public part: the one rule deciding it, and the variant each visitor sees.

The rule is applied once, when the snapshot is taken, and frozen in
``SnapshotEntry.is_published``; the public figures, comparison, charts,
exports and hash are all computed from the entries it marks.
"""

import sqlalchemy as sa

from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.events.models import Snapshot, SnapshotEntry


def public_at(states: sa.Subquery) -> sa.ColumnElement[bool]:
    """The one rule of what the public may see of a snapshot, decided when it is taken.

    As everywhere on the platform (``permissions.can_view_commitment``): a
    commitment published and public at the cutoff (an embargoed one is not yet
    published), of a signatory approved when the snapshot is taken. It is
    frozen in ``SnapshotEntry.is_published``, which every public figure,
    comparison, chart, export and hash of the snapshot is then computed from
    (``public_entries``).
    """
    return sa.and_(states.c.is_published, Signatory.status == SignatoryStatus.approved)


def public_entries(public: bool, entry=SnapshotEntry) -> sa.ColumnElement[bool]:
    """The entries of a snapshot's public variant (all of them for those who manage it)."""
    return entry.is_published.is_(True) if public else sa.true()


def shown_sha256(snapshot: Snapshot, *, public: bool) -> str | None:
    """The hash of the variant a visitor sees: of the public part, or of everything."""
    return snapshot.public_sha256 if public else snapshot.content_sha256


def shown_entry_count(snapshot: Snapshot, *, public: bool) -> int:
    """How many entries the variant a visitor sees holds."""
    return snapshot.public_entry_count if public else snapshot.entry_count
