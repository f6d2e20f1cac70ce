"""Shared fixtures: the app, a database rolled back after each test, clients, factories.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL``
is set (``.ci/run`` does both). The schema and the reference lexicon are
created once per run; each test then works inside a transaction that is
rolled back, so tests never see each other's rows.
"""

import itertools
import os
from datetime import date, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

# The end-of-run check: a process a test started and left alive fails the run.
from process_log import pytest_sessionfinish, pytest_terminal_summary  # noqa: F401
from smtp_sink import MAIL_KEYS, SmtpSink, point_mail_at
from sqlalchemy.engine import make_url

from pact_tracker import create_app
from pact_tracker.auth import services as auth_services
from pact_tracker.campaigns.mailer import init_mail
from pact_tracker.coalition.models import Membership, Role, Signatory, SignatoryStatus, User
from pact_tracker.commitments.models import Commitment, CommitmentStatus, Indicator
from pact_tracker.core.activity import commit
from pact_tracker.core.caching import EXTENSION as SHARED_CACHE
from pact_tracker.core.tokens import issue_token
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db as _db
from pact_tracker.extensions import limiter
from pact_tracker.programmes.models import Programme, Proposal, ProposalIndicator
from pact_tracker.reference.models import ImpactDimension, OrganisationType, SdgGoal, SdgTarget
from pact_tracker.reference.services import load_reference_data

_counter = itertools.count(1)


