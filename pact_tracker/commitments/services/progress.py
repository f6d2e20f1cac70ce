"""The progress log (append-only: a correction is a new row) and reviewers' assessments."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from pact_tracker.commitments.models import (
    REPORTING_STATUSES,
    Assessment,
    AssessmentLevel,
    Commitment,
    CommitmentStatus,
    Evidence,
    EvidenceKind,
    Indicator,
    IndicatorValue,
    Milestone,
    ProgressStatus,
    ProgressUpdate,
    UpdateSource,
)
from pact_tracker.commitments.services import _input as check
from pact_tracker.commitments.services.workflow import refresh_schedule, refresh_schedules
from pact_tracker.core import activity
from pact_tracker.core.errors import DomainError, InvalidInput, InvalidTransition
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db
from pact_tracker.reference.models import ImpactDimension

PROGRESS_FIELDS = frozenset(
    {
        "status",
        "percent_complete",
        "narrative",
        "reported_at",
        "indicator_values",
        "evidence",
        "milestones_done",
    }
)
CORRECTION_FIELDS = PROGRESS_FIELDS - {"reported_at"}
EVIDENCE_FIELDS = frozenset({"kind", "dimension_code", "title", "description", "url"})
INDICATOR_VALUE_FIELDS = frozenset({"indicator_id", "value"})


def report_progress(
    commitment: Commitment, data: dict, actor, *, source=UpdateSource.web
) -> ProgressUpdate:
    """Append a progress update to an approved commitment.

    :param data: ``status`` and optionally ``percent_complete``, ``narrative``
        (Markdown, kept as written), ``reported_at`` (default now; neither in the
        future nor before approval), ``indicator_values``, ``evidence`` and
        ``milestones_done`` (ids of milestones this report marks as done).
    """
    now = utcnow()
    reported_at, fields = checked_progress(commitment, data, now)
    update = _append(commitment, fields, actor, source, reported_at=reported_at, recorded_at=now)
    _mark_milestones_done(commitment, fields["milestones_done"], reported_at)
    refresh_schedule(commitment)
    activity.record(
        "progress.reported",
        update,
        actor=actor,
        signatory_id=commitment.signatory_id,
        payload=_reported_payload(commitment.id, update.source),
    )
    return update


def checked_progress(commitment: Commitment, data: dict, now) -> tuple:
    """The ``reported_at`` and cleaned fields of a report, or :class:`InvalidInput`.

    The one set of rules for a report, whether it comes alone or in a batch.
    """
    _require_reporting(commitment)
    errors = check.Errors()
    check.refuse_unknown(data, PROGRESS_FIELDS, errors)
    reported_at = _reported_at(commitment, data.get("reported_at"), now, errors)
    fields = _clean(commitment, data, errors)
    errors.raise_if_any("The progress update was not recorded.")
    return reported_at, fields


def _reported_payload(commitment_id: int, source) -> dict:
    return {"commitment_id": commitment_id, "source": str(UpdateSource(source))}


def _reported_payloads(commitment_ids: list[int], source) -> list[dict]:
    """:func:`_reported_payload` of each commitment, the source named once for all."""
    source = str(UpdateSource(source))
    return [{"commitment_id": commitment_id, "source": source} for commitment_id in commitment_ids]


class ReportedUpdate(NamedTuple):
    """What the batch form of ``progress_reported`` carries for each update it recorded.

    A tuple of plain values, which the garbage collector stops following: an
    import keeps one per row until its commit.
    """

    id: int
    commitment_id: int
    signatory_id: int
    author_id: int | None
    recorded_at: datetime


@dataclass(frozen=True, eq=False)
class ReportingCommitment:
    """What checking and recording reports reads of a commitment, as plain values.

    A batch works on these rather than on ORM objects: an import of 100,000
    rows would otherwise keep every commitment, indicator and milestone it
    named in the session, and each flush and query would cost more than the
    last.
    """

    id: int
    signatory_id: int
    status: CommitmentStatus
    approved_at: datetime | None
    created_at: datetime | None
    start_date: date
    cadence_months: int
    last_reported_at: datetime | None
    report_due_at: datetime | None
    inactive_at: datetime | None
    indicator_ids: frozenset[int]
    #: Each milestone's ``done_on``, by id.
    milestones: Mapping[int, date | None]

    @classmethod
    def of(cls, commitment: Commitment) -> "ReportingCommitment":
        """The values of a loaded commitment (its pending changes included)."""
        return cls(
            **{name: getattr(commitment, name) for name in _COMMITMENT_COLUMNS},
            indicator_ids=frozenset(indicator.id for indicator in commitment.indicators),
            milestones={milestone.id: milestone.done_on for milestone in commitment.milestones},
        )


_COMMITMENT_COLUMNS = (
    "id",
    "signatory_id",
    "status",
    "approved_at",
    "created_at",
    "start_date",
    "cadence_months",
    "last_reported_at",
    "report_due_at",
    "inactive_at",
)


def commitments_for_reporting(ids) -> dict[int, ReportingCommitment]:
    """The commitments of ``ids`` by id, as what checking a report on them reads.

    Three queries of plain columns, nothing kept in the session: pending
    changes are flushed first, so what is read is what the session would see.
    """
    ids = list(set(ids))
    if not ids:
        return {}
    indicators: dict[int, set[int]] = {commitment_id: set() for commitment_id in ids}
    for commitment_id, indicator_id in db.session.execute(
        db.select(Indicator.commitment_id, Indicator.id).where(Indicator.commitment_id.in_(ids))
    ):
        indicators[commitment_id].add(indicator_id)
    milestones: dict[int, dict] = {commitment_id: {} for commitment_id in ids}
    for commitment_id, milestone_id, done_on in db.session.execute(
        db.select(Milestone.commitment_id, Milestone.id, Milestone.done_on).where(
            Milestone.commitment_id.in_(ids)
        )
    ):
        milestones[commitment_id][milestone_id] = done_on
    columns = [getattr(Commitment, name) for name in _COMMITMENT_COLUMNS]
    return {
        row.id: ReportingCommitment(
            **row._asdict(),
            indicator_ids=frozenset(indicators[row.id]),
            milestones=milestones[row.id],
        )
        for row in db.session.execute(db.select(*columns).where(Commitment.id.in_(ids)))
    }


def report_progress_many(
    items: Sequence[tuple[Commitment | ReportingCommitment, dict]],
    actor,
    *,
    source=UpdateSource.import_,
    refresh: bool = True,
) -> list[int]:
    """Append one progress update per ``(commitment, data)`` item, as :func:`report_progress`
    would one after the other, in a fixed number of statements; returns the updates' ids.

    The same checks, made on every item before anything is written: when any
    fails, :class:`InvalidInput` is raised with ``errors`` holding each bad
    item's messages under its index, and nothing is written. Each commitment's
    schedule is refreshed once, after all its updates are in. The rows are
    written beside the ORM; commitments and milestones the session holds are
    given the values written.

    :param items: commitments as ORM objects or as :class:`ReportingCommitment`
        (what :func:`commitments_for_reporting` gives: nothing loaded in the session).
    :param refresh: False when the caller refreshes the schedules itself, once after
        several batches (:func:`refresh_reporting_schedules`): an import in chunks
        reports on the same commitments in chunk after chunk.
    """
    now = utcnow()
    items = _as_reporting(items)
    checked = _check_all(items, now)
    source = UpdateSource(source)
    author_id = actor.id if actor is not None else None
    ids = _insert_updates(items, checked, author_id, source, now)
    _mark_milestones_done_many(items, checked)
    touched = {commitment.id: commitment for commitment, _ in items}
    for held in _held(Commitment, touched):
        # The rows were written beside the ORM: a loaded list of updates would miss them.
        db.session.expire(held, ["updates"])
    if refresh:
        refresh_schedules(list(touched.values()))
    activity.record_many(
        "progress.reported",
        [
            ReportedUpdate(id, commitment.id, commitment.signatory_id, author_id, now)
            for id, (commitment, _) in zip(ids, items, strict=True)
        ],
        subject_type=ProgressUpdate.__tablename__,
        actor=actor,
        signatory_ids=[commitment.signatory_id for commitment, _ in items],
        payloads=_reported_payloads([commitment.id for commitment, _ in items], source),
    )
    return ids


def _held(model, ids) -> list:
    """The objects of ``model`` with one of ``ids`` that the session holds.

    Found by going through what the session holds, which is little in a batch
    (its commitments are plain values), rather than by looking up every id.
    """
    return [
        held
        for (cls, key, _token), held in db.session.identity_map.items()
        if cls is model and key[0] in ids
    ]


#: Commitments whose schedules are refreshed in one statement (an IN list of their ids).
SCHEDULES_AT_ONCE = 1000


def refresh_reporting_schedules(commitments: Sequence[ReportingCommitment]) -> None:
    """Refresh the schedules of ``commitments`` (from their log), a slice at a time.

    What :func:`report_progress_many` does when ``refresh`` is left True; for a
    caller that reported on them in several batches, so each schedule is
    computed and written once.
    """
    for start in range(0, len(commitments), SCHEDULES_AT_ONCE):
        refresh_schedules(commitments[start : start + SCHEDULES_AT_ONCE])


def _as_reporting(items) -> list[tuple[ReportingCommitment, dict]]:
    """``items`` with each ORM commitment read once into a :class:`ReportingCommitment`."""
    read: dict[int, ReportingCommitment] = {}
    converted = []
    for commitment, data in items:
        if isinstance(commitment, Commitment):
            commitment = read.setdefault(commitment.id, ReportingCommitment.of(commitment))
        converted.append((commitment, data))
    return converted


def _check_all(items, now) -> list[tuple]:
    checked, errors = [], {}
    for n, (commitment, data) in enumerate(items):
        try:
            checked.append(checked_progress(commitment, data, now))
        except DomainError as error:
            errors[n] = error.errors or {"commitment": [error.message]}
    if errors:
        raise InvalidInput(
            f"{len(errors)} of {len(items)} progress updates are not valid; none was recorded.",
            errors=errors,
        )
    return checked


def _insert_updates(items, checked, author_id, source, now) -> list[int]:
    """Insert the updates, their indicator values and evidence; the updates' ids, in order."""
    ids = activity.insert_many(
        ProgressUpdate.__table__,
        {
            "commitment_id": [commitment.id for commitment, _ in items],
            "reported_at": [reported_at for reported_at, _ in checked],
            "status": [fields["status"] for _, fields in checked],
            "percent_complete": [fields["percent_complete"] for _, fields in checked],
            "narrative": [fields["narrative"] for _, fields in checked],
        },
        same={
            "author_id": author_id,
            "recorded_at": now,
            "source": source,
            "supersedes_id": None,
            "correction_reason": None,
        },
    )
    values: dict[str, list] = {"update_id": [], "indicator_id": [], "value": []}
    evidence: dict[str, list] = {name: [] for name in ("update_id", *EVIDENCE_FIELDS)}
    for update_id, (_, fields) in zip(ids, checked, strict=True):
        for indicator_id, value in fields["indicator_values"]:
            values["update_id"].append(update_id)
            values["indicator_id"].append(indicator_id)
            values["value"].append(value)
        for item in fields["evidence"]:
            evidence["update_id"].append(update_id)
            for name in EVIDENCE_FIELDS:
                evidence[name].append(item[name])
    activity.insert_many(IndicatorValue.__table__, values, ids=False)
    activity.insert_many(Evidence.__table__, evidence, ids=False)
    return ids


