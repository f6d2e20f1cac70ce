"""``flask pact export coalition FILE`` and ``flask pact import coalition FILE``.

The whole coalition's record (``core.backup``) in one JSON Lines file, gzipped
when the name ends in ``.gz``: to move the coalition to another database
(SQLite to PostgreSQL, say), or as a backup beside the database's own.
"""

import gzip
import os
import time

import click
from flask.cli import with_appcontext

from pact_tracker.core.backup import BackupRefused, export_coalition, import_coalition
from pact_tracker.extensions import db


def _open(path: str, mode: str, *, compressed: bool):
    if compressed:
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8", newline="\n")


def _report(counts: dict[str, int], action: str, where: str, started: float) -> None:
    for table, count in counts.items():
        if count:
            click.echo(f"{table}: {count:,}")
    click.echo(
        f"{action} {sum(counts.values()):,} rows of {len(counts)} tables {where} "
        f"in {time.perf_counter() - started:.1f} s."
    )


@click.command("coalition")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_coalition_command(path: str):
    """Every table of the coalition's record (all but the reference lexicon) into FILE.

    JSON Lines, gzipped if FILE ends in .gz; read in one transaction, so the
    rows are all of one instant. FILE holds password hashes and other secrets:
    keep it as safe as the database.
    """
    started = time.perf_counter()
    # Written beside FILE and renamed when complete: a failed export leaves no file that
    # looks like one.
    partial = f"{path}.partial"
    try:
        with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin(), _open(partial, "w", compressed=path.endswith(".gz")) as stream:
                counts = export_coalition(connection, stream)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    _report(counts, "Exported", f"to {path}", started)


@click.command("coalition")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_coalition_command(path: str):
    """Load an export of the whole coalition (``flask pact export coalition``) into this database.

    Only into a new database (after `flask db upgrade` and `flask pact init`),
    and all or nothing: a refused file leaves the database as it was.
    """
    started = time.perf_counter()
    try:
        with (
            db.engine.begin() as connection,
            _open(path, "r", compressed=path.endswith(".gz")) as stream,
        ):
            counts = import_coalition(connection, stream)
    except BackupRefused as error:
        raise click.ClickException(error.message) from error
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(
            f"{path} could not be read as an export ({error}). Nothing was imported."
        ) from error
    _report(counts, "Imported", f"from {path}", started)
