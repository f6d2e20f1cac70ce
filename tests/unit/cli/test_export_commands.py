"""``flask pact export``: three formats, formulas neutralised, and a lossless round trip."""

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.commitments.models import CommitmentStatus, ProgressStatus
from pact_tracker.commitments.services import correct_update, report_progress
from pact_tracker.core.exports import neutralise, restore
from pact_tracker.core.types import utcnow


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _xlsx(path) -> list[dict]:
    workbook = load_workbook(path, read_only=True)
    header, *rows = workbook.active.iter_rows(values_only=True)
    workbook.close()
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def signatories(make_signatory):
    approved = make_signatory(
        name="Alpha Coop",
        acronym="-AC",
        description='=HYPERLINK("http://evil.example","click")',
        locality="@home",
        website="https://alpha.example",
        subdivision_code="FR-IDF",
    )
    applied = make_signatory(
        name="Beta Assoc", status=SignatoryStatus.applied, manifesto_signed_on=None
    )
    return approved, applied


def test_export_signatories_csv_lists_approved_ones_with_formulas_neutralised(pact, signatories):
    approved, _applied = signatories
    result = pact("export", "signatories")

    assert result.exit_code == 0, result.output
    rows = _csv(result.stdout)
    assert [row["slug"] for row in rows if row["slug"] in ("alpha-coop", "beta-assoc")] == [
        "alpha-coop"
    ]
    [alpha] = [row for row in rows if row["slug"] == approved.slug]
    assert alpha["description"] == '\'=HYPERLINK("http://evil.example","click")'
    assert (alpha["acronym"], alpha["locality"]) == ("'-AC", "'@home")
    assert (alpha["subdivision_code"], alpha["manifesto_signed_on"], alpha["status"]) == (
        "FR-IDF",
        "2025-03-04",
        "approved",
    )


def test_export_signatories_csv_leaves_no_formula_after_any_separator(pact, make_signatory):
    make_signatory(
        name="Semicolon Coop",
        acronym="ACC;=SUM(1+1)",
        locality="Lyon|@cmd",
        description="Jobs, -2+3\tand +1",
    )
    result = pact("export", "signatories")

    assert result.exit_code == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if "Semicolon Coop" in line]
    assert '"ACC;\'=SUM(1+1)"' in line
    # A European spreadsheet splits on ";", others on tab or "|": no piece is a formula.
    for separator in ",;\t|":
        for piece in line.split(separator):
            assert not piece.lstrip(' "').startswith(("=", "+", "-", "@")), (separator, piece)
    [row] = [row for row in _csv(result.stdout) if row["name"] == "Semicolon Coop"]
    assert [restore(row[name]) for name in ("acronym", "locality", "description")] == [
        "ACC;=SUM(1+1)",
        "Lyon|@cmd",
        "Jobs, -2+3\tand +1",
    ]


def test_export_signatories_all_includes_every_status(pact, signatories):
    result = pact("export", "signatories", "--all")
    slugs = {row["slug"]: row["status"] for row in _csv(result.stdout)}
    assert (slugs["alpha-coop"], slugs["beta-assoc"]) == ("approved", "applied")


def test_export_signatories_json_keeps_values_verbatim(pact, signatories):
    result = pact("export", "signatories", "--format", "json")

    assert result.exit_code == 0, result.output
    [alpha] = [item for item in json.loads(result.stdout) if item["slug"] == "alpha-coop"]
    assert alpha["description"] == '=HYPERLINK("http://evil.example","click")'
    assert (alpha["acronym"], alpha["manifesto_signed_on"]) == ("-AC", "2025-03-04")


def test_export_signatories_xlsx_neutralises_formulas_in_typed_cells(pact, signatories, tmp_path):
    path = tmp_path / "signatories.xlsx"
    result = pact("export", "signatories", "--format", "xlsx", "--output", str(path))

    assert result.exit_code == 0, result.output
    assert "Wrote" in result.stderr and str(path) in result.stderr
    [alpha] = [row for row in _xlsx(path) if row["slug"] == "alpha-coop"]
    assert alpha["description"] == '\'=HYPERLINK("http://evil.example","click")'
    assert alpha["acronym"] == "'-AC"
    assert alpha["manifesto_signed_on"] == datetime(2025, 3, 4)
    assert not list(tmp_path.glob("*.partial"))


def test_export_to_a_missing_folder_fails_cleanly(pact, signatories, tmp_path):
    target = tmp_path / "missing" / "signatories.json"
    result = pact("export", "signatories", "--format", "json", "--output", str(target))
    assert result.exit_code == 1
    assert f"Cannot write {target}: No such file or directory." in result.stderr
    assert not target.parent.exists()


def test_export_xlsx_needs_an_output_file(pact):
    result = pact("export", "commitments", "--format", "xlsx")
    assert result.exit_code == 2
    assert "--format xlsx needs --output FILE" in result.stderr


