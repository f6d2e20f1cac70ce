"""``flask pact import``: signatories, commitments and progress updates from CSV files.

Each kind has its columns and a row handler that turns a row into the data
its service takes; ``core.csv_import`` does the rest (header check, SAVEPOINT
per row, every error with its line, all or nothing). From the command line
rows are written with no actor (the activity log shows the system); the
back office passes the person who imports.
"""

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import click
from flask.cli import with_appcontext

from pact_tracker.coalition.models import Signatory, SignatoryStatus, User
from pact_tracker.coalition.services import create_signatory
from pact_tracker.commitments.models import Commitment, ProgressUpdate, UpdateSource
from pact_tracker.commitments.services import create_commitment, report_progress
from pact_tracker.commitments.services.progress import (
    ReportingCommitment,
    commitments_for_reporting,
    refresh_reporting_schedules,
    report_progress_many,
)
from pact_tracker.core.csv_import import (
    Column,
    RowFields,
    columns_help,
    import_rows,
    older_objects_left_alone,
    read_csv,
    report,
    without_none,
)
from pact_tracker.core.errors import DomainError
from pact_tracker.core.lookup import MAX_ID
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme

FORMAT_HELP = """\b
File format: UTF-8 CSV (a byte order mark is fine), comma-separated,
header on line 1, columns in any order; optional columns may be left out.
Dates are YYYY-MM-DD; instants ISO 8601 (without an offset they are UTC);
numbers use . for decimals; lists are separated by ;.

All rows are imported or none: every bad row is listed with its line
number (the header is line 1), and nothing is written unless all are valid."""

SIGNATORY_COLUMNS = (
    Column("slug", help="URL name, e.g. ville-de-paris (made from the name if empty)"),
    Column("name", required=True, help="Name of the organisation"),
    Column("acronym", help="Short name"),
    Column("organisation_type_code", required=True, help="e.g. cooperative, state"),
    Column("country_code", required=True, help="ISO 3166-1 alpha-2, e.g. FR"),
    Column("subdivision_code", help="ISO 3166-2, e.g. FR-IDF"),
    Column("locality", help="Town or area"),
    Column("website", help="http:// or https:// address"),
    Column("description", help="What the organisation does"),
    Column("status", help="applied (default), approved, rejected, suspended, withdrawn"),
    Column("manifesto_signed_on", help="Date (today when approved and empty)"),
)

#: Largest row id: a bigger number cannot name a row (and overflows PostgreSQL's integer).

INDICATOR_COLUMNS = ("name", "unit", "dimension_code", "baseline", "target", "direction")

COMMITMENT_COLUMNS = (
    Column("signatory_slug", required=True, help="Slug of the signatory making it"),
    Column("programme_code", help="Code of the thematic programme (or the proposal's)"),
    Column("proposal_id", help="Id of the proposal it adopts (empty: custom commitment)"),
    Column("title", help="Title (or the proposal's)"),
    Column("description", help="Description (or the proposal's text)"),
    Column("language", help="en or fr"),
    Column("target_codes", help="SDG targets, e.g. 8.5;4.4"),
    Column("dimension_codes", help="Impact dimensions, e.g. social_performance"),
    Column("scope", help="international, national or subnational"),
    Column("country_code", help="ISO 3166-1 alpha-2"),
    Column("subdivision_code", help="ISO 3166-2"),
    Column("start_date", help="Date (default: today)"),
    Column("due_date", required=True, help="Date"),
    Column("cadence_months", help="Months between progress reports"),
    Column("funding_amount", help="Funding pledged"),
    Column("funding_currency", help="ISO 4217, e.g. EUR"),
    Column("visibility", help="public or private"),
    Column("indicator_name", help="One indicator (optional): its name,"),
    Column("indicator_unit", help="unit,"),
    Column("indicator_dimension_code", help="impact dimension,"),
    Column("indicator_baseline", help="baseline (number),"),
    Column("indicator_target", help="target (number),"),
    Column("indicator_direction", help="and direction: increase, decrease or maintain"),
)

PROGRESS_COLUMNS = (
    Column("commitment_id", required=True, help="Id of the commitment reported on"),
    Column("reported_at", required=True, help="Instant the report speaks for"),
    Column("status", required=True, help="not_started, on_track, delayed, blocked, completed"),
    Column("percent_complete", help="Whole number, 0 to 100"),
    Column("narrative", help="What happened (Markdown)"),
    Column("indicator_values", help="indicator_id:value;..., e.g. 12:40;13:2.5"),
)


