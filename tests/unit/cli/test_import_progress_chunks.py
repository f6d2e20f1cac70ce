"""``flask pact import progress`` in chunks: valid chunks go through the batch form, a bad
row anywhere still refuses the whole file and is named by its line."""

from datetime import timedelta

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
