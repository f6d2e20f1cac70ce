"""The bad-input corpus through the HTML forms and query strings.

Refused values get a page that names the field and change nothing; stored
values come back exactly as typed and are escaped wherever a page shows them.
"""

from urllib.parse import quote_from_bytes

import pytest
import sqlalchemy as sa
from corpus import DATES, EDGE_DATES, EMPTY, INVALID_UTF8, REFUSED, TEXT, by_name, huge
from form_data import commitment_form, event_form
from markupsafe import escape

from pact_tracker.campaigns.models import Campaign
from pact_tracker.coalition.models import Signatory, User
from pact_tracker.commitments.models import Commitment, CommitmentStatus, ProgressUpdate
from pact_tracker.events.models import Event
from pact_tracker.programmes.models import Programme

#: Everything a refused request could have written to.
COUNTED = (Signatory, User, Commitment, ProgressUpdate)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _counts(db) -> dict:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in COUNTED
    }


def _application(**overrides) -> dict:
    data = {
        "name": "Solidarity Bakery",
        "organisation_type": "cooperative",
        "country": "FR",
        "locality": "Lyon",
        "description": "We bake bread.",
        "contact_name": "Bea Baker",
        "contact_email": "bea@bakery.example.org",
        "contact_locale": "en",
        "accept_manifesto": "y",
    }
    data.update(overrides)
    return data


@pytest.fixture
def own(make_signatory):
    return make_signatory(name="Coop Horizon", slug="coop-horizon")


@pytest.fixture
def member_client(signed_in, make_user, own):
    return signed_in(make_user(name="Olga Owner", signatory=own))


def _assert_refused_page(response, field: str) -> None:
    assert response.status_code == 422, _text(response)[:500]
    page = _text(response)
    assert f"“{field}” contains a character that is not allowed (U+" in page
    assert "remove it and send again" in page


# Anonymous: the application to join.


@pytest.mark.parametrize("field", ["name", "contact_name", "description", "locality"])
@pytest.mark.parametrize("bad", **by_name(TEXT))
def test_a_join_field_from_the_corpus_is_refused_or_stored_verbatim(client, db, field, bad):
    before = _counts(db)
    response = client.post("/join", data=_application(**{field: bad.value}))
    if bad.expect == REFUSED:
        _assert_refused_page(response, field)
        assert _counts(db) == before
        return
    assert response.status_code == 302, _text(response)
    signatory = db.session.scalar(sa.select(Signatory).order_by(Signatory.id.desc()))
    user = db.session.scalar(sa.select(User).where(User.email == "bea@bakery.example.org"))
    stored = {
        "name": signatory.name,
        "description": signatory.description,
        "locality": signatory.locality,
        "contact_name": user.name,
    }
    assert stored[field] == bad.value


@pytest.mark.parametrize("bad", **by_name(EMPTY))
def test_an_empty_name_is_refused_next_to_the_field(client, db, bad):
    before = _counts(db)
    response = client.post("/join", data=_application(name=bad.value))
    assert response.status_code == 422
    assert "This field is required." in _text(response).split('id="name-errors"')[1][:300]
    assert _counts(db) == before


def test_a_name_over_its_length_is_refused_next_to_the_field(client, db):
    before = _counts(db)
    response = client.post("/join", data=_application(name=huge(200)))
    assert response.status_code == 422
    assert "200 characters" in _text(response).split('id="name-errors"')[1][:300]
    assert _counts(db) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("organisation_type", "1; DROP TABLE signatory", "Not a valid choice"),
        ("country", "ZZ", "Not a valid choice"),
        ("contact_email", "bea@example.org\r\nBcc: victim@example.org", "email"),
        ("contact_email", "not an address", "email"),
        ("website", "javascript:alert(1)", "http"),
    ],
    ids=["sql-in-a-choice", "unknown-country", "crlf-in-email", "not-an-email", "script-url"],
)
def test_a_value_of_the_wrong_kind_is_refused_next_to_its_field(client, db, field, value, message):
    before = _counts(db)
    response = client.post("/join", data=_application(**{field: value}))
    assert response.status_code == 422
    errors = _text(response).split(f'id="{field}-errors"')[1][:400]
    assert message.lower() in errors.lower()
    assert _counts(db) == before