@pytest.fixture
def reported_commitment(db, make_commitment, make_signatory, make_programme):
    """An approved commitment with two reports, the later one corrected."""
    signatory = make_signatory(name="Gamma Coop")
    programme = make_programme(code="SSE-JOBS")
    commitment = make_commitment(
        signatory=signatory,
        programme=programme,
        title="+ 200 trained",
        status=CommitmentStatus.approved,
    )
    indicator = commitment.indicators[0]
    first = report_progress(
        commitment,
        {
            "status": "on_track",
            "percent_complete": 20,
            "reported_at": utcnow() - timedelta(hours=5),
            "indicator_values": [{"indicator_id": indicator.id, "value": "40"}],
        },
        None,
    )
    second = report_progress(
        commitment,
        {
            "status": "delayed",
            "percent_complete": 50,
            "narrative": "=cmd|' /C calc'!A0",
            "reported_at": utcnow() - timedelta(hours=1),
        },
        None,
    )
    correction = correct_update(second, {"percent_complete": 45}, None, reason="Typo")
    return commitment, first, second, correction


def test_export_commitments_gives_latest_live_progress(pact, reported_commitment, tmp_path):
    commitment, *_updates = reported_commitment
    result = pact("export", "commitments")
    as_json = pact("export", "commitments", "--format", "json")
    path = tmp_path / "commitments.xlsx"
    as_xlsx = pact("export", "commitments", "--format", "xlsx", "-o", str(path))

    assert (result.exit_code, as_json.exit_code, as_xlsx.exit_code) == (0, 0, 0)
    [row] = [row for row in _csv(result.stdout) if row["id"] == str(commitment.id)]
    assert (row["signatory_slug"], row["programme_code"], row["target_codes"]) == (
        "gamma-coop",
        "SSE-JOBS",
        "4.4",
    )
    assert (row["status"], row["reporting_state"], row["percent_complete"]) == (
        "approved",
        "on_time",
        "45",
    )
    assert row["title"] == "'+ 200 trained"
    [item] = [item for item in json.loads(as_json.stdout) if item["id"] == commitment.id]
    assert (item["title"], item["target_codes"], item["percent_complete"]) == (
        "+ 200 trained",
        ["4.4"],
        45,
    )
    assert item["start_date"] == "2026-01-01"
    [cells] = [cells for cells in _xlsx(path) if cells["id"] == commitment.id]
    assert (cells["title"], cells["percent_complete"], cells["due_date"]) == (
        "'+ 200 trained",
        45,
        datetime(2028, 12, 31),
    )


def test_export_progress_lists_every_update_with_corrections(pact, reported_commitment):
    commitment, first, second, correction = reported_commitment
    indicator = commitment.indicators[0]
    result = pact("export", "progress")
    as_json = pact("export", "progress", "--format", "json")

    assert (result.exit_code, as_json.exit_code) == (0, 0)
    rows = {row["id"]: row for row in _csv(result.stdout)}
    assert rows[str(first.id)]["indicator_values"] == f"{indicator.id}:40"
    assert (rows[str(first.id)]["status"], rows[str(first.id)]["percent_complete"]) == (
        "on_track",
        "20",
    )
    assert rows[str(second.id)]["narrative"] == "'=cmd|' /C calc'!A0"
    assert rows[str(correction.id)]["supersedes_id"] == str(second.id)
    assert rows[str(correction.id)]["reported_at"] == second.reported_at.isoformat()
    assert datetime.fromisoformat(rows[str(correction.id)]["recorded_at"]) >= second.recorded_at
    items = {item["id"]: item for item in json.loads(as_json.stdout)}
    assert items[second.id]["narrative"] == "=cmd|' /C calc'!A0"
    assert items[second.id]["status"] == ProgressStatus.delayed
    assert items[first.id]["indicator_values"] == {str(indicator.id): "40"}
    assert items[correction.id]["correction_reason"] == "Typo"


def test_export_then_import_signatories_loses_nothing(db, pact, make_signatory, tmp_path):
    make_signatory(
        name="Ville de Liège",
        slug="ville-de-liege",
        acronym="VdL",
        organisation_type_code="local_authority",
        country_code="BE",
        subdivision_code="BE-WLG",
        locality="Liège",
        website="https://liege.example",
        description="- first line\n'quoted', \"double\"\n=SUM(A1)\ttab",
        manifesto_signed_on=date(2024, 6, 30),
    )
    make_signatory(name="Suspended One", status=SignatoryStatus.suspended, description="@x")
    make_signatory(name="Applied One", status=SignatoryStatus.applied, manifesto_signed_on=None)
    first = tmp_path / "first.csv"
    second = tmp_path / "second.csv"
    assert pact("export", "signatories", "--all", "-o", str(first)).exit_code == 0

    for signatory in db.session.scalars(db.select(Signatory)).all():
        db.session.delete(signatory)
    db.session.commit()
    imported = pact("import", "signatories", str(first))
    assert imported.exit_code == 0, imported.output
    assert pact("export", "signatories", "--all", "-o", str(second)).exit_code == 0

    assert second.read_bytes() == first.read_bytes()
    liege = db.session.scalar(db.select(Signatory).where(Signatory.slug == "ville-de-liege"))
    assert liege.description == "- first line\n'quoted', \"double\"\n=SUM(A1)\ttab"
    assert (liege.subdivision_code, liege.manifesto_signed_on) == ("BE-WLG", date(2024, 6, 30))
    assert first.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    "text", ["=1+2", "+1", "-", "@a", "\tx", "\rx", "'=x", "''-x", "'a", "plain", "", "a=b"]
)
def test_neutralise_is_undone_by_restore(text):
    assert restore(neutralise(text)) == text
    assert not neutralise(text).startswith(("=", "+", "-", "@", "\t", "\r"))
