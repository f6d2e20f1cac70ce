"""Every page and API list the benchmarks load issues a bounded number of queries, whatever
the data.

Each URL below is requested twice: in a small world (the permission matrix's
world and one batch of rows, see ``query_budget_world``) and after four more
batches of every kind of row the pages list. Each time the SQL statements the
request sends are counted (``before_cursor_execute``); the count must stay
within the URL's budget and must not change with the amount of data: a count
that grows is a query per row (N+1).

The URLs are checked against the app: a public GET route or an API list
endpoint that nobody added here makes ``test_every_public_page_is_covered`` or
``test_every_api_list_is_covered`` fail, and a page of the back office, the
member's space or the organiser's overview (signed in as the role that uses it,
the secretariat past its second factor) neither covered here nor left out with
a reason makes ``test_every_signed_in_page_is_covered`` fail.
"""

import re
import threading
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession
from query_budget_world import build_small_world, grow

from pact_tracker.auth.services import start_session
from pact_tracker.coalition.models import User
from pact_tracker.core.activity import commit
from pact_tracker.core.tokens import issue_token
from pact_tracker.extensions import db as _db

#: Batches added between the two measurements (the small world has one).
MORE_BATCHES = 4
DEFAULT_BUDGET = 12

ANONYMOUS = "anonymous"
SECRETARIAT = "secretariat"
#: The world's member (admin) of the own signatory: its commitments grow with each batch.
MEMBER = "member"
ORGANISER = "organiser"
#: The world's key of each signed-in role's account.
ACCOUNTS = {SECRETARIAT: "secretariat_id", MEMBER: "member_id", ORGANISER: "organiser_id"}

#: Route prefixes a visitor cannot open without an account, a role or a token of their own.
#: Their query counts are not this test's concern (the permission matrix covers them).
NON_PUBLIC_PREFIXES = (
    "/admin",  # the secretariat's back office
    "/my/",  # a member's space
    "/manage/",  # organisers' event management
    "/organiser/",  # organisers' home
    "/account/",  # a signed-in person's password
    "/u/",  # update links: a capability token from a reminder
    "/unsubscribe/",  # a token from an email
    "/static/",  # files, no queries
    "/api/",  # the API: its lists are checked by test_every_api_list_is_covered
)
#: Public GET routes left out, and why.
NON_PUBLIC_ENDPOINTS = {
    "auth.two_factor": "only after a password was given (a pending sign-in in the session)",
    "auth.sign_in_link": "a single-use token from an email",
    "events.new_snapshot": "organisers and the secretariat only (login required)",
}


@dataclass(frozen=True)
class Case:
    endpoint: str
    #: A ``str.format`` template over the world's keys.
    path: str
    #: Text the response must contain (bytes for binary downloads).
    expect: str | bytes
    who: str = ANONYMOUS
    budget: int = DEFAULT_BUDGET


CHARTS = ("programme", "goal", "organisation_type", "country", "dimension", "status")
CHARTS += ("reporting_state",)
EXPORTS = {"csv": "Showcase", "json": "Showcase", "xlsx": b"PK"}

