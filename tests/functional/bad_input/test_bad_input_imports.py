"""The bad-input corpus through the CSV imports (command line and the secretariat's upload).

A file with a bad cell is refused with the line and the column, and writes
nothing; text that is merely hostile is stored as it was written.
"""

import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from corpus import DATES, EDGE_DATES, INVALID_UTF8, REFUSED, TEXT, by_name

from pact_tracker.coalition.models import Signatory
from pact_tracker.commitments.models import Commitment, CommitmentStatus, ProgressUpdate
from pact_tracker.core.types import utcnow

SIGNATORY_HEADER = ["slug", "name", "organisation_type_code", "country_code", "description"]
COMMITMENT_HEADER = [
    "signatory_slug", "programme_code", "title", "description", "target_codes",
    "start_date", "due_date", "cadence_months",
    "indicator_name", "indicator_unit", "indicator_target",
]  # fmt: skip
PROGRESS_HEADER = ["commitment_id", "reported_at", "status", "percent_complete", "narrative"]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def pact_import(runner, tmp_path):
    """``pact_import(kind, content)`` runs ``flask pact import <kind>`` on a file of ``content``."""

    def run(kind: str, content: bytes):
        path = tmp_path / f"{kind}.csv"
        path.write_bytes(content)
        return runner.invoke(args=["pact", "import", kind, str(path)])

    return run


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _signatory_row(name: str, slug: str = "coop-corpus", description: str = "") -> list[str]:
    return [slug, name, "cooperative", "FR", description]


@pytest.mark.parametrize("bad", **by_name(TEXT))
def test_a_signatory_name_from_the_corpus_is_refused_by_line_or_stored_verbatim(
    db, pact_import, bad
):
    before = _count(db, Signatory)
    content = _csv(
        [SIGNATORY_HEADER, _signatory_row("Coop Fine", "coop-fine"), _signatory_row(bad.value)]
    )
    result = pact_import("signatories", content)
    if bad.expect == REFUSED:
        assert result.exit_code == 1
        assert "line 3: name: contains a character that is not allowed (U+" in result.stderr
        assert "line 2" not in result.stderr
        assert "nothing was imported" in result.output
        assert _count(db, Signatory) == before
    else:
        assert result.exit_code == 0, result.output
        stored = db.session.scalar(sa.select(Signatory).where(Signatory.slug == "coop-corpus"))
        assert stored.name == bad.value


@pytest.mark.parametrize("bad", **by_name(TEXT))
def test_a_progress_narrative_from_the_corpus_is_refused_or_stored_verbatim(
    db, pact_import, make_commitment, bad
):
    commitment = make_commitment(status=CommitmentStatus.approved)
    hour_ago = (utcnow() - timedelta(hours=1)).isoformat()
    content = _csv([PROGRESS_HEADER, [str(commitment.id), hour_ago, "on_track", "10", bad.value]])
    result = pact_import("progress", content)
    updates = db.session.scalars(
        sa.select(ProgressUpdate.narrative).where(ProgressUpdate.commitment_id == commitment.id)
    ).all()
    if bad.expect == REFUSED:
        assert result.exit_code == 1
        assert "line 2: narrative: contains a character that is not allowed" in result.stderr
        assert updates == []
    else:
        assert result.exit_code == 0, result.output
        assert updates == [bad.value]


@pytest.mark.parametrize("bad", **by_name(INVALID_UTF8))
def test_a_file_that_is_not_utf8_is_refused_with_its_line(db, pact_import, bad):
    before = _count(db, Signatory)
    good = _csv([SIGNATORY_HEADER, _signatory_row("Coop Fine", "coop-fine")])
    content = good + b"coop-bad,Coop " + bad.value + b",cooperative,FR,\n"
    result = pact_import("signatories", content)
    assert result.exit_code == 1
    assert "line 3: the file is not UTF-8 text; save it as CSV UTF-8." in result.output
    assert _count(db, Signatory) == before


