"""Checking and converting the plain dicts that services receive.

Services are called by the API (values already typed by marshmallow), by the
CSV importer (strings) and by the demo (Python values), so each helper accepts
either and collects every problem before anything is written.
"""

from collections.abc import Set
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from typing import Any

from pact_tracker.core.errors import InvalidInput
from pact_tracker.core.lookup import MAX_ID

#: Largest id a lookup accepts: bigger numbers cannot be rows and overflow PostgreSQL.
_MISSING = object()


class Errors(dict[str, list[str]]):
    """Messages per field, raised together as one ``InvalidInput``."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self, message: str = "Some fields are not valid.") -> None:
        if self:
            raise InvalidInput(message, errors=dict(self))


def refuse_unknown(data: dict, allowed: Set[str], errors: Errors) -> None:
    for key in sorted(data.keys() - allowed):
        errors.add(key, "Unknown field.")


def text(
    value: Any,
    field: str,
    errors: Errors,
    *,
    max_length: int | None = None,
    required: bool = False,
) -> str | None:
    """A stripped string, or None when empty and not required."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, "Must be text.")
        return None
    if "\x00" in value:
        errors.add(field, "Must not contain NUL characters.")
        return None
    value = value.strip()
    if not value:
        if required:
            errors.add(field, "This field is required.")
        return None
    if max_length is not None and len(value) > max_length:
        errors.add(field, f"At most {max_length} characters.")
        return None
    return value


def integer(
    value: Any, field: str, errors: Errors, *, minimum: int, maximum: int, required: bool = False
) -> int | None:
    if value is None or value == "":
        if required:
            errors.add(field, "This field is required.")
        return None
    if isinstance(value, bool):
        errors.add(field, "Must be a whole number.")
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, "Must be a whole number.")
        return None
    if isinstance(value, float) and number != value:
        errors.add(field, "Must be a whole number.")
        return None
    if not minimum <= number <= maximum:
        errors.add(field, f"Must be between {minimum} and {maximum}.")
        return None
    return number


def identifier(value: Any, field: str, errors: Errors, *, required: bool = False) -> int | None:
    return integer(value, field, errors, minimum=1, maximum=MAX_ID, required=required)


def decimal(
    value: Any,
    field: str,
    errors: Errors,
    *,
    integer_digits: int = 16,
    places: int = 4,
    minimum: Decimal | None = None,
    required: bool = False,
) -> Decimal | None:
    """A finite decimal that fits its column, rounded to ``places``."""
    if value is None or value == "":
        if required:
            errors.add(field, "This field is required.")
        return None
    if isinstance(value, bool):
        errors.add(field, "Must be a number.")
        return None
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        errors.add(field, "Must be a number.")
        return None
    if not number.is_finite():
        errors.add(field, "Must be a finite number.")
        return None
    if abs(number) >= _power_of_ten(integer_digits):
        errors.add(field, f"Must have at most {integer_digits} digits before the decimal point.")
        return None
    if minimum is not None and number < minimum:
        errors.add(field, f"Must be at least {minimum}.")
        return None
    return number.quantize(_power_of_ten(-places))


@cache
def _power_of_ten(exponent: int) -> Decimal:
    # Made once: a batch checks thousands of numbers against the same bounds.
    return Decimal(1).scaleb(exponent)


def a_date(value: Any, field: str, errors: Errors, *, required: bool = False) -> date | None:
    if value is None or value == "":
        if required:
            errors.add(field, "This field is required.")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(field, "Must be a date (YYYY-MM-DD).")
        return None


def instant(value: Any, field: str, errors: Errors) -> datetime | None:
    """A timezone-aware datetime in UTC; naive values are read as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors.add(field, "Must be a date and time (ISO 8601).")
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        errors.add(field, "Must be a date and time between the years 1 and 9999.")
        return None


def choice(value: Any, enum_cls: type[Enum], field: str, errors: Errors, *, required: bool = False):
    """A member of ``enum_cls`` given as a member or its value."""
    if value is None or value == "":
        if required:
            errors.add(field, "This field is required.")
        return None
    try:
        return enum_cls(value.value if isinstance(value, Enum) else value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_cls)
        errors.add(field, f"Must be one of: {allowed}.")
        return None


def items(value: Any, field: str, errors: Errors) -> list[dict] | None:
    """A list of dicts (the rows of a nested list such as indicators)."""
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, dict) for v in value):
        errors.add(field, "Must be a list of objects.")
        return None
    return list(value)


def codes(value: Any, field: str, errors: Errors) -> list[str] | None:
    """A list of distinct codes, in the order given."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",")]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.add(field, "Must be a list of codes.")
        return None
    if any("\x00" in v or len(v) > 40 for v in value):
        errors.add(field, "Codes are short and contain no NUL characters.")
        return None
    seen: list[str] = []
    for code in (v.strip() for v in value):
        if code and code not in seen:
            seen.append(code)
    return seen


def missing(data: dict, key: str) -> bool:
    return data.get(key, _MISSING) is _MISSING
