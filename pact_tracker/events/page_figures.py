"""The figures a snapshot's page shows: each breakdown's groups, labelled, in order.

They are the snapshot's frozen aggregates and labels. A published snapshot never
changes: its variant's figures are read once, kept in the figure store under a
key naming the snapshot, the variant and that variant's hash
(``core.figure_store``), and each process keeps them labelled in a language for
a while (``core.caching``). A draft may be taken again: its figures are read on
each view, and kept nowhere.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import get_locale

from pact_tracker.core import caching, figure_store
from pact_tracker.events.exports import FrozenLabel, Group, labelled_groups
from pact_tracker.events.models import (
    Breakdown,
    Snapshot,
    SnapshotAggregate,
    SnapshotLabel,
    SnapshotStatus,
)
from pact_tracker.events.services.public_part import shown_sha256
from pact_tracker.extensions import db


@dataclass(frozen=True)
class GroupFigures:
    """A group's figures as ``SnapshotAggregate`` has them, in plain values (kept between views)."""

    commitments: int
    reported: int
    percent_sum: int
    percent_count: int
    achieved: int

    @property
    def average_percent(self) -> float | None:
        return self.percent_sum / self.percent_count if self.percent_count else None


@dataclass(frozen=True)
class PageFigures:
    """A snapshot variant's figures, labelled in one language."""

    #: ``{breakdown: [(Group, GroupFigures)]}`` in the groups' natural order, every breakdown.
    sections: dict[str, list[tuple[Group, GroupFigures]]]
    #: ``{breakdown: {key: label}}``.
    labels: dict[str, dict[str, str]]

    @property
    def overall(self) -> GroupFigures | None:
        rows = self.sections[str(Breakdown.overall)]
        return rows[0][1] if rows else None


def _read(snapshot: Snapshot, public: bool) -> dict:
    """The variant's figures and the frozen labels of their groups, as JSON values."""
    aggregate = SnapshotAggregate
    rows = db.session.execute(
        sa.select(
            aggregate.breakdown,
            aggregate.key,
            aggregate.commitments,
            aggregate.reported,
            aggregate.percent_sum,
            aggregate.percent_count,
            aggregate.achieved,
        ).where(aggregate.snapshot_id == snapshot.id, aggregate.public.is_(public))
    ).all()
    figures: dict[str, list] = {str(b): [] for b in Breakdown}
    for breakdown, key, *values in rows:
        figures[str(breakdown)].append([key, *values])
    shown = {(str(breakdown), key) for breakdown, key, *_values in rows}
    labels = db.session.execute(
        sa.select(
            SnapshotLabel.breakdown,
            SnapshotLabel.key,
            SnapshotLabel.label_en,
            SnapshotLabel.label_fr,
            SnapshotLabel.position,
            SnapshotLabel.colour,
        ).where(SnapshotLabel.snapshot_id == snapshot.id)
    ).all()
    frozen: dict[str, dict[str, list]] = {}
    for breakdown, key, *label in labels:
        if (str(breakdown), key) in shown:
            frozen.setdefault(str(breakdown), {})[key] = label
    return {"figures": figures, "labels": frozen}


def _labelled(stored: dict, locale: str) -> PageFigures:
    sections = {}
    for breakdown, rows in stored["figures"].items():
        by_key = {key: GroupFigures(*values) for key, *values in rows}
        frozen = {
            key: FrozenLabel(*label) for key, label in stored["labels"].get(breakdown, {}).items()
        }
        groups = labelled_groups(breakdown, by_key, frozen, locale)
        sections[breakdown] = [(group, by_key[group.key]) for group in groups]
    labels = {
        name: {group.key: group.label for group, _row in rows} for name, rows in sections.items()
    }
    return PageFigures(sections, labels)


def shown_figures(snapshot: Snapshot, *, public: bool) -> PageFigures:
    """The figures of the variant ``public`` says, labelled in the page language."""
    locale = str(get_locale())
    sha256 = shown_sha256(snapshot, public=public)
    if snapshot.status != SnapshotStatus.published or sha256 is None:
        return _labelled(_read(snapshot, public), locale)
    variant = "public" if public else "full"
    name = figure_store.key("snapshot-figures", snapshot.id, variant, sha256)

    def stored() -> dict:
        return figure_store.get_or_compute(name, lambda: _read(snapshot, public))

    return caching.recent((name, locale), lambda: _labelled(stored(), locale))
