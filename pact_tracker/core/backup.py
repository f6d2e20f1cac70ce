"""The whole coalition's record in one file, and back into a new database.

``flask pact export coalition FILE`` and ``flask pact import coalition FILE``
call these. The file is JSON Lines (gzip-compressed when its name ends in
``.gz``), read and written a row at a time, so a large coalition needs no more
memory than a small one:

- a header: ``{"format": "pact-tracker-coalition", "version": 1, "exported_at": ...,
  "migration": <the database's Alembic revision, or null>}``;
- for each table, in foreign-key order: ``{"table": name, "columns": [...]}``,
  then one JSON array per row, in primary-key order;
- a closing line ``{"end": true, "rows": {table: count}}``: a truncated file is
  refused, not half imported.

Every table is in it except the reference lexicon (SDG goals, targets and
indicators, organisation types, impact dimensions, countries), which
``flask pact init`` loads into any database. It holds everything else,
secrets included (password hashes, second-factor secrets, hashes of API tokens
and sign-in links, sessions): keep it as you would keep a database dump. What
is only computed from the rest and kept to be served fast is left out too (a
published snapshot's rendered files, stored figures, ``DERIVED_TABLES``): the
new database makes them again when they are first asked for.
"""

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import sqlalchemy as sa

from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db

FORMAT = "pact-tracker-coalition"
VERSION = 1
#: Rows inserted per statement on import.
_CHUNK = 1000
_REFERENCE_MODULE = "pact_tracker.reference.models"
#: Tables of what is computed from the others, rendered again on demand: not exported.
DERIVED_TABLES = frozenset({"snapshot_artefact", "computed_figure"})


class BackupRefused(Exception):
    """The file or the database is not fit for the import; nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def reference_tables() -> frozenset[str]:
    """Tables of the reference lexicon: loaded by ``flask pact init``, not exported."""
    return frozenset(
        mapper.local_table.name
        for mapper in db.Model.registry.mappers
        if mapper.class_.__module__ == _REFERENCE_MODULE
    )


def coalition_tables() -> list[sa.Table]:
    """Every other table but the derived ones, parents before children."""
    left_out = reference_tables() | DERIVED_TABLES
    return [table for table in db.metadata.sorted_tables if table.name not in left_out]


def migration_revision(connection: sa.Connection) -> str | None:
    """The database's Alembic revision; None where the schema was made without migrations."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value  # (str enums are written as their values)


def _decoder(column: sa.Column) -> Callable[[Any], Any] | None:
    kind = column.type
    kind = getattr(kind, "impl", kind) if isinstance(kind, sa.TypeDecorator) else kind
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.Numeric):
        return Decimal
    return None


def export_coalition(connection: sa.Connection, stream: IO[str]) -> dict[str, int]:
    """Write every row of every coalition table to ``stream``; return the rows per table.

    Run it inside one transaction (the command uses REPEATABLE READ on
    PostgreSQL) so that the rows are all of one instant.
    """

    def line(value) -> None:
        stream.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        stream.write("\n")

    line(
        {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": utcnow().isoformat(),
            "migration": migration_revision(connection),
        }
    )
    counts = {}
    for table in coalition_tables():
        line({"table": table.name, "columns": [column.name for column in table.c]})
        rows = connection.execution_options(yield_per=_CHUNK).execute(
            sa.select(table).order_by(*table.primary_key.columns)
        )
        count = 0
        for row in rows:
            line([_encode(value) for value in row])
            count += 1
        counts[table.name] = count
    line({"end": True, "rows": counts})
    return counts


def _lines(stream: IO[str]) -> Iterator[tuple[int, Any]]:
    for number, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except ValueError as error:
            raise BackupRefused(f"Line {number} is not JSON ({error}).") from error


def check_importable(connection: sa.Connection) -> None:
    """Refuse a database without the schema or the lexicon, or that holds data already."""
    missing = [t.name for t in coalition_tables() if not sa.inspect(connection).has_table(t.name)]
    if missing:
        raise BackupRefused(
            f"This database lacks tables ({', '.join(missing[:5])}): run `flask db upgrade` "
            f"and `flask pact init` first. Nothing was imported."
        )
    busy = [
        table.name
        for table in coalition_tables()
        if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()
    ]
    if busy:
        raise BackupRefused(
            f"This database already holds data (in {', '.join(busy[:5])}"
            f"{', ...' if len(busy) > 5 else ''}). A coalition is imported only into a new "
            f"database: create one, run `flask db upgrade` and `flask pact init`, then import. "
            f"Nothing was imported."
        )
    lexicon = [db.metadata.tables[name] for name in ("sdg_target", "organisation_type")]
    if any(
        connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is None
        for table in lexicon
    ):
        raise BackupRefused(
            "The reference data is missing: run `flask pact init` first. Nothing was imported."
        )


