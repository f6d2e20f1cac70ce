"""A published snapshot's files are rendered once and kept: charts, PDF, XLSX, CSV, JSON, the
Data Package and the comparison; served with their SHA-256 as ETag, 304 when the client has
them, immutable for the public; a visitor never gets the full variant, nor an English visitor
the French; drafts are rendered on demand and never kept. The large text files are kept
gzip-compressed too, for the clients that accept it; a kept file is sent from a copy on disk."""

import gzip
import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from pact_tracker import signals
from pact_tracker.coalition.models import Role
from pact_tracker.commitments.models import CommitmentStatus, ProgressStatus, ProgressUpdate
from pact_tracker.events import report, tasks
from pact_tracker.events.models import ArtefactVariant, SnapshotArtefact
from pact_tracker.events.services import events as event_services
from pact_tracker.events.services import snapshots
from pact_tracker.reference.models import SdgGoal, SdgTarget

CUTOFF = datetime(2026, 6, 1, 12, tzinfo=UTC)
APPROVED = datetime(2026, 1, 10, tzinfo=UTC)
DAY = timedelta(days=1)
CHARTS = [f"charts/{name}.svg" for name in report.BREAKDOWNS]
FILES = [*CHARTS, "export.pdf", "export.xlsx", "export.csv", "export.json", "datapackage.json"]
HIDDEN = "Not public yet"


@contextmanager
def counting_renders():
    """The renders of snapshot files while the block runs: ``[(kind, variant, language)]``."""
    renders = []

    def count(_snapshot, kind, variant, language, stored):
        renders.append((kind, variant, language))

    signals.snapshot_artefact_rendered.connect(count)
    try:
        yield renders
    finally:
        signals.snapshot_artefact_rendered.disconnect(count)


def _commitment(db, make_commitment, signatory, title, *, public=True, at=APPROVED, percent=40):
    commitment = make_commitment(
        title=title,
        signatory=signatory,
        status=CommitmentStatus.approved,
        created_at=at - 30 * DAY,
        approved_at=at,
        published_at=at if public else None,
        start_date=date(2026, 1, 1),
        cadence_months=3,
    )
    commitment.targets.append(db.session.get(SdgTarget, "8.5"))
    db.session.add(
        ProgressUpdate(
            commitment=commitment,
            reported_at=at + DAY,
            recorded_at=at + DAY,
            status=ProgressStatus.on_track,
            percent_complete=percent,
        )
    )
    return commitment


@pytest.fixture
def taken(db, make_commitment, make_signatory):
    """A draft of three commitments, one of them not public."""
    coop = make_signatory(name="Coop de Lyon")
    for title, public in (("Train 200 young people", True), ("Solar roofs", True)):
        _commitment(db, make_commitment, coop, title, public=public)
    _commitment(db, make_commitment, coop, HIDDEN, public=False)
    db.session.flush()
    return snapshots.take_snapshot(CUTOFF, title="June 2026")


@pytest.fixture
def published(db, taken, secretariat):
    snapshots.publish_snapshot(taken, secretariat)
    db.session.flush()
    return taken


@pytest.fixture
def as_organiser(sign_in, make_user):
    return sign_in(make_user(role=Role.organiser))


def kept(db, snapshot) -> list[SnapshotArtefact]:
    return db.session.scalars(
        sa.select(SnapshotArtefact).where(SnapshotArtefact.snapshot_id == snapshot.id)
    ).all()


@pytest.mark.parametrize("path", FILES)
def test_a_published_snapshots_file_is_rendered_once(client, db, published, path):
    url = f"/snapshots/{published.id}/{path}"
    with counting_renders() as renders:
        first = client.get(url)
        assert first.status_code == 200 and renders
        rendered_first = len(renders)
        second = client.get(url)
    assert second.status_code == 200
    assert len(renders) == rendered_first, "the second request rendered again"
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize("path", FILES)
def test_a_matching_if_none_match_is_answered_304_without_rendering(client, published, path):
    url = f"/snapshots/{published.id}/{path}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.strip('"') == report.artefacts.digest(first.data)
    with counting_renders() as renders:
        again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and renders == []
    other = client.get(url, headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.data == first.data


@pytest.mark.parametrize("path", FILES)
def test_the_public_variant_is_cached_for_good_by_anyone(client, published, path):
    response = client.get(f"/snapshots/{published.id}/{path}")
    cache_control = response.headers["Cache-Control"]
    assert "public" in cache_control and "immutable" in cache_control
    assert "max-age=31536000" in cache_control
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in response.headers["Vary"].split(",")}


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        *((f"charts/{name}.svg", f"chart-{name}") for name in report.BREAKDOWNS),
        ("export.pdf", "pdf"),
        ("export.xlsx", "xlsx"),
        ("export.csv", "csv"),
        ("export.json", "json"),
        ("datapackage.json", "datapackage"),
    ],
)
@pytest.mark.parametrize("public", [True, False])
def test_the_kept_bytes_are_those_of_a_fresh_render(
    app, client, as_organiser, published, path, kind, public
):
    visitor = client if public else as_organiser
    served = visitor.get(f"/snapshots/{published.id}/{path}")
    with counting_renders() as renders:
        kept_again = visitor.get(f"/snapshots/{published.id}/{path}").data
    assert renders == []
    with app.test_request_context(headers={"Accept-Language": "en"}):
        fresh = report.render_fresh(published, kind, public=public)
    assert served.data == kept_again == fresh


