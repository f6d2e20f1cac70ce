"""The commitment workflow: every change of status goes through :func:`change_status`."""

from functools import cache

from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from pact_tracker.commitments.models import (
    CLOSED_STATUSES,
    COMMITMENT_TRANSITIONS,
    REPORTING_STATUSES,
    Commitment,
    CommitmentStatus,
    ProgressUpdate,
    StatusChange,
)
from pact_tracker.commitments.reporting import report_schedule
from pact_tracker.commitments.services import _input as check
from pact_tracker.commitments.services.decisions import tell_members
from pact_tracker.commitments.services.smart import record_smart_score
from pact_tracker.core import activity
from pact_tracker.core.errors import InvalidInput, InvalidTransition
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db

_CLOSINGS = frozenset(CLOSED_STATUSES - {CommitmentStatus.withdrawn})


@cache
def _correction():
    """A correction of an update, in the query that skips corrected updates.

    Built once (per call it cost a millisecond per report imported), and on first
    use rather than at import: building it configures every mapper, which must not
    happen before all the models are imported.
    """
    return aliased(ProgressUpdate)


def change_status(
    commitment: Commitment,
    new_status: CommitmentStatus,
    actor,
    comment: str = "",
    *,
    publish: bool = True,
) -> StatusChange:
    """Move ``commitment`` to ``new_status`` if the workflow allows it, and log the step.

    :param publish: on approval, make it public at once (else it waits for the next event).
    """
    errors = check.Errors()
    comment = check.text(comment, "comment", errors) or ""
    errors.raise_if_any("The comment is not valid.")
    old_status = CommitmentStatus(commitment.status)
    new_status = CommitmentStatus(new_status)
    if new_status not in COMMITMENT_TRANSITIONS[old_status]:
        raise InvalidTransition(
            f"A commitment cannot go from {_label(old_status)} to {_label(new_status)}."
        )
    now = utcnow()
    commitment.status = new_status
    if new_status == CommitmentStatus.submitted:
        commitment.submitted_at = now
    elif new_status == CommitmentStatus.approved:
        commitment.approved_at = now
        if publish and commitment.published_at is None:
            commitment.published_at = now
    elif new_status in CLOSED_STATUSES:
        commitment.closed_at = now
    refresh_schedule(commitment)
    change = record_status_change(commitment, old_status, new_status, actor, comment, at=now)
    activity.record(
        f"commitment.status.{new_status}",
        commitment,
        actor=actor,
        signatory_id=commitment.signatory_id,
        payload={"from": str(old_status), "to": str(new_status), "comment": comment},
    )
    return change


def record_status_change(
    commitment: Commitment, old_status, new_status, actor, comment: str, *, at=None
) -> StatusChange:
    """Append one step to the status history, without checking it (creation uses it too)."""
    change = StatusChange(
        commitment=commitment,
        from_status=old_status,
        to_status=new_status,
        changed_at=at or utcnow(),
        actor_id=actor.id if actor is not None else None,
        comment=comment or "",
    )
    db.session.add(change)
    db.session.flush()
    return change


def refresh_schedule(commitment: Commitment) -> None:
    """Recompute ``last_reported_at``, ``report_due_at`` and ``inactive_at`` from the log."""
    last_reported_at = _last_reports([commitment.id]).get(commitment.id)
    for name, value in _schedule(commitment, last_reported_at).items():
        setattr(commitment, name, value)
    db.session.flush()


def refresh_schedules(commitments) -> None:
    """:func:`refresh_schedule` for each of ``commitments``: one read, one executemany.

    :param commitments: ORM commitments or plain values with the same attributes
        (``ReportingCommitment``): the schedule is written beside the unit of work
        (an ORM flush would check every column of every commitment, and SQLite
        would get one statement per row), then set as committed state on the
        commitments the session holds.
    """
    latest = _last_reports([commitment.id for commitment in commitments])
    now = utcnow()
    changed = []
    for commitment in commitments:
        schedule = _schedule(commitment, latest.get(commitment.id))
        if any(getattr(commitment, name) != value for name, value in schedule.items()):
            changed.append((commitment.id, {**schedule, "updated_at": now}))
    if not changed:
        return
    table = Commitment.__table__
    db.session.execute(
        db.update(table)
        .where(table.c.id == db.bindparam("commitment_id"))
        .values({name: db.bindparam(name) for name in changed[0][1]}),
        [{"commitment_id": commitment_id, **values} for commitment_id, values in changed],
    )
    for commitment_id, values in changed:
        held = db.session.identity_map.get(identity_key(Commitment, commitment_id))
        if held is not None:
            for name, value in values.items():
                set_committed_value(held, name, value)


