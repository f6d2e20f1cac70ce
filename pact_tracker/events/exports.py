"""What a snapshot shows and exports: its groups labelled, its entries filtered, and the files.

The entries are exported as CSV and JSON streamed from the database (a batch of
rows at a time), as an XLSX workbook written in write-only mode, described by
a Frictionless Data Package (``datapackage.json``), and summed up in a PDF
report drawn by WeasyPrint. CSV and XLSX cells that a spreadsheet would run as
a formula are neutralised (``core.exports.csv_writer``); JSON is for programs
and keeps the text verbatim.

Visitors who may not manage snapshots see and export only the snapshot's public
variant: the entries public at the cutoff (``public_part.public_entries``), the
figures and labels of those entries only, and the hash of that part. Everything
here reads the snapshot's frozen rows only (names and labels included), never
the live tables, so a published snapshot's files never change.
"""

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from pact_tracker.commitments.forms.public import REPORTING_LABELS, STATUS_LABELS
from pact_tracker.commitments.models import commitment_target
from pact_tracker.core.exports import BATCH_SIZE, csv_writer, stream, write_xlsx
from pact_tracker.events.models import (
    Breakdown,
    Snapshot,
    SnapshotAggregate,
    SnapshotEntry,
    SnapshotLabel,
)
from pact_tracker.events.services.comparison import change_filter
from pact_tracker.events.services.labels import LABELLED
from pact_tracker.events.services.public_part import public_entries, shown_sha256
from pact_tracker.extensions import db
from pact_tracker.reference.models import SdgTarget

FORMATS = ("csv", "json", "xlsx", "pdf")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
#: Rows of CSV or JSON sent to the client per chunk of the response.
ROWS_PER_CHUNK = 200
#: Closed commitments (achieved, withdrawn...) have no reporting state.
NOT_REPORTING = _l("Closed: no longer reporting")


@dataclass(frozen=True)
class Field:
    """A column of the exported entries, as the Data Package describes it."""

    name: str
    #: Frictionless Table Schema type.
    type: str
    description: str
    expression: Any


def _fields() -> list[Field]:
    e = SnapshotEntry
    return [
        Field("commitment_id", "integer", "Id of the commitment.", e.commitment_id),
        Field("title", "string", "Title of the commitment.", e.title),
        Field("signatory_id", "integer", "Id of the signatory that made it.", e.signatory_id),
        Field(
            "signatory_name",
            "string",
            "Name of that signatory when the snapshot was taken.",
            e.signatory_name,
        ),
        Field("programme_id", "integer", "Id of its thematic programme.", e.programme_id),
        Field(
            "programme_code",
            "string",
            "Code of its thematic programme when the snapshot was taken.",
            e.programme_code,
        ),
        Field(
            "organisation_type_code",
            "string",
            "Type of organisation of the signatory (code of the coalition's lexicon).",
            e.organisation_type_code,
        ),
        Field("country_code", "string", "ISO 3166-1 country of the signatory.", e.country_code),
        Field(
            "status",
            "string",
            "Status of the commitment at the cutoff: approved, achieved, partially_achieved, "
            "not_achieved or withdrawn.",
            e.status,
        ),
        Field(
            "is_published",
            "boolean",
            "Whether it is in the snapshot's public part: public at the cutoff, of a signatory "
            "approved when the snapshot was taken.",
            e.is_published,
        ),
        Field(
            "update_id",
            "integer",
            "Id of the progress update in force at the cutoff (empty: none).",
            e.update_id,
        ),
        Field(
            "last_reported_at",
            "datetime",
            "The period that update speaks for: when it was reported (UTC, ISO 8601).",
            e.last_reported_at,
        ),
        Field(
            "last_recorded_at",
            "datetime",
            "When the latest update known at the cutoff was recorded, a late report or a "
            "correction included (UTC, ISO 8601).",
            e.last_recorded_at,
        ),
        Field(
            "progress_status",
            "string",
            "Self-declared progress status of that update: not_started, on_track, delayed, "
            "blocked or completed.",
            e.progress_status,
        ),
        Field(
            "percent_complete",
            "integer",
            "Self-declared percentage complete in that update (0 to 100).",
            e.percent_complete,
        ),
        Field(
            "assessed_level",
            "string",
            "The secretariat's latest assessment at the cutoff: no_evidence, not_started, "
            "limited, substantial or complete.",
            e.assessed_level,
        ),
        Field(
            "reporting_state",
            "string",
            "Reporting state at the cutoff: on_time, due, overdue or inactive.",
            e.reporting_state,
        ),
    ]


FIELDS = _fields()
COLUMNS = [field.name for field in FIELDS]


