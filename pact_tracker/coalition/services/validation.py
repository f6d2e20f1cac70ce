"""Checks shared by the coalition's services: every problem is collected, per field."""

from datetime import date
from typing import Any

from pact_tracker.coalition.models import Role, SignatoryStatus
from pact_tracker.core.errors import InvalidInput

#: Longest description or status reason accepted, so one row cannot swamp a page.
MAX_LONG_TEXT = 10_000


class Errors(dict):
    """Messages per field, collected so that the caller learns every problem at once."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self, message: str) -> None:
        if self:
            raise InvalidInput(message, errors=dict(self))


def clean_text(
    data: dict, field: str, errors: Errors, *, max_length: int, required: bool = False
) -> str | None:
    """The stripped text of ``data[field]``; None when absent or blank and not required."""
    value = data.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, "Must be a text.")
        return None
    value = value.strip()
    if "\x00" in value:
        # PostgreSQL refuses NUL in text, even in a look-up: stop before any query.
        errors.add(field, "Must not contain NUL characters.")
        return None
    if required and not value:
        errors.add(field, "This field is required.")
    if len(value) > max_length:
        errors.add(field, f"At most {max_length} characters.")
    return value or None


def refuse_unknown(data: dict, allowed: frozenset[str], errors: Errors) -> None:
    """Report every key of ``data`` outside ``allowed``."""
    for field in sorted(set(data) - allowed):
        errors.add(field, "Unknown field.")


def _serialisable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if isinstance(value, SignatoryStatus | Role) else value


def apply_changes(obj, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Set the values that differ on ``obj``; return ``{field: {"from": old, "to": new}}``."""
    changes = {}
    for field, value in values.items():
        old = getattr(obj, field)
        if old != value:
            setattr(obj, field, value)
            changes[field] = {"from": _serialisable(old), "to": _serialisable(value)}
    return changes
