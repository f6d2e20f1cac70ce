"""The OpenAPI document states the input guard's rule on every text field a client sends.

The guard (``core.input_guard``) refuses, with 422, text holding control
characters but tab, line feed and carriage return: a client generated from the
document must know it, so each free-text field of a request body and each text
query parameter carries the rule as a ``pattern`` (or, where the field has a
pattern of its own, in its description).
"""

import re

import pytest

from pact_tracker.core.input_guard import FORBIDDEN, TEXT_PATTERN


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _resolve(spec, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    return schema


def _text_fields(spec, schema: dict, path: str, seen: set):
    """(path, schema) of every free-text string a body of ``schema`` may hold."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen = seen | {schema["$ref"]}
    schema = _resolve(spec, schema)
    if schema.get("readOnly"):
        return
    if schema.get("type") == "string" and "format" not in schema and "enum" not in schema:
        yield path, schema
    for name, inner in schema.get("properties", {}).items():
        yield from _text_fields(spec, inner, f"{path}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _text_fields(spec, schema[key], f"{path}[]", seen)
    for inner in schema.get("allOf", []) + schema.get("anyOf", []) + schema.get("oneOf", []):
        yield from _text_fields(spec, inner, path, seen)


def _sent_text_fields(spec):
    for route, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            where = f"{method.upper()} {route}"
            for parameter in operation.get("parameters", []):
                parameter = _resolve(spec, parameter)
                if parameter.get("in") == "query":
                    yield from _text_fields(
                        spec, parameter["schema"], f"{where} ?{parameter['name']}", set()
                    )
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                yield from _text_fields(spec, body["schema"], f"{where} body", set())


def test_every_text_field_a_client_sends_states_that_control_characters_are_refused(spec):
    fields = list(_sent_text_fields(spec))

    assert len(fields) > 50  # names, titles, descriptions, narratives, filters...
    unstated = [
        path
        for path, schema in fields
        if schema.get("pattern") != TEXT_PATTERN
        and "No control characters" not in schema.get("description", "")
    ]
    assert unstated == []
    assert "X-Pagination" in spec["info"]["description"]
    assert "control characters" in spec["info"]["description"]


def test_the_stated_pattern_refuses_exactly_what_the_guard_refuses():
    pattern = re.compile(TEXT_PATTERN)
    for code in [*range(0x20), 0x7F, 0xA0, 0xE9, 0x2028, 0x1F600]:
        text = f"a{chr(code)}b"
        assert (pattern.fullmatch(text) is None) == bool(FORBIDDEN.search(text)), hex(code)


def test_a_body_breaking_the_stated_pattern_is_refused_with_422(client, token_for, secretariat):
    response = client.post(
        "/api/v1/programmes",
        json={"code": "CTL", "name_en": "Bell\x07", "name_fr": "Cloche"},
        headers=token_for(secretariat),
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["name_en"] == [
        "Must not contain the character U+0007."
    ]
