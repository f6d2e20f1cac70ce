"""Figures computed once for every process: two apps (two workers, or two hosts) on one database.

Each app has its own engine and its own in-process cache, as two gunicorn
workers do; what one stores and commits, the other reads.
"""

import contextlib
import json
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from two_workers import dispose, statements_sent, two_apps_on
from two_workers import in_request as _in

from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.coalition.services.signatories import change_signatory_status
from pact_tracker.commitments.models import Commitment, CommitmentStatus
from pact_tracker.commitments.services import overview
from pact_tracker.commitments.services.workflow import change_status
from pact_tracker.core import figure_store
from pact_tracker.core.activity import Activity
from pact_tracker.core.caching import EXTENSION
from pact_tracker.core.figure_store import ComputedFigure
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db as _db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import SdgTarget

#: Names of the grouped statements that compute the organiser's figures.
COMPUTING = ("standing", "approved_now", "accepted_now")


@pytest.fixture
def two_apps(new_database):
    """Two apps on one new database, its schema and lexicon committed."""
    apps = two_apps_on(new_database("figures"))
    yield apps
    dispose(apps)


def _stored(app) -> dict:
    def read():
        return dict(_db.session.execute(sa.select(ComputedFigure.key, ComputedFigure.value)).all())

    return _in(app, read)


def _a_commitment(app) -> None:
    def build():
        signatory = Signatory(
            name="Shared Co-op",
            slug="shared-co-op",
            organisation_type_code="cooperative",
            country_code="FR",
            status=SignatoryStatus.approved,
        )
        programme = Programme(code="SHARE", name_en="Sharing", name_fr="Partage")
        long_ago = utcnow() - timedelta(days=40)
        _db.session.add(
            Commitment(
                signatory=signatory,
                programme=programme,
                title="Train 200 young people",
                description="A two-year training programme. " * 10,
                start_date=long_ago.date(),
                due_date=long_ago.date() + timedelta(days=900),
                cadence_months=6,
                status=CommitmentStatus.approved,
                approved_at=long_ago,
                published_at=long_ago,
                created_at=long_ago,
                country_code="FR",
            )
        )
        _db.session.flush()

    _in(app, build)


def test_a_figure_computed_by_one_app_is_read_by_another_without_computing(two_apps):
    first, second = two_apps
    calls = []

    def compute():
        calls.append(1)
        return {"total": 42}

    assert _in(first, lambda: figure_store.get_or_compute("test|shared", compute)) == {"total": 42}
    assert _in(second, lambda: figure_store.get_or_compute("test|shared", compute)) == {"total": 42}
    assert len(calls) == 1


