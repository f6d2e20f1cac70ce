"""Column types and SQL helpers that behave the same on SQLite and PostgreSQL."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    SQLite keeps no time zone, so values are normalised to UTC on the way in
    and marked as UTC on the way out; naive datetimes are refused rather than
    guessed at.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware value")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnum(enum.StrEnum):
    """Base for the domain's enums: stored by value, compared as strings."""

    def __str__(self) -> str:
        return self.value


def enum_type(enum_cls: type[enum.Enum], length: int = 32) -> sa.Enum:
    """A portable VARCHAR column type holding an enum's *values* (not its names)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda cls: [member.value for member in cls],
    )


class add_months(FunctionElement):  # noqa: N801 - reads as a SQL function
    """``add_months(timestamp, months)``: calendar-month arithmetic in SQL.

    Compiled per dialect because SQLite and PostgreSQL spell it differently.
    """

    inherit_cache = True
    type = UTCDateTime()
    name = "add_months"


@compiles(add_months, "postgresql")
def _add_months_postgresql(element, compiler, **kw):
    timestamp, months = (compiler.process(c, **kw) for c in element.clauses)
    # In UTC whatever the session's time zone, as Python's relativedelta does.
    return (
        f"((({timestamp}) AT TIME ZONE 'UTC' + make_interval(months => CAST({months} AS INTEGER)))"
        " AT TIME ZONE 'UTC')"
    )


@compiles(add_months, "sqlite")
def _add_months_sqlite(element, compiler, **kw):
    timestamp, months = (compiler.process(c, **kw) for c in element.clauses)
    shifted = f"datetime({timestamp}, '+' || CAST({months} AS INTEGER) || ' months')"
    # SQLite carries an overflowing day into the next month (31 Jan + 1 month = 3 Mar);
    # relativedelta and PostgreSQL stop at the month's last day (28 Feb). Do the same.
    last_day = (
        f"datetime(date({timestamp}, 'start of month', "
        f"'+' || (CAST({months} AS INTEGER) + 1) || ' months', '-1 day') "
        f"|| ' ' || time({timestamp}))"
    )
    # datetime() and time() drop the fraction of a second; the stored text keeps it after
    # the 19th character ("YYYY-MM-DD HH:MM:SS.ffffff"): put it back, as relativedelta would.
    fraction = f"COALESCE(substr({timestamp}, 20), '')"
    return (
        f"((CASE WHEN strftime('%d', {shifted}) = strftime('%d', {timestamp}) "
        f"THEN {shifted} ELSE {last_day} END) || {fraction})"
    )
