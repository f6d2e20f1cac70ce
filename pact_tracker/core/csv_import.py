"""CSV imports: every row valid, or nothing written.

The machinery is the same for every kind of row. The file is read and its
header checked before any row; then each row is parsed into the data a
service takes and handed to that service, a chunk of rows inside one
SAVEPOINT. When a row of the chunk fails, the chunk is rolled back and its
rows are run again each in a SAVEPOINT of its own, so that a bad row leaves
no trace while the good ones stay visible to the rows after them (a duplicate
within the file is caught). Every error is collected with the CSV line it
came from (the header is line 1). Only when no row failed, and this is not a
dry run, is the transaction committed.
"""

import csv
import gc
import io
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import partial
from typing import Any

import click
from flask import current_app
from sqlalchemy.exc import DataError, IntegrityError

from pact_tracker.core.activity import commit
from pact_tracker.core.errors import DomainError, InvalidInput
from pact_tracker.core.exports import LIST_SEPARATOR, restore
from pact_tracker.core.input_guard import forbidden_character
from pact_tracker.extensions import db

#: Largest file accepted, unless the ``IMPORT_MAX_BYTES`` setting says otherwise.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Rows imported in one SAVEPOINT (each row gets its own only when the chunk fails).
CHUNK_ROWS = 1000
#: What refuses a row: its service, or the database.
ROW_FAILURES = (DomainError, IntegrityError, DataError)


class ImportFileError(click.ClickException):
    """The file as a whole cannot be imported: unreadable, empty, too large, bad header."""


@dataclass(frozen=True)
class Column:
    """A column an import understands."""

    name: str
    #: A required column must be in the header (its cells may still be optional).
    required: bool = False
    #: One line for ``--help``.
    help: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    #: The column (or service field) at fault; None when the row as a whole is.
    field: str | None
    message: str

    def __str__(self) -> str:
        if self.field:
            return f"line {self.line}: {self.field}: {self.message}"
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class CsvRow:
    #: Line of the file the record starts on.
    line: int
    values: dict[str, str]
    #: Set when the record cannot be read as a row of this header.
    problem: str | None = None


@dataclass
class ImportResult:
    rows: int
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def columns_help(columns: Sequence[Column]) -> str:
    """The column list for a command's ``--help``, kept as written (``\\b``)."""
    lines = ["\b", "Columns (* = required in the header):"]
    width = max(len(column.name) for column in columns) + 2
    for column in columns:
        mark = "*" if column.required else " "
        lines.append(f"  {mark} {column.name.ljust(width)}{column.help}".rstrip())
    return "\n".join(lines)


def read_csv(path: str, columns: Sequence[Column]) -> list[CsvRow]:
    """Read the file at ``path``: see :func:`read_csv_bytes`."""
    _check_size(os.path.getsize(path), path)
    with open(path, "rb") as file:
        return read_csv_bytes(file.read(), columns, name=path)


def _check_size(size: int, name: str) -> None:
    limit = current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    if size > limit:
        raise ImportFileError(
            f"{name} is {_size(size)}; the largest file accepted is {_size(limit)}. "
            "Split it into several files."
        )


def read_csv_bytes(raw: bytes, columns: Sequence[Column], *, name: str) -> list[CsvRow]:
    """Read CSV content (UTF-8, BOM tolerated) into rows keyed by column name.

    Raises :class:`ImportFileError` for content that is empty, too large, not
    UTF-8 or not CSV, and for a header with missing, unknown or repeated
    columns, before any row is looked at.

    :param name: how to call the file in messages (a path, or an upload's name).
    """
    _check_size(len(raw), name)
    path = name
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"line {line}: the file is not UTF-8 text; save it as CSV UTF-8."
        ) from error
    if not text.strip():
        raise ImportFileError(f"{path} is empty: expected a header line and at least one row.")

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        names = [name.strip().lower() for name in header]
        _check_header(names, columns)
        # A file without a forbidden character has no cell holding one: most files.
        rows = _records(reader, names, check_cells=forbidden_character(text) is not None)
    except csv.Error as error:
        raise ImportFileError(f"line {reader.line_num}: not valid CSV ({error}).") from error
    if not rows:
        raise ImportFileError(f"{path} has a header but no rows.")
    return rows


