"""A live server and a real Chromium (Debian's, driven by Playwright) for the journeys.

The server runs in a thread on its own database (a file for SQLite, a sibling
database for PostgreSQL), because the browser's requests cannot share the
rolled-back transaction of the ``db`` fixture. Screenshots of each test's last
page are kept in ``test-artifacts/screenshots/``.

Journeys arrange their starting point through the services (``world``), with
their own people and organisations (the live database is shared by the whole
run), and sign in through the real forms (``sign_in``, ``sign_in_secretariat``:
the latter sets up the authenticator from the key the page shows).
"""

import threading
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from pact_tracker import create_app
from pact_tracker.auth import services as auth_services
from pact_tracker.coalition.models import Role, Signatory, SignatoryStatus, User
from pact_tracker.coalition.services import people, signatories
from pact_tracker.commitments import services as commitment_services
from pact_tracker.commitments.models import Commitment
from pact_tracker.core.activity import commit
from pact_tracker.extensions import db
from pact_tracker.programmes import services as programme_services
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.services import load_reference_data

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# A loaded CI machine may take a few seconds for a page: assertions wait as long as actions.
expect.set_options(timeout=10_000)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_app(new_database):
    """The application the browser talks to, with CSRF on as in production."""
    app = create_app(
        {
            "PACT_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": new_database("browser"),
            "WTF_CSRF_ENABLED": True,
            "SIGN_IN_RATE_LIMIT": "1000 per minute",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_reference_data()
        commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """Serve ``live_app`` on a free loopback port for the whole run; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def live_db(live_app):
    """An app context on the live server's database, to arrange data for a journey."""
    with live_app.app_context():
        yield db
        db.session.remove()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context (no cookies) per test; its last screen is saved."""
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


# Arranging data for the journeys, through the services, in the live server's database.

PASSWORD = "a long browser-test passphrase"


@dataclass(frozen=True)
class Person:
    """Who signs in: plain values, usable once the arranging session is gone."""

    email: str
    name: str
    password: str = PASSWORD


@dataclass(frozen=True)
class Organisation:
    """An approved signatory and its administrator member."""

    slug: str
    name: str
    member: Person


@dataclass(frozen=True)
class ProgrammeWithProposal:
    code: str
    name: str
    proposal_id: int
    proposal_title: str


def _done() -> None:
    """Commit what was arranged and end the transaction: on SQLite an open one
    (``BEGIN IMMEDIATE``) would keep the live server from writing."""
    commit()
    db.session.close()


class World:
    """Builds what a journey starts from, one unique set of rows per call.

    The live database is shared by every test of the run (it is not rolled
    back), so each journey uses its own people, organisations and programmes.
    """

    def __init__(self) -> None:
        self._reviewer_id: int | None = None

    @staticmethod
    def unique(prefix: str) -> str:
        return f"{prefix} {uuid.uuid4().hex[:8]}"

    def secretariat(self, name: str | None = None) -> Person:
        """A secretariat account with a password and no second factor yet (set up on sign-in)."""
        name = name or self.unique("Secretariat")
        email = f"secretariat-{uuid.uuid4().hex[:10]}@example.org"
        user = people.create_user(email, name, Role.secretariat)
        auth_services.set_password(user, PASSWORD)
        _done()
        return Person(email=email, name=name)

    def organisation(
        self,
        *,
        name: str | None = None,
        organisation_type: str = "cooperative",
        country: str = "FR",
        locale: str = "en",
    ) -> Organisation:
        """An approved signatory with one administrator member who has a password."""
        name = name or self.unique("Cooperative")
        signatory = signatories.create_signatory(
            {"name": name, "organisation_type_code": organisation_type, "country_code": country},
            None,
            SignatoryStatus.approved,
        )
        member_name = self.unique("Member")
        email = f"member-{uuid.uuid4().hex[:10]}@example.org"
        user = people.create_user(
            email, member_name, locale=locale, signatory=signatory, is_admin=True
        )
        auth_services.set_password(user, PASSWORD)
        organisation = Organisation(
            slug=signatory.slug, name=name, member=Person(email=email, name=member_name)
        )
        _done()
        return organisation

    def programme_with_proposal(
        self,
        *,
        goal: int = 8,
        target: str = "8.5",
        organisation_types: tuple[str, ...] = ("cooperative",),
    ) -> ProgrammeWithProposal:
        """An active programme and one proposal adapted to ``organisation_types``."""
        code = f"BR-{uuid.uuid4().hex[:6].upper()}"
        name = f"Programme {code}"
        programme = programme_services.create_programme(
            {
                "code": code,
                "name_en": name,
                "name_fr": f"Programme {code} (fr)",
                "goal_numbers": [goal],
            },
            None,
        )
        title = self.unique("Create jobs for people far from employment")
        proposal = programme_services.create_proposal(
            programme,
            {
                "title_en": title,
                "title_fr": f"{title} (fr)",
                "text_en": "Hire and train people who have been out of work for a long time.",
                "text_fr": "Embaucher et former des personnes longtemps privées d'emploi.",
                "organisation_type_codes": list(organisation_types),
                "target_codes": [target],
                "dimension_codes": ["social_performance"],
                "indicators": [
                    {"name_en": "Jobs created", "name_fr": "Emplois créés", "unit": "jobs"}
                ],
            },
            None,
        )
        arranged = ProgrammeWithProposal(code, name, proposal.id, title)
        _done()
        return arranged

    def _reviewer(self) -> User:
        if self._reviewer_id is None:
            email = f"reviewer-{uuid.uuid4().hex[:10]}@example.org"
            self._reviewer_id = people.create_user(email, "Arranging reviewer", Role.secretariat).id
        return db.session.get(User, self._reviewer_id)

    def organiser(self) -> Person:
        """An event organiser's account with a password."""
        name = self.unique("Organiser")
        email = f"organiser-{uuid.uuid4().hex[:10]}@example.org"
        user = people.create_user(email, name, Role.organiser)
        auth_services.set_password(user, PASSWORD)
        _done()
        return Person(email=email, name=name)

    def approved_commitment(
        self,
        organisation: Organisation,
        *,
        title: str | None = None,
        target: str = "8.5",
        indicator: tuple[str, str, int, int] = ("Jobs created", "jobs", 10, 50),
        programme_code: str | None = None,
        approve: bool = True,
    ) -> tuple[int, str]:
        """A commitment written, submitted and approved through the services, published
        since yesterday (so that a report may speak for any moment of today).

        With ``approve=False`` it stays submitted, waiting in the review queue.
        """
        if programme_code is None:
            goal = int(target.split(".")[0])
            programme_code = self.programme_with_proposal(goal=goal, target=target).code
        signatory = db.session.scalar(
            db.select(Signatory).where(Signatory.slug == organisation.slug)
        )
        member = people.find_user_by_email(organisation.member.email)
        programme = db.session.scalar(db.select(Programme).where(Programme.code == programme_code))
        title = title or self.unique("Train young people in cooperative management")
        name, unit, baseline, goal_value = indicator
        today = date.today()
        commitment = commitment_services.create_commitment(
            signatory,
            {
                "programme_id": programme.id,
                "title": title,
                "description": "A two-year training programme for young people. " * 6,
                "target_codes": [target],
                "dimension_codes": ["social_performance"],
                "start_date": today - timedelta(days=30),
                "due_date": today + timedelta(days=700),
                "indicators": [
                    {"name": name, "unit": unit, "baseline": baseline, "target": goal_value}
                ],
                "milestones": [{"title": "First cohort", "due_date": today + timedelta(days=90)}],
            },
            member,
        )
        commitment_services.submit_commitment(commitment, member)
        if approve:
            commitment_services.approve_commitment(commitment, self._reviewer())
            yesterday = commitment.approved_at - timedelta(days=1)
            commitment.approved_at = commitment.published_at = yesterday
        commitment_id = commitment.id
        _done()
        return commitment_id, title

    def progress_report(
        self, organisation: Organisation, commitment_id: int, *, value: int, narrative: str
    ) -> None:
        """The member reports progress (the commitment's first indicator at ``value``)."""
        commitment = db.session.get(Commitment, commitment_id)
        member = people.find_user_by_email(organisation.member.email)
        commitment_services.report_progress(
            commitment,
            {
                "status": "on_track",
                "percent_complete": 25,
                "narrative": narrative,
                "indicator_values": [{"indicator_id": commitment.indicators[0].id, "value": value}],
            },
            member,
        )
        _done()


@pytest.fixture
def world(live_db):
    """A :class:`World` to arrange a journey's starting point in the live database."""
    return World()


def _sign_in(page: Page, person: Person, *, button: str = "Sign in") -> None:
    """Sign in through the real form (no second factor: members)."""
    page.goto("/sign-in")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("status").filter(has_text=person.name)).to_be_visible()


def _sign_in_secretariat(page: Page, person: Person) -> None:
    """Password, then the first-time authenticator set-up: the key shown, a code it gives."""
    page.goto("/sign-in")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    secret = page.locator("[data-totp-secret]").inner_text().strip()
    page.get_by_label("Six-digit code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("status").filter(has_text=person.name)).to_be_visible()


@pytest.fixture
def sign_in():
    """``sign_in(page, person)``: a member signs in through the real form."""
    return _sign_in


@pytest.fixture
def sign_in_secretariat():
    """``sign_in_secretariat(page, person)``: password, then the authenticator set-up."""
    return _sign_in_secretariat


@pytest.fixture
def new_page(browser, live_server, request):
    """``new_page(label)``: another browser (its own cookies) for a second person of the journey.

    Its last screen is saved beside the main page's, suffixed with ``label``.
    """
    opened = []

    def make(label: str, locale: str = "en-GB") -> Page:
        context = browser.new_context(base_url=live_server, locale=locale)
        context.set_default_timeout(10_000)
        other = context.new_page()
        opened.append((label, other))
        return other

    yield make
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, other in opened:
        other.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{label}.png"), full_page=True)
        other.context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, name)``: keep a full-page image of ``page`` as a test artefact."""

    def shoot(page: Page, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"page-{name}.png"), full_page=True)

    return shoot
