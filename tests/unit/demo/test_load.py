from collections import defaultdict

import pytest
import sqlalchemy as sa

from pact_tracker.coalition.models import Membership, Role, Signatory, SignatoryStatus, User
from pact_tracker.commitments.models import (
    Commitment,
    CommitmentStatus,
    ProgressUpdate,
    ReportingState,
    StatusChange,
    goal_mask_of,
    reporting_state_at,
)
from pact_tracker.commitments.reporting import report_schedule
from pact_tracker.core.activity import Activity
from pact_tracker.demo import DemoRefused, load_demo
from pact_tracker.demo.generate import DEMO_NOW, demo_domain
from pact_tracker.programmes.models import Programme, Proposal
from pact_tracker.reference.lexicon import ORGANISATION_TYPES


def _all(db, model):
    return db.session.scalars(sa.select(model).order_by(model.id)).all()


def test_load_writes_every_organisation_type_and_status(db, loaded):
    signatories = _all(db, Signatory)
    assert len(signatories) == 20 == loaded["signatory"]
    assert {s.organisation_type_code for s in signatories} == {c for c, *_ in ORGANISATION_TYPES}
    assert {s.status for s in signatories} == set(SignatoryStatus)
    assert len({s.country_code for s in signatories}) >= 5
    statuses = {c.status for c in _all(db, Commitment)}
    assert statuses == set(CommitmentStatus)


def test_load_creates_programmes_with_proposals_for_types(db, loaded):
    programmes = _all(db, Programme)
    assert len(programmes) == 8
    assert all(p.name_fr and p.description_en and p.goals for p in programmes)
    proposals = _all(db, Proposal)
    assert all(p.organisation_types and p.targets and p.indicators for p in proposals)
    adopted = [c for c in _all(db, Commitment) if c.proposal_id is not None]
    assert adopted
    for commitment in adopted:
        assert commitment.proposal.is_adapted_to(commitment.signatory.organisation_type_code)
        assert commitment.programme_id == commitment.proposal.programme_id


def test_staff_and_one_admin_member_per_signatory(db, loaded):
    by_email = {u.email: u for u in _all(db, User)}
    assert by_email["secretariat@demo.pact-impact.org"].role == Role.secretariat
    assert by_email["organiser@demo.pact-impact.org"].role == Role.organiser
    for signatory in _all(db, Signatory):
        member = by_email[f"contact@{demo_domain(signatory.slug)}"]
        membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == member.id))
        assert membership.signatory_id == signatory.id and membership.is_admin
        assert member.locale in ("en", "fr")


def test_reporting_schedule_matches_the_live_history(db, loaded):
    updates = defaultdict(list)
    for update in _all(db, ProgressUpdate):
        updates[update.commitment_id].append(update)
    superseded = {u.supersedes_id for u in _all(db, ProgressUpdate) if u.supersedes_id}
    checked = 0
    for commitment in _all(db, Commitment):
        live = [u for u in updates[commitment.id] if u.id not in superseded]
        last = max((u.reported_at for u in live), default=None)
        assert commitment.last_reported_at == last
        expected = report_schedule(
            commitment.cadence_months, commitment.approved_at, commitment.start_date, last
        )
        assert (commitment.report_due_at, commitment.inactive_at) == expected
        if commitment.status == CommitmentStatus.approved:
            checked += 1
            assert commitment.submitted_at < commitment.approved_at <= DEMO_NOW
    assert checked > 10


def test_corrections_replace_an_update_of_the_same_commitment(db, loaded):
    updates = {u.id: u for u in _all(db, ProgressUpdate)}
    corrections = [u for u in updates.values() if u.supersedes_id is not None]
    assert corrections
    for correction in corrections:
        original = updates[correction.supersedes_id]
        assert original.commitment_id == correction.commitment_id
        assert original.reported_at == correction.reported_at
        assert original.recorded_at <= correction.recorded_at
        assert correction.correction_reason
    for update in updates.values():
        assert update.reported_at <= update.recorded_at <= DEMO_NOW


def test_progress_is_reported_only_after_approval(db, loaded):
    for commitment in _all(db, Commitment):
        for update in commitment.updates:
            assert commitment.approved_at is not None
            assert update.reported_at >= commitment.approved_at
            if commitment.closed_at is not None:
                assert update.recorded_at <= commitment.closed_at


def test_status_changes_lead_to_the_current_status(db, loaded):
    for commitment in _all(db, Commitment):
        steps = db.session.scalars(
            sa.select(StatusChange)
            .where(StatusChange.commitment_id == commitment.id)
            .order_by(StatusChange.changed_at)
        ).all()
        assert steps[0].from_status is None and steps[0].to_status == CommitmentStatus.draft
        for before, after in zip(steps, steps[1:], strict=False):
            assert after.from_status == before.to_status
        assert steps[-1].to_status == commitment.status


def test_reporting_states_are_a_mix_at_demo_time(db, loaded, app):
    from datetime import timedelta

    window = timedelta(days=app.config["REPORT_DUE_WINDOW_DAYS"])
    states = {
        reporting_state_at(c.status, c.report_due_at, c.inactive_at, DEMO_NOW, window)
        for c in _all(db, Commitment)
        if c.status == CommitmentStatus.approved
    }
    assert {ReportingState.on_time, ReportingState.inactive} <= states


def test_load_records_one_activity_with_the_counts(db, loaded):
    entries = db.session.scalars(sa.select(Activity).where(Activity.action == "demo.loaded")).all()
    assert len(entries) == 1
    assert entries[0].payload["counts"]["commitment"] == loaded["commitment"]
    assert entries[0].payload["seed"] == 7


def test_new_rows_get_fresh_ids_after_a_load(db, loaded, make_signatory):
    highest = db.session.scalar(sa.select(sa.func.max(Signatory.id)))
    assert make_signatory().id > highest


def test_second_load_is_refused(db, loaded, tiny):
    with pytest.raises(DemoRefused, match="already has signatories"):
        load_demo(tiny, seed=7, password_hash="x")


def test_goal_masks_match_the_targets_written(db, loaded):
    commitments = _all(db, Commitment)
    assert any(commitment.goal_mask for commitment in commitments)
    for commitment in commitments:
        assert commitment.goal_mask == goal_mask_of(t.code for t in commitment.targets)
