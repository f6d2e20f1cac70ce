"""Stored corpus values leave through the exports inert: formulas neutralised in CSV and
XLSX (and restored by the import), verbatim in JSON, and a snapshot's downloads alike."""

import csv
import io
import json
from datetime import timedelta

import pytest
from corpus import HEADER_INJECTION, STORED, TEXT
from openpyxl import load_workbook

from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.core.exports import FORMULA_TRIGGERS, neutralise_csv, restore
from pact_tracker.core.types import utcnow
from pact_tracker.events.services import snapshots as snapshot_services

STORED_TEXT = [bad for bad in TEXT + HEADER_INJECTION if bad.expect == STORED]


def _as_spreadsheet_shows(value: str) -> str:
    """What an XLSX cell must hold for ``value``: text a spreadsheet will not run."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _as_csv_shows(value: str) -> str:
    """A CSV cell, which a spreadsheet may also split on ``;``, tab or ``|``: no piece runs."""
    return neutralise_csv(value)


def _xlsx(text: str | None) -> str | None:
    """XLSX is XML, whose parsers read every line end as a line feed."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


@pytest.fixture
def named(db, make_signatory):
    """One approved signatory per stored corpus value, named after it."""
    made = {
        bad.name: make_signatory(name=bad.value, slug=f"corpus-{bad.name}") for bad in STORED_TEXT
    }
    db.session.commit()
    return made


def _export(runner, tmp_path, fmt: str) -> str:
    output = tmp_path / f"signatories.{fmt}"
    result = runner.invoke(
        args=["pact", "export", "signatories", "--format", fmt, "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    return str(output)


def _by_slug(rows: list[dict]) -> dict[str, dict]:
    return {row["slug"]: row for row in rows}


def test_csv_export_neutralises_formulas_and_the_import_restores_them(runner, tmp_path, named):
    path = _export(runner, tmp_path, "csv")
    with open(path, encoding="utf-8-sig", newline="") as file:
        rows = _by_slug(list(csv.DictReader(file)))
    for bad in STORED_TEXT:
        cell = rows[f"corpus-{bad.name}"]["name"]
        assert cell == _as_csv_shows(bad.value), bad.name
        assert restore(cell) == bad.value


def test_xlsx_export_neutralises_formulas_as_text_cells(runner, tmp_path, named):
    # Read from memory: a read-only workbook left open on a file warns when it is collected,
    # which may be during a later test.
    with open(_export(runner, tmp_path, "xlsx"), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read()), read_only=True).active
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    by_slug = _by_slug([dict(zip(header, row, strict=True)) for row in rows])
    for bad in STORED_TEXT:
        cell = by_slug[f"corpus-{bad.name}"]["name"]
        assert _xlsx(cell) == _xlsx(_as_spreadsheet_shows(bad.value)), bad.name


def test_json_export_keeps_every_value_verbatim(runner, tmp_path, named):
    with open(_export(runner, tmp_path, "json"), encoding="utf-8") as file:
        rows = _by_slug(json.load(file))
    for bad in STORED_TEXT:
        assert rows[f"corpus-{bad.name}"]["name"] == bad.value


def test_a_snapshot_download_neutralises_corpus_titles(client, db, make_commitment, secretariat):
    approved_at = utcnow() - timedelta(days=1)
    made = {
        bad.name: make_commitment(
            title=bad.value,
            status=CommitmentStatus.approved,
            approved_at=approved_at,
            published_at=approved_at,
        ).id
        for bad in STORED_TEXT
    }
    snapshot = snapshot_services.take_snapshot(utcnow(), title="Corpus")
    snapshot_services.publish_snapshot(snapshot, secretariat)
    db.session.commit()

    response = client.get(f"/snapshots/{snapshot.id}/export.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    titles = {int(row["commitment_id"]): row["title"] for row in rows}
    xlsx = client.get(f"/snapshots/{snapshot.id}/export.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).worksheets[0]
    sheet_rows = sheet.iter_rows(values_only=True)
    header = next(sheet_rows)
    sheet_titles = {
        row[header.index("commitment_id")]: row[header.index("title")] for row in sheet_rows
    }
    for bad in STORED_TEXT:
        assert titles[made[bad.name]] == _as_csv_shows(bad.value), bad.name
        expected = _as_spreadsheet_shows(bad.value)
        assert _xlsx(sheet_titles[made[bad.name]]) == _xlsx(expected), bad.name


def test_a_snapshot_csv_leaves_no_formula_after_any_separator(
    client, db, make_commitment, make_signatory, secretariat
):
    approved_at = utcnow() - timedelta(days=1)
    make_commitment(
        title="Plan;=SUM(1+1)",
        signatory=make_signatory(name="Coop|@cmd", slug="coop-pipe"),
        status=CommitmentStatus.approved,
        approved_at=approved_at,
        published_at=approved_at,
    )
    snapshot = snapshot_services.take_snapshot(utcnow(), title="Separators")
    snapshot_services.publish_snapshot(snapshot, secretariat)
    db.session.commit()

    text = client.get(f"/snapshots/{snapshot.id}/export.csv").get_data(as_text=True)
    [line] = [line for line in text.splitlines() if "Plan;" in line]
    assert '"Plan;\'=SUM(1+1)"' in line and '"Coop|\'@cmd"' in line
    for separator in ",;\t|":
        for piece in line.split(separator):
            assert not piece.lstrip(' "').startswith(FORMULA_TRIGGERS), (separator, piece)
