"""The activity log is written with the change; signals leave only after the commit."""

import sqlalchemy as sa

from pact_tracker import signals
from pact_tracker.core import activity
from pact_tracker.core.activity import Activity


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