PAGES = [
    Case("core.home", "/", 'data-figure="signatories"'),
    Case("core.healthz", "/healthz", '"database"'),
    Case("coalition.directory", "/signatories", "Matrix Own Cooperative"),
    Case("coalition.directory", "/signatories?country=FR&q=batch", "cooperative FR"),
    Case("coalition.signatory_page", "/signatories/{own_slug}", "Showcase"),
    Case("coalition.manifesto", "/manifesto", "anifesto"),
    Case("coalition.join", "/join", "contact_email"),
    Case("auth.sign_in", "/sign-in", "password"),
    Case("auth.request_sign_in_link", "/sign-in/link", "email"),
    # The explorer loads a list per filter (goals, targets, dimensions, programmes,
    # organisation types, countries), then the page and what its rows show.
    Case("commitments.explorer", "/commitments", "Showcase", budget=14),
    Case(
        "commitments.explorer",
        "/commitments?goal={goal}&status=approved&organisation_type=cooperative&country=FR",
        "Showcase",
        budget=14,
    ),
    Case("commitments.commitment_page", "/commitments/{commitment_id}", "Milestone 1", budget=14),
    Case("programmes.programme_list", "/programmes", "Decent work"),
    Case("programmes.programme_page", "/programmes/{programme_code}", "Batch 1 proposal"),
    Case("reference.goal_page", "/sdg/{goal}", "Decent work"),
    Case("reference.sdg_index", "/sdg", "8.5.1"),
    Case("events.event_list", "/events", "Regional meeting 1"),
    Case("events.event_page", "/events/{event_slug}", "Annual Summit"),
    Case("events.calendar_feed", "/events.ics", "Regional meeting 1"),
    Case("events.event_calendar", "/events/{event_slug}.ics", "Annual Summit"),
    Case("events.snapshots", "/snapshots", "Check"),
    # A first view: the snapshot with its event, its figures and labels looked up, read and
    # kept (core.figure_store), the entries and the other snapshots; later views look up only.
    Case("events.snapshot", "/snapshots/{snapshot_id}", "Decent work", budget=7),
    *(
        Case("events.snapshot_chart", f"/snapshots/{{snapshot_id}}/charts/{name}.svg", "<svg")
        for name in CHARTS
    ),
    *(
        Case("events.export_snapshot", f"/snapshots/{{snapshot_id}}/export.{ext}", expect)
        for ext, expect in EXPORTS.items()
    ),
    # The PDF report is the snapshot page and its seven charts in one document.
    Case("events.export_snapshot", "/snapshots/{snapshot_id}/export.pdf", b"%PDF", budget=20),
    Case("events.snapshot_datapackage", "/snapshots/{snapshot_id}/datapackage.json", "csv"),
    Case("api-docs.openapi_json", "/api/v1/openapi.json", "openapi"),
    Case("api-docs.openapi_swagger_ui", "/api/v1/docs", "swagger"),
]

API_LISTS = [
    Case("api_reference.list_goals", "/api/v1/sdg/goals", "Decent work"),
    Case("api_reference.list_targets", "/api/v1/sdg/targets?goal={goal}", "8.5"),
    Case("api_reference.list_indicators", "/api/v1/sdg/indicators?target=8.5", "8.5.1"),
    Case("api_reference.list_organisation_types", "/api/v1/organisation-types", "cooperative"),
    Case("api_reference.list_impact_dimensions", "/api/v1/impact-dimensions", "social"),
    Case("api_reference.list_countries", "/api/v1/countries", "France"),
    Case("api_reference.list_subdivisions", "/api/v1/countries/FR/subdivisions", "FR-ARA"),
    Case("api_coalition.list_signatories", "/api/v1/signatories", "Batch 1 association"),
    Case(
        "api_coalition.list_members",
        "/api/v1/signatories/{own_slug}/members",
        "Colleague 1",
        SECRETARIAT,
    ),
    Case("api_coalition.list_users", "/api/v1/users", "applicant@matrix.example.org", SECRETARIAT),
    Case("api_coalition.list_activity", "/api/v1/activity", "snapshot.published", SECRETARIAT),
    Case("api_programmes.list_programmes", "/api/v1/programmes", "Decent work"),
    Case(
        "api_programmes.list_proposals",
        "/api/v1/programmes/{programme_code}/proposals",
        "Batch 1 proposal",
    ),
    Case("api_commitments.list_commitments", "/api/v1/commitments", "Showcase"),
    Case(
        "api_commitments.list_updates",
        "/api/v1/commitments/{commitment_id}/updates",
        "going well",
    ),
    Case(
        "api_commitments.list_assessments",
        "/api/v1/commitments/{commitment_id}/assessments",
        "substantial",
    ),
    Case(
        "api_commitments.commitment_history",
        "/api/v1/commitments/{commitment_id}/history",
        "progress",
    ),
    Case("api_campaigns.list_campaigns", "/api/v1/campaigns", "Progress call", SECRETARIAT),
    Case(
        "api_campaigns.list_recipients",
        "/api/v1/campaigns/{campaign_id}/recipients",
        "Colleague 1",
        SECRETARIAT,
    ),
    Case("api_events.list_series", "/api/v1/event-series", "Regional meeting 1"),
    Case("api_events.list_events", "/api/v1/events", "Regional meeting 1"),
    Case("api_events.list_snapshots", "/api/v1/snapshots", "Check"),
    Case("api_events.list_entries", "/api/v1/snapshots/{snapshot_id}/entries", "Showcase"),
]

