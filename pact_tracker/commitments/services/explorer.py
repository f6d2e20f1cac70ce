"""Reading published commitments for the public pages: read-only, set-based queries.

Lists are filtered and sliced in the database, with index-friendly
conditions; what a row or a page shows is loaded in a fixed number of
queries (no query per row).
"""

import dataclasses
import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, selectinload

from pact_tracker.coalition.models import Signatory
from pact_tracker.commitments.models import (
    GOALS,
    Commitment,
    CommitmentStatus,
    ProgressStatus,
    ProgressUpdate,
    ReportingState,
    due_window,
    goal_bit,
    reporting_state_at,
)
from pact_tracker.commitments.services.queries import commitments_query
from pact_tracker.core import figure_store
from pact_tracker.core.caching import recent
from pact_tracker.core.figures import LIFETIME, public_change_marks
from pact_tracker.core.pagination import COUNT_AHEAD, Count, Page, count_from, paginate_select
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import Bilingual, ImpactDimension, SdgGoal, SdgTarget

#: The filters of the explorer, as query arguments of its URL.
FILTERS = (
    "programme",
    "goal",
    "target",
    "organisation_type",
    "country",
    "status",
    "reporting_state",
    "dimension",
)

#: Statuses a published commitment can have.
PUBLIC_STATUSES = (
    CommitmentStatus.approved,
    CommitmentStatus.achieved,
    CommitmentStatus.partially_achieved,
    CommitmentStatus.not_achieved,
    CommitmentStatus.withdrawn,
)


def public_commitments(filters: dict | None = None) -> sa.Select:
    """Published public commitments of approved signatories, most recently published first.

    :param filters: any of ``FILTERS``, plus ``signatory`` (a slug); empty
        values are ignored. Values are expected valid (the page's form checks them).
    """
    given = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    reporting_state = given.pop("reporting_state", None)
    query = (
        commitments_query(None, given)
        .order_by(None)
        .order_by(Commitment.published_at.desc(), Commitment.id.desc())
    )
    if reporting_state is not None:
        query = query.where(Commitment.has_reporting_state(reporting_state))
    return query


@dataclass(frozen=True)
class PublicRow(Bilingual):
    """What a public list of commitments shows of one: plain values, no ORM object.

    The explorer, a goal's page and a signatory's page list 25 of them a page
    under load; reading them as ORM objects, with their targets and programme as
    objects too, cost more than the page's queries.
    """

    id: int
    title: str
    status: str
    reporting_state: ReportingState | None
    signatory_slug: str
    signatory_name: str
    programme_name_en: str
    programme_name_fr: str | None
    #: The SDG goals it aims at, in order (from ``Commitment.goal_mask``).
    goals: tuple[int, ...]
    #: Percent complete of its latest live update; None when it has not said.
    percent: int | None


def public_page(filters: dict | None, number: int, *, shared_count: bool = False) -> Page:
    """Page ``number`` of ``public_commitments(filters)``, as ``PublicRow``s.

    :param shared_count: count the list once for every process (``shared_counter``), for
        the lists every visitor opens (the explorer, a goal's page): counting a
        thousand rows ahead cost the database more than the rest of the page.
    """
    count = shared_counter("explorer", filters or {}) if shared_count else None
    return paginate_select(public_commitments(filters), number, load=public_rows, count=count)


#: Lists with at most this many filters have their counts stored for every process; the
#: others are many (any combination of filters), each rarely seen: kept in the process.
SHARED_FILTERS = 1


def shared_counter(list_name: str, filters: dict) -> Callable[[sa.Select, int], Count]:
    """A ``count`` for ``paginate_select`` of a public list: what every visitor sees.

    The first pages' counts of a list with few filters are stored for every process
    under the newest ids (``core.figures.public_change_marks``): each gunicorn
    worker no longer counts each goal's list again, and a change shows at once.
    Other counts, each asked rarely, are kept a minute in the process as before
    (``core.caching``): the store holds no row for every page number a visitor tries;
    so is a list of a reporting state, which changes with the clock, nothing written.

    :param list_name: names the list's query, e.g. ``"explorer"``.
    :param filters: the list's filters, as given to its query.
    """
    given = tuple(
        sorted((name, str(value)) for name, value in filters.items() if value not in (None, ""))
    )

    def count(query: sa.Select, start: int) -> Count:
        if len(given) > SHARED_FILTERS or start >= COUNT_AHEAD or "reporting_state" in filters:
            return recent((list_name, "count", given, start), lambda: count_from(query, start))
        # A slug or a code from a query string may be long: the key holds its digest.
        digest = hashlib.sha256(repr(given).encode()).hexdigest()[:32]
        name = figure_store.key(list_name, "count", digest, start, *public_change_marks())
        return figure_store.get_or_compute_kept(
            name,
            lambda: dataclasses.asdict(count_from(query, start)),
            LIFETIME,
            lambda stored: Count(**stored),
        )

    return count


def public_rows(ids: Collection[int]) -> list[PublicRow]:
    """The ``PublicRow`` of each commitment of ``ids``, in no particular order."""
    rows = db.session.execute(
        sa.select(
            Commitment.id,
            Commitment.title,
            Commitment.status,
            Commitment.report_due_at,
            Commitment.inactive_at,
            Commitment.goal_mask,
            Signatory.slug,
            Signatory.name,
            Programme.name_en,
            Programme.name_fr,
        )
        .join(Signatory, Signatory.id == Commitment.signatory_id)
        .join(Programme, Programme.id == Commitment.programme_id)
        .where(Commitment.id.in_(sorted(ids)))
    ).all()
    progress = latest_progress(ids)
    now, window = utcnow(), due_window()
    return [
        PublicRow(
            id=row.id,
            title=row.title,
            status=str(row.status),
            reporting_state=reporting_state_at(
                row.status, row.report_due_at, row.inactive_at, now, window
            ),
            signatory_slug=row.slug,
            signatory_name=row.name,
            programme_name_en=row.name_en,
            programme_name_fr=row.name_fr,
            goals=goals_in_mask(row.goal_mask),
            percent=progress.get(row.id, (None, None))[0],
        )
        for row in rows
    ]


