"""The bad-input corpus through the JSON API.

Refused values get a JSON error naming the field (``errors.json.<field>``)
and change nothing; stored values come back exactly as sent. Nothing a
client sends gets a 500.
"""

import json
from urllib.parse import quote_from_bytes

import pytest
import sqlalchemy as sa
from corpus import (
    DATES,
    EDGE_DATES,
    EMPTY,
    INVALID_UTF8,
    JSON_ONLY,
    REFUSED,
    TEXT,
    WRONG_TYPES,
    by_name,
    huge,
)

from pact_tracker.campaigns.models import Campaign
from pact_tracker.coalition.models import Role, Signatory, User
from pact_tracker.commitments.models import Commitment, CommitmentStatus, ProgressUpdate
from pact_tracker.events.models import Event
from pact_tracker.programmes.models import Programme

API = "/api/v1"
COUNTED = (Signatory, User, Commitment, ProgressUpdate, Programme, Event)


def _counts(db) -> dict:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in COUNTED
    }


@pytest.fixture
def world(db, make_signatory, make_user, make_programme, make_commitment, token_for):
    own = make_signatory(name="Coop Horizon", slug="coop-horizon")
    member = make_user(name="Olga Owner", signatory=own)
    made = {
        "own": own,
        "member_user": member,
        "member": token_for(member),
        "secretariat": token_for(make_user(role=Role.secretariat)),
        "programme": make_programme(),
        "approved": make_commitment(signatory=own, status=CommitmentStatus.approved),
    }
    db.session.commit()  # a refused request rolls back to here, not past the setup
    return made


def _programme(**overrides) -> dict:
    data = {"code": "ZZ-CORPUS", "name_en": "Climate", "name_fr": "Climat", "goal_numbers": [13]}
    data.update(overrides)
    return data


def _commitment(world, **overrides) -> dict:
    data = {
        "programme_id": world["programme"].id,
        "title": "Open repair cafés",
        "description": "Volunteers repair what people bring.",
        "start_date": "2026-01-01",
        "due_date": "2027-12-31",
        "target_codes": ["12.5"],
    }
    data.update(overrides)
    return data


#: (name, method, path, who, body builder, the field the corpus goes into, how to read it back)
WRITES = {
    "programme-name": (
        "post", "/programmes", "secretariat",
        lambda world, value: _programme(name_en=value), "name_en",
        lambda db, world, body: db.session.scalar(
            sa.select(Programme.name_en).where(Programme.code == "ZZ-CORPUS")
        ),
    ),
    "signatory-description": (
        "post", "/signatories", "secretariat",
        lambda world, value: {
            "name": "Ville de Lille", "organisation_type_code": "local_authority",
            "country_code": "FR", "description": value,
        },
        "description",
        lambda db, world, body: db.session.scalar(
            sa.select(Signatory.description).where(Signatory.name == "Ville de Lille")
        ),
    ),
    "my-name": (
        "patch", "/users/me", "member",
        lambda world, value: {"name": value}, "name",
        lambda db, world, body: db.session.scalar(
            sa.select(User.name).where(User.id == world["member_user"].id)
        ),
    ),
    "commitment-title": (
        "post", "/signatories/coop-horizon/commitments", "member",
        lambda world, value: _commitment(world, title=value), "title",
        lambda db, world, body: db.session.scalar(
            sa.select(Commitment.title).where(Commitment.id == body["id"])
        ),
    ),
    "progress-narrative": (
        "post", "/commitments/{approved}/updates", "member",
        lambda world, value: {"status": "on_track", "narrative": value}, "narrative",
        lambda db, world, body: db.session.scalar(
            sa.select(ProgressUpdate.narrative).where(ProgressUpdate.id == body["id"])
        ),
    ),
}  # fmt: skip


def _send(client, world, write: str, value):
    method, path, who, build, field, _read = WRITES[write]
    url = API + path.format(approved=world["approved"].id)
    body = build(world, value)
    return getattr(client, method)(url, json=body, headers=world[who]), field


def _assert_refused(response, field: str, status: int = 422) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == status
    assert field in body["errors"]["json"], body


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("bad", **by_name(TEXT + JSON_ONLY))
def test_a_text_field_from_the_corpus_is_refused_or_stored_verbatim(client, db, world, write, bad):
    before = _counts(db)
    response, field = _send(client, world, write, bad.value)
    if bad.expect == REFUSED:
        _assert_refused(response, field)
        assert "is not allowed (U+" in response.get_json()["message"]
        assert _counts(db) == before
        db.session.refresh(world["member_user"])
        assert world["member_user"].name == "Olga Owner"
        return
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    body = response.get_json()
    assert body[field] == bad.value
    read = WRITES[write][-1]
    assert read(db, world, body) == bad.value


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("bad", **by_name(WRONG_TYPES))
def test_a_text_field_of_the_wrong_type_is_refused(client, db, world, write, bad):
    before = _counts(db)
    response, field = _send(client, world, write, bad.value)
    _assert_refused(response, field)
    assert _counts(db) == before