@pytest.fixture(scope="session")
def new_database(tmp_path_factory):
    """``new_database(purpose)`` returns the URL of a new, empty database for this run.

    SQLite gets a file; PostgreSQL gets a sibling of ``TEST_DATABASE_URL``'s database
    named after the purpose and this process, so that runs in parallel (several
    engineers, CI) never drop each other's tables. They are dropped at the end.
    """
    base_url = os.environ.get("TEST_DATABASE_URL")
    created = []

    def make(purpose: str) -> str:
        if not base_url:
            return f"sqlite:///{tmp_path_factory.mktemp(purpose) / 'test.sqlite3'}"
        base = make_url(base_url)
        name = f"{base.database}_{purpose}_{os.getpid()}"
        _run_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _run_admin(base, f'CREATE DATABASE "{name}"')
        created.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    yield make
    for name in created:
        _run_admin(make_url(base_url), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def snapshot_files_dir(tmp_path_factory) -> str:
    """Where the tests' apps keep local copies of snapshot files (not the instance folder)."""
    return str(tmp_path_factory.mktemp("snapshot-files"))


@pytest.fixture
def own_app(new_database, snapshot_files_dir):
    """``own_app(purpose)``: an app on a new database of its own, holding the schema and,
    unless ``reference=False``, the reference data; disposed of after the test.

    For tests whose threads or processes must see each other's committed rows, which the
    session's app (one transaction rolled back per test) cannot show them.
    """
    apps = []

    def make(purpose: str, *, reference: bool = True):
        app = create_app(
            {
                "PACT_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": new_database(purpose),
                "SNAPSHOT_FILES_DIR": snapshot_files_dir,
            }
        )
        with app.app_context():
            _db.create_all()
            if reference:
                load_reference_data()
                commit()
            _db.session.remove()
        app.test_client_class = _ClosingClient
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def _run_admin(base, statement: str) -> None:
    engine = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


class _ClosingClient(FlaskClient):
    """A test client that reads each answer whole and closes it, as a server does: a file
    sent from disk (a snapshot's) is closed at once, not left to the garbage collector.
    ``buffered=False`` still gives the answer as it is streamed."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


class _IsolatedClient(_ClosingClient):
    """A test client whose every request starts with an empty ``g``, as in production.

    The ``db`` fixture keeps an app context open for the test body and Flask
    reuses it for requests, so without this the signed-in user, the language or
    the API user cached in ``g`` would leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        g.__dict__.clear()
        # What the test arranged is committed (to a savepoint) before the request, as
        # it would be in real life: a refused request's rollback must not undo it.
        commit()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(new_database, snapshot_files_dir):
    """One application for the whole run, with the schema and lexicon in place."""
    app = create_app(
        {
            "PACT_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": new_database("main"),
            "SNAPSHOT_FILES_DIR": snapshot_files_dir,
        }
    )
    app.test_client_class = _IsolatedClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        load_reference_data()
        _db.session.commit()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


class _ConnectionBoundSession(FlaskSession):
    """Keeps to the test's connection (Flask-SQLAlchemy's session would pick an engine)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture
def db(app):
    """The database, inside a transaction that is rolled back after the test.

    Code under test may commit: commits end a SAVEPOINT, never the outer
    transaction.
    """
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original_session = _db.session
        _db.session = _db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": _ConnectionBoundSession,
            }
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original_session
            transaction.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Rate limits are on in tests (they are tested); each test starts with a clean slate."""
    limiter.reset()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def _unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


@pytest.fixture
def make_signatory(db):
    """Build an approved signatory; keyword arguments override any field."""

    def make(**overrides) -> Signatory:
        name = overrides.pop("name", None) or _unique("Organisation")
        fields = {
            "name": name,
            "slug": name.lower().replace(" ", "-"),
            "organisation_type_code": "cooperative",
            "country_code": "FR",
            "status": SignatoryStatus.approved,
            "manifesto_signed_on": date(2025, 3, 4),
        }
        fields.update(overrides)
        signatory = Signatory(**fields)
        db.session.add(signatory)
        db.session.flush()
        return signatory

    return make


@pytest.fixture
def make_user(db):
    """Build a user; ``signatory=`` makes them a member of it."""

    def make(role: Role = Role.member, signatory: Signatory | None = None, **overrides) -> User:
        fields = {
            "email": f"{_unique('person')}@example.org",
            "name": "Test Person",
            "role": role,
        }
        fields.update(overrides)
        user = User(**fields)
        db.session.add(user)
        db.session.flush()
        if signatory is not None:
            db.session.add(Membership(user=user, signatory=signatory, is_admin=True))
            db.session.flush()
        return user

    return make


@pytest.fixture
def make_programme(db):
    def make(**overrides) -> Programme:
        code = overrides.pop("code", None) or _unique("PRG")
        fields = {"code": code, "name_en": f"Programme {code}", "name_fr": f"Programme {code} (fr)"}
        fields.update(overrides)
        programme = Programme(**fields)
        programme.goals = [db.session.get(SdgGoal, 8)]
        db.session.add(programme)
        db.session.flush()
        return programme

    return make


@pytest.fixture
def make_proposal(db, make_programme):
    """A proposal adapted to cooperatives by default, with one suggested indicator."""

    def make(organisation_types=("cooperative",), **overrides) -> Proposal:
        programme = overrides.pop("programme", None) or make_programme()
        fields = {
            "programme": programme,
            "title_en": "Create jobs for people far from employment",
            "title_fr": "Créer des emplois pour les personnes éloignées de l'emploi",
            "text_en": "Hire and train people who have been out of work for a long time.",
            "text_fr": "Embaucher et former des personnes longtemps privées d'emploi.",
        }
        fields.update(overrides)
        # Linking to the programme puts the half-built proposal in the session already.
        with db.session.no_autoflush:
            proposal = Proposal(**fields)
            proposal.organisation_types = [
                db.session.get(OrganisationType, c) for c in organisation_types
            ]
            proposal.targets = [db.session.get(SdgTarget, "8.5")]
            proposal.dimensions = [db.session.get(ImpactDimension, "social_performance")]
            proposal.indicators = [
                ProposalIndicator(name_en="Jobs created", name_fr="Emplois créés", unit="jobs")
            ]
        db.session.add(proposal)
        db.session.flush()
        return proposal

    return make


@pytest.fixture
def make_commitment(db, make_signatory, make_programme):
    """Build a commitment (a draft by default) with one indicator and one SDG target."""

    def make(**overrides) -> Commitment:
        signatory = overrides.pop("signatory", None) or make_signatory()
        programme = overrides.pop("programme", None) or make_programme()
        fields = {
            "signatory": signatory,
            "programme": programme,
            "title": "Train 200 young people in cooperative management",
            "description": "A two-year training programme. " * 10,
            "start_date": date(2026, 1, 1),
            "due_date": date(2028, 12, 31),
            "cadence_months": 6,
            "status": CommitmentStatus.draft,
            "country_code": signatory.country_code,
        }
        fields.update(overrides)
        commitment = Commitment(**fields)
        commitment.targets = [db.session.get(SdgTarget, "4.4")]
        commitment.indicators = [
            Indicator(name="People trained", unit="people", baseline=0, target=200)
        ]
        if commitment.status == CommitmentStatus.approved and commitment.approved_at is None:
            commitment.approved_at = utcnow() - timedelta(days=1)
            commitment.published_at = commitment.approved_at
        db.session.add(commitment)
        db.session.flush()
        return commitment

    return make


@pytest.fixture
def token_for(db):
    """``token_for(user)`` returns request headers carrying a fresh Bearer token."""

    def make(user: User) -> dict[str, str]:
        _token, secret = issue_token(user)
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def secretariat(make_user):
    return make_user(role=Role.secretariat, name="Sam Secretariat")


@pytest.fixture
def mail_config(app):
    """Restores the app's mail settings after a test that changed them."""
    saved = {key: app.config[key] for key in MAIL_KEYS if key in app.config}
    saved_state = app.extensions.get("mail")
    init_mail(app)
    yield app.config
    for key in MAIL_KEYS:
        app.config.pop(key, None)
    app.config.update(saved)
    if saved_state is None:
        app.extensions.pop("mail", None)
    else:
        app.extensions["mail"] = saved_state


@pytest.fixture
def smtp_sink(app, mail_config):
    """A real SMTP server on loopback (aiosmtpd) recording what it receives; mail goes to it."""
    sink = SmtpSink()
    sink.start()
    point_mail_at(app, sink.port)
    yield sink.handler
    sink.stop()


@pytest.fixture
def sign_in(app, db):
    """``sign_in(user)`` returns a new test client signed in as ``user``, through the form.

    The secretariat's second factor is enrolled and given, as a person would.
    """

    def make(user):
        password = "correct horse battery staple"
        # Set once: a changed password ends the user's other clients and is emailed.
        if not user.password_hash or auth_services.authenticate(user.email, password) != user:
            auth_services.set_password(user, password)
        if user.role == Role.secretariat:
            credential = auth_services.begin_totp_enrolment(user)
        client = app.test_client()
        response = client.post("/sign-in", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        if user.role == Role.secretariat:
            code = pyotp.TOTP(credential.secret).now()
            response = client.post("/sign-in/two-factor", data={"code": code})
            assert response.status_code == 302
        return client

    return make


@pytest.fixture
def shared_cache(app):
    """The session's app with its short-lived shared cache on (tests run with it off),
    emptied before and after (``core.caching``)."""
    app.config["SHARED_CACHE_SECONDS"] = 60
    app.extensions.pop(SHARED_CACHE, None)
    try:
        yield
    finally:
        del app.config["SHARED_CACHE_SECONDS"]
        app.extensions.pop(SHARED_CACHE, None)
