"""Bulk writes of demo rows through the caller's connection.

PostgreSQL gets ``COPY ... FROM STDIN`` on the driver's connection; SQLite gets
chunked ``executemany`` of Core inserts. Both run inside the transaction the
connection is in, so the caller decides when to commit.
"""

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pact_tracker.demo.rows import COLUMNS, ID_TABLES, Batch
from pact_tracker.extensions import db

SQLITE_CHUNK = 5_000


def _quote(name: str) -> str:
    return f'"{name}"'


def write(connection: Connection, batch: Batch) -> None:
    """Write every table of ``batch``, parents before children."""
    postgresql = connection.dialect.name == "postgresql"
    for table, columns in COLUMNS.items():
        rows = batch.get(table)
        if not rows:
            continue
        if postgresql:
            _copy(connection, table, columns, rows)
        else:
            _insert(connection, table, columns, rows)


def _copy(connection: Connection, table: str, columns: tuple[str, ...], rows) -> None:
    statement = f"COPY {_quote(table)} ({', '.join(map(_quote, columns))}) FROM STDIN"
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(statement) as copy:
        if table in JSON_COLUMNS:
            rows = map(copyable, rows)
        for row in rows:
            copy.write_row(row)


#: Tables with a JSON column, whose values the demo keeps as dicts.
JSON_COLUMNS = frozenset({"activity"})


def copyable(row: tuple) -> tuple:
    """``row`` with its dicts as JSON text, which COPY reads into a JSON column."""
    return tuple(json.dumps(value) if isinstance(value, dict) else value for value in row)


def _insert(connection: Connection, table: str, columns: tuple[str, ...], rows) -> None:
    insert = db.metadata.tables[table].insert()
    for start in range(0, len(rows), SQLITE_CHUNK):
        chunk = rows[start : start + SQLITE_CHUNK]
        connection.execute(insert, [dict(zip(columns, row, strict=True)) for row in chunk])


def first_ids(connection: Connection) -> dict[str, int]:
    """The first free primary key of each table the demo fills."""
    first = {}
    for table in ID_TABLES:
        highest = _max_id(connection, table)
        if connection.dialect.name == "postgresql":
            # Rows rolled back or deleted may have used higher numbers: never reuse them.
            highest = max(highest, _sequence_value(connection, table))
        first[table] = highest + 1
    return first


def _max_id(connection: Connection, table: str) -> int:
    return connection.scalar(sa.select(sa.func.max(db.metadata.tables[table].c.id))) or 0


def _sequence_value(connection: Connection, table: str) -> int:
    return (
        connection.scalar(
            sa.text(
                "SELECT pg_sequence_last_value(CAST(pg_get_serial_sequence(:table, 'id') "
                "AS regclass))"
            ),
            {"table": _quote(table)},
        )
        or 0
    )


def reset_sequences(connection: Connection) -> None:
    """Move PostgreSQL's id sequences past the ids the demo assigned itself."""
    if connection.dialect.name != "postgresql":
        return
    for table in ID_TABLES:
        highest = max(_max_id(connection, table), _sequence_value(connection, table), 1)
        connection.execute(
            sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :value)"),
            {"table": _quote(table), "value": highest},
        )