def test_a_visitor_never_gets_the_full_variant(client, as_organiser, db, published):
    # The organiser asks first: the full variant is rendered and kept.
    full = as_organiser.get(f"/snapshots/{published.id}/export.csv")
    assert HIDDEN in full.get_data(as_text=True)
    assert full.headers["Cache-Control"] == "private, no-store"
    public = client.get(f"/snapshots/{published.id}/export.csv")
    assert HIDDEN not in public.get_data(as_text=True)
    assert public.headers["ETag"] != full.headers["ETag"]
    # Nor by naming the full variant's digest.
    guessed = client.get(
        f"/snapshots/{published.id}/export.csv", headers={"If-None-Match": full.headers["ETag"]}
    )
    assert guessed.status_code == 200 and HIDDEN not in guessed.get_data(as_text=True)
    variants = {(a.kind, a.variant) for a in kept(db, published)}
    # Each variant kept with its own compressed copy.
    assert variants == {
        (kind, variant)
        for kind in ("csv", "csv.gz")
        for variant in (ArtefactVariant.full, ArtefactVariant.public)
    }


def test_a_signed_in_member_gets_the_public_variant_privately(sign_in, make_user, published):
    member = sign_in(make_user(role=Role.member))
    response = member.get(f"/snapshots/{published.id}/export.csv")
    assert HIDDEN not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"].startswith("private,")


@pytest.mark.parametrize("path", FILES)
def test_a_drafts_files_are_rendered_each_time_and_never_kept(as_organiser, db, taken, path):
    url = f"/snapshots/{taken.id}/{path}"
    with counting_renders() as renders:
        for _ in range(2):
            response = as_organiser.get(url)
            assert response.status_code == 200 and response.get_data()
            assert response.headers["Cache-Control"] == "private, no-store"
    if path.startswith("export.") and path.split(".")[1] in ("csv", "json"):
        assert renders == []  # streamed from its rows, not rendered into a file
    else:
        assert len(renders) == 2
    assert kept(db, taken) == []


def test_each_language_has_its_own_chart_and_report(client, db, published):
    goal_8 = db.session.get(SdgGoal, 8)
    english = client.get(
        f"/snapshots/{published.id}/charts/goal.svg", headers={"Accept-Language": "en"}
    )
    french = client.get(
        f"/snapshots/{published.id}/charts/goal.svg", headers={"Accept-Language": "fr"}
    )
    assert goal_8.short_en[:12] in english.get_data(as_text=True)
    assert goal_8.short_fr[:12] not in english.get_data(as_text=True)
    assert english.headers["ETag"] != french.headers["ETag"]
    # Once both are kept, each language still gets its own.
    again = client.get(
        f"/snapshots/{published.id}/charts/goal.svg", headers={"Accept-Language": "en"}
    )
    assert again.data == english.data
    for path in ("export.pdf", "export.csv"):
        for language in ("en", "fr"):
            client.get(f"/snapshots/{published.id}/{path}", headers={"Accept-Language": language})
    languages = {(a.kind, a.language) for a in kept(db, published)}
    assert languages == {
        ("chart-goal", "en"),
        ("chart-goal", "fr"),
        ("pdf", "en"),
        ("pdf", "fr"),
        ("csv", ""),
        ("csv.gz", ""),
    }