def _records(reader, names: list[str], *, check_cells: bool = True) -> list[CsvRow]:
    rows = []
    start = reader.line_num + 1
    for record in reader:
        line, start = start, reader.line_num + 1
        if not "".join(record).strip():
            continue
        if len(record) != len(names):
            problem = f"the row has {len(record)} fields but the header has {len(names)}"
            rows.append(CsvRow(line, {}, problem))
            continue
        # Only a cell with an apostrophe can have been neutralised.
        values = {
            name: restore(cell) if "'" in cell else cell
            for name, cell in zip(names, record, strict=True)
        }
        rows.append(CsvRow(line, values, _forbidden_cell(values) if check_cells else None))
    return rows


def _forbidden_cell(values: dict[str, str]) -> str | None:
    """What is wrong with a cell holding a character no field may hold (as pages refuse it)."""
    for name, cell in values.items():
        character = forbidden_character(cell)
        if character is not None:
            return f"{name}: contains a character that is not allowed ({character})"
    return None


def _check_header(names: list[str], columns: Sequence[Column]) -> None:
    known = {column.name for column in columns}
    problems = []
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        problems.append(f"repeated columns: {', '.join(repeated)}")
    missing = [column.name for column in columns if column.required and column.name not in names]
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    unknown = [name or "(blank)" for name in names if name not in known]
    if unknown:
        problems.append(f"unknown columns: {', '.join(unknown)}")
    if problems:
        raise ImportFileError(
            "line 1 (header): "
            + "; ".join(problems)
            + f". Expected columns: {', '.join(column.name for column in columns)}."
        )


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def import_rows(
    rows: Sequence[CsvRow],
    handle: Callable[[dict[str, str]], Any],
    *,
    dry_run: bool = False,
    label: str = "Importing",
    progress: bool = True,
) -> ImportResult:
    """Hand every row to ``handle``, in SAVEPOINTs; commit only if all succeed.

    ``handle`` parses the row and calls a service. It reports bad input by
    raising :class:`DomainError` (``InvalidInput`` with ``errors`` naming the
    columns); the database refusing a row is reported the same way.
    Nothing is committed when any row failed, or on a dry run.

    A handler may have a batch form for one import, made by its ``batch``
    attribute (also found through a ``functools.partial`` of the handler, whose
    arguments it is given). It takes a chunk's rows at once and must write what
    the handler would write row after row, but for what it leaves to its
    ``finish`` (if it has one): called once, after the last chunk, when every
    row went through, for the work rows share (done once for the whole file).
    A chunk it refuses is run again row by row, for the errors and their lines.

    :param progress: draw a progress bar on the terminal (the command line does).
    """
    result = ImportResult(rows=len(rows), dry_run=dry_run)
    with older_objects_left_alone():
        _import_all(rows, handle, result, label if progress else None)
    if result.ok and not dry_run:
        _commit_keeping_rows_loaded()
    else:
        db.session.rollback()
    return result


def _import_all(rows, handle, result: ImportResult, label: str | None) -> None:
    """Every chunk of ``rows`` imported, their errors added to ``result``; nothing committed."""
    chunks = [rows[start : start + CHUNK_ROWS] for start in range(0, len(rows), CHUNK_ROWS)]
    handle_chunk = _batch_form(handle)
    if label is not None:
        with click.progressbar(length=len(rows), label=label, file=sys.stderr) as bar:
            for chunk in chunks:
                result.errors.extend(_import_chunk(chunk, handle, handle_chunk))
                bar.update(len(chunk))
    else:
        for chunk in chunks:
            result.errors.extend(_import_chunk(chunk, handle, handle_chunk))
    finish = getattr(handle_chunk, "finish", None)
    if result.ok and finish is not None:
        finish()