@pytest.mark.parametrize("bad", **by_name(DATES))
def test_a_date_out_of_range_is_refused_with_its_line_and_column(
    db, pact_import, make_signatory, make_programme, bad
):
    signatory, programme = make_signatory(), make_programme()
    before = _count(db, Commitment)
    row = [signatory.slug, programme.code, "Repair", "Repair things.", "4.4"]
    content = _csv(
        [
            COMMITMENT_HEADER,
            [*row, "2026-01-01", "2027-12-31", "6", "Cafés", "cafés", "3"],
            [*row, "2026-01-01", bad.value, "6", "Cafés", "cafés", "3"],
        ]
    )
    result = pact_import("commitments", content)
    assert result.exit_code == 1
    assert f"line 3: due_date: '{bad.value}' is not a date (YYYY-MM-DD)" in result.stderr
    assert "line 2" not in result.stderr
    assert _count(db, Commitment) == before


@pytest.mark.parametrize("bad", **by_name(EDGE_DATES))
def test_a_date_at_the_edge_of_the_calendar_is_refused_or_stored_without_a_crash(
    db, pact_import, make_signatory, make_programme, bad
):
    signatory, programme = make_signatory(), make_programme()
    before = _count(db, Commitment)
    content = _csv(
        [
            COMMITMENT_HEADER,
            [
                signatory.slug,
                programme.code,
                "Edge",
                "Edge of time.",
                "4.4",
                bad.value,
                bad.value,
                "6",
                "Cafés",
                "cafés",
                "3",
            ],
        ]  # fmt: skip
    )
    result = pact_import("commitments", content)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if result.exit_code == 0:
        stored = db.session.scalar(
            sa.select(Commitment).where(Commitment.signatory_id == signatory.id)
        )
        assert stored.due_date == date.fromisoformat(bad.value)
    else:
        assert "line 2:" in result.stderr
        assert _count(db, Commitment) == before


def test_duplicate_rows_are_refused_by_line_and_nothing_is_written(db, pact_import):
    before = _count(db, Signatory)
    row = _signatory_row("Coop Twice", "coop-twice")
    result = pact_import("signatories", _csv([SIGNATORY_HEADER, row, row]))
    assert result.exit_code == 1
    assert "line 3:" in result.stderr and "line 2:" not in result.stderr
    assert "1 of 2 rows are invalid; nothing was imported." in result.output
    assert _count(db, Signatory) == before


def test_a_row_duplicating_a_stored_signatory_is_refused(db, pact_import, make_signatory):
    existing = make_signatory(name="Coop Already")
    db.session.commit()
    before = _count(db, Signatory)
    row = _signatory_row("Coop Already", existing.slug)
    result = pact_import("signatories", _csv([SIGNATORY_HEADER, row]))
    assert result.exit_code == 1
    assert "line 2:" in result.stderr
    assert _count(db, Signatory) == before


def test_duplicate_progress_rows_are_refused_or_both_kept_never_half_written(
    db, pact_import, make_commitment
):
    commitment = make_commitment(status=CommitmentStatus.approved)
    row = [str(commitment.id), (utcnow() - timedelta(hours=1)).isoformat(), "on_track", "10", "x"]
    result = pact_import("progress", _csv([PROGRESS_HEADER, row, row]))
    count = db.session.scalar(
        sa.select(sa.func.count()).where(ProgressUpdate.commitment_id == commitment.id)
    )
    # Two reports of the same instant are two reports (the log is append-only): both, or none.
    assert (result.exit_code, count) in ((0, 2), (1, 0)), result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty: expected a header line and at least one row."),
        (b"\r\n \n", "is empty: expected a header line and at least one row."),
        (_csv([SIGNATORY_HEADER]), "has a header but no rows."),
        (b'name,organisation_type_code,country_code\n"Coop,cooperative,FR\n', "not valid CSV"),
        (b"\x00\x01\x02\x03", "line 1"),
    ],
    ids=["empty", "blank-lines", "header-only", "unclosed-quote", "binary"],
)
def test_an_empty_or_broken_file_is_refused_as_a_whole(db, pact_import, content, message):
    before = _count(db, Signatory)
    result = pact_import("signatories", content)
    assert result.exit_code == 1
    assert message in result.output
    assert _count(db, Signatory) == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(db, app, pact_import):
    before = _count(db, Signatory)
    content = _csv([SIGNATORY_HEADER] + [_signatory_row("Coop", f"c-{n}") for n in range(200)])
    saved = app.config.get("IMPORT_MAX_BYTES")
    app.config["IMPORT_MAX_BYTES"] = 1024
    try:
        result = pact_import("signatories", content)
    finally:
        if saved is None:
            app.config.pop("IMPORT_MAX_BYTES")
        else:
            app.config["IMPORT_MAX_BYTES"] = saved
    assert result.exit_code == 1
    assert "the largest file accepted is 1.0 KB. Split it into several files." in result.output
    assert _count(db, Signatory) == before