@pytest.mark.parametrize("bad", **by_name(EMPTY))
def test_an_empty_required_name_is_refused(client, db, world, bad):
    before = _counts(db)
    response = client.post(
        f"{API}/programmes", json=_programme(name_en=bad.value), headers=world["secretariat"]
    )
    _assert_refused(response, "name_en")
    assert _counts(db) == before


def test_a_name_over_its_length_is_refused(client, db, world):
    before = _counts(db)
    response = client.post(
        f"{API}/signatories/coop-horizon/commitments",
        json=_commitment(world, title=huge(200)),
        headers=world["member"],
    )
    _assert_refused(response, "title")
    assert _counts(db) == before


@pytest.mark.parametrize("bad", **by_name(INVALID_UTF8))
def test_a_json_body_that_is_not_utf8_is_refused(client, db, world, bad):
    before = _counts(db)
    raw = b'{"code": "ZZ-CORPUS", "name_en": "' + bad.value + b'", "name_fr": "x"}'
    response = client.post(
        f"{API}/programmes",
        data=raw,
        content_type="application/json",
        headers=world["secretariat"],
    )
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"json": ["Invalid JSON body."]}
    assert _counts(db) == before


@pytest.mark.parametrize(
    "raw",
    [b"", b"null", b"[]", b'"text"', b"12", b"{", b'{"name_en": "x",}', b"\x00"],
    ids=["empty", "null", "list", "string", "number", "truncated", "trailing-comma", "nul"],
)
def test_a_body_that_is_not_a_json_object_is_refused_without_a_crash(client, db, world, raw):
    before = _counts(db)
    response = client.post(
        f"{API}/programmes", data=raw, content_type="application/json", headers=world["secretariat"]
    )
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert response.get_json()["code"] == response.status_code
    assert _counts(db) == before


def test_a_body_over_the_size_limit_gets_a_json_413_saying_so(client, db, world):
    before = _counts(db)
    raw = json.dumps(_programme(description_en="x" * (5 * 1024 * 1024))).encode()
    response = client.post(
        f"{API}/programmes", data=raw, content_type="application/json", headers=world["secretariat"]
    )
    assert response.status_code == 413
    body = response.get_json()
    assert body["code"] == 413
    assert "What you sent is too large" in body["message"]
    assert "at most 5 MB" in body["message"]
    assert _counts(db) == before


@pytest.mark.parametrize("bad", **by_name(TEXT))
def test_a_query_string_from_the_corpus_is_refused_or_answered(client, db, world, bad):
    response = client.get(f"{API}/signatories", query_string={"q": bad.value})
    if bad.expect == REFUSED:
        assert response.status_code == 422
        assert "q" in response.get_json()["errors"]["query"]
    else:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert isinstance(response.get_json(), list)


@pytest.mark.parametrize("bad", **by_name(INVALID_UTF8))
def test_a_query_string_that_is_not_utf8_is_refused(client, bad):
    response = client.get(f"{API}/signatories?q=" + quote_from_bytes(bad.value))
    assert response.status_code == 400
    body = response.get_json()
    assert body["errors"] == {"query": {"q": ["“q” is not valid UTF-8 text."]}}


@pytest.mark.parametrize("field", ["start_date", "due_date"])
@pytest.mark.parametrize("bad", **by_name(DATES))
def test_a_date_out_of_range_is_refused(client, db, world, field, bad):
    before = _counts(db)
    response = client.post(
        f"{API}/signatories/coop-horizon/commitments",
        json=_commitment(world, **{field: bad.value}),
        headers=world["member"],
    )
    _assert_refused(response, field)
    assert _counts(db) == before


@pytest.mark.parametrize("bad", **by_name(EDGE_DATES))
def test_a_commitment_at_the_edge_of_the_calendar_is_refused_or_stored_and_read_back(
    client, db, world, bad
):
    before = _counts(db)
    response = client.post(
        f"{API}/signatories/coop-horizon/commitments",
        json=_commitment(world, start_date=bad.value, due_date=bad.value),
        headers=world["member"],
    )
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    if response.status_code == 422:
        assert _counts(db) == before
        return
    created = response.get_json()
    assert created["due_date"] == bad.value
    read = client.get(f"{API}/commitments/{created['id']}", headers=world["member"])
    assert read.status_code == 200
    smart = client.get(f"{API}/commitments/{created['id']}/smart", headers=world["member"])
    assert smart.status_code == 200