def test_a_file_another_request_is_rendering_is_rendered_here_and_not_kept(client, db, published):
    # Another process has claimed the file and not committed its bytes yet.
    db.session.add(
        SnapshotArtefact(
            snapshot_id=published.id,
            kind="xlsx",
            variant=ArtefactVariant.public,
            language="",
            content_type="application/octet-stream",
            size=0,
        )
    )
    db.session.flush()
    with counting_renders() as renders:
        response = client.get(f"/snapshots/{published.id}/export.xlsx")
    assert response.status_code == 200 and response.data.startswith(b"PK")
    assert renders == [("xlsx", "public", "")]
    assert response.headers["Cache-Control"] == "private, no-store"
    [claimed] = kept(db, published)
    db.session.refresh(claimed)
    assert claimed.sha256 is None


# The snapshot page: the comparison is kept, its long lists summed up.


def _series_with_newcomers(db, make_commitment, make_signatory, secretariat, newcomers: int):
    summit = event_services.create_series(
        {
            "name": f"Summit of {newcomers}",
            "rrule": "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10",
            "timezone": "Europe/Paris",
            "first_starts_at": datetime(2024, 6, 10, 9, 0, tzinfo=UTC),
        },
        secretariat,
    )
    first_event, second_event = event_services.schedule_occurrences(summit, count=2, actor=None)
    coop = make_signatory(name=f"Coop of {newcomers}")
    at = first_event.cutoff_at - 60 * DAY
    _commitment(db, make_commitment, coop, "Already there", at=at)
    later = first_event.cutoff_at + 10 * DAY
    for number in range(newcomers):
        _commitment(db, make_commitment, coop, f"Newcomer {number:03d}", at=later)
    db.session.flush()
    first = snapshots.take_snapshot(first_event.cutoff_at, title="Before", event=first_event)
    snapshots.publish_snapshot(first, secretariat)
    second = snapshots.take_snapshot(second_event.cutoff_at, title="After", event=second_event)
    snapshots.publish_snapshot(second, secretariat)
    db.session.flush()
    return first, second


@contextmanager
def counting_queries(db):
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_the_page_sums_up_the_new_commitments_and_links_to_them_all(
    client, db, make_commitment, make_signatory, secretariat
):
    before, after = _series_with_newcomers(db, make_commitment, make_signatory, secretariat, 25)
    html = client.get(f"/snapshots/{after.id}").get_data(as_text=True)
    assert re.search(r'data-change="new">\s*25\s*<', html)
    listed = html.split('data-change-list="new"', 1)[1].split("</details>", 1)[0]
    assert len(re.findall(r"data-commitment-id=", listed)) == 20
    assert "Newcomer 000" in listed and "Newcomer 024" not in listed
    link = re.search(r'href="([^"]+)"[^>]*data-change-link="new"', listed).group(1)
    page = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'data-change-filter="new"' in page
    assert 'data-result-count="25"' in page
    assert "Already there" not in page.split('data-list="entries"', 1)[1]
    # The comparison is kept: the next view recomputes nothing.
    with counting_renders() as renders:
        client.get(f"/snapshots/{after.id}")
    assert renders == []


def test_the_page_costs_the_same_queries_however_long_the_lists(
    client, db, make_commitment, make_signatory, secretariat
):
    series = [
        _series_with_newcomers(db, make_commitment, make_signatory, secretariat, newcomers)
        for newcomers in (2, 40)
    ]
    for _before, after in series:
        client.get(f"/snapshots/{after.id}")  # the first view keeps the comparison
    ids = [after.id for _before, after in series]
    counts = []
    for snapshot_id in ids:
        db.session.expunge_all()  # each request from an empty session, as in production
        with counting_queries(db) as statements:
            assert client.get(f"/snapshots/{snapshot_id}").status_code == 200
        counts.append(len(statements))
    # Snapshot, event, figures, five breakdowns' labels, previous snapshot, the kept
    # comparison, entries counted and listed, other snapshots.
    assert counts[0] == counts[1] <= 13


def test_the_worker_renders_a_published_snapshots_files_before_anyone_asks(client, db, published):
    with counting_renders() as renders:
        assert tasks.render_snapshot_files() == f"files of snapshot {published.id} rendered"
    assert ("pdf", "public", "fr") in renders and ("xlsx", "public", "") in renders
    assert all(variant == "public" for _kind, variant, _language in renders)
    with counting_renders() as renders:
        assert tasks.render_snapshot_files() == "nothing to render"
        for path in FILES:
            for language in ("en", "fr"):
                response = client.get(
                    f"/snapshots/{published.id}/{path}", headers={"Accept-Language": language}
                )
                assert response.status_code == 200
    assert renders == []


