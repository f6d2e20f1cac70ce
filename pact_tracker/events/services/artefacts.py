"""A published snapshot's files, rendered once: its charts, exports and comparison.

A published snapshot never changes, so neither does anything drawn from it.
The first request for one of its files renders it and keeps the bytes with
their SHA-256 (``SnapshotArtefact``); every later request, in any process,
serves those bytes, and the digest is the ETag. A draft may be taken again at
any time: its files are rendered on demand and never kept.

What a file shows depends on who asks and in what language: the *variant*
(the public part, or every entry for those who manage snapshots) and, for
files with labels (charts, the PDF), the language are part of its key, so a
visitor is never served the full variant nor an English visitor the French.
A file drawn with a comparison names the snapshot compared with in its kind
(``pdf:12``): the "previous snapshot" of a series may change when another is
published, and then it is another file.

One process renders, the others wait for it. The renderer first *claims* the
row (``INSERT ... ON CONFLICT DO NOTHING`` on the primary key, in the request's
own transaction), then renders, then writes the bytes in, and the request's
commit makes them visible. A concurrent request for the same file inserts
nothing: on PostgreSQL its insert waits on the claimed key until the renderer's
transaction ends, and then reads the bytes committed (or, if the renderer
failed and rolled back, its own insert goes through and it renders instead);
on SQLite every transaction takes the write lock first (``BEGIN IMMEDIATE``),
so the second request starts only after the first committed. No lease to
expire, no sleep: the database's own locks order the two. Should the row still
be unfinished all the same, the request renders on demand without storing.

A large text file (the CSV, the JSON, the Data Package: tens of MB for a large
coalition) is also kept gzip-compressed, in a row of its own (kind ``csv.gz``),
written with it when it is rendered: a client that accepts gzip is sent a
tenth of the bytes. A file kept before its compressed copy was is compressed at
the first request that accepts gzip, claimed the same way, by one process only.
"""

import dataclasses
import gzip
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from pact_tracker import signals
from pact_tracker.core.types import utcnow
from pact_tracker.events.models import ArtefactVariant, Snapshot, SnapshotArtefact, SnapshotStatus
from pact_tracker.extensions import db


@dataclass(frozen=True)
class Wanted:
    """Which file: its kind, for whom (``public``), in which language ("" when it has none)."""

    kind: str
    public: bool
    language: str = ""
    content_type: str = "application/octet-stream"
    #: Also kept gzip-compressed, for the clients that accept it (a large text file).
    compressible: bool = False
    #: The content coding of the kept bytes (``gzip``), None for the file itself.
    encoding: str | None = None

    @property
    def variant(self) -> ArtefactVariant:
        return ArtefactVariant.public if self.public else ArtefactVariant.full

    def gzipped(self) -> "Wanted":
        """The file's gzip-compressed copy, kept in a row of its own."""
        return dataclasses.replace(
            self, kind=self.kind + GZIP_SUFFIX, compressible=False, encoding=GZIP
        )


#: Kept files up to this size are read whole; larger ones (a large coalition's CSV or
#: JSON, tens of MB) a piece at a time while they are sent, so that memory stays flat.
WHOLE_BYTES = 1 << 20
#: Bytes read per piece of a larger file.
PIECE_BYTES = 1 << 20
GZIP = "gzip"
#: A compressed copy's kind is its file's with this suffix (``csv.gz``).
GZIP_SUFFIX = ".gz"
#: A file is compressed once and sent many times: the smallest output is worth the time
#: (a large coalition's CSV: level 9 takes 2.3 s of CPU, level 6 0.6 s, for 4 % more bytes).
GZIP_LEVEL = 9


@dataclass(frozen=True)
class Served:
    """A file to send: its digest (the ETag), type, and bytes, read only if they are sent."""

    sha256: str
    content_type: str
    #: Kept for good (a published snapshot's), rather than rendered for this request only.
    stored: bool
    read: Callable[[], bytes]
    #: Its bytes a piece at a time, for a file too large to read whole (else None).
    pieces: Callable[[], Iterator[bytes]] | None = None
    size: int | None = None
    #: ``gzip`` when the bytes are the compressed copy (sent with ``Content-Encoding``).
    encoding: str | None = None
    #: Whether a compressed copy is kept too: the answer depends on ``Accept-Encoding``.
    compressible: bool = False


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _rendered(snapshot: Snapshot, wanted: Wanted, render: Callable[[], bytes], stored: bool):
    body = render()
    signals.snapshot_artefact_rendered.send(
        snapshot,
        kind=wanted.kind,
        variant=str(wanted.variant),
        language=wanted.language,
        stored=stored,
    )
    return body


def _on_demand(snapshot: Snapshot, wanted: Wanted, render: Callable[[], bytes]) -> Served:
    body = _rendered(snapshot, wanted, render, stored=False)
    return Served(digest(body), wanted.content_type, stored=False, read=lambda: body)


def _key(snapshot: Snapshot, wanted: Wanted):
    a = SnapshotArtefact
    return sa.and_(
        a.snapshot_id == snapshot.id,
        a.kind == wanted.kind,
        a.variant == wanted.variant,
        a.language == wanted.language,
    )


def _pieces(where, size: int) -> Iterator[bytes]:
    """The kept bytes ``PIECE_BYTES`` at a time (``substr`` counts from 1, in bytes for a blob)."""
    body = SnapshotArtefact.body
    for start in range(1, size + 1, PIECE_BYTES):
        yield db.session.scalar(sa.select(sa.func.substr(body, start, PIECE_BYTES)).where(where))


