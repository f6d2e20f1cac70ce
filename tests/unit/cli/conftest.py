"""Helpers for the ``flask pact`` command tests: CSV files and one-line invocations."""

import csv

import pytest


@pytest.fixture
def write_csv(tmp_path):
    """``write_csv(rows)`` writes a list of rows (or raw text) to a file; returns its path."""

    def write(rows, name: str = "import.csv", encoding: str = "utf-8") -> str:
        path = tmp_path / name
        if isinstance(rows, str):
            path.write_bytes(rows.encode(encoding))
        else:
            with open(path, "w", newline="", encoding=encoding) as file:
                csv.writer(file).writerows(rows)
        return str(path)

    return write


@pytest.fixture
def pact(runner):
    """``pact("user", "create", ...)`` runs ``flask pact user create ...``."""

    def invoke(*args: str):
        return runner.invoke(args=["pact", *args])

    return invoke


@pytest.fixture
def proposal(db, make_proposal):
    """A proposal from the shared factory, which must not autoflush half-built (it warns)."""
    with db.session.no_autoflush:
        return make_proposal()