def test_without_local_copies_a_large_kept_file_is_sent_a_piece_at_a_time(
    app, client, published, monkeypatch
):
    monkeypatch.setitem(app.config, "SNAPSHOT_FILES_DIR", "")
    monkeypatch.setattr(report.artefacts, "WHOLE_BYTES", 100)
    monkeypatch.setattr(report.artefacts, "PIECE_BYTES", 100)
    url = f"/snapshots/{published.id}/export.csv"
    first = client.get(url)
    response = client.get(url, buffered=False)
    assert response.is_streamed
    pieces = [piece for piece in response.response if piece]
    response.close()
    assert len(pieces) >= 3 and all(len(piece) <= 100 for piece in pieces)
    assert b"".join(pieces) == first.data
    assert int(response.headers["Content-Length"]) == len(first.data)
    with app.test_request_context():
        assert first.data == report.render_fresh(published, "csv", public=True)


# Large text files are also kept gzip-compressed, and sent so to a client that accepts gzip.

TEXT_FILES = ["export.csv", "export.json", "datapackage.json"]
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@contextmanager
def counting_compressions():
    """The compressions of kept snapshot files while the block runs: ``[(kind, variant)]``."""
    compressions = []

    def count(_snapshot, kind, variant, language):
        compressions.append((kind, variant))

    signals.snapshot_artefact_compressed.connect(count)
    try:
        yield compressions
    finally:
        signals.snapshot_artefact_compressed.disconnect(count)


def _vary(response) -> set[str]:
    return {value.strip() for value in response.headers["Vary"].split(",")}


@pytest.mark.parametrize("path", TEXT_FILES)
def test_a_client_accepting_gzip_gets_the_file_compressed_and_nothing_else(client, published, path):
    url = f"/snapshots/{published.id}/{path}"
    compressed = client.get(url, headers=GZIP)
    itself = client.get(url)
    assert compressed.status_code == itself.status_code == 200
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in itself.headers
    assert gzip.decompress(compressed.data) == itself.data
    assert len(compressed.data) < len(itself.data)
    assert int(compressed.headers["Content-Length"]) == len(compressed.data)
    assert int(itself.headers["Content-Length"]) == len(itself.data)
    assert compressed.headers["Content-Type"] == itself.headers["Content-Type"]
    # Each encoding has its own ETag, the digest of the bytes sent, and says what chose it.
    assert compressed.headers["ETag"].strip('"') == report.artefacts.digest(compressed.data)
    assert compressed.headers["ETag"] != itself.headers["ETag"]
    assert "Accept-Encoding" in _vary(compressed) and "Accept-Encoding" in _vary(itself)
    assert "immutable" in compressed.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("accept_encoding", "compressed"),
    [
        ("gzip", True),
        ("GZIP;q=0.5", True),
        ("*", True),
        ("br;q=1.0, gzip;q=0.8", True),
        (None, False),
        ("identity", False),
        ("deflate, br", False),
        ("gzip;q=0", False),
        ("br, gzip;q=0.000", False),
        ("*, gzip;q=0", False),
        ("*;q=0", False),
    ],
)
def test_gzip_is_sent_only_where_accept_encoding_allows_it(
    app, client, published, accept_encoding, compressed
):
    headers = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
    response = client.get(f"/snapshots/{published.id}/export.csv", headers=headers)
    assert response.status_code == 200
    with app.test_request_context():
        fresh = report.render_fresh(published, "csv", public=True)
    if compressed:
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.data) == fresh
    else:
        assert "Content-Encoding" not in response.headers
        assert response.data == fresh


@pytest.mark.parametrize("path", TEXT_FILES)
def test_each_encoding_is_answered_304_for_its_own_etag_only(client, published, path):
    url = f"/snapshots/{published.id}/{path}"
    compressed_etag = client.get(url, headers=GZIP).headers["ETag"]
    identity_etag = client.get(url).headers["ETag"]
    with counting_renders() as renders, counting_compressions() as compressions:
        for etag, headers in ((compressed_etag, GZIP), (identity_etag, {})):
            again = client.get(url, headers={**headers, "If-None-Match": etag})
            assert again.status_code == 304 and again.data == b""
            assert again.headers["ETag"] == etag
            assert "Accept-Encoding" in _vary(again)
    assert renders == [] and compressions == []
    # The other encoding's ETag names other bytes: they are sent.
    crossed = client.get(url, headers={**GZIP, "If-None-Match": identity_etag})
    assert crossed.status_code == 200 and crossed.headers["Content-Encoding"] == "gzip"
    crossed = client.get(url, headers={"If-None-Match": compressed_etag})
    assert crossed.status_code == 200 and "Content-Encoding" not in crossed.headers