def _mark_milestones_done_many(items, checked) -> None:
    """:func:`_mark_milestones_done` for every item, in one executemany.

    A milestone gets the date of the first item (in order) that marks it, as
    one report after the other would leave it.
    """
    done: dict[int, date] = {}
    for (commitment, _), (reported_at, fields) in zip(items, checked, strict=True):
        for milestone_id in fields["milestones_done"]:
            if commitment.milestones[milestone_id] is None and milestone_id not in done:
                done[milestone_id] = reported_at.date()
                # A later batch given the same commitment (an import's next chunk) sees it done.
                commitment.milestones[milestone_id] = done[milestone_id]
    if not done:
        return
    table = Milestone.__table__
    db.session.execute(
        db.update(table)
        .where(table.c.id == db.bindparam("milestone_id"))
        .values(done_on=db.bindparam("done_on")),
        [{"milestone_id": milestone_id, "done_on": day} for milestone_id, day in done.items()],
    )
    for milestone_id, day in done.items():
        held = db.session.identity_map.get(identity_key(Milestone, milestone_id))
        if held is not None:
            set_committed_value(held, "done_on", day)


def correct_update(
    update: ProgressUpdate, data: dict, actor, *, reason: str, source=UpdateSource.web
) -> ProgressUpdate:
    """Record a correction of ``update``: a new row superseding it, with its ``reported_at``.

    Fields left out of ``data`` are carried over from ``update``; the original
    row is never changed.
    """
    commitment = update.commitment
    _require_reporting(commitment)
    if update.superseded_by is not None:
        raise InvalidTransition(
            f"Update {update.id} has already been corrected by update "
            f"{update.superseded_by.id}; correct that one instead."
        )
    errors = check.Errors()
    check.refuse_unknown(data, set(CORRECTION_FIELDS), errors)
    reason = check.text(reason, "reason", errors, required=True)
    merged = {**_carried_over(update), **data}
    fields = _clean(commitment, merged, errors)
    errors.raise_if_any("The correction was not recorded.")

    now = utcnow()
    try:
        with db.session.begin_nested():
            correction = _append(
                commitment,
                fields,
                actor,
                source,
                reported_at=update.reported_at,
                recorded_at=max(now, update.recorded_at),
                supersedes=update,
                reason=reason,
            )
    except IntegrityError:
        # Someone corrected the same update at the same moment: the UNIQUE chain kept one.
        raise InvalidTransition(
            f"Update {update.id} has just been corrected by someone else."
        ) from None
    _mark_milestones_done(commitment, fields["milestones_done"], update.reported_at)
    refresh_schedule(commitment)
    activity.record(
        "progress.corrected",
        correction,
        actor=actor,
        signatory_id=commitment.signatory_id,
        payload={
            "commitment_id": commitment.id,
            "supersedes_id": update.id,
            "reason": reason,
            "source": str(correction.source),
        },
    )
    return correction


