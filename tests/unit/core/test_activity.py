"""The activity log is written with the change; signals leave only after the commit."""

import pytest
import sqlalchemy as sa

from pact_tracker import signals
from pact_tracker.core import activity
from pact_tracker.core.activity import Activity
from pact_tracker.core.types import utcnow


def _received(signal):
    seen = []

    def receiver(sender, **kwargs):
        seen.append((sender, kwargs["activity"].action))

    signal.connect(receiver)
    return seen, receiver


def test_record_writes_who_did_what_to_what(db, make_signatory, secretariat):
    signatory = make_signatory()
    entry = activity.record(
        "signatory.approved",
        signatory,
        actor=secretariat,
        signatory_id=signatory.id,
        payload={"reason": "ok"},
    )
    db.session.flush()
    stored = db.session.get(Activity, entry.id)
    assert (stored.action, stored.subject_type, stored.subject_id) == (
        "signatory.approved",
        "signatory",
        signatory.id,
    )
    assert stored.actor_id == secretariat.id
    assert stored.payload == {"reason": "ok"}
    assert stored.occurred_at.tzinfo is not None


def test_signals_are_sent_after_commit_only(db, make_signatory):
    signatory = make_signatory()
    seen, receiver = _received(signals.signatory_status_changed)
    try:
        activity.record("signatory.approved", signatory)
        assert seen == []
        activity.commit()
        assert seen == [(signatory, "signatory.approved")]
    finally:
        signals.signatory_status_changed.disconnect(receiver)


def test_rolled_back_changes_send_no_signal(db, make_signatory):
    signatory = make_signatory()
    activity.commit()
    seen, receiver = _received(signals.activity_recorded)
    try:
        activity.record("signatory.updated", signatory)
        db.session.rollback()
        activity.commit()
        assert seen == []
    finally:
        signals.activity_recorded.disconnect(receiver)


def test_only_the_matching_specific_signal_is_sent(db, make_signatory):
    signatory = make_signatory()
    progress_seen, progress_receiver = _received(signals.progress_reported)
    all_seen, all_receiver = _received(signals.activity_recorded)
    try:
        activity.record("signatory.updated", signatory)
        activity.commit()
        assert progress_seen == []
        assert all_seen == [(signatory, "signatory.updated")]
    finally:
        signals.progress_reported.disconnect(progress_receiver)
        signals.activity_recorded.disconnect(all_receiver)


def test_a_receiver_that_fails_after_commit_neither_raises_nor_stops_the_others(db, make_signatory):
    signatory = make_signatory()

    def failing(sender, **kwargs):
        db.session.execute(sa.text("SELECT 1"))
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("the server closed the connection"))

    # Connected first, so that blinker would call it before the receiver that works.
    signals.signatory_status_changed.connect(failing)
    seen, receiver = _received(signals.signatory_status_changed)
    try:
        activity.record("signatory.approved", signatory)
        activity.commit()
    finally:
        signals.signatory_status_changed.disconnect(failing)
        signals.signatory_status_changed.disconnect(receiver)
    assert seen == [(signatory, "signatory.approved")]
    # The change stays committed and the session is usable again.
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Activity)
            .where(Activity.subject_id == signatory.id)
        )
        == 1
    )


def test_insert_many_writes_rows_given_by_column_as_their_types_store_them(db, make_signatory):
    signatory = make_signatory()
    db.session.flush()
    now = utcnow()

    ids = activity.insert_many(
        Activity.__table__,
        {
            "subject_id": [7, 8, 9],
            "signatory_id": [signatory.id, None, signatory.id],
            "payload": [{"n": 1}, {}, {"text": "é"}],
        },
        same={
            "occurred_at": now,
            "action": "thing.done",
            "subject_type": "thing",
            "actor_id": None,
        },
    )

    assert ids == sorted(ids) and len(set(ids)) == 3
    stored = db.session.scalars(
        sa.select(Activity).where(Activity.id.in_(ids)).order_by(Activity.id)
    ).all()
    assert [(entry.subject_id, entry.signatory_id, entry.payload) for entry in stored] == [
        (7, signatory.id, {"n": 1}),
        (8, None, {}),
        (9, signatory.id, {"text": "é"}),
    ]
    assert {entry.occurred_at for entry in stored} == {now}
    assert {entry.action for entry in stored} == {"thing.done"}


def test_insert_many_refuses_to_leave_out_a_column_with_a_default_in_python(db):
    with pytest.raises(ValueError, match="occurred_at"):
        activity.insert_many(
            Activity.__table__,
            {"subject_id": [1], "payload": [{}]},
            same={"action": "thing.done", "subject_type": "thing"},
        )