def _filtered(query: sa.Select, filters: dict[str, str], public: bool) -> sa.Select:
    e = SnapshotEntry
    query = query.where(public_entries(public))
    if "organisation_type" in filters:
        query = query.where(e.organisation_type_code == filters["organisation_type"])
    if "country" in filters:
        query = query.where(e.country_code == filters["country"])
    if "status" in filters:
        query = query.where(e.status == filters["status"])
    if filters.get("programme", "").isdigit():
        query = query.where(e.programme_id == int(filters["programme"]))
    if "reporting_state" in filters:
        state = filters["reporting_state"]
        query = query.where(
            e.reporting_state.is_(None) if state == "none" else e.reporting_state == state
        )
    if "change" in filters and filters.get("compared_with", "").isdigit():
        query = query.where(
            change_filter(e, int(filters["compared_with"]), filters["change"], public=public)
        )
    if filters.get("goal", "").isdigit():
        in_goal = (
            sa.select(commitment_target.c.commitment_id)
            .join(SdgTarget, SdgTarget.code == commitment_target.c.target_code)
            .where(SdgTarget.goal_number == int(filters["goal"]))
        )
        query = query.where(e.commitment_id.in_(in_goal))
    return query


def entries(snapshot: Snapshot, filters: dict[str, str], *, public: bool) -> sa.Select:
    """The snapshot's entries (``SnapshotEntry``) matching ``filters``, by commitment."""
    query = sa.select(SnapshotEntry).where(SnapshotEntry.snapshot_id == snapshot.id)
    return _filtered(query, filters, public).order_by(SnapshotEntry.commitment_id)


def entries_query(snapshot: Snapshot, filters: dict[str, str], *, public: bool) -> sa.Select:
    """The export's rows: the entries with their signatory's name and programme's code."""
    e = SnapshotEntry
    query = sa.select(*(field.expression.label(field.name) for field in FIELDS)).where(
        e.snapshot_id == snapshot.id
    )
    return _filtered(query, filters, public).order_by(e.commitment_id)


def aggregates(snapshot: Snapshot, *, public: bool) -> dict[str, dict[str, SnapshotAggregate]]:
    """The figures of the snapshot's variant: ``{breakdown: {key: SnapshotAggregate}}``."""
    result: dict[str, dict[str, SnapshotAggregate]] = {str(b): {} for b in Breakdown}
    rows = db.session.scalars(
        sa.select(SnapshotAggregate).where(
            SnapshotAggregate.snapshot_id == snapshot.id, SnapshotAggregate.public.is_(public)
        )
    )
    for row in rows:
        result[str(row.breakdown)][row.key] = row
    return result


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    #: ``#RRGGBB`` for SDG goals, None otherwise.
    colour: str | None = None


@dataclass(frozen=True)
class FrozenLabel:
    """A group's label as frozen with the snapshot (``SnapshotLabel``), in plain values."""

    label_en: str
    label_fr: str
    position: int
    colour: str | None


def groups(snapshot: Snapshot, breakdown: str, keys) -> list[Group]:
    """The groups of ``keys`` labelled in the page language, in their natural order.

    Programmes, goals, types, countries and dimensions are labelled as frozen
    with the snapshot (``SnapshotLabel``); statuses in the platform's own words.
    """
    keys = list(keys)
    frozen = {}
    if breakdown in LABELLED:
        rows = db.session.scalars(
            sa.select(SnapshotLabel).where(
                SnapshotLabel.snapshot_id == snapshot.id,
                SnapshotLabel.breakdown == breakdown,
                SnapshotLabel.key.in_(keys),
            )
        )
        frozen = {
            row.key: FrozenLabel(row.label_en, row.label_fr, row.position, row.colour)
            for row in rows
        }
    return labelled_groups(breakdown, keys, frozen, str(get_locale()))


def labelled_groups(
    breakdown: str, keys, frozen: dict[str, FrozenLabel], locale: str
) -> list[Group]:
    """The groups of ``keys`` labelled in ``locale`` from their ``frozen`` labels, in order."""
    keys = list(keys)
    if breakdown in LABELLED:
        labelled = [
            (Group(k, _localised(frozen[k], locale), frozen[k].colour), frozen[k].position)
            if k in frozen
            else (Group(k, k), 999)
            for k in keys
        ]
        return [
            group
            for group, _position in sorted(
                labelled, key=lambda pair: (pair[1], pair[0].label.casefold(), pair[0].key)
            )
        ]
    if breakdown == "status":
        order = list(STATUS_LABELS)
        return sorted(
            (Group(k, str(STATUS_LABELS.get(k, k))) for k in keys),
            key=lambda g: order.index(g.key) if g.key in order else 99,
        )
    if breakdown == "reporting_state":
        labels = {**REPORTING_LABELS, "none": NOT_REPORTING}
        order = list(labels)
        return sorted(
            (Group(k, str(labels.get(k, k))) for k in keys),
            key=lambda g: order.index(g.key) if g.key in order else 99,
        )
    return [Group(k, k) for k in keys]