#: Pages of the signed-in roles that ``make bench`` loads, each as the role that uses it.
SIGNED_IN_PAGES = [
    Case("coalition.admin_home", "/admin/", "Matrix Applied Mutual", SECRETARIAT),
    Case("commitments.admin_review", "/admin/review", "Mentor ten new cooperatives", SECRETARIAT),
    Case(
        "coalition.admin_applications", "/admin/applications", "Matrix Applied Mutual", SECRETARIAT
    ),
    Case("coalition.admin_users", "/admin/users", "@budget.example.org", SECRETARIAT),
    Case("coalition.admin_activity", "/admin/activity", "snapshot.published", SECRETARIAT),
    Case("coalition.admin_signatories", "/admin/signatories", "Batch 1 association", SECRETARIAT),
    # Measured on a first view: its figures over every recipient are computed and stored
    # (campaigns.services.analytics); a later view sends 5 statements.
    Case(
        "campaigns.admin_campaign",
        "/admin/campaigns/{campaign_id}",
        "Progress call",
        SECRETARIAT,
        budget=13,
    ),
    Case(
        "campaigns.admin_campaign_recipients",
        "/admin/campaigns/{campaign_id}/recipients",
        "Olivia Owner",
        SECRETARIAT,
    ),
    Case("campaigns.admin_update_links", "/admin/update-links", "Member 1 state", SECRETARIAT),
    Case("campaigns.admin_suppressions", "/admin/suppressions", "bounced@example.org", SECRETARIAT),
    # The organiser's overview: the session, then the states now and as of a date, each
    # computed in one pass in SQL (grouped, with the names they show), whatever the size.
    # Measured here on a first view: each figure is looked up in the figure store, computed
    # and stored (core.figure_store); a later view only looks them up.
    Case("commitments.organiser_home", "/organiser/", "Decent work", ORGANISER, budget=14),
    Case(
        "commitments.organiser_home", "/organiser/?on={today}", "Decent work", ORGANISER, budget=14
    ),
    # The session with its person, the memberships and their signatory, the count, ids and
    # rows of what needs a report, the commitments sent back and (if any) their requests.
    Case("coalition.my_home", "/my/", "Matrix Own Cooperative", MEMBER, budget=8),
    Case("commitments.my_commitments", "/my/{own_slug}/commitments", "Showcase", MEMBER, budget=7),
    # One query per part of the commitment (targets, dimensions, indicators, milestones,
    # updates with their values and evidence, status changes, assessments); its programme,
    # proposal and subdivision come with it.
    Case(
        "commitments.my_commitment",
        "/my/{own_slug}/commitments/{commitment_id}",
        "Milestone 1",
        MEMBER,
        budget=14,
    ),
    # The progress form reads its updates as columns (status, corrections, values), not
    # their texts and evidence; the impact dimensions are kept per process outside tests.
    Case(
        "commitments.report_progress",
        "/my/{own_slug}/commitments/{commitment_id}/progress",
        "Indicator 1",
        MEMBER,
        budget=9,
    ),
]
#: Where the pages of signed-in roles live (see ``NON_PUBLIC_PREFIXES``).
SIGNED_IN_PREFIXES = ("/admin", "/my/", "/organiser/")
#: Signed-in GET pages left out, and why: none lists rows that grow with the coalition.
SIGNED_IN_LEFT_OUT = {
    "coalition.admin_application": "one application and its few contacts",
    "coalition.admin_signatory": "one signatory's profile form and its few members",
    "coalition.admin_user": "one account and its memberships",
    "coalition.admin_user_new": "an empty form",
    "coalition.admin_import": "an upload form",
    "campaigns.admin_campaigns": "the campaigns, a short list the secretariat writes by hand",
    "campaigns.admin_campaign_new": "an empty form",
    "campaigns.admin_campaign_edit": "a form of one campaign's texts and audience",
    "campaigns.admin_campaign_preview": "one message rendered for one recipient",
    "campaigns.admin_campaign_progress": "JSON polled by the campaign page: its first query",
    "campaigns.admin_campaign_never_answered": "the campaign page's never-answered list, paged",
    "campaigns.admin_audience_count": "a bounded count of the compose form's audience",
    "commitments.admin_commitment": "one commitment's review page, like the member's page",
    "programmes.admin_programmes": "the programmes, a short list the secretariat writes by hand",
    "programmes.admin_programme_new": "an empty form",
    "programmes.admin_programme_edit": "a form of one programme",
    "programmes.admin_proposal_new": "an empty form",
    "programmes.admin_proposal_edit": "a form of one proposal",
    "coalition.my_profile": "a form of one signatory's profile",
    "coalition.my_members": "one signatory's few members and invitations",
    "coalition.my_invitations": "the few invitations one person received",
    "coalition.my_preferences": "a form of one person's preferences",
    "commitments.my_proposals": "the proposals of the programmes, paged, for any member",
    "commitments.new_commitment": "an empty commitment form (the lexicon's lists)",
    "commitments.update_commitment": "the commitment form of one draft",
    "commitments.my_withdraw_commitment": "a confirmation form",
    "commitments.correct_update": "the progress form filled from one update",
}

