"""``flask pact export``: signatories, commitments and progress updates as CSV, JSON or XLSX.

The tables are defined here; streaming and the writers are ``core.exports``.
The signatories table has exactly the columns ``flask pact import
signatories`` reads, so an export imports back unchanged.
"""

import os
import sys
from operator import attrgetter

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import aliased, joinedload, selectinload

from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.commitments.models import Commitment, ProgressUpdate
from pact_tracker.core.exports import FORMATS, Column, Table, write_csv, write_json, write_xlsx
from pact_tracker.extensions import db

SIGNATORY_FIELDS = (
    "slug",
    "name",
    "acronym",
    "organisation_type_code",
    "country_code",
    "subdivision_code",
    "locality",
    "website",
    "description",
    "status",
    "manifesto_signed_on",
)


def signatories_table(all_statuses: bool = False) -> Table:
    """Signatories by slug: the approved ones, or all of them."""
    query = db.select(Signatory).order_by(Signatory.slug)
    if not all_statuses:
        query = query.where(Signatory.status == SignatoryStatus.approved)
    columns = [Column(name, attrgetter(name)) for name in SIGNATORY_FIELDS]
    return Table("signatories", columns, query)


def _latest_percent():
    """Percent complete of a commitment's latest update that no correction replaced."""
    correction = aliased(ProgressUpdate)
    return (
        db.select(ProgressUpdate.percent_complete)
        .where(
            ProgressUpdate.commitment_id == Commitment.id,
            ~db.select(correction.id).where(correction.supersedes_id == ProgressUpdate.id).exists(),
        )
        .order_by(
            ProgressUpdate.reported_at.desc(),
            ProgressUpdate.recorded_at.desc(),
            ProgressUpdate.id.desc(),
        )
        .limit(1)
        .correlate(Commitment)
        .scalar_subquery()
        .label("percent_complete")
    )


def _commitment_column(name: str, getter=None) -> Column:
    get = getter or attrgetter(name)
    return Column(name, lambda row: get(row.Commitment))


def commitments_table() -> Table:
    """Every commitment, with its signatory, programme, SDG targets and latest progress."""
    query = (
        db.select(Commitment, _latest_percent())
        .options(
            joinedload(Commitment.programme),
            selectinload(Commitment.targets),
            selectinload(Commitment.dimensions),
        )
        .order_by(Commitment.id)
    )
    c = _commitment_column
    columns = [
        c("id"),
        c("signatory_slug", attrgetter("signatory.slug")),
        c("programme_code", attrgetter("programme.code")),
        c("proposal_id"),
        c("title"),
        c("status"),
        c("reporting_state"),
        Column("percent_complete", attrgetter("percent_complete")),
        c("last_reported_at"),
        c("report_due_at"),
        c("target_codes", lambda commitment: [t.code for t in commitment.targets]),
        c("dimension_codes", lambda commitment: [d.code for d in commitment.dimensions]),
        c("language"),
        c("scope"),
        c("country_code"),
        c("subdivision_code"),
        c("start_date"),
        c("due_date"),
        c("cadence_months"),
        c("funding_amount"),
        c("funding_currency"),
        c("visibility"),
        c("published_at"),
    ]
    return Table("commitments", columns, query)


def progress_table() -> Table:
    """Every progress update, corrections included (``supersedes_id`` names what they fix)."""
    query = (
        db.select(ProgressUpdate)
        .options(selectinload(ProgressUpdate.values))
        .order_by(ProgressUpdate.commitment_id, ProgressUpdate.reported_at, ProgressUpdate.id)
    )
    plain = (
        "id",
        "commitment_id",
        "reported_at",
        "recorded_at",
        "status",
        "percent_complete",
        "narrative",
        "source",
        "supersedes_id",
        "correction_reason",
    )
    columns = [Column(name, attrgetter(name)) for name in plain]
    columns.append(
        Column("indicator_values", lambda u: {v.indicator_id: v.value for v in u.values})
    )
    return Table("progress", columns, query)


def write_table(table: Table, fmt: str, output: str | None) -> None:
    """Write ``table`` to ``output`` (or standard output), in ``fmt``.

    A file is written beside its final name and renamed at the end, so that an
    interrupted export never leaves a truncated file behind.
    """
    writer = write_csv if fmt == "csv" else write_json
    if output is None:
        if fmt == "xlsx":
            raise click.UsageError("--format xlsx needs --output FILE.")
        writer(table.column_names, table.rows(), sys.stdout)
        sys.stdout.flush()
        return

    partial = f"{output}.partial"
    try:
        with click.progressbar(
            table.rows(), length=table.count(), label=f"Exporting {table.name}", file=sys.stderr
        ) as rows:
            if fmt == "xlsx":
                count = write_xlsx(table.column_names, rows, partial, title=table.name)
            else:
                # The byte order mark lets spreadsheet programs read accents right.
                encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
                with open(partial, "w", encoding=encoding, newline="") as out:
                    count = writer(table.column_names, rows, out)
        os.replace(partial, output)
    except OSError as error:
        raise click.ClickException(f"Cannot write {output}: {error.strerror}.") from error
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    click.echo(f"Wrote {count} {table.name} to {output}.", err=True)


def _format_options(command):
    command = click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, writable=True),
        help="File to write (required for xlsx); standard output otherwise.",
    )(command)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="csv",
        show_default=True,
        help="csv and xlsx neutralise cells a spreadsheet would run as formulas; "
        "json keeps every value verbatim.",
    )(command)


@click.group("export")
def export_group():
    """Export signatories, commitments or progress (CSV, JSON, XLSX)."""


@export_group.command("signatories")
@_format_options
@click.option("--all", "all_statuses", is_flag=True, help="Every status, not only approved.")
@with_appcontext
def export_signatories_command(fmt, output, all_statuses):
    """Export the approved signatories (all with --all), in the import's columns."""
    write_table(signatories_table(all_statuses), fmt, output)


@export_group.command("commitments")
@_format_options
@with_appcontext
def export_commitments_command(fmt, output):
    """Export every commitment with its signatory, programme, targets and latest progress."""
    write_table(commitments_table(), fmt, output)


@export_group.command("progress")
@_format_options
@with_appcontext
def export_progress_command(fmt, output):
    """Export every progress update, corrections included."""
    write_table(progress_table(), fmt, output)
