"""Tabular exports: row streams and CSV, JSON and XLSX writers.

An export is a :class:`Table`: named columns, each read from a model instance
by a function, over a ``select`` streamed in batches (``yield_per``), so that
memory stays flat however many rows there are. The writers take the column
names and an iterable of rows and never hold more than one row.

Spreadsheet formula injection: a text cell that starts with ``= + - @`` or a
tab or carriage return is prefixed with an apostrophe in CSV and XLSX, as
OWASP recommends, so that a spreadsheet shows it as text instead of running
it. JSON is for programs and is left verbatim. :func:`restore` undoes the
prefix, so that our own CSV files import back unchanged.

A spreadsheet may split a CSV line on another character than the file's comma
(``;`` in European locales, tab, ``|``): every CSV the platform writes goes
through :func:`csv_writer`, which quotes every cell and also neutralises a
formula that starts right after any of those separators (``ACC;=SUM(1+1)`` is
written ``"ACC;'=SUM(1+1)"``), so that no piece of a cell, however split, is a
formula.
"""

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any

from pact_tracker.extensions import db

FORMATS = ("csv", "json", "xlsx")
#: Rows fetched from the database per round trip.
BATCH_SIZE = 500
#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Separator of list values in one CSV or XLSX cell (JSON keeps real lists).
LIST_SEPARATOR = ";"
#: Excel refuses longer cells.
XLSX_MAX_CELL = 32_767

#: Characters a spreadsheet may split a CSV line on, whatever the file's own delimiter.
CSV_SEPARATORS = ",;\t|"

# Apostrophes already in front of a trigger are escaped too, so that
# restore(neutralise(text)) == text for every text.
_NEUTRALISED = re.compile(r"'*[=+\-@\t\r]")
# In CSV, the same at the start of the cell or of any piece a separator may begin
# (after spaces and quotes, which a spreadsheet's import may strip).
_CSV_NEUTRALISED = re.compile(r"(?:^|(?<=[,;\t|]))([ \"]*)('*[=+\-@\t\r])")
_CSV_RESTORABLE = re.compile(r"(?:^|(?<=[,;\t|]))([ \"]*)'('*[=+\-@\t\r])")


def neutralise(value: Any) -> Any:
    """Prefix a text that a spreadsheet would run as a formula with an apostrophe.

    Only text is touched: a negative number is a number, not a formula.
    """
    if isinstance(value, str) and _NEUTRALISED.match(value):
        return "'" + value
    return value


def neutralise_csv(text: str) -> str:
    """A CSV cell's text with no formula at its start nor after any of ``CSV_SEPARATORS``."""
    return _CSV_NEUTRALISED.sub(r"\1'\2", text)


def restore(text: str) -> str:
    """Undo :func:`neutralise_csv` on a cell read back from a CSV file."""
    return _CSV_RESTORABLE.sub(r"\1\2", text)


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: its text (:func:`cell_text`), neutralised."""
    return neutralise_csv(cell_text(value))


class CsvWriter:
    """``csv.writer`` that quotes every cell and neutralises formulas (see the module's doc)."""

    def __init__(self, out: IO[str]):
        # Quoted, a cell is one cell whatever separator the reader splits lines on.
        self._writer = csv.writer(out, quoting=csv.QUOTE_ALL)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(value) for value in values])


def csv_writer(out: IO[str]) -> CsvWriter:
    """The one way the platform writes CSV (pages, API, CLI, snapshots).

    :param out: a text stream opened with ``newline=""``.
    """
    return CsvWriter(out)


@dataclass(frozen=True)
class Column:
    name: str
    #: Reads the value from one result of the table's query (an object or a row).
    get: Callable[[Any], Any]


@dataclass(frozen=True)
class Table:
    """Columns over a streamed query: the shape every export takes."""

    name: str
    columns: Sequence[Column]
    query: Any

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def count(self) -> int:
        """How many rows the export will have (for progress bars)."""
        return count_rows(self.query)

    def rows(self) -> Iterator[list[Any]]:
        for obj in stream(self.query):
            yield [column.get(obj) for column in self.columns]


def stream(query, batch_size: int = BATCH_SIZE) -> Iterator[Any]:
    """Yield the results of ``query``, fetched ``batch_size`` at a time.

    A select of one entity yields its objects; a select of several yields rows.
    """
    result = db.session.execute(query.execution_options(yield_per=batch_size))
    if len(query.column_descriptions) == 1:
        yield from result.scalars()
    else:
        yield from result


def count_rows(query) -> int:
    subquery = query.order_by(None).subquery()
    return db.session.scalar(db.select(db.func.count()).select_from(subquery))


def cell_text(value: Any) -> str:
    """A value as CSV text: ISO dates, ``;``-joined lists, ``key:value`` pairs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return LIST_SEPARATOR.join(f"{key}:{cell_text(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(cell_text(item) for item in value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def decimal_text(value: Decimal) -> str:
    """Plain notation without trailing zeros: ``40.0000`` -> ``40``, never ``4E+1``."""
    return format(value.normalize(), "f")


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[str]) -> int:
    """Write a header and ``rows`` as CSV; return the number of rows written.

    :param out: a text stream opened with ``newline=""``.
    """
    writer = csv_writer(out)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # A string keeps every digit; a float would round large amounts.
        return decimal_text(value)
    raise TypeError(f"cannot export {type(value).__name__} as JSON")


def write_json(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[str]) -> int:
    """Write ``rows`` as a JSON array of objects, one per line; return the count."""
    count = 0
    out.write("[")
    for row in rows:
        item = {
            name: {str(k): v for k, v in value.items()} if isinstance(value, dict) else value
            for name, value in zip(columns, row, strict=True)
        }
        out.write(",\n" if count else "\n")
        out.write(json.dumps(item, ensure_ascii=False, default=_json_default))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _xlsx_value(value: Any, illegal_characters: re.Pattern) -> Any:
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        if isinstance(value, datetime):
            # Excel has no time zones: write the UTC wall clock.
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    text = illegal_characters.sub("", cell_text(value))[:XLSX_MAX_CELL]
    return neutralise(text)


def write_xlsx(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], target: str | IO[bytes], title: str
) -> int:
    """Write ``rows`` as one sheet of a workbook, streaming (write-only mode); return the count.

    Dates and numbers stay typed cells; times are UTC.
    """
    # openpyxl is imported here, not with the module: it brings numpy along (some 30 MB),
    # which a web process serving pages has no use for (issue 14, lean processes).
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(columns))
    count = 0
    for row in rows:
        sheet.append([_xlsx_value(value, ILLEGAL_CHARACTERS_RE) for value in row])
        count += 1
    workbook.save(target)
    return count
