"""The whole API fuzzed from its own OpenAPI document (schemathesis, in-process).

Every operation gets 100 examples, valid and invalid, each sent with one
credential drawn from: none, a bad one, a member's token, the secretariat's.
Whatever comes, it must hold that:

- no answer is a server error;
- the status code is one the document lists for the operation (it lists no
  catch-all ``default``), and the body matches the schema given for it;
- invalid input is refused with a 4xx and the API's error body;
- a bad credential is refused (401) everywhere, and no credential at all is
  refused (401) wherever the document says a token is needed.

Most valid examples name rows that exist (``fuzzing_world``) so that the fuzzer
gets past the lookups. An operation's examples share one transaction, rolled
back at its end: the rows they create or change are what later examples meet.
Schemathesis's coverage phase (every boundary of every field, unexpected
methods) is left out: it would double the time; ``fuzzing`` draws 100 examples
per operation, valid and invalid.
"""

import json

import pytest
import schemathesis
from fuzzing_world import build_world, known_path, openapi_document
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Hypothesis draws the first more often than the others: the one that reaches furthest.
CREDENTIALS = ("secretariat", "member", "anonymous", "bad")
BAD_HEADERS = (
    {"Authorization": "Bearer pact_not-a-token"},
    {"Authorization": "Bearer not-even-ours"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer"},
)

CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {"coverage": {"enabled": False}},
        "checks": {
            # The schemas say the shape of a field; the services say more (a country that
            # exists, an email address that can be delivered): a 422 naming the field, too.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
            },
            # Checked on every example below, with no token and with bad ones.
            "ignored_auth": {"enabled": False},
        },
    }
)
# Read at collection, to make one test per operation; see ``fuzzing_world.openapi_document``.
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)


@pytest.fixture
def fuzz_world(db, make_signatory, make_user, make_commitment, make_proposal, token_for):
    return build_world(db, make_signatory, make_user, make_commitment, make_proposal, token_for)


@pytest.fixture(scope="module")
def credentials_tried():
    """Which credentials each operation was sent with: every one, checked at the end."""
    tried: dict[str, set[str]] = {}
    yield tried
    missing = {label: set(CREDENTIALS) - kinds for label, kinds in tried.items()}
    assert not {label: kinds for label, kinds in missing.items() if kinds}


def _requires_token(case) -> bool:
    return bool(case.operation.definition.raw.get("security"))


def _router_refuses(case, positive: bool) -> bool:
    """Whether the router may answer first: a method the path does not have (405), path
    parameters made invalid (404)."""
    if case.method.upper() != case.operation.method.upper():
        return True
    return not positive and bool(case.path_parameters)


def _is_positive(case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


#: The header that carries the choices ``flatmap_case`` drew to the test; never sent.
CHOICES = "X-Fuzz-Choices"


@schema.hook
def flatmap_case(context, case):
    """Draw, with the case itself, its credential and whether it names rows that exist."""
    choices = st.fixed_dictionaries(
        {
            "credential": st.sampled_from(CREDENTIALS),
            "bad": st.integers(0, len(BAD_HEADERS) - 1),
            "invented_path": st.booleans(),
            "variant": st.integers(0, 1),
        }
    )
    return choices.map(lambda drawn: _carrying(case, drawn))


def _carrying(case, drawn: dict):
    case.headers = {**(case.headers or {}), CHOICES: json.dumps(drawn)}
    return case


def _choices(case, tried: dict) -> dict:
    """What ``flatmap_case`` drew; the document's explicit examples skip it and take turns."""
    if case.headers and CHOICES in case.headers:
        return json.loads(case.headers.pop(CHOICES))
    turn = sum(len(kinds) for kinds in tried.values()) + len(tried.get(case.operation.label, ()))
    return {
        "credential": CREDENTIALS[turn % len(CREDENTIALS)],
        "bad": turn % len(BAD_HEADERS),
        "invented_path": True,
        "variant": 0,
    }


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_holds_under_fuzzing(case, app, fuzz_world, credentials_tried):
    drawn = _choices(case, credentials_tried)
    kind = drawn["credential"]
    positive = _is_positive(case)
    # The credential is ours to choose, not one schemathesis made up from the document.
    credential = BAD_HEADERS[drawn["bad"]] if kind == "bad" else fuzz_world["headers"].get(kind, {})
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.headers = {**headers, **credential}
    names = list(case.path_parameters or {})
    if names and positive and not drawn["invented_path"]:
        case.path_parameters = known_path(fuzz_world, case.path, names, drawn["variant"])

    response = case.call_and_validate(app=app, session=app.test_client())

    status = response.status_code
    assert status < 500, response.text
    if status >= 400:
        body = json.loads(response.text)
        assert body["code"] == status, body
        assert isinstance(body["status"], str), body
    if "Authorization" not in response.request.headers:
        # Cases that test a missing credential are sent without the one drawn.
        kind = "anonymous"
    credentials_tried.setdefault(case.operation.label, set()).add(kind)
    routed = not _router_refuses(case, positive)
    if kind == "bad":
        assert status == 401 or not routed, (status, response.text)
    elif kind == "anonymous" and _requires_token(case):
        # The input guard refuses text no field may hold (400, 422) before the view asks
        # for a token; the router a path it cannot match.
        assert status in (401, 400, 422) or not routed, (status, response.text)
        assert not 200 <= status < 300, (status, response.text)


# What the fuzzer found, kept as plain tests.


def test_every_refusal_is_documented_with_the_error_body():
    document = openapi_document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert "default" not in responses, (method, path)
            assert "401" in responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= set(responses), (method, path)
            for code, response in responses.items():
                if "$ref" in response:
                    name = response["$ref"].removeprefix("#/components/responses/")
                    response = document["components"]["responses"][name]
                if int(code) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, code)


def test_a_page_past_any_list_is_empty_not_an_error(client):
    response = client.get("/api/v1/events?page=922337203685477482")
    assert response.status_code == 200
    assert response.get_json() == []


def test_a_number_past_the_integers_range_names_no_goal(client):
    assert client.get("/api/v1/sdg/goals/9223372036854775808").status_code == 404
    response = client.get("/api/v1/sdg/targets?goal=9223372036854775808")
    assert response.status_code == 422
    assert "goal" in response.get_json()["errors"]["query"]


def test_a_method_the_path_does_not_have_is_405_naming_those_it_has(client):
    response = client.open("/api/v1/sdg/goals", method="TRACE")
    assert response.status_code == 405
    assert response.get_json()["code"] == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_the_router_answers_before_a_bad_token_is_looked_at(client):
    headers = {"Authorization": "Bearer pact_not-a-token"}
    assert client.get("/api/v1/no-such-thing", headers=headers).status_code == 404
    assert client.get("/api/v1/sdg/goals", headers=headers).status_code == 401


def test_decimals_are_documented_as_the_strings_they_are(
    client, make_commitment, secretariat, token_for
):
    commitment = make_commitment()
    response = client.get(f"/api/v1/commitments/{commitment.id}", headers=token_for(secretariat))
    assert response.status_code == 200
    assert response.get_json()["indicators"][0]["target"] == "200.0000"
    document = openapi_document()
    target = document["components"]["schemas"]["Indicator"]["properties"]["target"]
    assert (target["type"], target["format"]) == ("string", "decimal")
