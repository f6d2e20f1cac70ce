"""The organiser's figures are kept while nothing they depend on changes, and only then."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pact_tracker.commitments import services as commitments
from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.commitments.services import overview
from pact_tracker.core import figure_store
from pact_tracker.core.figure_store import ComputedFigure
from pact_tracker.core.types import utcnow

#: Names of the grouped statements that compute the figures.
COMPUTING = ("standing", "approved_now", "accepted_now")


@pytest.fixture
def statements(db):
    """``with statements() as sent: ...``: the SQL statements sent meanwhile, in ``sent``."""

    class Recorder:
        def __enter__(self):
            self.sent = []
            sa.event.listen(db.engine, "before_cursor_execute", self.count)
            return self.sent

        def count(self, _conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                self.sent.append(statement)

        def __exit__(self, *_exc):
            sa.event.remove(db.engine, "before_cursor_execute", self.count)

    return Recorder


@pytest.fixture
def reporting(make_commitment, make_user):
    """An approved commitment, and a member of its signatory to report on it."""
    commitment = make_commitment(status=CommitmentStatus.approved)
    return commitment, make_user(signatory=commitment.signatory)


def test_todays_figures_are_reused_until_a_report_is_recorded(
    db, shared_cache, statements, reporting
):
    commitment, member = reporting
    today = utcnow().date()
    before = overview.organiser_overview(today)
    with statements() as sent:
        assert overview.organiser_overview(today) == before
    assert len(sent) == 1, sent  # the key: newest ids and the next light changes
    commitments.report_progress(commitment, {"status": "on_track", "percent_complete": 30}, member)
    after = overview.organiser_overview(today).as_of.total
    assert (after.reported, after.average_percent) == (before.as_of.total.reported + 1, 30.0)


def test_a_traffic_light_that_changes_with_time_is_not_kept(
    db, shared_cache, make_commitment, monkeypatch
):
    now = utcnow()
    due = now + timedelta(hours=1)
    make_commitment(
        status=CommitmentStatus.approved,
        report_due_at=due,
        inactive_at=now + timedelta(days=90),
    )
    assert overview.organiser_overview(now.date()).lights.counts["due"] == 1
    # An hour later, with nothing written meanwhile: the report has fallen overdue.
    monkeypatch.setattr(overview, "utcnow", lambda: due + timedelta(seconds=1))
    lights = overview.organiser_overview(now.date()).lights.counts
    assert (lights["due"], lights["overdue"]) == (0, 1)


def test_a_past_days_figures_are_reused_after_a_report(db, shared_cache, statements, reporting):
    commitment, member = reporting
    past = utcnow().date() - timedelta(days=3)
    before = overview.organiser_overview(past).as_of
    commitments.report_progress(commitment, {"status": "on_track", "percent_complete": 30}, member)
    with statements() as sent:
        assert overview.organiser_overview(past).as_of == before
    # The key, and today's lights again (a report was written): never the past day's figures.
    assert not any("standing" in statement for statement in sent), sent


def test_without_the_process_cache_a_repeated_request_reads_the_stored_figures(
    db, statements, reporting
):
    today = utcnow().date()
    past = today - timedelta(days=3)
    first = {day: overview.organiser_overview(day) for day in (today, past)}
    with statements() as sent:
        assert {day: overview.organiser_overview(day) for day in (today, past)} == first
    assert not [s for s in sent if any(name in s for name in COMPUTING)], sent


def test_todays_stored_figures_are_computed_again_after_a_report(db, statements, reporting):
    commitment, member = reporting
    today = utcnow().date()
    before = overview.organiser_overview(today).as_of.total
    commitments.report_progress(commitment, {"status": "on_track", "percent_complete": 30}, member)
    with statements() as sent:
        after = overview.organiser_overview(today).as_of.total
    assert (after.reported, after.average_percent) == (before.reported + 1, 30.0)
    assert [s for s in sent if "accepted_now" in s], sent


def test_a_past_days_figures_are_stored_for_good_and_todays_expire(db, reporting):
    today = utcnow().date()
    overview.organiser_overview(today - timedelta(days=3))
    expiry = dict(
        db.session.execute(sa.select(ComputedFigure.key, ComputedFigure.expires_at)).all()
    )
    past_key = figure_store.key("organiser-as-of", today - timedelta(days=3))
    assert expiry.pop(past_key) is None
    assert expiry and all(
        moment <= utcnow() + overview.CHANGING_LIFETIME for moment in expiry.values()
    ), expiry