@pytest.mark.parametrize("bad", **by_name(INVALID_UTF8))
def test_a_form_body_that_is_not_utf8_is_refused_naming_the_field(client, db, bad):
    before = _counts(db)
    body = b"name=" + bad.value + b"&country=FR&organisation_type=cooperative"
    response = client.post("/join", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "“name” is not valid UTF-8 text." in _text(response)
    assert _counts(db) == before


@pytest.mark.parametrize("bad", **by_name(INVALID_UTF8))
def test_a_multipart_field_that_is_not_utf8_is_refused(client, db, bad):
    before = _counts(db)
    boundary = "corpus"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n'.encode()
        + bad.value
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/join", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert "“name” is not valid UTF-8 text." in _text(response)
    assert _counts(db) == before


def test_a_form_over_the_size_limit_gets_a_page_saying_so(client, db):
    before = _counts(db)
    body = b"name=" + b"x" * (5 * 1024 * 1024 + 1)
    response = client.post("/join", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    page = _text(response)
    assert "What you sent is too large" in page
    assert "at most 5 MB" in page
    assert _counts(db) == before


def test_an_upload_over_the_size_limit_gets_a_page_saying_so(db, signed_in, secretariat):
    admin = signed_in(secretariat)
    before = _counts(db)
    # The body written here: the test client would spool a large upload to a file it never closes.
    body = (
        b'--corpus\r\nContent-Disposition: form-data; name="kind"\r\n\r\nsignatories\r\n'
        b'--corpus\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\nname,organisation_type_code,country_code\n"
        + b"x" * (6 * 1024 * 1024)
        + b"\r\n--corpus--\r\n"
    )
    response = admin.post(
        "/admin/import", data=body, content_type="multipart/form-data; boundary=corpus"
    )
    assert response.status_code == 413
    assert "at most 5 MB" in _text(response)
    assert _counts(db) == before


# Query strings.


@pytest.mark.parametrize("bad", **by_name(TEXT))
def test_a_search_from_the_corpus_is_refused_or_shown_escaped(client, db, bad):
    response = client.get("/signatories", query_string={"q": bad.value})
    if bad.expect == REFUSED:
        _assert_refused_page(response, "q")
        return
    assert response.status_code == 200
    page = _text(response)
    assert f'name="q" type="search" value="{escape(bad.value)}"' in page
    if "<" in bad.value:
        assert bad.value not in page


@pytest.mark.parametrize("bad", **by_name(TEXT))
def test_explorer_filters_from_the_corpus_are_refused_or_ignored_inertly(client, db, bad):
    query = {"country": bad.value, "programme": bad.value, "goal": bad.value}
    response = client.get("/commitments", query_string=query)
    if bad.expect == REFUSED:
        _assert_refused_page(response, "country")
        return
    assert response.status_code == 200
    page = _text(response)
    assert "Not a valid choice" in page
    if "<" in bad.value:
        assert bad.value not in page


@pytest.mark.parametrize("bad", **by_name(INVALID_UTF8))
def test_a_query_string_that_is_not_utf8_is_refused(client, bad):
    response = client.get("/signatories?q=" + quote_from_bytes(bad.value))
    assert response.status_code == 400
    assert "“q” is not valid UTF-8 text." in _text(response)


# A member: the organisation's profile, a new commitment, a progress report.


@pytest.mark.parametrize("bad", **by_name(TEXT))
def test_a_profile_name_from_the_corpus_is_refused_or_shown_escaped_in_public(
    db, client, member_client, own, bad
):
    response = member_client.post(
        f"/my/{own.slug}/profile",
        data={"name": bad.value, "description": bad.value, "locality": bad.value},
    )
    db.session.refresh(own)
    if bad.expect == REFUSED:
        _assert_refused_page(response, "name")
        assert own.name == "Coop Horizon"
        return
    assert response.status_code == 302, _text(response)
    assert (own.name, own.description, own.locality) == (bad.value,) * 3
    page = _text(client.get(f"/signatories/{own.slug}"))
    assert str(escape(bad.value)) in page
    if "<" in bad.value:
        assert bad.value not in page


@pytest.mark.parametrize("bad", **by_name(TEXT))
def test_a_commitment_title_from_the_corpus_is_refused_or_shown_escaped(
    db, member_client, own, make_programme, bad
):
    programme = make_programme()
    before = _counts(db)
    response = member_client.post(
        f"/my/{own.slug}/commitments/new",
        data=commitment_form(programme.id, title=bad.value),
    )
    if bad.expect == REFUSED:
        _assert_refused_page(response, "title")
        assert _counts(db) == before
        return
    assert response.status_code == 302, _text(response)
    commitment = db.session.scalar(sa.select(Commitment).where(Commitment.signatory_id == own.id))
    assert commitment.title == bad.value
    page = _text(member_client.get(response.headers["Location"]))
    assert str(escape(bad.value)) in page
    if "<" in bad.value:
        assert bad.value not in page


@pytest.mark.parametrize("field", ["start_date", "due_date"])
@pytest.mark.parametrize("bad", **by_name(DATES))
def test_a_commitment_date_out_of_range_is_refused_next_to_the_field(
    db, member_client, own, make_programme, field, bad
):
    programme = make_programme()
    before = _counts(db)
    response = member_client.post(
        f"/my/{own.slug}/commitments/new",
        data=commitment_form(programme.id, **{field: bad.value}),
    )
    assert response.status_code == 422
    assert "Not a valid date value." in _text(response).split(f'id="{field}-errors"')[1][:300]
    assert _counts(db) == before


@pytest.mark.parametrize("bad", **by_name(EDGE_DATES))
def test_a_commitment_at_the_edge_of_the_calendar_is_refused_or_stored_and_every_page_shows(
    db, client, member_client, own, make_programme, bad
):
    programme = make_programme()
    before = _counts(db)
    response = member_client.post(
        f"/my/{own.slug}/commitments/new",
        data=commitment_form(programme.id, start_date=bad.value, due_date=bad.value),
    )
    assert response.status_code in (302, 422), _text(response)[:500]
    if response.status_code == 422:
        assert _counts(db) == before
        return
    commitment = db.session.scalar(sa.select(Commitment).where(Commitment.signatory_id == own.id))
    for path in (
        f"/my/{own.slug}/commitments",
        f"/my/{own.slug}/commitments/{commitment.id}",
        f"/my/{own.slug}/commitments/{commitment.id}/edit",
        "/my/",
    ):
        assert member_client.get(path).status_code == 200, path


@pytest.mark.parametrize("bad", **by_name(TEXT))
def test_a_progress_narrative_from_the_corpus_is_refused_or_stored_verbatim_and_sanitised(
    db, member_client, own, make_commitment, bad
):
    commitment = make_commitment(signatory=own, status=CommitmentStatus.approved)
    url = f"/my/{own.slug}/commitments/{commitment.id}"
    before = _counts(db)
    response = member_client.post(
        f"{url}/progress", data={"status": "on_track", "narrative": bad.value}
    )
    if bad.expect == REFUSED:
        _assert_refused_page(response, "narrative")
        assert _counts(db) == before
        return
    assert response.status_code == 302, _text(response)
    update = db.session.scalar(
        sa.select(ProgressUpdate).where(ProgressUpdate.commitment_id == commitment.id)
    )
    assert update.narrative == bad.value
    narrative = _text(member_client.get(url)).split("data-narrative>")[1].split("</div>")[0]
    assert "<script" not in narrative and "<img" not in narrative


# The back office: programmes, events, campaigns.


#: (path, form builder, the field the corpus goes into, how to read the stored value back)
BACK_OFFICE = {
    "programme-name": (
        "/admin/programmes/new",
        lambda value: {"code": "ZZ-CORPUS", "name_en": value, "name_fr": "Climat",
                       "goal_numbers": ["13"], "active": "y"},
        "name_en",
        lambda db: db.session.scalar(
            sa.select(Programme.name_en).where(Programme.code == "ZZ-CORPUS")
        ),
    ),
    "event-place": (
        "/manage/events/new",
        lambda value: event_form(place=value),
        "place",
        lambda db: db.session.scalar(
            sa.select(Event.place).where(Event.name == "Nairobi Dialogue")
        ),
    ),
    "campaign-name": (
        "/admin/campaigns/new",
        lambda value: {"name": value, "subject_en": "Your progress", "body_en": "Hello.",
                       "default_locale": "en", "link_valid_days": "21", "save": "1"},
        "name",
        lambda db: db.session.scalar(sa.select(Campaign.name).order_by(Campaign.id.desc())),
    ),
}  # fmt: skip


@pytest.fixture
def secretariat_client(signed_in, secretariat):
    return signed_in(secretariat)


@pytest.mark.parametrize("form", list(BACK_OFFICE))
@pytest.mark.parametrize("bad", **by_name(TEXT))
def test_a_back_office_field_from_the_corpus_is_refused_or_stored_and_shown_escaped(
    db, secretariat_client, form, bad
):
    path, build, field, read = BACK_OFFICE[form]
    before = _back_office_counts(db)
    response = secretariat_client.post(path, data=build(bad.value))
    if bad.expect == REFUSED:
        _assert_refused_page(response, field)
        assert _back_office_counts(db) == before
        return
    assert response.status_code == 302, _text(response)[:2000]
    # Campaign names are kept on one line, their spaces collapsed: the corpus has none to collapse.
    assert read(db) == bad.value
    page = _text(secretariat_client.get(response.headers["Location"]))
    assert str(escape(bad.value)) in page
    if "<" in bad.value:
        assert bad.value not in page


def _back_office_counts(db) -> dict:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Programme, Event, Campaign)
    }


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("0001-01-01T00:00", "out of range"),
        ("0001-01-05T09:00", "out of range"),
        ("9999-12-31T23:00", "out of range"),
        ("10000-01-01T00:00", "Not a valid datetime value."),
        ("2031-02-31T09:00", "Not a valid datetime value."),
    ],
    ids=["year-1", "year-1-fifth", "year-9999", "year-10000", "february-31"],
)
def test_an_event_date_out_of_range_is_refused_next_to_its_field(
    db, secretariat_client, starts_at, message
):
    before = _back_office_counts(db)
    response = secretariat_client.post(
        "/manage/events/new", data=event_form(starts_at=starts_at, ends_at="", timezone="UTC")
    )
    assert response.status_code == 422
    assert message in _text(response).split('id="starts_at-errors"')[1][:300]
    assert _back_office_counts(db) == before