@contextmanager
def older_objects_left_alone():
    """Keep the garbage collector from going through the objects that existed before.

    An import creates objects for every row and keeps many to its end: as they
    grow, the collector makes its full pass several times, and each pass went
    through every object of the process (the application's, SQLAlchemy's) as
    well, a fifth of the time of a large import. Those are frozen meanwhile,
    then given back to the collector when the last import running ends (a
    cycle among them is collected then, not lost). Meanwhile the collector also
    waits for more new objects before it runs (the objects of a chunk are
    freed when it ends: it looked at each of them, some twice, for nothing).
    Objects someone else froze (a server before forking its workers) stay as
    they are: then nothing is done.
    """
    global _imports_freezing
    with _freezing_lock:
        ours = _imports_freezing > 0 or gc.get_freeze_count() == 0
        if ours:
            _imports_freezing += 1
            gc.freeze()
            if _imports_freezing == 1:
                _thresholds_before[:] = gc.get_threshold()
                young, *older = _thresholds_before
                gc.set_threshold(max(young, YOUNG_OBJECTS_PER_COLLECTION), *older)
    try:
        yield
    finally:
        if ours:
            with _freezing_lock:
                _imports_freezing -= 1
                if not _imports_freezing:
                    gc.unfreeze()
                    gc.set_threshold(*_thresholds_before)


#: Objects made between two collections during an import: more than a chunk makes, so
#: that most are freed (nothing refers to them any more) before the collector looks at them.
YOUNG_OBJECTS_PER_COLLECTION = 50_000
#: Imports under way that froze the older objects (see :func:`older_objects_left_alone`).
_imports_freezing = 0
_freezing_lock = threading.Lock()
_thresholds_before: list[int] = []


def _import_chunk(
    chunk: Sequence[CsvRow],
    handle: Callable[[dict[str, str]], Any],
    handle_chunk: Callable[[list[dict[str, str]]], Any] | None = None,
):
    """Import the rows in one SAVEPOINT; if one fails, again, each in its own, for the errors.

    A SAVEPOINT per row costs two statements and a flush per row: most files
    are valid, so a chunk pays that only when one of its rows fails. With a
    batch form of the handler, the chunk's rows go through it at once.
    """
    first_errors: list[RowError] = []
    if not any(row.problem for row in chunk):
        row = chunk[0]
        try:
            with db.session.begin_nested():
                if handle_chunk is not None:
                    handle_chunk([row.values for row in chunk])
                else:
                    for row in chunk:
                        handle(row.values)
            return []
        except ROW_FAILURES as error:
            first_errors = _row_errors(row, error)
    errors = [error for row in chunk for error in _import_row(row, handle)]
    # Rows fail again when replayed, each naming itself. One whose check depends on the
    # clock might not: its first failure still stands, so that nothing is committed.
    return errors or first_errors


def _batch_form(handle: Callable) -> Callable | None:
    """The batch form of ``handle`` for one import (made by its ``batch``), or None."""
    if isinstance(handle, partial):
        make = getattr(handle.func, "batch", None)
        return make(*handle.args, **handle.keywords) if make is not None else None
    make = getattr(handle, "batch", None)
    return make() if make is not None else None


def _commit_keeping_rows_loaded() -> None:
    """Commit, then send the rows' signals, without expiring the rows at each commit.

    Each row's signal may run a transaction of its own (one commit per row),
    and every commit would expire every object in the session: with a
    100,000-row import in it that is quadratic. The rows hold what was just
    written, so they are expired once, after the signals.
    """
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        commit()
    finally:
        session.expire_on_commit = expire_on_commit
        if expire_on_commit:
            session.expire_all()


def _import_row(row: CsvRow, handle: Callable[[dict[str, str]], Any]) -> list[RowError]:
    if row.problem:
        return [RowError(row.line, None, row.problem)]
    try:
        with db.session.begin_nested():
            handle(row.values)
    except ROW_FAILURES as error:
        return _row_errors(row, error)
    return []


def _row_errors(row: CsvRow, error: Exception) -> list[RowError]:
    """The errors of a row refused by its service (a DomainError) or by the database."""
    if isinstance(error, DomainError):
        if not error.errors:
            return [RowError(row.line, None, error.message)]
        return [
            RowError(row.line, name, message)
            for name, messages in error.errors.items()
            for message in _messages(messages)
        ]
    reason = str(error.orig).strip().splitlines()[0]
    return [RowError(row.line, None, f"the database refused the row: {reason}")]


