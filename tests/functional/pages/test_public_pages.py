"""Public pages: home, directory, signatory and commitment pages, explorer, SDG and
programme pages, the manifesto and the form to join. The same for everyone."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pact_tracker.auth import services as auth
from pact_tracker.campaigns.models import OutboxMessage
from pact_tracker.coalition.models import Membership, Signatory, SignatoryStatus, User
from pact_tracker.commitments import services as commitments
from pact_tracker.commitments.models import CommitmentStatus, Milestone, Visibility
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db as _db
from pact_tracker.reference.models import ImpactDimension, SdgTarget

PASSWORD = "correct horse battery staple"
FRENCH = {"Accept-Language": "fr"}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _rows(page: str, marker: str) -> list[str]:
    """The values of ``data-<marker>`` attributes on a page, in order."""
    return re.findall(rf'data-{marker}="([^"]*)"', page)


@pytest.fixture
def published(db, make_commitment):
    """``published(**overrides)``: an approved, published, public commitment."""

    def make(**overrides):
        overrides.setdefault("status", CommitmentStatus.approved)
        if overrides["status"] != CommitmentStatus.approved:
            overrides.setdefault("approved_at", utcnow() - timedelta(days=2))
            overrides.setdefault("published_at", overrides["approved_at"])
        return make_commitment(**overrides)

    return make


def _sign_in(client, make_user, signatory) -> User:
    user = make_user(name="Mia Member", signatory=signatory)
    auth.set_password(user, PASSWORD)
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return user


# Home


def test_home_shows_public_figures_and_sdg_coverage(
    client, make_signatory, published, make_commitment
):
    france = make_signatory(country_code="FR")
    belgium = make_signatory(country_code="BE")
    make_signatory(country_code="ES", status=SignatoryStatus.applied)
    published(signatory=france)
    published(signatory=belgium)
    make_commitment(signatory=france)  # a draft counts nowhere

    page = _text(client.get("/"))

    assert 'data-figure="signatories">2<' in page
    assert 'data-figure="countries">2<' in page
    assert 'data-figure="commitments">2<' in page
    assert re.search(r'data-status-count="approved">\s*Under way <span[^>]*>2<', page)
    # The 17 goals, each linking to its page; the fixture's target 4.4 is goal 4.
    assert _rows(page, "goal") == [str(n) for n in range(1, 18)]
    assert 'href="/sdg/4"' in page
    assert 'data-goal-count="2"' in page
    assert page.count('data-goal-count="0"') == 16
    assert 'href="/signatories"' in page and 'href="/commitments"' in page


def test_home_in_french(client):
    page = _text(client.get("/", headers=FRENCH))
    assert "Parcourir les signataires" in page
    assert "Pas de pauvreté" in page  # goal 1's short title, in French


# Directory


def test_directory_lists_approved_signatories_with_published_counts(
    client, make_signatory, published, make_commitment
):
    coop = make_signatory(name="Alpha Cooperative", acronym="ALC")
    make_signatory(name="Beta Applied", status=SignatoryStatus.applied)
    make_signatory(name="Gamma Suspended", status=SignatoryStatus.suspended)
    published(signatory=coop)
    published(signatory=coop)
    make_commitment(signatory=coop)
    published(signatory=coop, visibility=Visibility.private)

    page = _text(client.get("/signatories"))

    assert _rows(page, "signatory") == ["alpha-cooperative"]
    assert "ALC" in page and "Cooperative" in page and "France" in page
    assert 'data-commitment-count="2"' in page
    assert 'data-result-count="1"' in page


def test_directory_shows_types_and_countries_in_french(client, make_signatory):
    make_signatory(name="Delta", organisation_type_code="local_authority", country_code="DE")
    page = _text(client.get("/signatories", headers=FRENCH))
    assert "Allemagne" in page
    assert "Collectivité" in page


def test_directory_filters_by_type_country_programme_and_name(
    client, make_signatory, make_programme, published
):
    make_signatory(name="Lyon Cooperative", acronym="LYC", country_code="FR")
    make_signatory(
        name="Brussels Association", organisation_type_code="association", country_code="BE"
    )
    food = make_programme(code="FOOD")
    farmers = make_signatory(
        name="Farmers Mutual", organisation_type_code="mutual", country_code="FR"
    )
    published(signatory=farmers, programme=food)

    def slugs(query: str) -> list[str]:
        response = client.get(f"/signatories?{query}")
        assert response.status_code == 200
        return _rows(_text(response), "signatory")

    assert slugs("country=BE") == ["brussels-association"]
    assert slugs("organisation_type=mutual") == ["farmers-mutual"]
    assert slugs("programme=FOOD") == ["farmers-mutual"]
    assert slugs("q=lyc") == ["lyon-cooperative"]
    assert slugs("q=brussels") == ["brussels-association"]
    assert slugs("country=FR&organisation_type=cooperative") == ["lyon-cooperative"]
    # The filters stay in the form, so the URL can be shared and refined.
    page = _text(client.get("/signatories?country=BE&q=bru"))
    assert '<option selected value="BE">' in page
    assert 'value="bru"' in page


def test_directory_ignores_and_flags_an_unknown_filter_value(client, make_signatory):
    make_signatory(name="Kept")
    response = client.get("/signatories?country=ZZ")
    page = _text(response)
    assert response.status_code == 200
    assert _rows(page, "signatory") == ["kept"]
    assert "Not a valid choice" in page
    # A NUL is refused for every route at once (core.input_guard).
    refused = client.get("/signatories?country=FR&q=%00")
    assert refused.status_code == 422
    assert "character that is not allowed" in _text(refused)


def test_directory_is_paginated_with_links_keeping_the_filters(client, make_signatory):
    for number in range(30):
        make_signatory(name=f"Org {number:02d}", country_code="FR")
    first = _text(client.get("/signatories?country=FR"))
    assert len(_rows(first, "signatory")) == 25
    assert "/signatories?country=FR&amp;page=2" in first
    second = _text(client.get("/signatories?country=FR&page=2"))
    assert _rows(second, "signatory") == [f"org-{n:02d}" for n in range(25, 30)]


# Signatory page


def test_signatory_page_shows_profile_and_published_commitments(
    client, db, make_signatory, published, make_commitment, make_user
):
    signatory = make_signatory(
        name="Coop Lumière",
        acronym="CL",
        subdivision_code="FR-ARA",
        locality="Lyon",
        website="https://coop.example.org",
        description="We **train** people.\n\n<script>alert('x')</script>",
    )
    shown = published(signatory=signatory, title="Train 200 people")
    published(signatory=signatory, title="Hidden one", visibility=Visibility.private)
    make_commitment(signatory=signatory, title="Draft one")
    commitments.report_progress(shown, {"status": "on_track", "percent_complete": 40}, None)

    page = _text(client.get(f"/signatories/{signatory.slug}"))

    assert "<strong>train</strong>" in page
    assert "<script>alert" not in page
    assert "Auvergne-Rhône-Alpes" in page and "Lyon" in page
    assert 'href="https://coop.example.org"' in page
    assert "Mar 4, 2025" in page
    assert "Train 200 people" in page
    assert "Hidden one" not in page and "Draft one" not in page
    assert 'data-percent="40"' in page


@pytest.mark.parametrize(
    "status", [SignatoryStatus.applied, SignatoryStatus.suspended, SignatoryStatus.rejected]
)
def test_signatory_page_is_not_found_unless_public(client, make_signatory, status):
    signatory = make_signatory(status=status)
    assert client.get(f"/signatories/{signatory.slug}").status_code == 404


def test_members_see_their_own_signatory_page_before_approval(client, make_signatory, make_user):
    signatory = make_signatory(name="Waiting Coop", status=SignatoryStatus.applied)
    _sign_in(client, make_user, signatory)
    page = _text(client.get(f"/signatories/{signatory.slug}"))
    assert "Waiting Coop" in page and "This organisation is not public" in page


def test_unknown_signatory_is_not_found(client):
    assert client.get("/signatories/nobody-here").status_code == 404
    assert client.get("/signatories/nul%00byte").status_code == 404


# Explorer


def test_explorer_lists_only_published_public_commitments_of_approved_signatories(
    client, make_signatory, published, make_commitment
):
    shown = published(title="Shown commitment")
    published(title="Private one", visibility=Visibility.private)
    published(
        title="Of a suspended signatory", signatory=make_signatory(status=SignatoryStatus.suspended)
    )
    published(
        title="Not yet published",
        approved_at=utcnow() - timedelta(days=1),
        published_at=utcnow() + timedelta(days=3),
    )
    make_commitment(title="A draft")

    page = _text(client.get("/commitments"))

    assert _rows(page, "commitment-id") == [str(shown.id)]
    assert f'href="/commitments/{shown.id}"' in page
    assert f'href="/signatories/{shown.signatory.slug}"' in page
    assert 'href="/sdg/4"' in page  # the SDG chip of target 4.4
    assert 'data-status="approved"' in page
    assert "Not reported yet" in page


def test_explorer_filters(client, db, make_signatory, make_programme, published):
    food = make_programme(code="FOOD")
    belgian = make_signatory(organisation_type_code="association", country_code="BE")
    by_goal = published(title="Decent work")
    by_goal.targets = [db.session.get(SdgTarget, "8.5")]
    in_food = published(programme=food)
    in_belgium = published(signatory=belgian, country_code="BE")
    achieved = published(status=CommitmentStatus.achieved)
    with_dimension = published()
    with_dimension.dimensions = [db.session.get(ImpactDimension, "territorial_anchoring")]
    overdue = published()
    overdue.report_due_at = utcnow() - timedelta(days=3)
    overdue.inactive_at = utcnow() + timedelta(days=100)
    db.session.flush()

    def ids(query: str) -> list[int]:
        response = client.get(f"/commitments?{query}")
        assert response.status_code == 200
        return [int(i) for i in _rows(_text(response), "commitment-id")]

    assert ids("goal=8") == [by_goal.id]
    assert ids("target=8.5") == [by_goal.id]
    assert ids("programme=FOOD") == [in_food.id]
    assert ids("organisation_type=association") == [in_belgium.id]
    assert ids("country=BE") == [in_belgium.id]
    assert ids("status=achieved") == [achieved.id]
    assert ids("dimension=territorial_anchoring") == [with_dimension.id]
    assert ids("reporting_state=overdue") == [overdue.id]
    assert ids("goal=8&country=BE") == []
    assert len(ids("")) == 6


def test_explorer_form_has_labelled_selects_and_keeps_choices(client):
    page = _text(client.get("/commitments?goal=8&reporting_state=due", headers=FRENCH))
    for name in (
        "programme",
        "goal",
        "target",
        "organisation_type",
        "country",
        "status",
        "reporting_state",
        "dimension",
    ):
        assert f'<label class="form-label" for="{name}">' in page
        assert f'<select class="form-select" id="{name}" name="{name}">' in page
    assert '<option selected value="8">' in page
    assert '<option selected value="due">' in page
    assert "Travail décent" in page  # the goal's short title, in French
    assert 'data-result-count="0"' in page


def test_explorer_ignores_bad_filter_values(client, published):
    shown = published()
    response = client.get("/commitments?goal=99&status=draft&reporting_state=late&page=x")
    assert response.status_code == 200
    assert _rows(_text(response), "commitment-id") == [str(shown.id)]


def test_explorer_shows_latest_live_percent_and_reporting_light(client, published):
    commitment = published()
    first = commitments.report_progress(
        commitment, {"status": "on_track", "percent_complete": 30}, None
    )
    commitments.correct_update(first, {"percent_complete": 25}, None, reason="Miscounted")
    page = _text(client.get("/commitments"))
    assert 'data-percent="25"' in page
    assert 'data-reporting-state="on_time"' in page


def test_an_explorer_row_seen_before_shows_a_new_report_and_the_pages_language_at_once(
    client, published
):
    commitment = published(title="Train 200 young people")
    published(title="Plant 300 trees")
    before = _text(client.get("/commitments"))
    assert before.count("Not reported yet") == 2
    commitments.report_progress(commitment, {"status": "on_track", "percent_complete": 40}, None)
    commit()
    after = _text(client.get("/commitments"))
    assert 'data-percent="40"' in after and after.count("Not reported yet") == 1
    french = _text(client.get("/commitments", headers=FRENCH))
    assert "Pas encore de rapport" in french and "Not reported yet" not in french


def test_explorer_pages_issue_a_bounded_number_of_queries(app, client, published):
    def queries_for_page() -> int:
        statements = []

        def count(*args):
            statements.append(args[2])

        sa.event.listen(_db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/commitments").status_code == 200
        finally:
            sa.event.remove(_db.engine, "before_cursor_execute", count)
        return len(statements)

    # Committed before counting: the signals of the setup's reports are not the page's queries.
    for _ in range(2):
        commitments.report_progress(published(), {"status": "on_track"}, None)
    commit()
    few = queries_for_page()
    for _ in range(20):
        commitments.report_progress(published(), {"status": "on_track"}, None)
    commit()
    assert queries_for_page() == few


# Commitment page


def test_commitment_page_shows_everything_public(client, db, published, secretariat):
    commitment = published(
        title="Train 200 young people",
        description="A **two-year** programme.\n\n<img src=x onerror=alert(1)>",
        funding_amount=15000,
        funding_currency="EUR",
    )
    commitment.dimensions = [db.session.get(ImpactDimension, "social_performance")]
    commitment.milestones = [
        Milestone(title="First cohort", due_date=commitment.start_date + timedelta(days=90))
    ]
    db.session.flush()
    indicator = commitment.indicators[0]
    first = commitments.report_progress(
        commitment,
        {
            "status": "on_track",
            "percent_complete": 30,
            "narrative": "Going well. <script>alert('x')</script>",
            "indicator_values": [{"indicator_id": indicator.id, "value": 60}],
            "evidence": [
                {
                    "kind": "testimony",
                    "dimension_code": "social_performance",
                    "title": "A trainee speaks",
                    "url": "https://example.org/story",
                }
            ],
        },
        None,
    )
    commitments.correct_update(
        first,
        {"indicator_values": [{"indicator_id": indicator.id, "value": 50}]},
        None,
        reason="Ten were counted twice",
    )
    commitments.assess_commitment(commitment, "substantial", "Well documented.", secretariat)

    response = client.get(f"/commitments/{commitment.id}")
    page = _text(response)

    assert response.status_code == 200
    assert "<strong>two-year</strong>" in page
    assert "<img" not in page and "<script>alert" not in page
    assert "4.4" in page and "Social performance" in page
    assert "15,000" in page and "EUR" in page
    assert "First cohort" in page
    assert "Every 6 months" in page
    # The indicator: baseline 0, target 200, current value from the correction.
    assert 'data-current="50.0000"' in page
    assert 'data-progress="25"' in page
    # The timeline: the correction first, marked, and the superseded report marked too.
    assert _rows(page, "correction") == ["true", "false"]
    assert _rows(page, "superseded") == ["false", "true"]
    assert "Ten were counted twice" in page
    assert "Superseded by a correction" in page
    assert 'data-evidence-kind="testimony"' in page and "A trainee speaks" in page
    assert 'data-assessment-level="substantial"' in page and "Well documented." in page


def test_commitment_page_in_french(client, published):
    commitment = published()
    page = _text(client.get(f"/commitments/{commitment.id}", headers=FRENCH))
    assert "Indicateurs" in page and "Approuvé" in page


def test_unpublished_commitments_are_not_found_for_the_public(client, make_commitment, published):
    draft = make_commitment()
    private = published(visibility=Visibility.private)
    assert client.get(f"/commitments/{draft.id}").status_code == 404
    assert client.get(f"/commitments/{private.id}").status_code == 404
    assert client.get("/commitments/99999999").status_code == 404
    assert client.get("/commitments/99999999999").status_code == 404


def test_members_see_their_own_draft_but_not_others(
    client, make_signatory, make_user, make_commitment
):
    own = make_signatory()
    draft = make_commitment(signatory=own, title="Our draft")
    others = make_commitment(title="Their draft")
    _sign_in(client, make_user, own)
    page = _text(client.get(f"/commitments/{draft.id}"))
    assert "Our draft" in page and "This commitment is not published" in page
    assert client.get(f"/commitments/{others.id}").status_code == 404


# SDG goal page


def test_goal_page_shows_goal_targets_and_commitments(client, db, published):
    commitment = published(title="Decent jobs")
    commitment.targets = [db.session.get(SdgTarget, "8.5")]
    published(title="Education only")
    db.session.flush()

    page = _text(client.get("/sdg/8"))

    assert 'data-goal="8"' in page and "sdg-8" in page
    assert "Decent work and economic growth" in page
    assert 'data-target="8.5"' in page and 'data-target="8.b"' in page
    assert _rows(page, "commitment-id") == [str(commitment.id)]
    french = _text(client.get("/sdg/8", headers=FRENCH))
    assert "Travail décent et croissance économique" in french


def test_goal_page_lists_each_targets_indicators_in_the_visitors_language(client):
    page = _text(client.get("/sdg/15"))
    assert _rows(page, "indicator")[:4] == ["15.1.1", "15.1.2", "15.2.1", "15.3.1"]
    assert "(a) Mountain Green Cover Index and (b) proportion of degraded mountain land" in page
    assert "15.4.2" in re.search(r'data-target="15.4".*?</tbody>', page, re.S).group(0)
    french = _text(client.get("/sdg/15", headers=FRENCH))
    assert "a) Indice de couvert végétal montagneux et b) proportion des terres" in french
    assert "Mountain Green Cover" not in french


def test_sdg_index_lists_every_goal_target_and_indicator_in_both_languages(client):
    page = _text(client.get("/sdg"))
    assert _rows(page, "goal") == [str(number) for number in range(1, 18)]
    assert len(_rows(page, "target")) == 169
    assert len(_rows(page, "indicator")) == 248
    assert 'href="/sdg/8"' in page and "Decent work and economic growth" in page
    assert "Additional financial resources mobilized for developing countries" in page
    french = _text(client.get("/sdg", headers=FRENCH))
    assert "Objectifs de développement durable" in french
    assert "Ressources financières supplémentaires mobilisées" in french
    assert "Additional financial resources mobilized" not in french
    assert "Travail décent et croissance économique" in french


@pytest.mark.parametrize("number", [0, 18, 99999999999])
def test_unknown_goal_is_not_found(client, number):
    assert client.get(f"/sdg/{number}").status_code == 404


# Programmes


def test_programme_list_and_page(client, make_programme, make_proposal, published):
    programme = make_programme(
        code="WORK", name_en="Decent work", name_fr="Travail décent", description_en="Jobs *first*."
    )
    make_programme(code="OLD", active=False)
    make_proposal(programme=programme, organisation_types=("cooperative", "association"))
    make_proposal(programme=programme, title_en="Retired proposal", active=False)
    published(programme=programme)
    published(programme=programme)

    listing = _text(client.get("/programmes"))
    assert _rows(listing, "programme") == ["WORK"]
    assert 'href="/sdg/8"' in listing

    page = _text(client.get("/programmes/WORK"))
    assert "<em>first</em>" in page
    assert "Create jobs for people far from employment" in page
    assert "Retired proposal" not in page
    assert _rows(page, "organisation-type") == ["association", "cooperative"] or _rows(
        page, "organisation-type"
    ) == ["cooperative", "association"]
    assert 'data-commitment-count="2"' in page
    assert "/commitments?programme=WORK" in page

    french = _text(client.get("/programmes/WORK", headers=FRENCH))
    assert "Travail décent" in french and "Créer des emplois" in french


def test_inactive_or_unknown_programme_is_not_found(client, make_programme):
    make_programme(code="OLD", active=False)
    assert client.get("/programmes/OLD").status_code == 404
    assert client.get("/programmes/NOPE").status_code == 404


# Manifesto


def test_manifesto_in_both_languages_with_the_signatory_count(client, make_signatory):
    make_signatory()
    make_signatory()
    make_signatory(status=SignatoryStatus.applied)
    page = _text(client.get("/manifesto"))
    assert "social and solidarity economy" in page
    assert "2 organisations have signed the manifesto." in page
    assert 'href="/signatories"' in page and 'href="/join"' in page
    french = _text(client.get("/manifesto", headers=FRENCH))
    assert "économie sociale et solidaire" in french
    assert "2 organisations ont signé le manifeste." in french


# Joining


def _application(**overrides) -> dict:
    data = {
        "name": "Solidarity Bakery",
        "acronym": "SB",
        "organisation_type": "cooperative",
        "country": "FR",
        "subdivision": "fr-ara",
        "locality": "Lyon",
        "website": "https://bakery.example.org",
        "description": "We bake **bread**.",
        "contact_name": "Bea Baker",
        "contact_email": "Bea@Bakery.example.org",
        "contact_locale": "fr",
        "accept_manifesto": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _signatories(db) -> list[str]:
    return list(db.session.scalars(sa.select(Signatory.name)))


def test_join_form_shows_labelled_fields(client):
    page = _text(client.get("/join"))
    for name in ("name", "organisation_type", "country", "subdivision", "contact_email"):
        assert f'for="{name}"' in page
    assert 'name="accept_manifesto"' in page
    assert "js/join.js" in page


def test_joining_creates_an_application_and_its_admin(client, db):
    response = client.post("/join", data=_application())
    assert response.status_code == 302
    signatory = db.session.scalar(sa.select(Signatory).where(Signatory.name == "Solidarity Bakery"))
    assert signatory.status == SignatoryStatus.applied
    assert (signatory.subdivision_code, signatory.locality) == ("FR-ARA", "Lyon")
    user = db.session.scalar(sa.select(User).where(User.email == "bea@bakery.example.org"))
    assert user.name == "Bea Baker" and user.locale == "fr"
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert membership.signatory_id == signatory.id and membership.is_admin
    page = _text(client.get(response.headers["Location"]))
    assert "the secretariat will review it" in page.lower()
    # Not public until approved.
    assert client.get(f"/signatories/{signatory.slug}").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"organisation_type": ""}, "organisation_type", "Choose the type of your organisation."),
        ({"organisation_type": "pirate"}, "organisation_type", "Not a valid choice"),
        ({"country": "BE"}, "subdivision", "This subdivision is not in the chosen country."),
        ({"subdivision": "FR-ZZZ"}, "subdivision", "There is no subdivision with this code."),
        ({"website": "javascript:alert(1)"}, "website", "starting with http:// or https://"),
        ({"contact_email": "not-an-email"}, "contact_email", "Invalid email address."),
        ({"accept_manifesto": None}, "accept_manifesto", "Joining means endorsing the manifesto."),
    ],
)
def test_join_errors_are_shown_next_to_the_field_and_nothing_is_written(
    client, db, overrides, field, message
):
    response = client.post("/join", data=_application(**overrides))
    page = _text(response)
    assert response.status_code == 422
    errors = re.search(rf'id="{field}-errors">(.*?)</div>\s*</div>', page, re.S)
    assert errors and message in errors.group(1)
    assert _signatories(db) == []
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_join_with_an_address_that_has_an_account_answers_the_same_and_invites_its_owner(
    client, db, make_user, make_signatory
):
    owner = make_user(email="bea@bakery.example.org", signatory=make_signatory(name="Secret Org"))
    response = client.post("/join", data=_application())
    assert response.status_code == 302
    page = _text(client.get(response.headers["Location"]))
    assert "Thank you: your application was received." in page
    assert "Secret Org" not in page
    applied = db.session.scalar(
        db.select(Signatory).where(Signatory.status == SignatoryStatus.applied)
    )
    (membership,) = applied.memberships
    assert membership.user_id == owner.id and membership.pending
    invitation = db.session.scalar(
        db.select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"invitation:{membership.id}"
        )
    )
    assert invitation.to_address == "bea@bakery.example.org"


def test_join_errors_in_french(client):
    page = _text(client.post("/join", data=_application(name=""), headers=FRENCH))
    assert "Nom de l" in page


def test_join_is_rate_limited(client, db):
    for number in range(5):
        response = client.post(
            "/join", data=_application(name=f"Org {number}", contact_email=f"p{number}@example.org")
        )
        assert response.status_code == 302
    refused = client.post("/join", data=_application(name="Org 6", contact_email="p6@example.org"))
    assert refused.status_code == 429
    assert client.get("/join").status_code == 200