CASES = {case.path: case for case in PAGES + API_LISTS + SIGNED_IN_PAGES}


@dataclass(frozen=True)
class Measure:
    url: str
    status: int
    queries: int
    #: The statements, to show in a failure.
    statements: tuple[str, ...]
    shows_content: bool


class _ConnectionBoundSession(FlaskSession):
    """Keeps to the module's connection (Flask-SQLAlchemy's session would pick an engine)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(scope="module")
def measures(app) -> dict[str, tuple[Measure, Measure]]:
    """Every case measured in the small world and again in the grown one (rolled back after)."""
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
            world = build_small_world()
            credentials = _credentials(world)
            commit()
            small = {key: _measure(app, case, world, credentials) for key, case in CASES.items()}
            grow(world, MORE_BATCHES)
            large = {key: _measure(app, case, world, credentials) for key, case in CASES.items()}
            yield {key: (small[key], large[key]) for key in CASES}
        finally:
            _db.session.remove()
            _db.session = original_session
            transaction.rollback()
            connection.close()


@dataclass(frozen=True)
class Credentials:
    #: An API token's secret.
    bearer: str
    #: A server-side session's id, as sign-in keeps it in the cookie.
    session_id: str
    user_id: int


def _credentials(world: dict) -> dict[str, Credentials]:
    """A token and an open session for each signed-in role (the secretariat's second
    factor taken as given: sign-in and its codes are tested elsewhere)."""
    credentials = {}
    for who, key in ACCOUNTS.items():
        user = _db.session.get(User, world[key])
        _token, secret = issue_token(user)
        credentials[who] = Credentials(secret, start_session(user, "query-budget"), user.id)
    return credentials


def _client_as(app, who: str, credentials: dict[str, Credentials], api: bool):
    """A test client signed in as ``who``, and the headers of its request."""
    client = app.test_client()
    if who == ANONYMOUS:
        return client, {}
    if api:
        return client, {"Authorization": f"Bearer {credentials[who].bearer}"}
    with client.session_transaction() as session:
        session["_user_id"] = str(credentials[who].user_id)
        session["_fresh"] = True
        session["sid"] = credentials[who].session_id
    return client, {}


def _is_query(statement: str) -> bool:
    """Savepoints are the test's transaction, not the request's work."""
    return not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO"))


def _measure(app, case: Case, world: dict, credentials: dict[str, Credentials]) -> Measure:
    url = case.path.format(**world)
    client, headers = _client_as(app, case.who, credentials, url.startswith("/api/"))
    statements: list[str] = []

    request_thread = threading.get_ident()

    def count(_conn, _cursor, statement, *_args):
        # Only the request's own statements: a thread another test left behind (a
        # dispatcher finishing its batch) may use the same engine meanwhile.
        if threading.get_ident() == request_thread and _is_query(statement):
            statements.append(statement)

    # Each request starts from an empty session, as in production: rows an earlier
    # request left in the test's session would spare this one a query, or not,
    # depending on the order the tests ran in.
    _db.session.expunge_all()
    sa.event.listen(_db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url, headers=headers)
        # Downloads stream: their queries run while the body is read.
        body = response.get_data()
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", count)
    expect = case.expect if isinstance(case.expect, bytes) else case.expect.encode()
    return Measure(url, response.status_code, len(statements), tuple(statements), expect in body)


def _shown(measure: Measure) -> str:
    return f"{measure.url}: {measure.queries} queries\n" + "\n".join(
        " ".join(statement.split())[:200] for statement in measure.statements
    )


@pytest.mark.parametrize("key", list(CASES))
def test_url_serves_content_within_its_budget(measures, key):
    case = CASES[key]
    for measure in measures[key]:
        assert measure.status == 200, measure.url
        assert measure.shows_content, f"{measure.url} does not show {case.expect!r}"
        assert measure.queries <= case.budget, _shown(measure)


@pytest.mark.parametrize("key", list(CASES))
def test_queries_do_not_grow_with_the_data(measures, key):
    small, large = measures[key]
    assert large.queries == small.queries, _shown(small) + "\n\n" + _shown(large)


def _public_get_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.rule.startswith(NON_PUBLIC_PREFIXES)
        and rule.endpoint not in NON_PUBLIC_ENDPOINTS
    }


def test_every_public_page_is_covered(app):
    covered = {case.endpoint for case in PAGES if not case.endpoint.startswith("api-docs.")}
    assert _public_get_endpoints(app) == covered
    assert set(NON_PUBLIC_ENDPOINTS) <= {rule.endpoint for rule in app.url_map.iter_rules()}


def test_every_signed_in_page_is_covered(app):
    """Each GET page of the back office, the member's space and the organiser's overview
    is measured here, or left out with a reason."""
    signed_in = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.rule.startswith(SIGNED_IN_PREFIXES)
    }
    covered = {case.endpoint for case in SIGNED_IN_PAGES}
    assert signed_in - set(SIGNED_IN_LEFT_OUT) == covered
    assert set(SIGNED_IN_LEFT_OUT) <= signed_in
    assert not covered & set(SIGNED_IN_LEFT_OUT)


def _api_list_endpoints(app) -> set[str]:
    """GET endpoints of the API whose documented answer is an array."""
    # Not the ``client`` fixture: its transaction would wait on the module's world (SQLite).
    with app.app_context():
        spec = app.test_client().get("/api/v1/openapi.json").get_json()
    lists = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/api/"):
            continue
        operation = spec["paths"].get(_openapi_path(rule), {}).get("get", {})
        content = operation.get("responses", {}).get("200", {}).get("content", {})
        if content.get("application/json", {}).get("schema", {}).get("type") == "array":
            lists.add(rule.endpoint)
    return lists


def _openapi_path(rule) -> str:
    """``/api/v1/x/<int:y>`` as OpenAPI writes it: ``/api/v1/x/{y}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def test_every_api_list_is_covered(app):
    assert _api_list_endpoints(app) == {case.endpoint for case in API_LISTS}