def test_concurrent_first_requests_store_one_row_and_all_show_it(two_apps):
    first, second = two_apps
    both_computed = threading.Barrier(2)
    answers, errors = {}, []

    def request(app, name):
        def compute():
            # Wait for the other to compute too, so that both insert; on SQLite the other
            # waits for this one's transaction instead, and the barrier gives way.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_computed.wait(timeout=2)
            return {"computed_by": name}

        try:
            answers[name] = _in(app, lambda: figure_store.get_or_compute("test|race", compute))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [
        threading.Thread(target=request, args=(app, name))
        for app, name in ((first, "a"), (second, "b"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = _stored(first)
    assert list(stored) == ["test|race"]
    assert answers["a"] == answers["b"] == stored["test|race"]


def test_a_failed_request_leaves_neither_its_writes_nor_its_figure(two_apps):
    first, second = two_apps

    def failing_request():
        _db.session.add(Programme(code="HALF", name_en="Half", name_fr="Moitié"))
        _db.session.flush()
        figure_store.get_or_compute("test|failed", lambda: 1)
        # The request fails after its figure was stored: everything is rolled back.
        _db.session.rollback()

    _in(first, failing_request)

    def programmes():
        return _db.session.scalars(sa.select(Programme.code)).all()

    assert "HALF" not in _in(second, programmes)
    assert _stored(second) == {}


def test_the_organisers_figures_computed_by_one_worker_are_read_by_another(two_apps):
    first, second = two_apps
    _a_commitment(first)
    past = utcnow().date() - timedelta(days=3)
    today = utcnow().date()
    computed = {
        day: _in(first, lambda day=day: overview.organiser_overview(day)) for day in (past, today)
    }
    second.config["SHARED_CACHE_SECONDS"] = 60
    with statements_sent(second) as sent:
        for day in (past, today):
            assert _in(second, lambda day=day: overview.organiser_overview(day)) == computed[day]
        # The worker's own copies expire: the past day is still read, not computed.
        second.extensions.pop(EXTENSION, None)
        assert _in(second, lambda: overview.organiser_overview(past)) == computed[past]
    assert computed[past].as_of.total.commitments == 1
    assert not [s for s in sent if any(name in s for name in COMPUTING)], sent


def _home_signatories(app) -> str:
    page = app.test_client().get("/").get_data(as_text=True)
    return re.search(r'data-figure="signatories">([^<]*)<', page).group(1)


def _an_applicant(app) -> None:
    def build():
        _db.session.add(
            Signatory(
                name="Waiting Co-op",
                slug="waiting-co-op",
                organisation_type_code="cooperative",
                country_code="BE",
                status=SignatoryStatus.applied,
            )
        )
        _db.session.flush()

    _in(app, build)


def _approve_the_applicant(app) -> None:
    def approve():
        signatory = _db.session.scalars(sa.select(Signatory).filter_by(slug="waiting-co-op")).one()
        change_signatory_status(signatory, SignatoryStatus.approved, actor=None)

    _in(app, approve)


def test_the_home_figures_computed_by_one_worker_are_read_by_another(two_apps):
    first, second = two_apps
    _a_commitment(first)
    for app in two_apps:
        app.config["SHARED_CACHE_SECONDS"] = 60
    assert _home_signatories(first) == "1"
    with statements_sent(second) as sent:
        assert _home_signatories(second) == "1"
    assert sent, "the second worker read nothing"
    # The figures' statements count the commitments' targets: none of them was sent.
    assert not [s for s in sent if "commitment_target" in s], sent


def test_a_signatory_approved_in_one_worker_is_counted_at_once_on_every_home_page(two_apps):
    first, second = two_apps
    _a_commitment(first)
    _an_applicant(first)
    for app in two_apps:
        app.config["SHARED_CACHE_SECONDS"] = 60
    # Both workers hold the figures before the change, in the store and in their process.
    assert _home_signatories(first) == _home_signatories(second) == "1"
    _approve_the_applicant(first)
    assert _home_signatories(second) == "2"
    assert _home_signatories(first) == "2"


def _a_submitted_commitment_for_goal_8(app) -> None:
    """Another commitment of the shared co-op, aiming at target 8.5, waiting for review."""

    def build():
        first = _db.session.scalars(sa.select(Commitment)).one()
        target = _db.session.get(SdgTarget, "8.5")
        first.targets = [target]
        _db.session.add(
            Commitment(
                signatory=first.signatory,
                programme=first.programme,
                title="Hire 40 apprentices",
                description="Two cohorts of apprentices. " * 10,
                start_date=first.start_date,
                due_date=first.due_date,
                cadence_months=6,
                status=CommitmentStatus.submitted,
                submitted_at=utcnow(),
                country_code="FR",
                targets=[target],
            )
        )
        _db.session.flush()

    _in(app, build)


def _approve_the_submitted_commitment(app) -> None:
    def approve():
        submitted = _db.session.scalars(
            sa.select(Commitment).filter_by(status=CommitmentStatus.submitted)
        ).one()
        change_status(submitted, CommitmentStatus.approved, None)

    _in(app, approve)


def _goal_8_count(app) -> str:
    page = app.test_client().get("/sdg/8").get_data(as_text=True)
    return re.search(r'data-result-count="([^"]*)"', page).group(1)


def test_a_goal_pages_count_computed_by_one_worker_is_read_by_another(two_apps):
    first, second = two_apps
    _a_commitment(first)
    _a_submitted_commitment_for_goal_8(first)
    for app in two_apps:
        app.config["SHARED_CACHE_SECONDS"] = 60
    assert _goal_8_count(first) == "1"
    with statements_sent(second) as sent:
        assert _goal_8_count(second) == "1"
    assert sent, "the second worker read nothing"
    assert not [s for s in sent if "count(" in s.lower()], sent


def test_a_commitment_approved_in_one_worker_is_counted_at_once_on_every_goal_page(two_apps):
    first, second = two_apps
    _a_commitment(first)
    _a_submitted_commitment_for_goal_8(first)
    for app in two_apps:
        app.config["SHARED_CACHE_SECONDS"] = 60
    # Both workers hold the count before the change, in the store and in their process.
    assert _goal_8_count(first) == _goal_8_count(second) == "1"
    _approve_the_submitted_commitment(first)
    assert _goal_8_count(second) == "2"
    assert _goal_8_count(first) == "2"


def test_the_public_apis_commitment_count_is_shared_and_follows_an_approval(two_apps):
    first, second = two_apps
    _a_commitment(first)
    _a_submitted_commitment_for_goal_8(first)
    for app in two_apps:
        app.config["SHARED_CACHE_SECONDS"] = 60

    def total(app) -> int:
        response = app.test_client().get("/api/v1/commitments")
        return json.loads(response.headers["X-Pagination"])["total"]

    assert total(first) == total(second) == 1
    assert any(key.startswith("api-commitments|count|") for key in _stored(first))
    _approve_the_submitted_commitment(first)
    assert total(second) == 2


def _an_activity(app, action: str) -> None:
    def log():
        _db.session.add(Activity(action=action, subject_type="test", subject_id=1))
        _db.session.flush()

    _in(app, log)


def test_a_sign_in_does_not_make_the_home_figures_be_computed_again(two_apps):
    first, second = two_apps
    _a_commitment(first)
    _an_activity(first, "commitment.published")
    assert _home_signatories(first) == "1"
    _an_activity(first, "user.signed_in")
    with statements_sent(second) as sent:
        assert _home_signatories(second) == "1"
    assert not [s for s in sent if "commitment_target" in s], sent


def _programme_count(app) -> str:
    page = app.test_client().get("/programmes/SHARE").get_data(as_text=True)
    return re.search(r'data-commitment-count="([^"]*)"', page).group(1)


def test_a_programmes_count_is_computed_once_and_follows_an_approval_on_every_worker(two_apps):
    first, second = two_apps
    _a_commitment(first)
    _a_submitted_commitment_for_goal_8(first)
    for app in two_apps:
        app.config["SHARED_CACHE_SECONDS"] = 60
    assert _programme_count(first) == "1"
    with statements_sent(second) as sent:
        assert _programme_count(second) == "1"
    assert not [s for s in sent if "count(" in s.lower()], sent
    _approve_the_submitted_commitment(first)
    assert _programme_count(second) == "2"
    assert _programme_count(first) == "2"
