"""``flask pact import progress`` in chunks: valid chunks go through the batch form, a bad
row anywhere still refuses the whole file and is named by its line."""

from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from pact_tracker.commitments.models import CommitmentStatus, ProgressUpdate
from pact_tracker.core import csv_import
from pact_tracker.core.activity import Activity
from pact_tracker.core.types import utcnow

HEADER = ["commitment_id", "reported_at", "status", "percent_complete", "narrative"]


def _rows(commitment, count: int) -> list[list[str]]:
    start = utcnow() - timedelta(hours=1)
    return [
        [str(commitment.id), (start + timedelta(minutes=n)).isoformat(), "on_track", str(n), ""]
        for n in range(count)
    ]


def test_a_bad_row_in_a_later_chunk_refuses_every_chunk(
    db, pact, write_csv, make_commitment, monkeypatch
):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    commitment = make_commitment(status=CommitmentStatus.approved)
    commitment.approved_at = utcnow() - timedelta(days=1)
    db.session.commit()
    rows = _rows(commitment, 5)
    rows[3][2] = "finished"

    result = pact("import", "progress", write_csv([HEADER, *rows]))

    assert result.exit_code == 1
    assert "line 5: status: Must be one of: not_started" in result.stderr
    assert result.stderr.count("line ") == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(ProgressUpdate)) == 0


def test_valid_chunks_record_every_row_with_its_activity_and_schedule(
    db, pact, write_csv, make_commitment, monkeypatch
):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    commitment = make_commitment(status=CommitmentStatus.approved)
    commitment.approved_at = utcnow() - timedelta(days=1)
    db.session.commit()
    rows = _rows(commitment, 5)

    result = pact("import", "progress", write_csv([HEADER, *reversed(rows)]))

    assert result.exit_code == 0, result.output
    assert "Imported 5 progress updates." in result.stdout
    db.session.expire_all()
    assert len(commitment.updates) == 5
    assert commitment.last_reported_at.isoformat() == rows[-1][1]
    logged = db.select(db.func.count()).where(Activity.action == "progress.reported")
    assert db.session.scalar(logged) == 5


@contextmanager
def _statements(engine):
    """The SQL statements sent meanwhile (an executemany counts once)."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_each_commitment_is_read_and_its_schedule_written_once_for_the_whole_file(
    db, pact, write_csv, make_commitment, monkeypatch
):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    first = make_commitment(status=CommitmentStatus.approved)
    second = make_commitment(status=CommitmentStatus.approved, cadence_months=3)
    for commitment in (first, second):
        commitment.approved_at = utcnow() - timedelta(days=1)
    db.session.commit()
    # Three chunks, each reporting on both commitments.
    rows = [row for a, b in zip(_rows(first, 3), _rows(second, 3), strict=True) for row in (a, b)]

    with _statements(db.engine) as sent:
        result = pact("import", "progress", write_csv([HEADER, *rows]))

    assert result.exit_code == 0, result.output
    reads = [s for s in sent if s.startswith("SELECT commitment.id, commitment.signatory_id")]
    writes = [s for s in sent if s.startswith("UPDATE commitment SET")]
    assert (len(reads), len(writes)) == (1, 1)
    db.session.expire_all()
    assert first.last_reported_at.isoformat() == rows[-2][1]
    assert second.last_reported_at.isoformat() == rows[-1][1]
    assert second.report_due_at == second.last_reported_at + relativedelta(months=3)
