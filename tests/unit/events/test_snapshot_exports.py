"""Snapshot exports: CSV and JSON streamed with the entries, XLSX, the Data Package that
describes the CSV, formulas neutralised, and a PDF report whose pages show the charts."""

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pypdfium2
import pytest
import sqlalchemy as sa

from pact_tracker.coalition.models import Role
from pact_tracker.commitments.models import CommitmentStatus, ProgressStatus, ProgressUpdate
from pact_tracker.core.exports import restore
from pact_tracker.events import exports
from pact_tracker.events.models import SnapshotEntry
from pact_tracker.events.services import snapshots
from pact_tracker.reference.models import SdgGoal, SdgTarget

CUTOFF = datetime(2026, 6, 1, 12, tzinfo=UTC)
APPROVED = datetime(2026, 1, 10, tzinfo=UTC)
FORMULA = '=HYPERLINK("http://evil.example","click")'
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


@pytest.fixture
def taken(db, make_commitment, make_signatory):
    """A draft snapshot of four commitments, one not public, one titled like a formula."""
    coop = make_signatory(name="Coop de Lyon")
    assoc = make_signatory(
        name="+Assoc Dakar", country_code="SN", organisation_type_code="association"
    )
    made = []
    for n, (title, signatory, public) in enumerate(
        [
            ("Train 200 young people", coop, True),
            (FORMULA, coop, True),
            ("@SUM(1+1) microcredit", assoc, True),
            ("Not public yet", assoc, False),
        ]
    ):
        commitment = make_commitment(
            title=title,
            signatory=signatory,
            status=CommitmentStatus.approved,
            created_at=datetime(2025, 12, 1, tzinfo=UTC),
            approved_at=APPROVED,
            published_at=APPROVED if public else None,
            start_date=date(2026, 1, 1),
            cadence_months=3,
        )
        if n == 0:
            commitment.targets.append(db.session.get(SdgTarget, "8.5"))
        if n < 3:
            db.session.add(
                ProgressUpdate(
                    commitment=commitment,
                    reported_at=CUTOFF.replace(month=5, day=n + 1),
                    recorded_at=CUTOFF.replace(month=5, day=n + 1),
                    status=ProgressStatus.on_track,
                    percent_complete=20 * (n + 1),
                )
            )
        made.append(commitment)
    db.session.flush()
    return snapshots.take_snapshot(CUTOFF, title="June 2026")


@pytest.fixture
def published(db, taken, secretariat):
    """That snapshot, published."""
    snapshots.publish_snapshot(taken, secretariat)
    db.session.flush()
    return taken


@pytest.fixture
def as_organiser(sign_in, make_user):
    return sign_in(make_user(role=Role.organiser))


def stored_entries(db, snapshot, *, public: bool) -> dict[int, SnapshotEntry]:
    query = sa.select(SnapshotEntry).where(SnapshotEntry.snapshot_id == snapshot.id)
    if public:
        query = query.where(SnapshotEntry.is_published.is_(True))
    return {e.commitment_id: e for e in db.session.scalars(query)}


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="snapshot-' in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("public", [True, False])
def test_the_csv_rows_are_the_entries(client, as_organiser, db, published, public):
    visitor = client if public else as_organiser
    rows = read_csv(visitor.get(f"/snapshots/{published.id}/export.csv"))
    expected = stored_entries(db, published, public=public)
    assert len(rows) == len(expected) == (3 if public else 4)
    assert list(rows[0]) == exports.COLUMNS
    for row in rows:
        entry = expected[int(row["commitment_id"])]
        assert restore(row["title"]) == entry.title
        assert row["status"] == str(entry.status)
        assert row["percent_complete"] == (
            "" if entry.percent_complete is None else str(entry.percent_complete)
        )
        assert row["is_published"] == ("true" if entry.is_published else "false")
        assert row["signatory_id"] == str(entry.signatory_id)
        if entry.last_reported_at:
            assert row["last_reported_at"] == entry.last_reported_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_formulas_are_neutralised_in_csv_and_xlsx_but_not_in_json(client, db, published):
    rows = read_csv(client.get(f"/snapshots/{published.id}/export.csv"))
    titles = {row["title"] for row in rows}
    assert "'" + FORMULA in titles and FORMULA not in titles
    assert "'@SUM(1+1) microcredit" in titles
    assert {row["signatory_name"] for row in rows} >= {"'+Assoc Dakar"}

    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/snapshots/{published.id}/export.xlsx").data)
    )
    cells = [row[1] for row in workbook.active.iter_rows(min_row=2)]
    formula_cell = next(c for c in cells if "HYPERLINK" in c.value)
    assert formula_cell.value == "'" + FORMULA and formula_cell.data_type == "s"

    data = json.loads(client.get(f"/snapshots/{published.id}/export.json").data)
    assert FORMULA in {entry["title"] for entry in data["entries"]}