@pytest.mark.parametrize(
    "path",
    [
        "/signatories/%ff%fe",
        "/signatories/a%01b",
        "/signatories/%ed%a0%80",
        "/api/v1/signatories/%ff",
        "/api/v1/programmes/%01",
        "/admin/programmes/%ff/edit",
    ],
)
def test_a_path_with_bad_bytes_is_not_found(client, secretariat_client, path):
    assert secretariat_client.get(path).status_code == 404
    anonymous = client.get(path)
    if path.startswith("/admin/"):
        assert anonymous.status_code == 302
        assert "/sign-in" in anonymous.headers["Location"]
    else:
        assert anonymous.status_code == 404


#: Numbers a form field may receive that are not numbers a person means.
BAD_NUMBERS = {
    "nan": "NaN",
    "infinity": "Infinity",
    "huge-exponent": "1e400",
    "huge-integer": "99999999999999999999999",
    "negative": "-5",
    "words": "twelve",
    "hex": "0x1F",
}
#: The fields where a negative number is a number like any other (a baseline may be below 0).
NEGATIVE_ALLOWED = ("indicators-0-baseline", "indicators-0-target")


def _names_field(page: str, field: str) -> bool:
    """Whether the page shows an error for ``field``: beside it, or in the summary on top."""
    return f'id="{field}-errors"' in page or f'href="#{field}"' in page


