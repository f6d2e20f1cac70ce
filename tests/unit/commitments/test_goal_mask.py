"""``Commitment.goal_mask``: the goals of a commitment's targets, kept on every flush.

Lists filter by goal on it (``commitments_query``), so it must follow the
targets through creation, changes and the demo's direct writes.
"""

import sqlalchemy as sa

from pact_tracker.commitments.models import Commitment, goal_bit, goal_mask_of
from pact_tracker.commitments.services.queries import commitments_query
from pact_tracker.reference.models import SdgTarget


def _targets(db, *codes):
    return [db.session.get(SdgTarget, code) for code in codes]


def _stored_mask(db, commitment) -> int:
    return db.session.scalar(sa.select(Commitment.goal_mask).where(Commitment.id == commitment.id))


def test_the_mask_follows_the_targets(db, make_commitment):
    commitment = make_commitment()  # target 4.4
    assert _stored_mask(db, commitment) == goal_bit(4)

    commitment.targets = _targets(db, "8.2", "14.a", "8.5")
    db.session.flush()
    assert _stored_mask(db, commitment) == goal_bit(8) | goal_bit(14)

    commitment.targets.remove(db.session.get(SdgTarget, "14.a"))
    db.session.flush()
    assert _stored_mask(db, commitment) == goal_bit(8)

    commitment.targets = []
    db.session.flush()
    assert _stored_mask(db, commitment) == 0


def test_a_change_elsewhere_keeps_the_mask(db, make_commitment):
    commitment = make_commitment()
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    commitment.title = "Another title"
    db.session.flush()
    assert _stored_mask(db, commitment) == goal_bit(4)


def test_mask_of_codes_reads_the_goal_before_the_dot():
    assert goal_mask_of(["1.1", "17.19", "14.a"]) == goal_bit(1) | goal_bit(17) | goal_bit(14)
    assert goal_mask_of([]) == 0


def test_the_goal_filter_finds_exactly_the_commitments_of_the_goal(
    db, make_commitment, secretariat
):
    education = make_commitment()
    both = make_commitment()
    both.targets = _targets(db, "4.1", "17.1")
    oceans = make_commitment()
    oceans.targets = _targets(db, "14.1")
    db.session.flush()
    mine = {education.id, both.id, oceans.id}

    def ids(goal: int) -> set[int]:
        # As the secretariat, who sees drafts too.
        query = commitments_query(secretariat, {"goal": goal}).with_only_columns(Commitment.id)
        return set(db.session.scalars(query.where(Commitment.id.in_(mine))))

    assert ids(4) == {education.id, both.id}
    assert ids(17) == {both.id}
    assert ids(14) == {oceans.id}
    assert ids(8) == set()