def _localised(label: FrozenLabel, locale: str) -> str:
    """As ``Bilingual.localised``: the locale's text, else the English one."""
    return (label.label_fr if locale == "fr" else None) or label.label_en


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def _row_values(row) -> list[Any]:
    return [_csv_value(value) for value in row]


def csv_chunks(query: sa.Select) -> Iterator[str]:
    """The entries as CSV text, header first, a chunk of rows at a time."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(COLUMNS)
    for count, row in enumerate(stream(query, BATCH_SIZE), start=1):
        writer.writerow(_row_values(row))
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(snapshot: Snapshot, query: sa.Select, *, public: bool) -> Iterator[str]:
    """The snapshot's description and entries as one JSON object, a chunk of rows at a time.

    The description is read now: the rows are read while the response is sent,
    after the request's session (and so ``snapshot``) is gone.
    """
    head = {
        "id": snapshot.id,
        "title": snapshot.title,
        "cutoff_at": _csv_value(snapshot.cutoff_at),
        "status": str(snapshot.status),
        "published_at": _csv_value(snapshot.published_at) if snapshot.published_at else None,
        "content_sha256": shown_sha256(snapshot, public=public),
    }
    return _json_rows(json.dumps(head, ensure_ascii=False)[:-1] + ', "entries": [', query)


def _json_rows(opening: str, query: sa.Select) -> Iterator[str]:
    parts = [opening]
    for count, row in enumerate(stream(query, BATCH_SIZE)):
        item = dict(zip(COLUMNS, _row_values(row), strict=True))
        item = {key: str(v) if hasattr(v, "value") else v for key, v in item.items()}
        parts.append(("," if count else "") + "\n" + json.dumps(item, ensure_ascii=False))
        if len(parts) >= ROWS_PER_CHUNK:
            yield "".join(parts)
            parts = []
    parts.append("\n]}\n")
    yield "".join(parts)


def xlsx_bytes(snapshot: Snapshot, query: sa.Select) -> bytes:
    """The entries as one sheet of a workbook (a spreadsheet cannot be streamed while written)."""
    out = io.BytesIO()
    rows = ([str(v) if hasattr(v, "value") else v for v in row] for row in stream(query))
    write_xlsx(COLUMNS, rows, out, title=f"Snapshot {snapshot.id}")
    return _dated(out.getvalue(), snapshot.taken_at)


#: The workbook's creation and modification dates (``docProps/core.xml``).
_DOCUMENT_DATES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def _dated(workbook: bytes, when: datetime) -> bytes:
    """The workbook dated ``when`` throughout, so that the same snapshot gives the same bytes.

    openpyxl dates the document and each member of its zip with the time it is
    written, and offers no way to choose it: the archive is rewritten with the
    snapshot's date instead, its content otherwise untouched.
    """
    stamp = when.astimezone(UTC)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "docProps/core.xml":
                written = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = _DOCUMENT_DATES.sub(rb"\g<1>" + written + rb"\g<3>", data)
            info = zipfile.ZipInfo(member.filename, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    return out.getvalue()


def datapackage(snapshot: Snapshot, csv_url: str, *, public: bool) -> dict:
    """A Frictionless (Tabular) Data Package describing the CSV export's every column."""
    fields = []
    for field in FIELDS:
        described = {"name": field.name, "type": field.type, "description": field.description}
        if field.type == "boolean":
            described |= {"trueValues": ["true"], "falseValues": ["false"]}
        if field.type == "datetime":
            described["format"] = "default"
        if field.name == "commitment_id":
            described["constraints"] = {"required": True, "unique": True}
        if field.name == "percent_complete":
            described["constraints"] = {"minimum": 0, "maximum": 100}
        fields.append(described)
    return {
        "profile": "tabular-data-package",
        "name": f"pact-snapshot-{snapshot.id}",
        "title": snapshot.title,
        "description": (
            f"Every commitment as it stood at {_csv_value(snapshot.cutoff_at)}"
            + (" (the entries public at the cutoff)." if public else ".")
        ),
        "created": _csv_value(snapshot.taken_at),
        "version": shown_sha256(snapshot, public=public) or "draft",
        "resources": [
            {
                "name": "entries",
                "path": csv_url,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "header": True, "lineTerminator": "\r\n"},
                "schema": {
                    "fields": fields,
                    "primaryKey": ["commitment_id"],
                    "missingValues": [""],
                },
            }
        ],
    }
