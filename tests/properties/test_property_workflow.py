"""Property: a commitment's status only ever moves along the workflow, whatever is tried.

Random sequences of workflow actions (the named services and raw
``change_status`` to any status, by the secretariat or a member) on commitments
that pass the SMART check or not. Each accepted action is one allowed step and
leaves one status-change row; each refused one changes nothing, in memory or
in the database; the stored history is a chain of allowed steps. (Raw
``change_status`` skips the SMART check on purpose: ``submit_commitment`` is
the door pages and API use.)
"""

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from property_settings import property_settings

from pact_tracker.coalition.models import Role
from pact_tracker.commitments import services
from pact_tracker.commitments.models import (
    CLOSED_STATUSES,
    COMMITMENT_TRANSITIONS,
    CommitmentStatus,
    StatusChange,
)
from pact_tracker.core.activity import commit
from pact_tracker.core.errors import InvalidInput, InvalidTransition
from pact_tracker.extensions import db

STATUSES = list(CommitmentStatus)
CLOSINGS = [s for s in CLOSED_STATUSES if s != CommitmentStatus.withdrawn]

#: What a step may try: a service and its arguments (statuses drawn from all of them).
actions = st.one_of(
    st.tuples(st.just("submit")),
    st.tuples(st.just("approve"), st.booleans()),
    st.tuples(st.just("request_changes"), st.sampled_from(["", "Add a milestone."])),
    st.tuples(st.just("close"), st.sampled_from([*STATUSES, "finished"])),
    st.tuples(st.just("withdraw")),
    st.tuples(st.just("change_status"), st.sampled_from(STATUSES)),
    st.tuples(st.just("publish")),
)


def _attempt(commitment, action, actor):
    name, *arguments = action
    if name == "submit":
        return services.submit_commitment(commitment, actor)
    if name == "approve":
        return services.approve_commitment(commitment, actor, publish=arguments[0])
    if name == "request_changes":
        return services.request_changes(commitment, actor, arguments[0])
    if name == "close":
        return services.close_commitment(commitment, arguments[0], actor, "Final report.")
    if name == "withdraw":
        return services.withdraw_commitment(commitment, actor)
    if name == "publish":
        return services.publish_commitment(commitment, actor)
    return services.change_status(commitment, arguments[0], actor)


_STATE = ("status", "submitted_at", "approved_at", "published_at", "closed_at", "report_due_at")


def _state(commitment) -> dict:
    return {name: getattr(commitment, name) for name in _STATE}


def _steps(commitment_id: int) -> list[tuple]:
    return db.session.execute(
        sa.select(StatusChange.from_status, StatusChange.to_status)
        .where(StatusChange.commitment_id == commitment_id)
        .order_by(StatusChange.id)
    ).all()


@property_settings(max_examples=100)
@given(
    smart=st.booleans(),
    plan=st.lists(st.tuples(st.sampled_from(["secretariat", "member"]), actions), max_size=12),
)
def test_status_follows_only_allowed_transitions_and_refusals_change_nothing(
    example_scope, make_commitment, make_user, smart, plan
):
    with example_scope():
        commitment = make_commitment()
        if not smart:
            commitment.indicators[0].target = None
        actors = {
            "secretariat": make_user(role=Role.secretariat),
            "member": make_user(signatory=commitment.signatory),
        }
        db.session.flush()
        observed = [CommitmentStatus.draft]
        for who, action in plan:
            before = _state(commitment)
            steps_before = len(_steps(commitment.id))
            try:
                change = _attempt(commitment, action, actors[who])
            except (InvalidTransition, InvalidInput):
                db.session.flush()
                assert _state(commitment) == before, action
                assert len(_steps(commitment.id)) == steps_before, action
                continue
            commit()
            if action[0] == "publish":
                assert commitment.status == before["status"]
                assert commitment.published_at is not None
                continue
            old, new = before["status"], commitment.status
            assert new in COMMITMENT_TRANSITIONS[old], (old, new, action)
            assert (change.from_status, change.to_status) == (old, new)
            assert _steps(commitment.id)[-1] == (old, new)
            if action[0] == "submit":
                assert smart, "a commitment failing the SMART check was submitted"
            if new in CLOSED_STATUSES:
                assert commitment.closed_at is not None
            observed.append(new)

        db.session.expire_all()
        stored = _steps(commitment.id)
        assert [to for _from, to in stored] == observed[1:]
        for (from_status, to_status), previous in zip(stored, observed, strict=False):
            assert from_status == previous
            assert to_status in COMMITMENT_TRANSITIONS[from_status]
        assert db.session.get(type(commitment), commitment.id).status == observed[-1]