def assess_commitment(commitment: Commitment, level, comment: str, actor) -> Assessment:
    """Record a reviewer's view of how complete the commitment is."""
    if commitment.status in (CommitmentStatus.draft, CommitmentStatus.withdrawn):
        raise InvalidTransition(
            f"A {commitment.status} commitment cannot be assessed; it must be submitted first."
        )
    errors = check.Errors()
    level = check.choice(level, AssessmentLevel, "level", errors, required=True)
    comment = check.text(comment, "comment", errors)
    errors.raise_if_any("The assessment was not recorded.")
    assessment = Assessment(
        commitment=commitment,
        assessor_id=actor.id if actor is not None else None,
        level=level,
        comment=comment or "",
        assessed_at=utcnow(),
    )
    db.session.add(assessment)
    db.session.flush()
    activity.record(
        "commitment.assessed",
        commitment,
        actor=actor,
        signatory_id=commitment.signatory_id,
        payload={"assessment_id": assessment.id, "level": str(level)},
    )
    return assessment


def _require_reporting(commitment: Commitment) -> None:
    if commitment.status not in REPORTING_STATUSES:
        raise InvalidTransition(
            f"Progress can only be reported on an approved commitment; "
            f"this one is {str(commitment.status).replace('_', ' ')}."
        )