def goals_in_mask(mask: int) -> tuple[int, ...]:
    """The goal numbers of a ``Commitment.goal_mask``, in order."""
    return tuple(number for number in range(1, GOALS + 1) if mask & goal_bit(number))


def count_public(filters: dict | None = None) -> int:
    """How many commitments ``public_commitments(filters)`` lists, counted in SQL."""
    query = public_commitments(filters).order_by(None).with_only_columns(Commitment.id)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def shared_count_public(list_name: str, filters: dict) -> int:
    """``count_public(filters)``, counted once for every process until something changes.

    Stored, as the lists' first counts, under the newest ids that can change it
    (``core.figures.public_change_marks``): a large programme's count took a tenth of
    a second, and each gunicorn worker counted each programme again every minute.

    :param list_name: names the count, e.g. ``"programme"``.
    """
    given = tuple(sorted((name, str(value)) for name, value in filters.items()))
    # A code from a URL may be long: the key holds its digest.
    digest = hashlib.sha256(repr(given).encode()).hexdigest()[:32]
    name = figure_store.key(list_name, "total", digest, *public_change_marks())
    return figure_store.get_or_compute_kept(name, lambda: count_public(filters), LIFETIME, int)


def latest_progress(
    commitment_ids: Collection[int],
) -> dict[int, tuple[int | None, ProgressStatus]]:
    """``{commitment id: (percent complete, progress status)}`` of each one's latest live update.

    One query for a whole page; commitments that never reported are absent. The
    updates of a page's commitments are few, and a correction belongs to the same
    commitment as what it corrects, so the superseded ones are dropped here: in
    SQL, the anti-join over corrections made PostgreSQL read the index of every
    correction in the table.
    """
    if not commitment_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            ProgressUpdate.id,
            ProgressUpdate.commitment_id,
            ProgressUpdate.supersedes_id,
            ProgressUpdate.reported_at,
            ProgressUpdate.recorded_at,
            ProgressUpdate.percent_complete,
            ProgressUpdate.status,
        ).where(ProgressUpdate.commitment_id.in_(sorted(commitment_ids)))
    ).all()
    superseded = {row.supersedes_id for row in rows if row.supersedes_id is not None}
    latest = {}
    for row in rows:
        if row.id in superseded:
            continue
        shown = latest.get(row.commitment_id)
        if shown is None or _newest_first_key(row) > _newest_first_key(shown):
            latest[row.commitment_id] = row
    return {key: (row.percent_complete, row.status) for key, row in latest.items()}


def _newest_first_key(row) -> tuple:
    """The order of ``updates_of``: latest report, then latest recorded, then latest id."""
    return (row.reported_at, row.recorded_at, row.id)


@dataclass(frozen=True)
class GoalChip(Bilingual):
    """What a chip shows of an SDG goal: its number, colour and short names."""

    number: int
    colour: str
    short_en: str
    short_fr: str


def sdg_goals() -> dict[int, GoalChip]:
    """The 17 goals by number, to show chips without a query per row (or per page)."""

    def compute():
        return {
            goal.number: GoalChip(goal.number, goal.colour, goal.short_en, goal.short_fr)
            for goal in db.session.scalars(sa.select(SdgGoal))
        }

    return recent("sdg_goal_chips", compute)


@dataclass(frozen=True)
class DimensionLabel(Bilingual):
    """What a page shows of an impact dimension: its label."""

    code: str
    label_en: str
    label_fr: str


def impact_dimensions() -> dict[str, DimensionLabel]:
    """The impact dimensions by code, in their order."""

    def compute():
        query = sa.select(ImpactDimension).order_by(ImpactDimension.position)
        return {
            dimension.code: DimensionLabel(dimension.code, dimension.label_en, dimension.label_fr)
            for dimension in db.session.scalars(query)
        }

    return recent("impact_dimension_labels", compute)


def commitment_for_page(commitment_id: int) -> Commitment | None:
    """A commitment with everything its page shows loaded, or None.

    What it has one of is joined to its row; what it has many of comes in a
    query each. Of its signatory the page shows the name and link only: the
    signatory's own joined type, country and subdivision made PostgreSQL plan
    nine joins, 9 ms for each page, for a row read in half a millisecond.
    """
    return db.session.scalar(
        sa.select(Commitment)
        .where(Commitment.id == commitment_id)
        .options(
            joinedload(Commitment.programme),
            joinedload(Commitment.proposal),
            joinedload(Commitment.country),
            joinedload(Commitment.subdivision),
            joinedload(Commitment.signatory).options(
                lazyload(Signatory.organisation_type), lazyload(Signatory.country)
            ),
            selectinload(Commitment.targets).joinedload(SdgTarget.goal),
            selectinload(Commitment.dimensions),
            selectinload(Commitment.indicators),
            selectinload(Commitment.milestones),
        )
    )


def current_values(timeline: Iterable[ProgressUpdate]) -> dict[int, Decimal]:
    """``{indicator id: value}`` from the latest live update reporting each indicator.

    :param timeline: updates latest first, as ``updates_of`` returns them
        (the rule is ``Indicator.current_value``'s, without a query per value).
    """
    values: dict[int, Decimal] = {}
    for update in timeline:
        if update.superseded_by is None:
            for value in update.values:
                values.setdefault(value.indicator_id, value.value)
    return values
