"""The secretariat's whole-coalition figures: computed by one worker, read by the others.

Two apps on one database stand for two gunicorn workers (or hosts): each has its
own engine and in-process cache; what one stores and commits, the other reads
without computing it again, until something the figures count changes.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from two_workers import dispose, two_apps_on
from two_workers import in_request as _in

from pact_tracker.campaigns.models import Campaign, CampaignRecipient
from pact_tracker.campaigns.services import analytics
from pact_tracker.campaigns.services import campaigns as campaign_service
from pact_tracker.coalition.models import Membership, Role, Signatory, SignatoryStatus, User
from pact_tracker.commitments.models import Commitment, CommitmentStatus
from pact_tracker.commitments.services import review
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db as _db
from pact_tracker.programmes.models import Programme


@pytest.fixture
def two_workers(new_database):
    """Two apps on one new database, its schema and lexicon committed."""
    apps = two_apps_on(new_database("back_office_figures"))
    yield apps
    dispose(apps)


class _Grouped:
    """Records the grouped statements (GROUP BY: what computes the figures) ``app`` sends."""

    def __init__(self, app):
        with app.app_context():
            self.engine = _db.engine
        self.sent = []

    def _record(self, _conn, _cursor, statement, *_args):
        if "GROUP BY" in statement:
            self.sent.append(statement)

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self.sent

    def __exit__(self, *_exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


def _signatory(name: str) -> Signatory:
    slug = name.lower().replace(" ", "-")
    signatory = Signatory(
        name=name,
        slug=slug,
        organisation_type_code="cooperative",
        country_code="FR",
        status=SignatoryStatus.approved,
    )
    user = User(email=f"contact@{slug}.example.org", name=f"{name} contact", role=Role.member)
    _db.session.add_all([signatory, user, Membership(user=user, signatory=signatory)])
    return signatory


def _gone_quiet(signatory: Signatory, title: str) -> None:
    long_ago = utcnow() - timedelta(days=400)
    programme = _db.session.scalar(sa.select(Programme).where(Programme.code == "QUIET"))
    _db.session.add(
        Commitment(
            signatory=signatory,
            programme=programme or Programme(code="QUIET", name_en="Quiet", name_fr="Calme"),
            title=title,
            description="A two-year training programme. " * 10,
            start_date=long_ago.date(),
            due_date=long_ago.date() + timedelta(days=900),
            cadence_months=6,
            status=CommitmentStatus.approved,
            approved_at=long_ago,
            published_at=long_ago,
            created_at=long_ago,
            inactive_at=utcnow() - timedelta(days=1),
            country_code="FR",
        )
    )
    _db.session.flush()


def _home(app):
    def read():
        figures = review.home_figures()
        return figures.reporting, [(s.name, number) for s, number in figures.quiet]

    return _in(app, read)


def test_the_secretariats_home_figures_computed_by_one_worker_are_read_by_another(two_workers):
    first, second = two_workers
    _in(first, lambda: _gone_quiet(_signatory("Quiet Coop"), "Train 200 young people"))
    computed = _home(first)
    assert computed[1] == [("Quiet Coop", 1)]

    with _Grouped(second) as grouped:
        assert _home(second) == computed
    assert grouped == []


def test_a_commitment_gone_quiet_shows_on_every_workers_home_at_once(two_workers):
    first, second = two_workers
    _in(first, lambda: _gone_quiet(_signatory("Quiet Coop"), "Train 200 young people"))
    before = _home(first)

    def another():
        signatory = _db.session.scalar(sa.select(Signatory).where(Signatory.slug == "quiet-coop"))
        _gone_quiet(signatory, "Mentor ten cooperatives")

    _in(first, another)
    reporting, quiet = _home(second)
    assert reporting["inactive"] == before[0]["inactive"] + 1
    assert quiet == [("Quiet Coop", 2)]


def _started_campaign(app) -> int:
    def build():
        for name in ("Answering Coop", "Silent Ltd"):
            _signatory(name)
        secretariat = User(email="sam@secretariat.example.org", name="Sam", role=Role.secretariat)
        _db.session.add(secretariat)
        _db.session.flush()
        campaign = campaign_service.create_campaign(
            {"name": "Progress call", "contents": {"en": {"subject": "Progress", "body": "Hi"}}},
            secretariat,
        )
        campaign_service.schedule_campaign(campaign, None, secretariat)
        campaign_service.start_campaign(campaign, utcnow())
        return campaign.id

    return _in(app, build)


def _campaign_figures(app, campaign_id: int):
    def read():
        figures = analytics.campaign_figures(_db.session.get(Campaign, campaign_id), "en")
        [overall] = figures.rates["overall"]
        never = [named.name for named in figures.never_answered.items]
        return figures.progress.recipients, figures.progress.answered, overall.answered, never

    return _in(app, read)


def _answer_behind_the_services_back(app, campaign_id: int) -> None:
    """Marks the recipient of Answering Coop answered, recording nothing (as the worker does)."""

    def answer():
        answering = _db.session.scalar(
            sa.select(Signatory.id).where(Signatory.slug == "answering-coop")
        )
        _db.session.execute(
            sa.update(CampaignRecipient)
            .where(
                CampaignRecipient.campaign_id == campaign_id,
                CampaignRecipient.signatory_id == answering,
            )
            .values(answered_at=utcnow())
        )

    _in(app, answer)


def test_a_campaigns_figures_computed_by_one_worker_are_read_by_another(two_workers):
    first, second = two_workers
    campaign_id = _started_campaign(first)
    computed = _campaign_figures(first, campaign_id)
    assert computed == (2, 0, 0, ["Answering Coop", "Silent Ltd"])
    _answer_behind_the_services_back(first, campaign_id)

    with _Grouped(second) as grouped:
        # The stored figures, not a count of its own: both workers show the same.
        assert _campaign_figures(second, campaign_id) == computed
    assert grouped == []


def test_pausing_a_campaign_shows_its_fresh_figures_at_once_on_every_worker(two_workers):
    first, second = two_workers
    campaign_id = _started_campaign(first)
    _campaign_figures(first, campaign_id)
    _campaign_figures(second, campaign_id)
    _answer_behind_the_services_back(first, campaign_id)

    def pause():
        secretariat = _db.session.scalar(sa.select(User).where(User.role == Role.secretariat))
        campaign_service.pause_campaign(_db.session.get(Campaign, campaign_id), secretariat)

    _in(first, pause)
    assert _campaign_figures(second, campaign_id) == (2, 1, 1, ["Silent Ltd"])
    assert _campaign_figures(first, campaign_id) == (2, 1, 1, ["Silent Ltd"])
