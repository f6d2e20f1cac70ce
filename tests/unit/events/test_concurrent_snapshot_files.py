"""Visitors asking at once for a published snapshot's file that nobody has asked for yet:
one request renders it, the others wait for it and serve the same bytes.

Like the concurrent publishing test, this one needs rows other connections can
see, so it uses a database of its own (PostgreSQL: the second insert of the
claimed key waits for the first transaction; SQLite: ``BEGIN IMMEDIATE``
serialises the requests).
"""

import gzip
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from pact_tracker import signals
from pact_tracker.core.activity import commit
from pact_tracker.events.models import SnapshotArtefact
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.extensions import db

VISITORS = 4


@pytest.fixture
def files_app(own_app):
    return own_app("files")


@pytest.mark.parametrize("path", ["export.xlsx", "charts/goal.svg"])
def test_visitors_at_once_get_a_file_rendered_by_one_of_them(files_app, path):
    with files_app.app_context():
        snapshot = snapshot_services.take_snapshot(
            datetime(2026, 6, 1, tzinfo=UTC), title="Empty but published"
        )
        snapshot_services.publish_snapshot(snapshot, None)
        commit()
        url = f"/snapshots/{snapshot.id}/{path}"
        db.session.remove()

    renders, bodies, errors = [], [], []

    def count(_snapshot, **details):
        renders.append(details)

    start = threading.Barrier(VISITORS)

    def visit():
        start.wait()
        try:
            response = files_app.test_client().get(url)
            bodies.append((response.status_code, response.data))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    signals.snapshot_artefact_rendered.connect(count)
    try:
        threads = [threading.Thread(target=visit) for _ in range(VISITORS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        signals.snapshot_artefact_rendered.disconnect(count)
    assert errors == []
    assert [status for status, _body in bodies] == [200] * VISITORS
    assert len({body for _status, body in bodies}) == 1
    assert len(renders) == 1 and renders[0]["stored"] is True
    with files_app.app_context():
        kept = db.session.scalars(sa.select(SnapshotArtefact)).all()
        assert len(kept) == 1 and kept[0].sha256 is not None
        db.session.remove()


def test_visitors_at_once_get_a_kept_files_compressed_copy_made_by_one_of_them(files_app):
    with files_app.app_context():
        snapshot = snapshot_services.take_snapshot(
            datetime(2026, 6, 1, tzinfo=UTC), title="Kept before compressed copies"
        )
        snapshot_services.publish_snapshot(snapshot, None)
        commit()
        url = f"/snapshots/{snapshot.id}/export.csv"
        itself = files_app.test_client().get(url).data
        # As kept before compressed copies were: the file alone.
        db.session.execute(sa.delete(SnapshotArtefact).where(SnapshotArtefact.kind == "csv.gz"))
        commit()
        db.session.remove()

    compressions, bodies, errors = [], [], []
    start = threading.Barrier(VISITORS)

    def visit():
        start.wait()
        try:
            response = files_app.test_client().get(url, headers={"Accept-Encoding": "gzip"})
            bodies.append((response.status_code, response.headers.get("Content-Encoding")))
            bodies.append(gzip.decompress(response.data))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    def count(_snapshot, **details):
        compressions.append(details)

    signals.snapshot_artefact_compressed.connect(count)
    try:
        threads = [threading.Thread(target=visit) for _ in range(VISITORS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        signals.snapshot_artefact_compressed.disconnect(count)
    assert errors == []
    assert bodies.count((200, "gzip")) == VISITORS
    assert bodies.count(itself) == VISITORS
    assert len(compressions) == 1