def _last_reports(commitment_ids: list[int]) -> dict[int, object]:
    """The latest ``reported_at`` of each commitment's updates, corrected ones left out."""
    return dict(
        db.session.execute(
            db.select(ProgressUpdate.commitment_id, db.func.max(ProgressUpdate.reported_at))
            .where(
                ProgressUpdate.commitment_id.in_(commitment_ids),
                ~db.select(_correction().id)
                .where(_correction().supersedes_id == ProgressUpdate.id)
                .exists(),
            )
            .group_by(ProgressUpdate.commitment_id)
        ).all()
    )


def _schedule(commitment: Commitment, last_reported_at) -> dict:
    """The commitment's reporting schedule, given its latest report."""
    if commitment.status not in REPORTING_STATUSES:
        return {"last_reported_at": last_reported_at, "report_due_at": None, "inactive_at": None}
    report_due_at, inactive_at = report_schedule(
        commitment.cadence_months, commitment.approved_at, commitment.start_date, last_reported_at
    )
    return {
        "last_reported_at": last_reported_at,
        "report_due_at": report_due_at,
        "inactive_at": inactive_at,
    }


def submit_commitment(commitment: Commitment, actor) -> StatusChange:
    """Send a draft for review; refused, naming what is missing, unless it passes SMART."""
    if not commitment.is_editable:
        raise InvalidTransition(
            f"Only a draft or a commitment sent back for changes can be submitted; "
            f"this one is {_label(commitment.status)}."
        )
    # Kept with the row: the review queue shows the score the commitment was submitted with.
    report = record_smart_score(commitment)
    if not report.passed:
        raise InvalidInput(
            f"The commitment is not ready to submit: its SMART score is {report.score}/100. "
            f"Complete: {', '.join(dict.fromkeys(part.field for part in report.missing))}.",
            errors=report.errors(),
        )
    return change_status(commitment, CommitmentStatus.submitted, actor)


def approve_commitment(
    commitment: Commitment, actor, comment: str = "", publish: bool = True
) -> StatusChange:
    """Accept a submitted commitment; public at once unless ``publish`` is False."""
    change = change_status(commitment, CommitmentStatus.approved, actor, comment, publish=publish)
    tell_members(commitment, change)
    return change


def request_changes(commitment: Commitment, actor, comment: str) -> StatusChange:
    """Send a submitted commitment back to its signatory, saying what to change."""
    errors = check.Errors()
    comment = check.text(comment, "comment", errors, required=True)
    errors.raise_if_any("Say what should change.")
    change = change_status(commitment, CommitmentStatus.changes_requested, actor, comment)
    tell_members(commitment, change)
    return change


def close_commitment(commitment: Commitment, status, actor, comment: str = "") -> StatusChange:
    """Close an approved commitment as achieved, partially achieved or not achieved."""
    errors = check.Errors()
    closing = check.choice(status, CommitmentStatus, "status", errors, required=True)
    if closing is not None and closing not in _CLOSINGS:
        errors.add("status", "Must be one of: achieved, partially_achieved, not_achieved.")
    comment = check.text(comment, "comment", errors)
    errors.raise_if_any("The commitment could not be closed.")
    change = change_status(commitment, closing, actor, comment or "")
    tell_members(commitment, change)
    return change


def withdraw_commitment(commitment: Commitment, actor, comment: str = "") -> StatusChange:
    """Withdraw a commitment that is not closed yet; final."""
    errors = check.Errors()
    comment = check.text(comment, "comment", errors)
    errors.raise_if_any("The commitment could not be withdrawn.")
    return change_status(commitment, CommitmentStatus.withdrawn, actor, comment or "")


def publish_commitment(commitment: Commitment, actor) -> Commitment:
    """Make an approved commitment that was held back public (the events domain calls it)."""
    if commitment.status not in (CommitmentStatus.approved, *_CLOSINGS):
        raise InvalidTransition(
            f"Only an approved commitment can be published; "
            f"this one is {_label(commitment.status)}."
        )
    if commitment.published_at is None or commitment.published_at > utcnow():
        commitment.published_at = utcnow()
        db.session.flush()
        activity.record(
            "commitment.published", commitment, actor=actor, signatory_id=commitment.signatory_id
        )
    return commitment


def _label(status) -> str:
    return str(status).replace("_", " ")
