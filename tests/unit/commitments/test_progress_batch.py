"""report_progress_many writes what report_progress writes row after row, checks and all."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from pact_tracker.campaigns.models import OutboxMessage
from pact_tracker.campaigns.update_links import (
    issue_update_link,
    mark_reminders_answered,
    mark_reminders_answered_many,
)
from pact_tracker.commitments.models import Commitment, Milestone, ProgressUpdate, UpdateSource
from pact_tracker.commitments.services import report_progress
from pact_tracker.commitments.services.progress import (
    ReportedUpdate,
    commitments_for_reporting,
    report_progress_many,
)
from pact_tracker.core.activity import Activity
from pact_tracker.core.errors import InvalidInput
from pact_tracker.core.types import utcnow


def _items(first, second, an_hour_ago):
    """Several reports of one commitment, out of order of reported_at, and one of another."""
    for commitment in (first, second):
        commitment.approved_at = an_hour_ago - timedelta(days=1)
    later, earlier = an_hour_ago, an_hour_ago - timedelta(minutes=30)
    indicator = first.indicators[0]
    return [
        (first, {"status": "on_track", "reported_at": later, "percent_complete": 40}),
        (
            first,
            {
                "status": "delayed",
                "reported_at": earlier,
                "narrative": "Slower than planned.",
                "indicator_values": [{"indicator_id": indicator.id, "value": "12.5"}],
                "evidence": [{"kind": "testimony", "title": "A story"}],
                "milestones_done": [first.milestones[0].id],
            },
        ),
        (second, {"status": "blocked", "reported_at": earlier}),
        (first, {"status": "on_track", "reported_at": earlier - timedelta(minutes=5)}),
    ]


def _state(db, commitments) -> dict:
    """What a report leaves, without the instants of recording (the clock moves)."""
    db.session.expire_all()
    ids = [commitment.id for commitment in commitments]
    updates = db.session.scalars(
        db.select(ProgressUpdate)
        .where(ProgressUpdate.commitment_id.in_(ids))
        .order_by(ProgressUpdate.commitment_id, ProgressUpdate.reported_at)
    ).all()
    activity = db.session.scalars(
        db.select(Activity).where(
            Activity.action == "progress.reported",
            Activity.subject_id.in_([update.id for update in updates]),
        )
    ).all()
    return {
        "updates": [
            (
                update.commitment_id,
                update.reported_at,
                update.status,
                update.percent_complete,
                update.narrative,
                update.source,
                update.author_id,
                [(value.indicator_id, value.value) for value in update.values],
                [(item.kind, item.title, item.description) for item in update.evidence],
            )
            for update in updates
        ],
        "schedules": [
            (c.id, c.last_reported_at, c.report_due_at, c.inactive_at)
            for c in db.session.scalars(
                db.select(Commitment).where(Commitment.id.in_(ids)).order_by(Commitment.id)
            )
        ],
        "milestones": [
            (m.id, m.done_on)
            for m in db.session.scalars(
                db.select(Milestone)
                .where(Milestone.commitment_id.in_(ids))
                .order_by(Milestone.commitment_id, Milestone.id)
            )
        ],
        "activity": sorted(
            (
                entry.actor_id,
                entry.signatory_id,
                entry.payload["commitment_id"],
                entry.payload["source"],
            )
            for entry in activity
        ),
        "activity_per_update": sorted(entry.subject_id for entry in activity)
        == sorted(update.id for update in updates),
    }


def test_a_batch_leaves_what_the_same_reports_one_by_one_leave(
    db, approved_commitment, make_user, an_hour_ago
):
    first, second = approved_commitment(), approved_commitment(cadence_months=3)
    author = make_user(signatory=first.signatory)
    items = _items(first, second, an_hour_ago)

    one_by_one = db.session.begin_nested()
    for commitment, data in items:
        report_progress(commitment, data, author, source=UpdateSource.import_)
    expected = _state(db, [first, second])
    one_by_one.rollback()
    db.session.expire_all()

    ids = report_progress_many(items, author, source=UpdateSource.import_)

    assert len(ids) == len(items)
    assert _state(db, [first, second]) == expected
    assert expected["schedules"][0][1] == an_hour_ago
    assert expected["milestones"][0][1] is not None
    assert expected["activity_per_update"]


def test_a_bad_item_writes_nothing_and_is_named_by_its_index(
    db, approved_commitment, make_user, an_hour_ago
):
    first, second = approved_commitment(), approved_commitment()
    items = _items(first, second, an_hour_ago)
    items[2] = (second, {"status": "invented", "reported_at": utcnow() + timedelta(days=1)})

    with pytest.raises(InvalidInput) as raised:
        report_progress_many(items, None)

    assert set(raised.value.errors) == {2}
    assert set(raised.value.errors[2]) == {"status", "reported_at"}
    count = db.select(db.func.count()).select_from(ProgressUpdate)
    assert (
        db.session.scalar(count.where(ProgressUpdate.commitment_id.in_([first.id, second.id]))) == 0
    )


def test_a_batch_answers_the_reminders_one_by_one_would(
    db, approved_commitment, make_user, make_signatory
):
    first, second = approved_commitment(), approved_commitment()
    author = make_user(signatory=first.signatory)
    messages = []
    for signatory in (first.signatory, second.signatory, make_signatory()):
        message = OutboxMessage(
            idempotency_key=f"reminder-{signatory.id}",
            to_address=author.email,
            template="reminder",
            subject="Your progress?",
            body_text="...",
            body_html="...",
            locale="en",
            message_id=f"<reminder-{signatory.id}@example.org>",
        )
        db.session.add(message)
        db.session.flush()
        issue_update_link(author, signatory, message=message)
        messages.append(message)
    recorded_at = utcnow() + timedelta(seconds=1)
    updates = [
        SimpleNamespace(commitment=commitment, author_id=author.id, recorded_at=recorded_at)
        for commitment in (first, second)
    ]

    one_by_one = db.session.begin_nested()
    assert sum(mark_reminders_answered(update) for update in updates) == 2
    expected = [
        db.session.scalar(db.select(OutboxMessage.answered_at).where(OutboxMessage.id == m.id))
        for m in messages
    ]
    one_by_one.rollback()

    batch = [
        ReportedUpdate(n, commitment.id, commitment.signatory_id, author.id, recorded_at)
        for n, commitment in enumerate((first, second), start=1)
    ]
    assert mark_reminders_answered_many(batch) == 2
    answered = [
        db.session.scalar(db.select(OutboxMessage.answered_at).where(OutboxMessage.id == m.id))
        for m in messages
    ]
    assert answered == expected == [recorded_at, recorded_at, None]


def test_commitments_read_as_values_leave_what_loaded_ones_leave_and_load_nothing(
    db, approved_commitment, make_user, an_hour_ago
):
    first, second = approved_commitment(), approved_commitment(cadence_months=3)
    author = make_user(signatory=first.signatory)
    items = _items(first, second, an_hour_ago)

    loaded = db.session.begin_nested()
    report_progress_many(items, author, source=UpdateSource.import_)
    expected = _state(db, [first, second])
    loaded.rollback()
    db.session.expire_all()

    db.session.flush()
    ids, author = [first.id, second.id], SimpleNamespace(id=author.id)
    items = [(commitment.id, data) for commitment, data in items]
    first, second = (SimpleNamespace(id=id) for id in ids)
    db.session.expunge_all()
    read = commitments_for_reporting(ids + ids)
    assert not any(
        isinstance(held, Commitment | Milestone) for held in db.session.identity_map.values()
    )
    assert read[first.id].milestones and read[first.id].indicator_ids
    report_progress_many(
        [(read[commitment_id], data) for commitment_id, data in items],
        author,
        source=UpdateSource.import_,
    )

    assert not any(
        isinstance(held, Commitment | Milestone) for held in db.session.identity_map.values()
    )
    assert _state(db, [first, second]) == expected