def _kept_as(wanted: Wanted) -> dict:
    """What a kept file's ``Served`` says of its encoding."""
    return {
        "encoding": wanted.encoding,
        "compressible": wanted.compressible or wanted.encoding is not None,
    }


def _finished(snapshot: Snapshot, wanted: Wanted, with_body: bool) -> Served | None:
    """The kept file, if it is finished; its bytes read now only if ``with_body`` and it is
    small (a 304 needs none; a large file is read a piece at a time as it is sent)."""
    a = SnapshotArtefact
    where = sa.and_(_key(snapshot, wanted), a.sha256.is_not(None))
    small_body = sa.case((a.size <= WHOLE_BYTES, a.body), else_=sa.null())
    columns = [a.sha256, a.content_type, a.size, small_body if with_body else sa.null()]
    row = db.session.execute(sa.select(*columns).where(where)).first()
    if row is None:
        return None
    sha256, content_type, size, body = row
    if body is not None:
        return Served(
            sha256, content_type, stored=True, read=lambda: body, size=size, **_kept_as(wanted)
        )
    return Served(
        sha256,
        content_type,
        stored=True,
        read=lambda: b"".join(_pieces(where, size)),
        pieces=(lambda: _pieces(where, size)) if size > WHOLE_BYTES else None,
        size=size,
        **_kept_as(wanted),
    )


def _insert(dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert


def _claim(snapshot: Snapshot, wanted: Wanted) -> bool:
    """Insert the file's row, unfinished; False if another request has it (see the module)."""
    insert = _insert(db.session.get_bind().dialect.name)
    statement = (
        insert(SnapshotArtefact)
        .values(
            snapshot_id=snapshot.id,
            kind=wanted.kind,
            variant=wanted.variant,
            language=wanted.language,
            content_type=wanted.content_type,
            size=0,
            rendered_at=utcnow(),
        )
        .on_conflict_do_nothing()
        # A row back says it was inserted (rowcount is not reliable for ORM inserts).
        .returning(SnapshotArtefact.snapshot_id)
    )
    return db.session.execute(statement).first() is not None


def _keep(snapshot: Snapshot, wanted: Wanted, body: bytes) -> Served:
    """Write the bytes into the claimed row; the request's commit makes them visible."""
    sha256 = digest(body)
    db.session.execute(
        sa.update(SnapshotArtefact)
        .where(_key(snapshot, wanted))
        .values(body=body, sha256=sha256, size=len(body), rendered_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return Served(
        sha256, wanted.content_type, stored=True, read=lambda: body, size=len(body),
        **_kept_as(wanted),
    )  # fmt: skip


def _compressed(snapshot: Snapshot, wanted: Wanted, body: bytes) -> Served:
    """Compress the file's bytes into its claimed ``gzipped`` row."""
    # No name nor date in the header: the same file gives the same bytes, and ETag.
    compressed = gzip.compress(body, GZIP_LEVEL, mtime=0)
    signals.snapshot_artefact_compressed.send(
        snapshot, kind=wanted.kind, variant=str(wanted.variant), language=wanted.language
    )
    return _keep(snapshot, wanted.gzipped(), compressed)


def _render_and_keep(
    snapshot: Snapshot, wanted: Wanted, render, *, with_body: bool, gzip_accepted: bool
) -> Served:
    """Render the file and keep it (and its compressed copy), unless another request has it."""
    if not _claim(snapshot, wanted):
        # Another request rendered it meanwhile (we waited for its commit), or still is.
        return _finished(snapshot, wanted, with_body) or _on_demand(snapshot, wanted, render)
    body = _rendered(snapshot, wanted, render, stored=True)
    served = _keep(snapshot, wanted, body)
    # Claimed after the file was: nobody else can be compressing a file not yet kept.
    if wanted.compressible and _claim(snapshot, wanted.gzipped()):
        compressed = _compressed(snapshot, wanted, body)
        return compressed if gzip_accepted else served
    return served


def _compressed_later(snapshot: Snapshot, wanted: Wanted, kept: Served, with_body: bool) -> Served:
    """The compressed copy of a file kept without one (kept before there were any)."""
    if not _claim(snapshot, wanted.gzipped()):
        # Another request compressed it meanwhile (we waited for its commit), or still is.
        return _finished(snapshot, wanted.gzipped(), with_body) or kept
    return _compressed(snapshot, wanted, kept.read())


def obtain(
    snapshot: Snapshot,
    wanted: Wanted,
    render: Callable[[], bytes],
    *,
    frozen: bool = True,
    with_body: bool = True,
    gzip_accepted: bool = False,
) -> Served:
    """The file, kept if ``snapshot`` is published (rendered on the first request only).

    :param render: draws the file's bytes.
    :param frozen: False when the file also shows something that may still change (a
        comparison with a draft): it is then rendered on demand, like a draft's.
    :param with_body: read the kept bytes with the digest (False when they will likely
        not be sent: the client named a version it has).
    :param gzip_accepted: the client accepts gzip: a compressible file's compressed copy
        is served (``Served.encoding``), compressed now if it was kept without one.
    """
    if snapshot.status != SnapshotStatus.published or not frozen:
        return _on_demand(snapshot, wanted, render)
    compressed = gzip_accepted and wanted.compressible
    if compressed:
        kept = _finished(snapshot, wanted.gzipped(), with_body)
        if kept is not None:
            return kept
    # Kept without its compressed copy: its bytes are needed to make one.
    kept = _finished(snapshot, wanted, with_body or compressed)
    if kept is None:
        return _render_and_keep(
            snapshot, wanted, render, with_body=with_body, gzip_accepted=gzip_accepted
        )
    return _compressed_later(snapshot, wanted, kept, with_body) if compressed else kept