def _reported_at(commitment: Commitment, value, now, errors: check.Errors):
    moment = check.instant(value, "reported_at", errors)
    if moment is None:
        return now if "reported_at" not in errors else None
    if moment > now:
        errors.add("reported_at", "A report cannot speak for a moment in the future.")
    earliest = commitment.approved_at or commitment.created_at
    # Forms give times to the second: a report made in the second of approval counts.
    if earliest is not None and moment < earliest.replace(microsecond=0):
        errors.add(
            "reported_at",
            f"A report cannot speak for a moment before the commitment was approved "
            f"({earliest.isoformat(timespec='minutes')}).",
        )
    return moment


def _carried_over(update: ProgressUpdate) -> dict:
    return {
        "status": update.status,
        "percent_complete": update.percent_complete,
        "narrative": update.narrative,
        "indicator_values": [
            {"indicator_id": value.indicator_id, "value": value.value} for value in update.values
        ],
        "evidence": [
            {field: getattr(item, field) for field in EVIDENCE_FIELDS} for item in update.evidence
        ],
    }


def _clean(commitment: Commitment, data: dict, errors: check.Errors) -> dict:
    fields = {
        "status": check.choice(data.get("status"), ProgressStatus, "status", errors, required=True),
        "percent_complete": check.integer(
            data.get("percent_complete"), "percent_complete", errors, minimum=0, maximum=100
        ),
        "narrative": _narrative(data.get("narrative"), errors),
        "indicator_values": _indicator_values(commitment, data.get("indicator_values"), errors),
        "evidence": _evidence(data.get("evidence"), errors),
        "milestones_done": _milestones_done(commitment, data.get("milestones_done"), errors),
    }
    return fields


def _narrative(value, errors: check.Errors) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or "\x00" in value:
        errors.add("narrative", "Must be text without NUL characters.")
        return ""
    return value


