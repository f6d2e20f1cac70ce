"""Reading commitments: who sees which, list filters, and the history of one commitment."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.commitments.models import (
    CLOSED_STATUSES,
    Assessment,
    Commitment,
    CommitmentStatus,
    IndicatorValue,
    ProgressStatus,
    ProgressUpdate,
    StatusChange,
    commitment_dimension,
    commitment_target,
    has_goal,
)
from pact_tracker.core import permissions
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme


def visible_to(user) -> sa.ColumnElement[bool]:
    """SQL twin of ``permissions.can_view_commitment``, for lists."""
    if permissions.is_secretariat(user):
        return sa.true()
    public = sa.and_(
        Commitment.is_published,
        Commitment.signatory_id.in_(
            sa.select(Signatory.id).where(Signatory.status == SignatoryStatus.approved)
        ),
    )
    clauses = [public]
    if user is not None and user.active and user.signatory_ids:
        clauses.append(Commitment.signatory_id.in_(sorted(user.signatory_ids)))
    if permissions.is_organiser(user):
        clauses.append(Commitment.status != CommitmentStatus.draft)
    return sa.or_(*clauses)


def commitments_query(user, filters: dict) -> sa.Select:
    """The commitments ``user`` may see, filtered, newest first.

    :param filters: any of ``signatory`` (slug), ``programme`` (code), ``goal``,
        ``target``, ``organisation_type``, ``country``, ``status``,
        ``reporting_state``, ``dimension``.
    """
    query = (
        sa.select(Commitment)
        .where(visible_to(user))
        .options(
            selectinload(Commitment.programme),
            selectinload(Commitment.targets),
            selectinload(Commitment.dimensions),
        )
    )
    if "signatory" in filters or "organisation_type" in filters:
        signatories = sa.select(Signatory.id)
        if "signatory" in filters:
            signatories = signatories.where(Signatory.slug == filters["signatory"])
        if "organisation_type" in filters:
            signatories = signatories.where(
                Signatory.organisation_type_code == filters["organisation_type"]
            )
        query = query.where(Commitment.signatory_id.in_(signatories))
    if "programme" in filters:
        query = query.where(
            Commitment.programme_id.in_(
                sa.select(Programme.id).where(Programme.code == filters["programme"])
            )
        )
    if "goal" in filters:
        query = query.where(has_goal(filters["goal"]))
    if "target" in filters:
        query = query.where(
            Commitment.id.in_(
                sa.select(commitment_target.c.commitment_id).where(
                    commitment_target.c.target_code == filters["target"]
                )
            )
        )
    if "dimension" in filters:
        query = query.where(
            Commitment.id.in_(
                sa.select(commitment_dimension.c.commitment_id).where(
                    commitment_dimension.c.dimension_code == filters["dimension"]
                )
            )
        )
    if "country" in filters:
        query = query.where(Commitment.country_code == filters["country"].upper())
    if "status" in filters:
        query = query.where(Commitment.status == filters["status"])
    if "reporting_state" in filters:
        query = query.where(Commitment.has_reporting_state(filters["reporting_state"]))
    return query.order_by(Commitment.created_at.desc(), Commitment.id.desc())


def commitment_summaries_query(user, filters: dict) -> sa.Select:
    """``commitments_query``, loading what a list of summaries shows (the API's list).

    Neither the description nor the signatory's type and country rows: a summary
    names the signatory by its codes, and the description was most of each row read.
    """
    return commitments_query(user, filters).options(
        defer(Commitment.description),
        joinedload(Commitment.signatory).options(
            lazyload(Signatory.organisation_type), lazyload(Signatory.country)
        ),
    )


def own_commitments_query(signatory_ids, status: str | None = None) -> sa.Select:
    """Every commitment of these signatories, newest first, for someone who acts for them.

    Drafts and private ones included: a member or the secretariat sees all of its
    signatory's commitments (``permissions.can_act_for_signatory``), so no
    ``visible_to``. Its OR of "published by an approved signatory" made PostgreSQL read
    the index of every published commitment and hash every approved signatory to find
    the nine of one signatory: the member's pages grew with the coalition. Nothing is
    loaded with the rows: each page asks for what it shows.
    """
    query = sa.select(Commitment).where(Commitment.signatory_id.in_(sorted(signatory_ids)))
    if status is not None:
        query = query.where(Commitment.status == status)
    return query.order_by(Commitment.created_at.desc(), Commitment.id.desc())


#: Most commitments sent back that the member's home lists at once.
SENT_BACK_LIMIT = 50


def sent_back_for_changes(user) -> list[tuple[Commitment, StatusChange | None]]:
    """The commitments of ``user``'s organisations that the secretariat sent back for changes.

    Each with the request that sent it back (its comment says what to change),
    the longest waiting first.
    """
    commitments = db.session.scalars(
        sa.select(Commitment)
        .where(
            Commitment.signatory_id.in_(sorted(user.signatory_ids)),
            Commitment.status == CommitmentStatus.changes_requested,
        )
        .order_by(Commitment.updated_at, Commitment.id)
        .limit(SENT_BACK_LIMIT)
    ).all()
    if not commitments:
        return []
    requests = db.session.scalars(
        sa.select(StatusChange)
        .where(
            StatusChange.commitment_id.in_([c.id for c in commitments]),
            StatusChange.to_status == CommitmentStatus.changes_requested,
        )
        .order_by(StatusChange.changed_at, StatusChange.id)
    )
    latest = {change.commitment_id: change for change in requests}
    return [(commitment, latest.get(commitment.id)) for commitment in commitments]


def updates_of(commitment: Commitment) -> list[ProgressUpdate]:
    """Every progress update of ``commitment``, corrections included, newest report first.

    Each update knows its correction (``superseded_by``) and what it corrects
    (``supersedes``) without a query more.
    """
    updates = db.session.scalars(
        sa.select(ProgressUpdate)
        .where(ProgressUpdate.commitment_id == commitment.id)
        # What pages and the API show of each update, in a query per kind, not per update.
        .options(selectinload(ProgressUpdate.values), selectinload(ProgressUpdate.evidence))
        .order_by(
            ProgressUpdate.reported_at.desc(),
            ProgressUpdate.recorded_at.desc(),
            ProgressUpdate.id.desc(),
        )
    ).all()
    _link_corrections(updates)
    return updates


@dataclass(frozen=True)
class ProgressSoFar:
    """What a new report starts from: the latest live report's status and values."""

    #: The status of the latest report not corrected since, None before the first.
    status: ProgressStatus | None
    #: ``{indicator id: value}``, as ``explorer.current_values`` counts them.
    values: dict[int, Decimal]


def progress_so_far(commitment: Commitment) -> ProgressSoFar:
    """The progress form's starting point, read as columns rather than whole updates.

    The form shows none of the updates' texts and evidence: loading them as objects
    cost the form more than the rest of its queries.
    """
    updates = db.session.execute(
        sa.select(ProgressUpdate.id, ProgressUpdate.status, ProgressUpdate.supersedes_id)
        .where(ProgressUpdate.commitment_id == commitment.id)
        .order_by(
            ProgressUpdate.reported_at.desc(),
            ProgressUpdate.recorded_at.desc(),
            ProgressUpdate.id.desc(),
        )
    ).all()
    corrected = {update.supersedes_id for update in updates}
    live = [update for update in updates if update.id not in corrected]
    if not live:
        return ProgressSoFar(None, {})
    reported: dict[int, list[tuple[int, Decimal]]] = {}
    for update_id, indicator_id, value in db.session.execute(
        sa.select(IndicatorValue.update_id, IndicatorValue.indicator_id, IndicatorValue.value)
        .join(ProgressUpdate, ProgressUpdate.id == IndicatorValue.update_id)
        .where(ProgressUpdate.commitment_id == commitment.id)
    ):
        reported.setdefault(update_id, []).append((indicator_id, value))
    values: dict[int, Decimal] = {}
    for update in live:
        for indicator_id, value in reported.get(update.id, ()):
            values.setdefault(indicator_id, value)
    return ProgressSoFar(live[0].status, values)


def _link_corrections(updates: list[ProgressUpdate]) -> None:
    """Set each update's correction and what it corrects from the list itself.

    A correction belongs to the same commitment as what it corrects, so both
    are in the list: the query that loaded the corrections again is spared.
    """
    by_id = {update.id: update for update in updates}
    correction_of = {u.supersedes_id: u for u in updates if u.supersedes_id is not None}
    for update in updates:
        set_committed_value(update, "superseded_by", correction_of.get(update.id))
        if update.supersedes_id in by_id:
            set_committed_value(update, "supersedes", by_id[update.supersedes_id])


def share_authors(updates: list[ProgressUpdate]) -> None:
    """Give each update its author, loaded once per person rather than once per update.

    For the pages that name each report's author: a few people write a long
    history, and each update's own (lazy) load of the same author cost more than
    the rest of its line of the timeline.
    """
    authors: dict[int, object] = {}
    for update in updates:
        if update.author_id is not None and update.author_id not in authors:
            authors[update.author_id] = update.author
        set_committed_value(update, "author", authors.get(update.author_id))


def assessments_of(commitment: Commitment) -> list[Assessment]:
    return db.session.scalars(
        sa.select(Assessment)
        .where(Assessment.commitment_id == commitment.id)
        .order_by(Assessment.assessed_at.desc(), Assessment.id.desc())
    ).all()


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a commitment's timeline."""

    #: ``status_change``, ``progress_update``, ``correction`` or ``assessment``.
    kind: str
    at: datetime
    subject: StatusChange | ProgressUpdate | Assessment

    @property
    def status_change(self) -> StatusChange | None:
        return self.subject if self.kind == "status_change" else None

    @property
    def update(self) -> ProgressUpdate | None:
        return self.subject if self.kind in ("progress_update", "correction") else None

    @property
    def assessment(self) -> Assessment | None:
        return self.subject if self.kind == "assessment" else None


_KIND_ORDER = {"status_change": 0, "progress_update": 1, "correction": 1, "assessment": 2}


#: Workflow steps anyone may see in a published commitment's history.
PUBLIC_STEPS = tuple(sorted(CLOSED_STATUSES | {CommitmentStatus.approved}))


def commitment_history(
    commitment: Commitment,
    *,
    include_review: bool = True,
    updates: list[ProgressUpdate] | None = None,
) -> list[HistoryEntry]:
    """The timeline of ``commitment``: status changes, updates and their corrections, assessments.

    Each entry is placed at the moment it was recorded, so a correction shows
    where it was made and names (``subject.supersedes_id``) the update it replaces.

    :param include_review: with False, the drafting and review steps (and the
        reviewers' comments on them) are left out: they are between the
        signatory and the secretariat, not for the public.
    :param updates: ``updates_of(commitment)``, when the caller has them already.
    """
    changes = sa.select(StatusChange).where(StatusChange.commitment_id == commitment.id)
    if not include_review:
        changes = changes.where(StatusChange.to_status.in_(PUBLIC_STEPS))
    entries = [
        HistoryEntry("status_change", change.changed_at, change)
        for change in db.session.scalars(changes)
    ]
    entries += [
        HistoryEntry(
            "correction" if update.supersedes_id is not None else "progress_update",
            update.recorded_at,
            update,
        )
        for update in (updates_of(commitment) if updates is None else updates)
    ]
    entries += [
        HistoryEntry("assessment", assessment.assessed_at, assessment)
        for assessment in assessments_of(commitment)
    ]
    return sorted(entries, key=lambda e: (e.at, _KIND_ORDER[e.kind], e.subject.id))
