"""Property: a member never writes outside their own signatory, whatever they try.

Each example builds three signatories (in random statuses) with commitments at
random steps of the workflow, and members with random memberships (some of
them pending invitations, which grant nothing). Then a random sequence of write
requests goes through the JSON API with each member's Bearer token: create,
edit, submit, withdraw, report, correct, review, close, assess. After each:

- aimed at a signatory the member does not act for: refused (403 or 404) and
  not one row of any signatory's record changed;
- aimed at their own: whatever the answer (allowed, 409, 422), no other
  signatory's record changed, and never a 5xx.
"""

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from property_settings import property_settings

from pact_tracker.coalition.models import Membership, Signatory, SignatoryStatus
from pact_tracker.commitments.models import (
    Assessment,
    Commitment,
    CommitmentStatus,
    Evidence,
    Indicator,
    IndicatorValue,
    Milestone,
    ProgressStatus,
    ProgressUpdate,
    StatusChange,
    commitment_dimension,
    commitment_target,
)
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db

SIGNATORIES = 3
SIGNATORY_STATUSES = [SignatoryStatus.approved, SignatoryStatus.applied, SignatoryStatus.suspended]
COMMITMENT_STATUSES = [
    CommitmentStatus.draft,
    CommitmentStatus.changes_requested,
    CommitmentStatus.submitted,
    CommitmentStatus.approved,
    CommitmentStatus.achieved,
]
ACTIONS = [
    "create",
    "edit",
    "submit",
    "withdraw",
    "report",
    "correct",
    "review",
    "close",
    "assess",
]

#: A member: for each signatory, no membership, a pending invitation, or a membership.
members = st.lists(
    st.sampled_from(["none", "pending", "member"]), min_size=SIGNATORIES, max_size=SIGNATORIES
)
attempts = st.tuples(st.integers(0, 3), st.sampled_from(ACTIONS), st.integers(0, 20))


def _request(action: str, commitment: Commitment, signatory: Signatory, update_id, programme_id):
    """The method, URL and JSON body of ``action`` aimed at ``commitment`` (or ``signatory``)."""
    if action == "create":
        body = {
            "programme_id": programme_id,
            "title": "Open three repair cafés",
            "description": "Repair cafés in three districts, run by volunteers. " * 4,
            "start_date": "2026-01-01",
            "due_date": "2027-12-31",
            "target_codes": ["12.5"],
            "indicators": [{"name": "Cafés open", "unit": "cafés", "baseline": 0, "target": 3}],
        }
        return "POST", f"/api/v1/signatories/{signatory.slug}/commitments", body
    base = f"/api/v1/commitments/{commitment.id}"
    return {
        "edit": ("PATCH", base, {"title": "Taken over", "cadence_months": 3}),
        "submit": ("POST", f"{base}/submit", None),
        "withdraw": ("POST", f"{base}/withdraw", {"comment": "Changed our minds."}),
        "report": ("POST", f"{base}/updates", {"status": "on_track", "percent_complete": 99}),
        "correct": (
            "POST",
            f"/api/v1/updates/{update_id}/correct",
            {"reason": "Typo", "percent_complete": 1},
        ),
        "review": ("POST", f"{base}/review", {"decision": "approve"}),
        "close": ("POST", f"{base}/close", {"status": "achieved"}),
        "assess": ("POST", f"{base}/assessments", {"level": "complete"}),
    }[action]


def _fingerprint() -> dict[int, list]:
    """Every row of each signatory's record, by signatory id."""
    owner_of_commitment = {
        commitment_id: signatory_id
        for commitment_id, signatory_id in db.session.execute(
            sa.select(Commitment.id, Commitment.signatory_id)
        )
    }
    owner_of_update = {
        update_id: owner_of_commitment[commitment_id]
        for update_id, commitment_id in db.session.execute(
            sa.select(ProgressUpdate.id, ProgressUpdate.commitment_id)
        )
    }
    record = defaultdict(list)
    by_signatory = {Signatory: "id", Membership: "signatory_id", Commitment: "signatory_id"}
    by_commitment = (
        Indicator,
        Milestone,
        ProgressUpdate,
        StatusChange,
        Assessment,
        commitment_target,
        commitment_dimension,
    )
    for model, column in by_signatory.items():
        for row in db.session.execute(sa.select(model.__table__)):
            record[getattr(row, column)].append((model.__tablename__, tuple(row)))
    for model in by_commitment:
        table = getattr(model, "__table__", model)
        for row in db.session.execute(sa.select(table)):
            record[owner_of_commitment[row.commitment_id]].append((table.name, tuple(row)))
    for model in (IndicatorValue, Evidence):
        for row in db.session.execute(sa.select(model.__table__)):
            record[owner_of_update[row.update_id]].append((model.__tablename__, tuple(row)))
    return {signatory_id: sorted(rows, key=repr) for signatory_id, rows in record.items()}


