"""The labels of a snapshot's groups (a programme's name, a country's...), frozen with it.

Taken in both languages when the snapshot is taken, so that its page, charts
and exports never change when a programme is renamed or the lexicon revised.
Statuses and reporting states are labelled in the platform's own words instead.
"""

import sqlalchemy as sa

from pact_tracker.events.models import Breakdown, Snapshot, SnapshotAggregate, SnapshotLabel
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import Country, ImpactDimension, OrganisationType, SdgGoal

#: Breakdowns whose groups are labelled from data (the others by the code's own words).
LABELLED = (
    Breakdown.programme,
    Breakdown.goal,
    Breakdown.organisation_type,
    Breakdown.country,
    Breakdown.dimension,
)


def _labelled(key, label_en, label_fr, position, colour) -> sa.Select:
    """The label columns, named (a subquery's columns need names)."""
    return sa.select(
        sa.cast(key, sa.String).label("key"),
        sa.cast(label_en, sa.String).label("label_en"),
        sa.cast(label_fr, sa.String).label("label_fr"),
        sa.cast(position, sa.Integer).label("position"),
        sa.cast(colour, sa.String).label("colour"),
    )


def _label_rows(breakdown: Breakdown) -> sa.Select:
    """``key, label_en, label_fr, position, colour`` of every group of ``breakdown``."""
    if breakdown == Breakdown.programme:
        position = sa.func.row_number().over(order_by=Programme.code)
        return _labelled(
            Programme.id,
            Programme.name_en,
            Programme.name_fr,
            position,
            sa.null(),
        )
    if breakdown == Breakdown.goal:
        number = sa.cast(SdgGoal.number, sa.String)
        return _labelled(
            number,
            number + ". " + SdgGoal.short_en,
            number + ". " + SdgGoal.short_fr,
            SdgGoal.number,
            SdgGoal.colour,
        )
    if breakdown == Breakdown.country:
        return _labelled(Country.code, Country.name_en, Country.name_fr, 0, sa.null())
    model = OrganisationType if breakdown == Breakdown.organisation_type else ImpactDimension
    return _labelled(model.code, model.label_en, model.label_fr, model.position, sa.null())


def insert_labels(snapshot: Snapshot) -> None:
    """Freeze the labels of the snapshot's groups, in both languages, as they are now."""
    for breakdown in LABELLED:
        rows = _label_rows(breakdown).subquery("labels")
        keys = rows.c[0]
        in_snapshot = sa.select(SnapshotAggregate.key).where(
            SnapshotAggregate.snapshot_id == snapshot.id,
            SnapshotAggregate.public.is_(False),
            SnapshotAggregate.breakdown == breakdown,
        )
        select = sa.select(sa.literal(snapshot.id), sa.literal(str(breakdown)), *rows.c).where(
            keys.in_(in_snapshot)
        )
        db.session.execute(
            sa.insert(SnapshotLabel).from_select(
                ["snapshot_id", "breakdown", "key", "label_en", "label_fr", "position", "colour"],
                select,
            )
        )
