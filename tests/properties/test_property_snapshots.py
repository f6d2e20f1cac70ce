"""Property: a snapshot holds the right commitments, and its aggregates recount its entries.

Each example writes a random coalition (signatories of several types and
countries, programmes, commitments in every status with random SDG targets,
impact dimensions, progress updates and assessments), takes a snapshot, and
checks in Python: the entries are exactly the commitments approved by the
cutoff, each with the update in force; every aggregate of every breakdown
equals a recount of the entries, and no group is missing or extra.
"""

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from property_settings import property_settings

from pact_tracker.coalition.models import Role
from pact_tracker.commitments.models import (
    Assessment,
    AssessmentLevel,
    CommitmentStatus,
    ProgressStatus,
    ProgressUpdate,
)
from pact_tracker.core.types import utcnow
from pact_tracker.events.models import Breakdown, SnapshotAggregate, SnapshotEntry
from pact_tracker.events.services.snapshots import SNAPSHOT_STATUSES, take_snapshot
from pact_tracker.extensions import db
from pact_tracker.reference.models import ImpactDimension, SdgTarget

TYPES = ["state", "local_authority", "cooperative", "association", "committed_company"]
COUNTRIES = ["FR", "BE", "SN", "CA"]
TARGETS = ["4.4", "8.2", "8.5", "13.1", "5.5"]
DIMENSIONS = [
    "economic_performance",
    "social_performance",
    "territorial_anchoring",
    "societal_transformation",
]

signatories = st.tuples(st.sampled_from(TYPES), st.sampled_from(COUNTRIES))
#: Days before the snapshot (mostly before it, sometimes after); None for never.
days_ago = st.one_of(st.integers(0, 400), st.integers(-3, 3), st.none())
updates = st.tuples(
    st.integers(0, 300),
    st.sampled_from(list(ProgressStatus)),
    st.one_of(st.none(), st.integers(0, 100)),
)
commitments = st.fixed_dictionaries(
    {
        "signatory": st.integers(0, 5),
        "programme": st.integers(0, 2),
        # Mostly statuses a snapshot holds, so that most examples have entries to count.
        "status": st.one_of(
            st.sampled_from(SNAPSHOT_STATUSES), st.sampled_from(list(CommitmentStatus))
        ),
        "approved_days_ago": days_ago,
        "targets": st.lists(st.sampled_from(TARGETS), min_size=1, max_size=3, unique=True),
        "dimensions": st.lists(st.sampled_from(DIMENSIONS), max_size=3, unique=True),
        "updates": st.lists(updates, max_size=3),
        "assessment": st.one_of(st.none(), st.sampled_from(list(AssessmentLevel))),
    }
)


def _latest(rows):
    return max(rows, key=lambda u: (u.reported_at, u.recorded_at, u.id)) if rows else None


def _recount(entries, goals_of, dimensions_of) -> dict:
    """The aggregates, computed from the entries in Python: (breakdown, key) -> figures."""
    groups = defaultdict(list)
    for entry in entries:
        keys = {
            Breakdown.overall: ["all"],
            Breakdown.programme: [str(entry.programme_id)],
            Breakdown.goal: [str(goal) for goal in goals_of[entry.commitment_id]],
            Breakdown.organisation_type: [entry.organisation_type_code],
            Breakdown.country: [entry.country_code],
            Breakdown.dimension: list(dimensions_of[entry.commitment_id]),
            Breakdown.status: [str(entry.status)],
            Breakdown.reporting_state: [str(entry.reporting_state or "none")],
        }
        for breakdown, group_keys in keys.items():
            for key in group_keys:
                groups[(str(breakdown), key)].append(entry)
    return {
        group: (
            len(members),
            sum(1 for e in members if e.update_id is not None),
            sum(e.percent_complete for e in members if e.percent_complete is not None),
            sum(1 for e in members if e.percent_complete is not None),
            sum(1 for e in members if e.status == CommitmentStatus.achieved),
        )
        for group, members in groups.items()
    }


@property_settings(max_examples=100)
@given(
    coalition=st.lists(signatories, min_size=1, max_size=6),
    plan=st.lists(commitments, max_size=12),
)
def test_snapshot_entries_and_aggregates_equal_a_recount(
    example_scope, make_signatory, make_programme, make_commitment, make_user, coalition, plan
):
    with example_scope():
        now = utcnow()
        organiser = make_user(role=Role.organiser)
        members = [
            make_signatory(organisation_type_code=kind, country_code=country)
            for kind, country in coalition
        ]
        programmes = [make_programme() for _ in range(3)]
        expected, goals_of, dimensions_of = {}, {}, {}
        for spec in plan:
            approved_at = (
                None
                if spec["approved_days_ago"] is None
                else now - timedelta(days=spec["approved_days_ago"])
            )
            commitment = make_commitment(
                signatory=members[spec["signatory"] % len(members)],
                programme=programmes[spec["programme"]],
                status=spec["status"],
                created_at=now - timedelta(days=500),
                approved_at=approved_at,
                published_at=approved_at,
            )
            # (The factory gives an approved commitment without a date one from yesterday.)
            approved_at = commitment.approved_at
            commitment.targets = [db.session.get(SdgTarget, code) for code in spec["targets"]]
            commitment.dimensions = [
                db.session.get(ImpactDimension, code) for code in spec["dimensions"]
            ]
            rows = []
            for days, status, percent in spec["updates"]:
                at = now - timedelta(days=days)
                rows.append(
                    ProgressUpdate(
                        commitment=commitment,
                        reported_at=at,
                        recorded_at=at,
                        status=status,
                        percent_complete=percent,
                    )
                )
            db.session.add_all(rows)
            if spec["assessment"] is not None:
                db.session.add(
                    Assessment(
                        commitment=commitment,
                        level=spec["assessment"],
                        assessed_at=now - timedelta(days=1),
                    )
                )
            db.session.flush()
            goals_of[commitment.id] = {int(code.split(".")[0]) for code in spec["targets"]}
            dimensions_of[commitment.id] = set(spec["dimensions"])
            if (
                spec["status"] in SNAPSHOT_STATUSES
                and approved_at is not None
                and approved_at <= now
            ):
                latest = _latest(rows)
                expected[commitment.id] = (
                    commitment.signatory.organisation_type_code,
                    commitment.signatory.country_code,
                    latest.id if latest else None,
                    latest.percent_complete if latest else None,
                    spec["assessment"],
                )

        snapshot = take_snapshot(now, title="Property", actor=organiser)

        entries = db.session.scalars(
            sa.select(SnapshotEntry).where(SnapshotEntry.snapshot_id == snapshot.id)
        ).all()
        assert snapshot.entry_count == len(entries)
        assert {
            e.commitment_id: (
                e.organisation_type_code,
                e.country_code,
                e.update_id,
                e.percent_complete,
                e.assessed_level,
            )
            for e in entries
        } == expected
        aggregates = {
            (str(a.breakdown), a.key): (
                a.commitments,
                a.reported,
                a.percent_sum,
                a.percent_count,
                a.achieved,
            )
            for a in db.session.scalars(
                sa.select(SnapshotAggregate).where(SnapshotAggregate.snapshot_id == snapshot.id)
            )
        }
        assert aggregates == _recount(entries, goals_of, dimensions_of)