@property_settings(max_examples=100)
@given(
    # Mostly approved signatories and commitments: the public ones an outsider can reach.
    signatory_statuses=st.lists(
        st.one_of(st.just(SignatoryStatus.approved), st.sampled_from(SIGNATORY_STATUSES)),
        min_size=SIGNATORIES,
        max_size=SIGNATORIES,
    ),
    commitment_statuses=st.lists(
        st.one_of(st.just(CommitmentStatus.approved), st.sampled_from(COMMITMENT_STATUSES)),
        min_size=SIGNATORIES,
        max_size=SIGNATORIES * 2,
    ),
    people=st.lists(members, min_size=1, max_size=4),
    plan=st.lists(attempts, min_size=4, max_size=12),
)
def test_a_member_never_writes_outside_their_signatory(
    example_scope,
    client,
    make_signatory,
    make_programme,
    make_commitment,
    make_user,
    token_for,
    signatory_statuses,
    commitment_statuses,
    people,
    plan,
):
    with example_scope():
        signatories = [make_signatory(status=status) for status in signatory_statuses]
        programme = make_programme()
        commitments, update_ids = [], {}
        for position, status in enumerate(commitment_statuses):
            commitment = make_commitment(
                signatory=signatories[position % SIGNATORIES], programme=programme, status=status
            )
            commitments.append(commitment)
            if status in (CommitmentStatus.approved, CommitmentStatus.achieved):
                update = ProgressUpdate(
                    commitment=commitment,
                    reported_at=utcnow() - timedelta(days=3),
                    recorded_at=utcnow() - timedelta(days=3),
                    status=ProgressStatus.on_track,
                    percent_complete=40,
                )
                db.session.add(update)
                db.session.flush()
                update_ids[commitment.id] = update.id
        users = []
        for memberships in people:
            user = make_user()
            for signatory, kind in zip(signatories, memberships, strict=True):
                if kind != "none":
                    db.session.add(
                        Membership(user=user, signatory=signatory, pending=kind == "pending")
                    )
            db.session.flush()
            acts_for = {
                signatory.id
                for signatory, kind in zip(signatories, memberships, strict=True)
                if kind == "member"
            }
            users.append((token_for(user), acts_for))
        commit()

        after = _fingerprint()
        for person, action, target in plan:
            before = after
            headers, acts_for = users[person % len(users)]
            commitment = commitments[target % len(commitments)]
            signatory = (
                signatories[target % SIGNATORIES] if action == "create" else commitment.signatory
            )
            # A commitment without an update is corrected through an update of another one
            # of its signatory's, or of any signatory's: the update's owner is what counts.
            update_id = update_ids.get(commitment.id) or next(iter(update_ids.values()), 0)
            if action == "correct" and update_id:
                owner = db.session.get(ProgressUpdate, update_id).commitment.signatory
                signatory = owner
            method, url, body = _request(action, commitment, signatory, update_id, programme.id)
            response = client.open(url, method=method, json=body, headers=headers)
            db.session.expire_all()
            after = _fingerprint()
            assert response.status_code < 500, (action, response.get_data(as_text=True))
            if signatory.id not in acts_for:
                assert response.status_code in (403, 404), (action, response.status_code)
                assert after == before, action
            else:
                for signatory_id in before.keys() | after.keys():
                    if signatory_id != signatory.id:
                        assert after.get(signatory_id) == before.get(signatory_id), action
