"""``explorer.latest_progress``: the latest live update of each commitment of a page.

The lists show it beside each commitment; it must agree with the commitment
page's timeline: the latest report wins, a correction takes the place of what
it corrects, a superseded update never shows.
"""

from datetime import timedelta

from pact_tracker.commitments import services
from pact_tracker.commitments.models import CommitmentStatus, ProgressStatus
from pact_tracker.commitments.services import explorer
from pact_tracker.core.types import utcnow


def _approved(make_commitment):
    return make_commitment(
        status=CommitmentStatus.approved, approved_at=utcnow() - timedelta(days=30)
    )


def _report(commitment, percent: int, days_ago: int, status: str = "on_track"):
    reported_at = utcnow() - timedelta(days=days_ago)
    data = {"status": status, "percent_complete": percent, "reported_at": reported_at}
    return services.report_progress(commitment, data, None)


def test_the_latest_report_wins_and_a_correction_replaces_what_it_corrects(make_commitment):
    corrected, reordered, silent = (_approved(make_commitment) for _ in range(3))
    older = _report(corrected, 40, days_ago=20)
    latest = _report(corrected, 60, days_ago=10)
    services.correct_update(latest, {"percent_complete": 55}, None, reason="Miscounted")
    # Correcting an older report does not make it the latest.
    services.correct_update(older, {"percent_complete": 45}, None, reason="Miscounted")
    # Recorded last but reported first: the report of 5 days ago is the latest.
    _report(reordered, 70, days_ago=5, status="delayed")
    _report(reordered, 30, days_ago=25)

    progress = explorer.latest_progress([corrected.id, reordered.id, silent.id])

    assert progress == {
        corrected.id: (55, ProgressStatus.on_track),
        reordered.id: (70, ProgressStatus.delayed),
    }


def test_a_corrected_correction_shows_the_last_of_the_chain(make_commitment):
    commitment = _approved(make_commitment)
    first = _report(commitment, 10, days_ago=3)
    second = services.correct_update(first, {"percent_complete": 20}, None, reason="Typo")
    services.correct_update(second, {"percent_complete": 25}, None, reason="Typo again")

    assert explorer.latest_progress([commitment.id]) == {
        commitment.id: (25, ProgressStatus.on_track)
    }
    assert explorer.latest_progress([]) == {}
