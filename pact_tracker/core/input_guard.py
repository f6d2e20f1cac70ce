"""Text that no field may hold, refused once for every page and API route.

A request is refused (400 or 422, naming the field) before any view runs when its
query string, form fields or JSON body carry text the rest of the app cannot
store or export safely:

- bytes that are not UTF-8 (Werkzeug would quietly turn them into U+FFFD);
- NUL (PostgreSQL refuses it in text, even in a look-up) and the other C0
  control characters but tab, line feed and carriage return (spreadsheets
  and XML refuse them, and no one types them);
- lone UTF-16 surrogates, which JSON can spell (``"\\ud800"``) but no
  database can store.

Line breaks stay allowed: they belong in descriptions and narratives. Fields
that end in a mail header (subjects) are made one line where they are rendered.
Uploaded files are not looked at here: the CSV import reads them with its own
messages, by line.
"""

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, HTTPException, UnprocessableEntity

#: Characters refused in any text a request brings.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
#: The same rule as the OpenAPI document states it for every text field (JSON Schema's
#: ECMA-262 syntax). Lone surrogates are left to the description: a pattern excluding
#: them would also refuse, in a JavaScript client, every character past U+FFFF.
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F]*$"
#: Patterns of fields that refused only NUL: ``TEXT_PATTERN`` says that and more.
_NUL_ONLY = ("^[^\\x00]*$",)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def init_input_guard(app: Flask) -> None:
    app.before_request(refuse_unusable_text)


def text_rule_in_openapi(self, field, ret: dict, **kwargs) -> dict:
    """An apispec attribute function: every text field a client sends carries ``TEXT_PATTERN``.

    Free text only (no ``format`` or ``enum``, which say more already); fields only
    read back (``dump_only``) are never checked, so say nothing.
    """
    if ret.get("type") != "string" or "format" in ret or "enum" in ret or field.dump_only:
        return {}
    if ret.get("pattern", _NUL_ONLY[0]) in _NUL_ONLY:
        return {"pattern": TEXT_PATTERN}
    # A field with a pattern of its own keeps it; its description states the rule.
    rule = "No control characters but tab, line feed and carriage return (422)."
    return {"description": f"{ret.get('description', '')} {rule}".strip()}


def forbidden_character(text: str) -> str | None:
    """The first character of ``text`` that no field may hold, as ``U+XXXX``; or None."""
    found = FORBIDDEN.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def refuse_unusable_text() -> None:
    """Refuse the request if any of its text is not UTF-8 or holds a forbidden character."""
    _check_raw("query", request.query_string)
    _check_fields("query", request.args.items(multi=True))
    if request.mimetype == _FORM_TYPES[0]:
        _check_raw("form", request.get_data(cache=True))
    if request.mimetype in _FORM_TYPES:
        _check_fields("form", request.form.items(multi=True), multipart=True)
    elif request.is_json:
        _check_json()


def _check_raw(location: str, raw: bytes) -> None:
    """Each ``name=value`` of a URL-encoded string must decode as UTF-8."""
    for pair in raw.split(b"&"):
        name, _sep, value = pair.partition(b"=")
        for part in (name, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                field = unquote_to_bytes(name).decode("utf-8", "replace")
                message = _("“%(field)s” is not valid UTF-8 text.", field=field)
                raise _refusal(location, field, message, malformed=True) from None


def _check_fields(location: str, items, *, multipart: bool = False) -> None:
    for name, value in items:
        if multipart and "\ufffd" in value:
            # Multipart fields were decoded with replacement: a U+FFFD is a byte that was not UTF-8.
            message = _("“%(field)s” is not valid UTF-8 text.", field=name)
            raise _refusal(location, name, message, malformed=True)
        _check_text(location, name, name)
        _check_text(location, name, value)


def _check_json() -> None:
    raw = request.get_data(cache=True)
    try:
        # Decoded strictly: json.loads would let UTF-8-encoded surrogates through.
        body = json.loads(raw.decode("utf-8-sig"))
    except ValueError:
        return  # The route's parser says the body is not JSON, in its own words.
    for path, text in _strings(body, ""):
        _check_text("json", path or "(body)", text)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a JSON document (keys too), with the dotted path to it."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            inner_path = f"{path}.{key}" if path else str(key)
            yield inner_path, key
            yield from _strings(inner, inner_path)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings(inner, f"{path}.{index}" if path else str(index))


def _check_text(location: str, field: str, text: str) -> None:
    character = forbidden_character(text)
    if character is None:
        return
    shown = FORBIDDEN.sub("?", field)
    message = _(
        "“%(field)s” contains a character that is not allowed (%(character)s): "
        "remove it and send again.",
        field=shown,
        character=character,
    )
    # Beside the field, the words the API's schemas use for it.
    if character == "U+0000":
        beside = _("Must not contain NUL characters.")
    else:
        beside = _("Must not contain the character %(character)s.", character=character)
    raise _refusal(location, shown, message, beside=beside)


def _refusal(
    location: str,
    field: str,
    message: str,
    *,
    beside: str | None = None,
    malformed: bool = False,
) -> HTTPException:
    """An error a page shows as its description and the API as its message and errors.

    400 for bytes that are not text at all; 422, as for any field that breaks a
    rule, for text holding a forbidden character.
    """
    error = (BadRequest if malformed else UnprocessableEntity)(description=message)
    error.data = {"message": message, "errors": {location: {field: [beside or message]}}}
    return error
