"""Kept snapshot files copied to the web server's disk, to be sent from there.

Sending a kept file from the database costs its bytes' transfer at every
request (a large coalition's compressed JSON: 5 MB, some 20 ms of database and
20 ms of CPU), more than a page's whole budget. A copy on local disk is sent by
gunicorn with ``sendfile`` (``wsgi.file_wrapper``), for almost nothing.

The database stays the truth. A copy is named by the SHA-256 of its bytes: a
name always holds the same bytes, so a copy is never stale, and the folder may
be emptied at any time. It is written from the database by the first request
that sends the file on this machine, into a temporary file then renamed
(``os.replace``), so that a reader sees the whole file or none, and only if its
bytes have the digest kept with them. Where no copy can be written (a read-only
disk), the database sends the file, as it would without copies.

``SNAPSHOT_FILES_DIR`` names the folder: the instance folder's
``snapshot-files`` by default; empty, no copies are kept.
"""

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from flask import current_app

from pact_tracker.events.services.artefacts import Served

log = logging.getLogger(__name__)


def _folder() -> Path | None:
    configured = current_app.config.get("SNAPSHOT_FILES_DIR")
    if configured is None:
        return Path(current_app.instance_path) / "snapshot-files"
    return Path(configured) if configured else None


def _write(path: Path, served: Served) -> bool:
    """Copy the file's bytes to ``path``, whole or not at all; False if they are not the
    bytes of its digest (then nothing is written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        checked = hashlib.sha256()
        with os.fdopen(descriptor, "wb") as copy:
            # A large file a piece at a time, so that memory stays flat.
            for piece in served.pieces() if served.pieces is not None else [served.read()]:
                checked.update(piece)
                copy.write(piece)
        if checked.hexdigest() != served.sha256:
            os.unlink(temporary)
            return False
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def local_copy(served: Served) -> Path | None:
    """The path of a copy of the kept file on this machine, written now if there is none;
    None if the file is not kept (a draft's), or no copy can be written."""
    folder = _folder()
    if not served.stored or folder is None:
        return None
    path = folder / served.sha256
    if path.is_file():
        return path
    try:
        if _write(path, served):
            return path
        log.error("Snapshot file %s: the kept bytes do not have their digest", served.sha256)
    except OSError as error:
        log.warning("Snapshot file %s not copied to %s: %s", served.sha256, folder, error)
    return None
