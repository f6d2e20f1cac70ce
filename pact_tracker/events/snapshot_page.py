"""What a snapshot's page shows of the snapshot itself: its figures, breakdowns and comparison.

A published snapshot never changes, and neither does what its page shows of it
(the entries list and the choice of another snapshot aside):

- its variant's figures and the frozen labels of their groups are read once and
  kept in the figure store under a key naming the snapshot, the variant and that
  variant's hash (``core.figure_store``);
- each process keeps them labelled in a language, and the page's breakdowns and
  comparison with another published snapshot rendered, for a while
  (``core.caching``): their tables were most of the page's time on a large
  coalition.

A draft may be taken again: all of it is read and rendered on each view, and
kept nowhere. Nothing is kept without the variant (public or full) in its key.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

from pact_tracker.core import caching, figure_store
from pact_tracker.core.pagination import COUNT_AHEAD, Count
from pact_tracker.events import report
from pact_tracker.events.exports import FrozenLabel, Group, labelled_groups
from pact_tracker.events.models import (
    Breakdown,
    Snapshot,
    SnapshotAggregate,
    SnapshotLabel,
    SnapshotStatus,
)
from pact_tracker.events.services.public_part import shown_entry_count, shown_sha256
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


def _frozen(snapshot: Snapshot, public: bool) -> tuple | None:
    """What names a snapshot variant's content for good (None for a draft, which may change)."""
    sha256 = shown_sha256(snapshot, public=public)
    if snapshot.status != SnapshotStatus.published or sha256 is None:
        return None
    return (snapshot.id, "public" if public else "full", sha256)


def _part(template: str, frozen: tuple | None, context: Callable[[], dict]) -> Markup:
    """A part of the page, rendered once per process and language while it is asked for
    if ``frozen`` names content that never changes; what it shows (``context()``) is
    read only to render it."""

    def rendered() -> Markup:
        # Autoescaped by Jinja as it was rendered: the HTML of a template, not of input.
        return Markup(render_template(template, **context()))  # noqa: S704  # nosec B704

    if frozen is None:
        return rendered()
    return caching.recent((template, *frozen, str(get_locale())), rendered)


def breakdowns(snapshot: Snapshot, figures: PageFigures, *, public: bool) -> Markup:
    """The breakdowns section: each chart and its table of figures."""
    return _part(
        "events/snapshots/_breakdowns.html",
        _frozen(snapshot, public),
        lambda: {
            "snapshot": snapshot,
            "headings": report.BREAKDOWNS,
            "sections": {name: figures.sections[name] for name in report.BREAKDOWNS},
        },
    )


@dataclass(frozen=True)
class Compared:
    """The two snapshots compared, the earlier first (as ``report.comparison`` has them)."""

    before: Snapshot
    after: Snapshot


def compared(snapshot: Snapshot, other: Snapshot | None) -> Compared | None:
    """Which two snapshots the page compares, if any."""
    if other is None:
        return None
    return Compared(*sorted((other, snapshot), key=lambda s: (s.cutoff_at, s.id)))


def comparison(
    snapshot: Snapshot, other: Snapshot | None, figures: PageFigures, *, public: bool
) -> Markup:
    """The comparison's figures and lists, kept once both snapshots are published (its
    summary is then read only to render it).

    Its groups are named with the labels of the snapshot whose page it is.
    """
    if other is None:
        return Markup("")
    shown, compared_with = _frozen(snapshot, public), _frozen(other, public)
    return _part(
        "events/snapshots/_comparison.html",
        shown + compared_with if shown and compared_with else None,
        lambda: {
            "comparison": report.comparison(snapshot, other, public=public),
            "headings": report.BREAKDOWNS,
            "group_labels": figures.labels,
        },
    )


def entries_counter(snapshot: Snapshot, *, public: bool) -> Callable[[sa.Select, int], Count]:
    """``pagination.count_from`` for the unfiltered entries, from the counts kept when the
    snapshot was taken rather than by reading a thousand of them."""
    entries = shown_entry_count(snapshot, public=public)

    def count(_query: sa.Select, start: int) -> Count:
        limit = start + COUNT_AHEAD
        return Count(total=min(entries, limit), exact=entries <= limit)

    return count