def _indicator_values(
    commitment: Commitment, raw, errors: check.Errors
) -> list[tuple[int, Decimal]]:
    rows = check.items(raw, "indicator_values", errors) or []
    own = _indicator_ids(commitment)
    values: list[tuple[int, Decimal]] = []
    given: set[int] = set()
    for n, row in enumerate(rows):
        prefix = f"indicator_values[{n}]"
        for key in sorted(row.keys() - INDICATOR_VALUE_FIELDS):
            errors.add(f"{prefix}.{key}", "Unknown field.")
        indicator_id = check.identifier(
            row.get("indicator_id"), f"{prefix}.indicator_id", errors, required=True
        )
        value = check.decimal(row.get("value"), f"{prefix}.value", errors, required=True)
        if indicator_id is not None and indicator_id not in own:
            errors.add(
                f"{prefix}.indicator_id",
                f"Indicator {indicator_id} is not one of this commitment's.",
            )
        elif indicator_id in given:
            errors.add(f"{prefix}.indicator_id", f"Indicator {indicator_id} is given twice.")
        elif indicator_id is not None and value is not None:
            values.append((indicator_id, value))
            given.add(indicator_id)
    return values


def _indicator_ids(commitment) -> frozenset[int] | set[int]:
    if isinstance(commitment, ReportingCommitment):
        return commitment.indicator_ids
    return {indicator.id for indicator in commitment.indicators}


def _milestone_ids(commitment) -> Iterable[int]:
    if isinstance(commitment, ReportingCommitment):
        return commitment.milestones.keys()
    return {milestone.id for milestone in commitment.milestones}


def _evidence(raw, errors: check.Errors) -> list[dict]:
    rows = check.items(raw, "evidence", errors) or []
    cleaned = []
    for n, row in enumerate(rows):
        prefix = f"evidence[{n}]"
        for key in sorted(set(row) - EVIDENCE_FIELDS):
            errors.add(f"{prefix}.{key}", "Unknown field.")
        item = {
            "kind": check.choice(
                row.get("kind"), EvidenceKind, f"{prefix}.kind", errors, required=True
            ),
            "title": check.text(
                row.get("title"), f"{prefix}.title", errors, max_length=200, required=True
            ),
            "description": check.text(row.get("description"), f"{prefix}.description", errors)
            or "",
            "url": check.text(row.get("url"), f"{prefix}.url", errors, max_length=500),
            "dimension_code": check.text(
                row.get("dimension_code"), f"{prefix}.dimension_code", errors, max_length=40
            ),
        }
        if item["url"] is not None:
            parts = urlsplit(item["url"])
            if parts.scheme not in ("http", "https") or not parts.netloc:
                errors.add(f"{prefix}.url", "Must be an http or https address.")
        if item["dimension_code"] is not None and (
            db.session.get(ImpactDimension, item["dimension_code"]) is None
        ):
            errors.add(f"{prefix}.dimension_code", f"Unknown code {item['dimension_code']!r}.")
        cleaned.append(item)
    return cleaned


def _milestones_done(commitment: Commitment, raw, errors: check.Errors) -> list[int]:
    if raw is None:
        return []
    if not isinstance(raw, list | tuple):
        errors.add("milestones_done", "Must be a list of milestone ids.")
        return []
    own = _milestone_ids(commitment)
    ids = []
    for n, value in enumerate(raw):
        number = check.identifier(value, f"milestones_done[{n}]", errors, required=True)
        if number is not None and number not in own:
            errors.add(
                f"milestones_done[{n}]", f"Milestone {number} is not one of this commitment's."
            )
        elif number is not None and number not in ids:
            ids.append(number)
    return ids


def _append(
    commitment, fields, actor, source, *, reported_at, recorded_at, supersedes=None, reason=None
):
    update = ProgressUpdate(
        commitment=commitment,
        author_id=actor.id if actor is not None else None,
        reported_at=reported_at,
        recorded_at=recorded_at,
        status=fields["status"],
        percent_complete=fields["percent_complete"],
        narrative=fields["narrative"],
        source=UpdateSource(source),
        supersedes=supersedes,
        correction_reason=reason,
        values=[IndicatorValue(indicator_id=i, value=v) for i, v in fields["indicator_values"]],
        evidence=[Evidence(**item) for item in fields["evidence"]],
    )
    db.session.add(update)
    db.session.flush()
    return update


def _mark_milestones_done(commitment: Commitment, ids: list[int], reported_at) -> None:
    for milestone in commitment.milestones:
        if milestone.id in ids and milestone.done_on is None:
            milestone.done_on = reported_at.date()
    db.session.flush()