def _column_of(field: str) -> str:
    """The CSV column a service's field came from (``indicators[0].unit`` -> ``indicator_unit``)."""
    if field == "programme_id":
        return "programme_code"
    nested = re.fullmatch(r"(indicators|indicator_values)\[\d+\]\.(\w+)", field)
    if nested is None:
        return field
    if nested[1] == "indicator_values":
        return "indicator_values"
    return f"indicator_{nested[2]}" if nested[2] in INDICATOR_COLUMNS else field


def _in_columns(error: DomainError) -> DomainError:
    """``error`` with its fields named after the CSV columns."""
    renamed: dict[str, list[str]] = {}
    for field, messages in error.errors.items():
        renamed.setdefault(_column_of(field), []).extend(messages)
    error.errors = renamed
    return error


def _lookup(model, attribute, value: str | None, row: RowFields, column: str, label: str):
    """The ``model`` whose ``attribute`` is ``value``; an error on ``column`` when there is none."""
    if value is None:
        return None
    found = db.session.scalar(db.select(model).where(attribute == value))
    if found is None:
        row.error(column, f"no {label} {value!r}")
    return found


def import_signatory(values: dict[str, str], actor: User | None = None) -> Signatory:
    """Create the signatory of one row."""
    row = RowFields(values)
    data = {
        name: row.text(name)
        for name in (
            "name",
            "acronym",
            "slug",
            "organisation_type_code",
            "country_code",
            "subdivision_code",
            "locality",
            "website",
            "description",
        )
    }
    data["manifesto_signed_on"] = row.date("manifesto_signed_on")
    status = row.choice("status", SignatoryStatus) or SignatoryStatus.applied
    row.check()
    return create_signatory(without_none(data), actor, status=SignatoryStatus(status))


def _indicator(row: RowFields) -> dict[str, Any] | None:
    cells = [f"indicator_{name}" for name in INDICATOR_COLUMNS]
    if not any(row.text(cell) for cell in cells):
        return None
    return without_none(
        {
            "name": row.text("indicator_name"),
            "unit": row.text("indicator_unit"),
            "dimension_code": row.text("indicator_dimension_code"),
            "baseline": row.decimal("indicator_baseline"),
            "target": row.decimal("indicator_target"),
            "direction": row.text("indicator_direction"),
        }
    )


def import_commitment(values: dict[str, str], actor: User | None = None) -> Commitment:
    """Create the commitment (a draft) of one row."""
    row = RowFields(values)
    signatory = _lookup(
        Signatory,
        Signatory.slug,
        row.text("signatory_slug", required=True),
        row,
        "signatory_slug",
        "signatory with the slug",
    )
    programme = _lookup(
        Programme,
        Programme.code,
        row.text("programme_code"),
        row,
        "programme_code",
        "programme with the code",
    )
    data = {
        "programme_id": programme.id if programme else None,
        "proposal_id": row.integer("proposal_id"),
        "title": row.text("title"),
        "description": row.text("description"),
        "language": row.text("language"),
        "target_codes": row.items("target_codes"),
        "dimension_codes": row.items("dimension_codes"),
        "scope": row.text("scope"),
        "country_code": row.text("country_code"),
        "subdivision_code": row.text("subdivision_code"),
        "start_date": row.date("start_date"),
        "due_date": row.date("due_date"),
        "cadence_months": row.integer("cadence_months"),
        "funding_amount": row.decimal("funding_amount"),
        "funding_currency": row.text("funding_currency"),
        "visibility": row.text("visibility"),
    }
    indicator = _indicator(row)
    if indicator is not None:
        data["indicators"] = [indicator]
    row.check()
    try:
        return create_commitment(signatory, without_none(data), actor, source=UpdateSource.import_)
    except DomainError as error:
        raise _in_columns(error) from None


def _indicator_values(row: RowFields) -> list[dict[str, Any]]:
    values = []
    for item in row.items("indicator_values"):
        indicator_id, _, value = item.partition(":")
        parsed = _indicator_value(indicator_id.strip(), value.strip())
        if parsed is None:
            row.error("indicator_values", f"{item!r} is not indicator_id:value")
        else:
            values.append(parsed)
    return values


def _indicator_value(indicator_id: str, value: str) -> dict[str, Any] | None:
    """The pair an item names, read as :class:`RowFields` reads a whole number and a number;
    None when either is empty or not one."""
    try:
        parsed = {"indicator_id": int(indicator_id), "value": Decimal(value)}
    except (ValueError, InvalidOperation):
        return None
    return parsed if parsed["value"].is_finite() else None