def import_coalition(connection: sa.Connection, stream: IO[str]) -> dict[str, int]:
    """Read an export into an empty database, all or nothing; return the rows per table.

    Run it inside one transaction and roll back on :class:`BackupRefused`.
    """
    check_importable(connection)
    lines = _lines(stream)
    number, header = next(lines, (1, None))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupRefused("This is not a coalition export (no pact-tracker-coalition header).")
    if header.get("version") != VERSION:
        raise BackupRefused(
            f"This export is in version {header.get('version')} of the format; "
            f"this application reads version {VERSION}."
        )
    ours, theirs = migration_revision(connection), header.get("migration")
    if ours and theirs and ours != theirs:
        raise BackupRefused(
            f"The export was made at schema revision {theirs}; this database is at {ours}. "
            f"Import it into a database at the same revision (flask db upgrade {theirs}), "
            f"then upgrade."
        )
    tables = {table.name: table for table in coalition_tables()}
    counts: dict[str, int] = {}
    section = None
    for number, value in lines:
        if isinstance(value, list):
            if section is None:
                raise BackupRefused(f"Line {number}: a row before any table.")
            section.add(number, value)
            continue
        if section is not None:
            counts[section.table.name] = section.finish()
            section = None
        if not isinstance(value, dict):
            raise BackupRefused(f"Line {number}: expected a table, a row or the end.")
        if value.get("end"):
            if value.get("rows") != counts:
                raise BackupRefused(
                    f"Line {number}: the file says it holds other rows than were read "
                    f"(a damaged or edited export). Nothing was imported."
                )
            _restart_sequences(connection, [tables[name] for name in counts])
            return counts
        name = value.get("table")
        if name not in tables:
            raise BackupRefused(f"Line {number}: no table {name!r} in this database.")
        if name in counts:
            raise BackupRefused(f"Line {number}: table {name} appears twice.")
        section = _Section(connection, tables[name], value.get("columns"), number)
    raise BackupRefused(
        "The file ends before its closing line: it is truncated. Nothing was imported."
    )


class _Section:
    """The rows of one table, inserted a chunk at a time.

    A column that refers to its own table (a correction naming the update it
    supersedes) is filled in after all the table's rows are in, whatever
    their order.
    """

    def __init__(self, connection: sa.Connection, table: sa.Table, columns, number: int):
        expected = [column.name for column in table.c]
        if not isinstance(columns, list) or sorted(columns) != sorted(expected):
            raise BackupRefused(
                f"Line {number}: the columns of {table.name} in the file ({columns}) are not "
                f"those of this database ({expected})."
            )
        self.connection, self.table, self.columns = connection, table, columns
        self.decoders = [_decoder(table.c[name]) for name in columns]
        self.later = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        self.pending: list[dict] = []
        self.deferred: list[dict] = []
        self.count = 0
        self.last_line = number

    def add(self, number: int, values: list) -> None:
        if len(values) != len(self.columns):
            raise BackupRefused(
                f"Line {number}: {len(values)} values for the {len(self.columns)} columns of "
                f"{self.table.name}."
            )
        try:
            row = {
                name: decode(value) if decode and value is not None else value
                for name, decode, value in zip(self.columns, self.decoders, values, strict=True)
            }
        except (TypeError, ValueError, ArithmeticError) as error:
            raise BackupRefused(
                f"Line {number}: a value of {self.table.name} is not valid."
            ) from error
        for name in self.later:
            if row[name] is not None:
                self.deferred.append(
                    {**{c.name: row[c.name] for c in self.table.primary_key}, name: row[name]}
                )
                row[name] = None
        self.pending.append(row)
        self.count += 1
        self.last_line = number
        if len(self.pending) >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self._execute(sa.insert(self.table), self.pending)
            self.pending = []

    def _execute(self, statement, rows) -> None:
        try:
            self.connection.execute(statement, rows)
        except sa.exc.DBAPIError as error:
            first = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
            raise BackupRefused(
                f"Around line {self.last_line}: the database refused rows of {self.table.name}: "
                f"{first}. "
                f"Nothing was imported."
            ) from error

    def finish(self) -> int:
        self._flush()
        key = [column.name for column in self.table.primary_key]
        for name in self.later:
            rows = [row for row in self.deferred if name in row]
            if rows:
                statement = (
                    sa.update(self.table)
                    .where(*(self.table.c[k] == sa.bindparam(f"key_{k}") for k in key))
                    .values({name: sa.bindparam(f"value_{name}")})
                )
                self._execute(
                    statement,
                    [
                        {**{f"key_{k}": row[k] for k in key}, f"value_{name}": row[name]}
                        for row in rows
                    ],
                )
        return self.count


def _restart_sequences(connection: sa.Connection, tables: list[sa.Table]) -> None:
    """On PostgreSQL, make each table's id sequence continue after the ids imported.

    (SQLite takes the next id from the largest one in the table.)
    """
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, sa.Integer):
            continue
        sequence = sa.func.pg_get_serial_sequence(quote(table.name), key[0].name)
        following = sa.select(sa.func.coalesce(sa.func.max(key[0]), 0) + 1).scalar_subquery()
        connection.execute(sa.select(sa.func.setval(sequence, following, False)))
