"""The bad-input corpus: every value a hostile or careless client may send, with a name.

Each value says what the app must do with it:

- ``REFUSED``: a clear error (400 or 422, a message naming the field), nothing written;
- ``STORED``: stored verbatim and rendered inert (escaped on pages, neutralised in
  spreadsheet exports, one line in mail headers).

The tests in this folder send the text values through pages (form fields),
the API (JSON string fields) and CSV imports (cells), and the other lists
through the places they fit.
"""

from dataclasses import dataclass

REFUSED = "refused"
STORED = "stored"


@dataclass(frozen=True)
class Bad:
    name: str
    value: object
    expect: str

    def __str__(self) -> str:
        return self.name


#: Text a field may receive. Those refused are refused by every route
#: (core.input_guard), those stored must come back out exactly as sent.
TEXT = [
    Bad("nul", "Coop\x00Nul", REFUSED),
    Bad("nul-only", "\x00", REFUSED),
    Bad("bell", "Coop\x07Bell", REFUSED),
    Bad("escape-sequence", "Coop \x1b[31mRed\x1b[0m", REFUSED),
    Bad("vertical-tab", "Coop\x0bTab", REFUSED),
    Bad("html-script", "<script>alert('pwned')</script>", STORED),
    Bad("html-attribute", '"><img src=x onerror=alert(1)>', STORED),
    Bad("sql-quote", "O'Brien'); DROP TABLE signatory; --", STORED),
    Bad("sql-tautology", "x' OR '1'='1", STORED),
    Bad("formula-equals", '=HYPERLINK("http://evil.example","click")', STORED),
    Bad("formula-plus", "+1+cmd|' /C calc'!A0", STORED),
    Bad("formula-minus", "-2+3", STORED),
    Bad("formula-at", "@SUM(1+1)*cmd|' /C calc'!A0", STORED),
    Bad("jinja-markup", "{{ config.SECRET_KEY }}{% raw %}", STORED),
    Bad("unicode-mixed", "Zoë 🌍 ‮cod.exe ∑ 中文", STORED),
]

#: Text that a single-line field must never let into a mail header.
HEADER_INJECTION = [
    Bad("crlf-bcc", "Ada\r\nBcc: victim@example.org", STORED),
    Bad("lf-header", "Ada\nX-Injected: yes", STORED),
    Bad("cr-only", "Ada\rSubject: forged", STORED),
    Bad("crlf-body", "Ada\r\n\r\n<html>forged body</html>", STORED),
]

#: Raw bytes that are not UTF-8, as a body, a query string or a file would carry them.
INVALID_UTF8 = [
    Bad("latin1", "Café".encode("latin-1"), REFUSED),
    Bad("lone-continuation", b"ab\x80cd", REFUSED),
    Bad("truncated-sequence", b"\xe2\x82", REFUSED),
    Bad("overlong-slash", b"\xc0\xaf", REFUSED),
    Bad("encoded-surrogate", b"\xed\xa0\x80", REFUSED),
    Bad("byte-ff", b"\xff\xfe", REFUSED),
]

#: JSON strings that decode to text no database stores.
JSON_ONLY = [
    Bad("json-lone-surrogate", "\ud800", REFUSED),
    Bad("json-escaped-nul", "\u0000", REFUSED),
]

#: Values of the wrong type for a text field in a JSON body.
WRONG_TYPES = [
    Bad("number", 12345, REFUSED),
    Bad("boolean", True, REFUSED),
    Bad("list", ["a", "b"], REFUSED),
    Bad("object", {"en": "a"}, REFUSED),
]

#: Dates, as text, that are not dates a person can mean.
DATES = [
    Bad("year-0", "0000-01-01", REFUSED),
    Bad("year-10000", "10000-01-01", REFUSED),
    Bad("february-31", "2026-02-31", REFUSED),
    Bad("month-13", "2026-13-01", REFUSED),
    Bad("negative-year", "-0001-01-01", REFUSED),
    Bad("not-a-date", "tomorrow", REFUSED),
]

#: Dates that exist but sit at the edges of the calendar: refused, or stored without a 500.
EDGE_DATES = [
    Bad("year-1", "0001-01-01", STORED),
    Bad("year-9999", "9999-12-31", STORED),
]

#: Empty values for a required text field.
EMPTY = [
    Bad("empty", "", REFUSED),
    Bad("blank", "   ", REFUSED),
    Bad("newlines-only", "\r\n\n", REFUSED),
]


def huge(limit: int) -> str:
    """Text longer than a field's limit (well under the request limit)."""
    return "x" * (limit + 1)


def by_name(values: list[Bad]) -> dict:
    """``pytest.mark.parametrize`` arguments: the values, with their names as ids."""
    return {"argvalues": values, "ids": [value.name for value in values]}