@pytest.mark.parametrize("path", TEXT_FILES)
def test_a_file_is_rendered_and_compressed_once_with_its_first_request(client, published, path):
    url = f"/snapshots/{published.id}/{path}"
    with counting_renders() as renders, counting_compressions() as compressions:
        first = client.get(url, headers=GZIP)
        assert len(renders) == 1 and len(compressions) == 1
        for headers in (GZIP, {}, GZIP):
            assert client.get(url, headers=headers).status_code == 200
    assert len(renders) == 1 and len(compressions) == 1
    assert client.get(url, headers=GZIP).data == first.data


def test_a_file_kept_before_its_compressed_copy_is_compressed_at_the_first_gzip_request(
    db, client, published
):
    url = f"/snapshots/{published.id}/export.json"
    itself = client.get(url)
    # As kept before compressed copies were: the file alone.
    db.session.execute(sa.delete(SnapshotArtefact).where(SnapshotArtefact.kind == "json.gz"))
    with counting_renders() as renders, counting_compressions() as compressions:
        assert "Content-Encoding" not in client.get(url).headers
        assert compressions == []  # nobody asked for it yet
        compressed = client.get(url, headers=GZIP)
        again = client.get(url, headers=GZIP)
    assert renders == [] and compressions == [("json", "public")]
    assert gzip.decompress(compressed.data) == itself.data
    assert again.data == compressed.data and again.headers["ETag"] == compressed.headers["ETag"]


@pytest.mark.parametrize("path", ["export.xlsx", "export.pdf", "charts/goal.svg"])
def test_a_file_compressed_already_or_small_is_sent_as_it_is(client, published, path):
    with counting_compressions() as compressions:
        response = client.get(f"/snapshots/{published.id}/{path}", headers=GZIP)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert "Accept-Encoding" not in _vary(response) and compressions == []


@pytest.mark.parametrize("path", TEXT_FILES)
def test_a_drafts_text_files_are_sent_as_they_are_and_never_kept(as_organiser, db, taken, path):
    with counting_compressions() as compressions:
        response = as_organiser.get(f"/snapshots/{taken.id}/{path}", headers=GZIP)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_data() and compressions == [] and kept(db, taken) == []


def test_the_organisers_full_variant_is_compressed_too_and_never_cached(
    client, as_organiser, published
):
    url = f"/snapshots/{published.id}/export.csv"
    full = as_organiser.get(url, headers=GZIP)
    assert full.headers["Content-Encoding"] == "gzip"
    assert full.headers["Cache-Control"] == "private, no-store"
    assert HIDDEN in gzip.decompress(full.data).decode()
    assert gzip.decompress(full.data) == as_organiser.get(url).data
    again = as_organiser.get(url, headers={**GZIP, "If-None-Match": full.headers["ETag"]})
    assert again.status_code == 304
    public = client.get(url, headers=GZIP)
    assert HIDDEN not in gzip.decompress(public.data).decode()
    guessed = client.get(url, headers={**GZIP, "If-None-Match": full.headers["ETag"]})
    assert guessed.status_code == 200 and HIDDEN not in gzip.decompress(guessed.data).decode()


# A kept file is sent from a copy on the server's disk, named by its digest.


@pytest.mark.parametrize("headers", [GZIP, {}])
def test_a_kept_file_is_copied_to_disk_once_under_its_digest(
    client, published, snapshot_files_dir, headers
):
    url = f"/snapshots/{published.id}/export.json"
    first = client.get(url, headers=headers)
    copy = Path(snapshot_files_dir) / first.headers["ETag"].strip('"')
    assert copy.read_bytes() == first.data
    written = copy.stat().st_mtime_ns, copy.stat().st_ino
    second = client.get(url, headers=headers)
    assert second.data == first.data
    assert (copy.stat().st_mtime_ns, copy.stat().st_ino) == written
    assert not list(Path(snapshot_files_dir).glob(".*.part"))


def test_without_a_writable_folder_the_database_sends_the_file(
    app, client, published, tmp_path, monkeypatch
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setitem(app.config, "SNAPSHOT_FILES_DIR", str(blocker / "copies"))
    url = f"/snapshots/{published.id}/export.csv"
    compressed = client.get(url, headers=GZIP)
    itself = client.get(url)
    assert compressed.status_code == itself.status_code == 200
    assert gzip.decompress(compressed.data) == itself.data
    with app.test_request_context():
        assert itself.data == report.render_fresh(published, "csv", public=True)
