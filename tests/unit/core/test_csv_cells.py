"""Every CSV cell the platform writes stays inert, however a spreadsheet splits its line.

A spreadsheet in a European locale splits a CSV line on ``;`` (others on tab or
``|``), whatever the file's own comma: a cell is quoted, and no piece of it that
a separator may begin starts a formula. The import reads our cells back exactly.
"""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from pact_tracker.core.exports import (
    CSV_SEPARATORS,
    FORMULA_TRIGGERS,
    csv_writer,
    neutralise_csv,
    restore,
)

#: Cells a hostile signatory or member could store.
HOSTILE = [
    "ACC;=SUM(1+1)",
    "ACC; =SUM(1+1)",
    'ACC;"=SUM(1+1)"',
    "Coop, +33 1 23 45 67 89",
    "a|@cmd",
    "x\t-2+3",
    '=HYPERLINK("http://evil.example","click")',
    "-;-,-|-",
    "already;'=escaped",
]


def pieces_a_spreadsheet_may_see(text: str) -> list[str]:
    """Each piece of each record, split on every separator, without spaces and quotes around."""
    pieces = []
    for record in text.split("\r\n"):
        for separator in CSV_SEPARATORS:
            pieces += [piece.lstrip(' "') for piece in record.split(separator)]
    return pieces


def write(rows) -> str:
    out = io.StringIO(newline="")
    writer = csv_writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def test_no_piece_of_a_hostile_cell_starts_a_formula_whatever_the_separator():
    text = write([["name", "acronym"], *[[cell, cell] for cell in HOSTILE]])

    for piece in pieces_a_spreadsheet_may_see(text):
        assert not piece.startswith(FORMULA_TRIGGERS), (piece, text)
    assert '"ACC;\'=SUM(1+1)"' in text


def test_every_cell_is_quoted_so_that_a_reader_never_splits_it():
    text = write([["ACC;x", 12, None, "plain"]])

    assert text == '"ACC;x","12","","plain"\r\n'


def test_hostile_cells_read_back_exactly_through_restore():
    text = write([HOSTILE])

    [row] = csv.reader(io.StringIO(text, newline=""))
    assert [restore(cell) for cell in row] == HOSTILE


_TEXT = st.text(alphabet=st.sampled_from(list("a '\"=+-@\t\r,;|x")), max_size=12)


@given(_TEXT)
def test_restore_undoes_neutralise_csv_for_any_text(text):
    assert restore(neutralise_csv(text)) == text


@given(_TEXT)
def test_no_piece_of_any_neutralised_text_starts_a_formula(text):
    cell = neutralise_csv(text)
    for separator in CSV_SEPARATORS:
        for piece in cell.split(separator):
            assert not piece.lstrip(' "').startswith(FORMULA_TRIGGERS), (text, cell)