@pytest.mark.parametrize(
    "field",
    [
        "cadence_months",
        "funding_amount",
        "programme_id",
        "indicators-0-baseline",
        "indicators-0-target",
        "proposal_id",
    ],
)
@pytest.mark.parametrize("number", list(BAD_NUMBERS))
def test_a_commitment_number_that_means_nothing_is_refused_next_to_its_field(
    db, member_client, own, make_programme, field, number
):
    programme = make_programme()
    before = _counts(db)
    data = commitment_form(programme.id)
    data[field] = BAD_NUMBERS[number]
    if field == "funding_amount":
        data["funding_currency"] = "EUR"
    response = member_client.post(f"/my/{own.slug}/commitments/new", data=data)
    if number == "negative" and field in NEGATIVE_ALLOWED:
        assert response.status_code == 302, _text(response)[:3000]
        commitment = db.session.scalar(
            sa.select(Commitment).where(Commitment.signatory_id == own.id)
        )
        indicator = commitment.indicators[0]
        assert {
            "indicators-0-baseline": indicator.baseline,
            "indicators-0-target": indicator.target,
        }[field] == -5
        return
    assert response.status_code == 422
    assert _names_field(_text(response), field)
    assert _counts(db) == before


@pytest.mark.parametrize("number", list(BAD_NUMBERS))
def test_a_progress_number_that_means_nothing_is_refused_next_to_its_field(
    db, member_client, own, make_commitment, number
):
    commitment = make_commitment(signatory=own, status=CommitmentStatus.approved)
    indicator = commitment.indicators[0]
    before = _counts(db)
    value = BAD_NUMBERS[number]
    response = member_client.post(
        f"/my/{own.slug}/commitments/{commitment.id}/progress",
        data={"status": "on_track", "percent_complete": value},
    )
    assert response.status_code == 422
    assert _names_field(_text(response), "percent_complete")
    if number != "negative":
        response = member_client.post(
            f"/my/{own.slug}/commitments/{commitment.id}/progress",
            data={"status": "on_track", f"indicator_{indicator.id}": value},
        )
        assert response.status_code == 422
        assert _names_field(_text(response), f"indicator_{indicator.id}")
    assert _counts(db) == before