def import_progress(values: dict[str, str], actor: User | None = None) -> ProgressUpdate:
    """Record the progress update of one row."""
    row, commitment_id, data = _progress_row(values)
    commitment = None
    if commitment_id is not None:
        commitment = db.session.get(Commitment, commitment_id)
        if commitment is None:
            row.error("commitment_id", f"no commitment {commitment_id}")
    row.check()
    try:
        return report_progress(commitment, data, actor, source=UpdateSource.import_)
    except DomainError as error:
        raise _in_columns(error) from None


class ProgressImport:
    """The batch form of :func:`import_progress` for one import: chunk after chunk, then
    :meth:`finish`; together they write what :func:`import_progress` writes row after row.

    What the rows of a file share is done once for the file: each commitment is
    read once (as plain values, nothing kept in the session) and its reporting
    schedule is computed and written once, after its last chunk, rather than in
    every chunk that reports on it.
    """

    def __init__(self, actor: User | None = None):
        self.actor = actor
        self.commitments: dict[int, ReportingCommitment] = {}
        self.reported: dict[int, ReportingCommitment] = {}

    def __call__(self, rows: list[dict[str, str]]) -> list[int]:
        """Record the updates of a chunk of rows; the first bad row raises (the importer
        then runs the chunk's rows one by one, for every error with its line)."""
        parsed = [_progress_row(values) for values in rows]
        self._read_commitments(commitment_id for _, commitment_id, _ in parsed)
        items = []
        for row, commitment_id, data in parsed:
            commitment = self.commitments.get(commitment_id)
            if commitment_id is not None and commitment is None:
                row.error("commitment_id", f"no commitment {commitment_id}")
            row.check()
            items.append((commitment, data))
        ids = report_progress_many(items, self.actor, source=UpdateSource.import_, refresh=False)
        for commitment, _ in items:
            self.reported[commitment.id] = commitment
        return ids

    def finish(self) -> None:
        """Refresh the schedule of every commitment reported on, once."""
        refresh_reporting_schedules(list(self.reported.values()))

    def _read_commitments(self, ids) -> None:
        unread = {id for id in ids if id is not None and id not in self.commitments}
        self.commitments.update(commitments_for_reporting(unread))


import_progress.batch = ProgressImport


def _progress_row(values: dict[str, str]) -> tuple[RowFields, int | None, dict[str, Any]]:
    """A progress row read: its cells' errors so far, the commitment's id, the service's data."""
    row = RowFields(values)
    commitment_id = row.integer("commitment_id", required=True, minimum=1, maximum=MAX_ID)
    data = {
        "reported_at": row.instant("reported_at"),
        "status": row.text("status"),
        "percent_complete": row.integer("percent_complete"),
        "narrative": row.text("narrative"),
        "indicator_values": _indicator_values(row),
    }
    return row, commitment_id, without_none(data)


@click.group("import")
def import_group():
    """Import signatories, commitments or progress updates from a CSV file.

    Run "flask pact import KIND --help" for the columns of each kind.
    """


def _import_command(
    kind: str,
    columns: tuple[Column, ...],
    handle: Callable[[dict[str, str]], Any],
    intro: str,
    noun: str | None = None,
):
    noun = noun or kind

    @import_group.command(kind, help=f"{intro}\n\n{columns_help(columns)}\n\n{FORMAT_HELP}")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
    @click.option("--dry-run", is_flag=True, help="Check every row, then write nothing.")
    @with_appcontext
    def command(file: str, dry_run: bool):
        # From the reading of the file on: its rows are many objects too.
        with older_objects_left_alone():
            rows = read_csv(file, columns)
            label = f"{'Checking' if dry_run else 'Importing'} {len(rows)} {noun}"
            result = import_rows(rows, handle, dry_run=dry_run, label=label)
        report(result, noun)

    return command


import_signatories_command = _import_command(
    "signatories",
    SIGNATORY_COLUMNS,
    import_signatory,
    "Create the signatories listed in FILE (the format of 'flask pact export signatories').",
)
import_commitments_command = _import_command(
    "commitments",
    COMMITMENT_COLUMNS,
    import_commitment,
    "Create the commitments listed in FILE, as drafts of existing signatories.",
)
import_progress_command = _import_command(
    "progress",
    PROGRESS_COLUMNS,
    import_progress,
    "Record the progress updates listed in FILE against existing commitments.",
    noun="progress updates",
)