def _messages(messages) -> Iterable[str]:
    """Flatten a service's messages, which may nest per list item (``{0: [...]}``)."""
    if isinstance(messages, str):
        yield messages
    elif isinstance(messages, dict):
        for key, inner in messages.items():
            for message in _messages(inner):
                yield f"{key}: {message}"
    else:
        for inner in messages:
            yield from _messages(inner)


def report(result: ImportResult, kind: str) -> None:
    """Tell the user what happened; exit with status 1 if any row was refused."""
    if result.errors:
        for error in result.errors:
            click.echo(str(error), err=True)
        bad_lines = len({error.line for error in result.errors})
        raise click.ClickException(
            f"{bad_lines} of {result.rows} rows are invalid; nothing was imported."
        )
    if result.dry_run:
        click.echo(f"Dry run: all {result.rows} {kind} are valid and would be imported.")
    else:
        click.echo(f"Imported {result.rows} {kind}.")


class RowFields:
    """Typed reading of one row's cells that collects every error instead of stopping.

    Each reader returns None for an empty or absent cell (after recording an
    error when the cell is required); :meth:`check` raises them all at once.
    """

    def __init__(self, values: dict[str, str]):
        self.values = values
        self.errors: dict[str, list[str]] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def check(self) -> None:
        """Raise :class:`InvalidInput` naming every bad cell read so far."""
        if self.errors:
            raise InvalidInput("Invalid row.", errors=self.errors)

    def _cell(self, name: str, required: bool) -> str | None:
        cell = self.values.get(name, "").strip()
        if cell:
            return cell
        if required:
            self.error(name, "is required")
        return None

    def text(self, name: str, *, required: bool = False) -> str | None:
        return self._cell(name, required)

    def date(self, name: str, *, required: bool = False) -> date | None:
        cell = self._cell(name, required)
        if cell is None:
            return None
        try:
            return date.fromisoformat(cell)
        except ValueError:
            self.error(name, f"{cell!r} is not a date (YYYY-MM-DD)")
            return None

    def instant(self, name: str, *, required: bool = False) -> datetime | None:
        """An ISO 8601 instant; a date means its midnight and no offset means UTC."""
        cell = self._cell(name, required)
        if cell is None:
            return None
        try:
            value = datetime.fromisoformat(cell)
        except ValueError:
            self.error(name, f"{cell!r} is not a date or time (ISO 8601)")
            return None
        if len(cell) == 10:
            value = datetime.combine(value.date(), time.min)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:
            # 0001-01-01T00:00+14:00 exists, but not in UTC.
            self.error(name, f"{cell!r} is out of the range of dates")
            return None

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        cell = self._cell(name, required)
        if cell is None:
            return None
        try:
            value = Decimal(cell)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.error(name, f"{cell!r} is not a number (use . for decimals)")
            return None
        return value

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        cell = self._cell(name, required)
        if cell is None:
            return None
        try:
            number = int(cell)
        except ValueError:
            self.error(name, f"{cell!r} is not a whole number")
            return None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            self.error(name, f"{number} is not between {minimum} and {maximum}")
            return None
        return number

    def choice(self, name: str, enum: type[Enum], *, required: bool = False) -> str | None:
        """One of the values of ``enum``."""
        cell = self._cell(name, required)
        if cell is None:
            return None
        allowed = [member.value for member in enum]
        if cell not in allowed:
            self.error(name, f"{cell!r} is not one of {', '.join(allowed)}")
            return None
        return cell

    def items(self, name: str) -> list[str]:
        """Values separated by ``;`` (empty items ignored)."""
        cell = self._cell(name, False) or ""
        return [item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip()]


def without_none(data: dict[str, Any]) -> dict[str, Any]:
    """Drop the keys of empty cells, so that the service's defaults apply."""
    return {key: value for key, value in data.items() if value is not None}