def _upload(client, content: bytes):
    return client.post(
        "/admin/import",
        data={"kind": "signatories", "file": (io.BytesIO(content), "signatories.csv")},
        content_type="multipart/form-data",
    )


@pytest.fixture
def admin(signed_in, secretariat):
    return signed_in(secretariat)


def test_the_upload_page_names_the_bad_line_for_a_nul_or_bad_bytes(db, admin):
    before = _count(db, Signatory)
    nul = _upload(admin, _csv([SIGNATORY_HEADER, _signatory_row("Coop\x00Nul")]))
    assert nul.status_code == 422
    page = nul.get_data(as_text=True)
    assert 'data-line="2"' in page and "contains a character that is not allowed (U+0000)" in page
    latin1 = _upload(admin, _csv([SIGNATORY_HEADER]) + "Café,x,cooperative,FR,\n".encode("cp1252"))
    assert latin1.status_code == 422
    assert "line 2: the file is not UTF-8 text" in latin1.get_data(as_text=True)
    assert _count(db, Signatory) == before


def test_the_upload_page_shows_a_hostile_file_name_escaped(db, admin):
    response = admin.post(
        "/admin/import",
        data={
            "kind": "signatories",
            "file": (io.BytesIO(_csv([SIGNATORY_HEADER, _signatory_row("Coop")])), "<b>x</b>.csv"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "File: &lt;b&gt;x&lt;/b&gt;.csv" in page
    assert "<b>x</b>" not in page


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"commitment_id": "99999999999999999999"}, "commitment_id"),
        ({"commitment_id": "-3"}, "commitment_id"),
        ({"indicator_values": "99999999999999999999:3"}, "indicator_values"),
        ({"indicator_values": "{indicator}:NaN"}, "indicator_values"),
        ({"indicator_values": "{indicator}:1e400"}, "indicator_values"),
        ({"percent_complete": "1e2"}, "percent_complete"),
        ({"reported_at": "0001-01-01T00:00:00+14:00"}, "reported_at"),
        ({"reported_at": "9999-12-31T23:59:59-12:00"}, "reported_at"),
    ],
    ids=[
        "huge-commitment", "negative-commitment", "huge-indicator", "nan-value",
        "huge-value", "exponent-percent", "before-year-1-in-utc", "after-year-9999-in-utc",
    ],
)  # fmt: skip
def test_a_progress_number_or_instant_out_of_range_is_refused_with_its_line(
    db, pact_import, make_commitment, cells, column
):
    commitment = make_commitment(status=CommitmentStatus.approved)
    header = [*PROGRESS_HEADER, "indicator_values"]
    row = {
        "commitment_id": str(commitment.id),
        "reported_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "status": "on_track",
        "percent_complete": "10",
        "narrative": "",
        "indicator_values": "",
    }
    indicator = commitment.indicators[0].id
    row.update({name: value.format(indicator=indicator) for name, value in cells.items()})
    db.session.commit()
    result = pact_import("progress", _csv([header, [row[name] for name in header]]))
    assert result.exit_code == 1, result.output
    assert f"line 2: {column}:" in result.stderr, result.stderr
    assert _count(db, ProgressUpdate) == 0