@pytest.mark.parametrize(
    "starts_at",
    ["0001-01-01T00:00:00+00:00", "0001-01-10T12:00:00+00:00", "9999-12-31T23:00:00+00:00"],
    ids=["year-1-midnight", "year-1-tenth", "year-9999"],
)
def test_an_event_at_the_edge_of_the_calendar_is_refused_or_stored_without_a_crash(
    client, db, world, starts_at
):
    before = _counts(db)
    response = client.post(
        f"{API}/events",
        json={"name": "Edge summit", "starts_at": starts_at},
        headers=world["secretariat"],
    )
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    if response.status_code == 422:
        assert response.get_json()["errors"]["json"]
        assert _counts(db) == before
    else:
        assert client.get(f"{API}/events/{response.get_json()['id']}").status_code == 200


#: JSON number tokens that are not numbers a person means (Python's parser reads them all).
BAD_NUMBER_TOKENS = ["NaN", "Infinity", "-Infinity", "1e400", "99999999999999999999999", "-1"]


@pytest.mark.parametrize(
    ("write", "field"),
    [
        ("commitment", "cadence_months"),
        ("commitment", "programme_id"),
        ("commitment", "funding_amount"),
        ("progress", "percent_complete"),
    ],
)
@pytest.mark.parametrize("token", BAD_NUMBER_TOKENS)
def test_a_number_that_means_nothing_is_refused(client, db, world, write, field, token):
    before = _counts(db)
    if write == "commitment":
        url = f"{API}/signatories/coop-horizon/commitments"
        body = json.dumps(_commitment(world, funding_currency="EUR"))
    else:
        url = f"{API}/commitments/{world['approved'].id}/updates"
        body = json.dumps({"status": "on_track"})
    raw = body[:-1] + f', "{field}": {token}}}'
    response = client.post(url, data=raw, content_type="application/json", headers=world["member"])
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    errors = response.get_json().get("errors", {})
    assert field in errors.get("json", {}) or errors == {"json": ["Invalid JSON body."]}, errors
    assert _counts(db) == before


@pytest.mark.parametrize("page", ["99999999999999999999", "9223372036854775807", "2147483648"])
@pytest.mark.parametrize("path", ["/signatories", "/commitments", "/events"])
def test_a_page_number_of_any_size_is_an_empty_page(client, db, world, path, page):
    response = client.get(f"{API}{path}", query_string={"page": page})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == []


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("programme_ids", [2**70]),
        ("programme_ids", [-1]),
        ("programme_ids", ["x"]),
        ("organisation_types", [123]),
        ("organisation_types", [None]),
        ("countries", [12]),
        ("commitment_statuses", [{"a": 1}]),
    ],
    ids=[
        "huge-id",
        "negative-id",
        "word-id",
        "number-type",
        "null-type",
        "number-country",
        "object",
    ],
)
def test_a_campaign_audience_of_the_wrong_kind_is_refused_naming_the_filter(
    client, db, world, name, values
):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Campaign))
    response = client.post(
        f"{API}/campaigns",
        json={
            "name": "Audience",
            "audience": {name: values},
            "contents": {"en": {"subject": "Hello", "body": "Hello."}},
            "default_locale": "en",
        },
        headers=world["secretariat"],
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert name in json.dumps(response.get_json()["errors"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == before


#: Instants that exist where they are written but not in UTC (before year 1, after 9999).
EDGE_INSTANTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]


@pytest.mark.parametrize("instant", EDGE_INSTANTS, ids=["before-year-1", "after-year-9999"])
@pytest.mark.parametrize(
    ("write", "field"),
    [
        ("progress", "reported_at"),
        ("event", "starts_at"),
        ("series", "first_starts_at"),
        ("snapshot", "cutoff_at"),
    ],
)
def test_an_instant_past_the_calendar_in_utc_is_refused(client, db, world, write, field, instant):
    before = _counts(db)
    secretariat = world["secretariat"]
    if write == "progress":
        url = f"{API}/commitments/{world['approved'].id}/updates"
        response = client.post(
            url, json={"status": "on_track", field: instant}, headers=world["member"]
        )
    elif write == "event":
        response = client.post(
            f"{API}/events", json={"name": "Edge", field: instant}, headers=secretariat
        )
    elif write == "series":
        body = {"name": "Edge", "rrule": "FREQ=YEARLY", "timezone": "UTC", field: instant}
        response = client.post(f"{API}/event-series", json=body, headers=secretariat)
    else:
        response = client.post(
            f"{API}/snapshots", json={"title": "Edge", field: instant}, headers=secretariat
        )
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert response.get_json()["errors"], response.get_json()
    assert _counts(db) == before
