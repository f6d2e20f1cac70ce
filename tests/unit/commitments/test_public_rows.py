"""``explorer.public_rows``: what a public list shows of each commitment, as plain values.

The explorer, a goal's page and a signatory's page read their rows this way
instead of as ORM objects; each value must be what the commitment itself says.
"""

from datetime import timedelta

from pact_tracker.commitments import services
from pact_tracker.commitments.models import CommitmentStatus, ReportingState
from pact_tracker.commitments.services import explorer
from pact_tracker.core.types import utcnow
from pact_tracker.reference.models import SdgTarget


def test_each_row_says_what_its_commitment_says(db, make_commitment, make_programme):
    programme = make_programme(name_en="Clean water", name_fr="Eau propre")
    reporting = make_commitment(
        status=CommitmentStatus.approved, programme=programme, title="Wells for 10 villages"
    )
    reporting.targets = [db.session.get(SdgTarget, code) for code in ("6.1", "4.4", "17.17")]
    reporting.report_due_at = utcnow() - timedelta(days=2)
    reporting.inactive_at = utcnow() + timedelta(days=60)
    services.report_progress(reporting, {"status": "on_track", "percent_complete": 35}, None)
    silent = make_commitment(status=CommitmentStatus.achieved)
    db.session.flush()

    rows = {row.id: row for row in explorer.public_rows([reporting.id, silent.id])}

    first = rows[reporting.id]
    assert first.title == "Wells for 10 villages"
    assert first.status == "approved"
    assert first.goals == (4, 6, 17)
    assert first.percent == 35
    assert first.signatory_slug == reporting.signatory.slug
    assert first.signatory_name == reporting.signatory.name
    assert first.localised("programme_name", "fr") == "Eau propre"
    assert first.reporting_state == reporting.reporting_state
    second = rows[silent.id]
    assert (second.status, second.goals, second.percent) == ("achieved", (4,), None)
    assert second.reporting_state is None


def test_a_report_due_shows_on_the_row_as_on_the_commitment(db, make_commitment):
    commitment = make_commitment(status=CommitmentStatus.approved)
    commitment.report_due_at = utcnow() - timedelta(days=1)
    commitment.inactive_at = utcnow() + timedelta(days=30)
    db.session.flush()

    (row,) = explorer.public_rows([commitment.id])

    assert row.reporting_state == ReportingState.overdue == commitment.reporting_state


def test_goals_in_mask_lists_each_goal_once_in_order():
    assert explorer.goals_in_mask(0) == ()
    assert explorer.goals_in_mask(0b1) == (1,)
    assert explorer.goals_in_mask((1 << 16) | (1 << 4) | 1) == (1, 5, 17)