@pytest.mark.parametrize("public", [True, False])
def test_the_json_export_has_the_snapshot_and_its_entries(
    client, as_organiser, db, published, public
):
    response = (client if public else as_organiser).get(f"/snapshots/{published.id}/export.json")
    assert response.mimetype == "application/json"
    data = json.loads(response.get_data(as_text=True))
    assert data["id"] == published.id and data["title"] == "June 2026"
    # The hash of what was exported: the public part's for the public.
    assert data["content_sha256"] == (
        published.public_sha256 if public else published.content_sha256
    )
    assert data["cutoff_at"] == "2026-06-01T12:00:00Z"
    expected = stored_entries(db, published, public=public)
    assert {e["commitment_id"] for e in data["entries"]} == set(expected)
    for item in data["entries"]:
        entry = expected[item["commitment_id"]]
        assert list(item) == exports.COLUMNS
        assert (item["status"], item["percent_complete"], item["is_published"]) == (
            str(entry.status),
            entry.percent_complete,
            entry.is_published,
        )


def test_a_drafts_csv_and_json_are_streamed_in_chunks(as_organiser, taken, monkeypatch):
    # A draft's rows are read as they are sent (a published snapshot's file is kept whole).
    monkeypatch.setattr(exports, "ROWS_PER_CHUNK", 1)
    for extension in ("csv", "json"):
        response = as_organiser.get(f"/snapshots/{taken.id}/export.{extension}", buffered=False)
        assert response.is_streamed
        chunks = [chunk for chunk in response.response if chunk]
        response.close()
        assert len(chunks) >= 3, extension


def test_the_xlsx_export_opens_with_its_rows(as_organiser, db, published):
    response = as_organiser.get(f"/snapshots/{published.id}/export.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == exports.COLUMNS
    expected = stored_entries(db, published, public=False)
    assert {row[0] for row in rows[1:]} == set(expected)
    by_id = {row[0]: dict(zip(exports.COLUMNS, row, strict=True)) for row in rows[1:]}
    for commitment_id, entry in expected.items():
        assert by_id[commitment_id]["percent_complete"] == entry.percent_complete
        assert by_id[commitment_id]["is_published"] is entry.is_published


def test_the_datapackage_describes_every_column_of_the_csv(client, published):
    package = client.get(f"/snapshots/{published.id}/datapackage.json").get_json()
    header = next(
        csv.reader(
            io.StringIO(client.get(f"/snapshots/{published.id}/export.csv").get_data(as_text=True))
        )
    )
    [resource] = package["resources"]
    fields = resource["schema"]["fields"]
    assert [f["name"] for f in fields] == header
    assert all(f["type"] in {"integer", "string", "boolean", "datetime"} for f in fields)
    assert all(len(f["description"]) > 10 for f in fields)
    assert resource["path"].endswith(f"/snapshots/{published.id}/export.csv")
    assert resource["format"] == "csv" and resource["schema"]["primaryKey"] == ["commitment_id"]
    assert package["profile"] == "tabular-data-package"
    assert package["version"] == published.public_sha256


def _colour(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def test_the_pdf_report_opens_and_its_pages_show_the_charts(client, db, published):
    response = client.get(f"/snapshots/{published.id}/export.pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    pdf = pypdfium2.PdfDocument(response.data)
    try:
        assert len(pdf) >= 1
        text = pdf[0].get_textpage().get_text_range()
        assert "June 2026" in text and "Headline figures" in text
        # The public's report carries the hash of the public part it shows.
        assert published.public_sha256 in text.replace("\r", "").replace("\n", "")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        sdg_colours = {_colour(db.session.get(SdgGoal, n).colour) for n in (4, 8)}
        found = set()
        for number in range(len(pdf)):
            image = pdf[number].render(scale=1.5).to_pil().convert("RGB")
            colours = {colour: count for count, colour in image.getcolors(1 << 24)}
            if number == 0:
                image.save(ARTIFACTS / "snapshot-report-page-1.png")
                inked = sum(count for colour, count in colours.items() if sum(colour) < 600)
                assert inked > 0.005 * image.width * image.height, "page 1 is blank"
            found |= sdg_colours & set(colours)
        assert found == sdg_colours, "the SDG goal chart's bars are not drawn"
    finally:
        pdf.close()


def test_an_unknown_format_is_not_found(client, published):
    assert client.get(f"/snapshots/{published.id}/export.docx").status_code == 404