@pytest.mark.parametrize(
    "page", ["99999999999999999999", "9223372036854775807", "92233720368547758", "-5", "x"]
)
@pytest.mark.parametrize("path", ["/signatories", "/commitments", "/manage/events"])
def test_a_page_number_of_any_size_shows_a_page(db, make_signatory, secretariat_client, path, page):
    make_signatory(name="Coop Listed")
    response = secretariat_client.get(path, query_string={"page": page})
    assert response.status_code == 200
    if path == "/signatories":
        assert "Coop Listed" in _text(response)


def test_every_page_with_an_id_too_large_for_the_database_is_a_plain_refusal(
    app, db, own, member_client, secretariat_client
):
    """Flask's ``int`` takes any size; the database's INTEGER does not (an error, not a 404)."""
    huge = "99999999999999999999"
    answers = {}
    for rule in app.url_map.iter_rules():
        kinds = {name: type(converter).__name__ for name, converter in rule._converters.items()}
        if rule.rule.startswith("/api/") or "IntegerConverter" not in kinds.values():
            continue
        values = {
            name: {"IntegerConverter": int(huge), "AnyConverter": "pause"}.get(kind, own.slug)
            for name, kind in kinds.items()
        }
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            for who in ("member", "secretariat"):
                client = member_client if who == "member" else secretariat_client
                try:
                    answers[method, path, who] = client.open(path, method=method).status_code
                except Exception as error:  # noqa: BLE001 - every failure is listed at the end
                    db.session.rollback()
                    answers[method, path, who] = repr(error)[:80]
    assert len(answers) > 50
    proposal = member_client.get(f"/my/{own.slug}/commitments/new?proposal={huge}")
    answers["GET", "new commitment ?proposal=", "member"] = proposal.status_code
    failed = {
        key: answer
        for key, answer in answers.items()
        if not (isinstance(answer, int) and 300 <= answer < 500)
    }
    assert failed == {}


def test_a_campaign_audience_naming_an_id_past_the_database_is_refused(db, secretariat_client):
    before = _back_office_counts(db)
    response = secretariat_client.post(
        "/admin/campaigns/new",
        data={
            "name": "Audience",
            "subject_en": "Hello",
            "body_en": "Hello.",
            "default_locale": "en",
            "link_valid_days": "21",
            "save": "1",
            "programme_ids": ["99999999999999999999"],
        },
    )
    assert response.status_code == 422
    assert "unknown programme: 99999999999999999999" in _text(response)
    assert _back_office_counts(db) == before


@pytest.mark.parametrize(
    "cutoff_at",
    ["0001-01-01T00:00", "9999-12-31T23:59", "10000-01-01T00:00", "2026-02-31T00:00", "now"],
)
def test_a_snapshot_cutoff_at_the_edge_of_the_calendar_is_refused_or_taken(
    db, secretariat_client, cutoff_at
):
    response = secretariat_client.post(
        "/snapshots/new", data={"title": "Edge", "cutoff_at": cutoff_at}
    )
    assert response.status_code in (302, 422), _text(response)[:2000]
    if response.status_code == 302:
        assert secretariat_client.get(response.headers["Location"]).status_code == 200
    else:
        assert 'id="cutoff_at-errors"' in _text(response)
