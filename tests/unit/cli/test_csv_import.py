"""The import machinery itself: a SAVEPOINT per row, the database's refusals reported."""

from pact_tracker.coalition.models import Signatory
from pact_tracker.core.csv_import import CsvRow, import_rows


def test_a_row_the_database_refuses_is_reported_and_later_rows_still_checked(db, make_signatory):
    taken = make_signatory(name="Taken")
    db.session.commit()
    checked = []

    def handle(values):
        # Bypasses the service on purpose, so that only the UNIQUE constraint can refuse.
        checked.append(values["slug"])
        db.session.add(
            Signatory(
                name=values["slug"],
                slug=values["slug"],
                organisation_type_code="cooperative",
                country_code="FR",
            )
        )
        db.session.flush()

    rows = [
        CsvRow(2, {"slug": "fresh"}),
        CsvRow(3, {"slug": taken.slug}),
        CsvRow(5, {"slug": "later"}),
    ]
    result = import_rows(rows, handle)

    assert checked == ["fresh", taken.slug, "later"]
    [error] = result.errors
    assert (error.line, error.field) == (3, None)
    assert error.message.startswith("the database refused the row:")
    slugs = set(db.session.scalars(db.select(Signatory.slug)))
    assert taken.slug in slugs
    assert not slugs & {"fresh", "later"}


def test_a_dry_run_keeps_nothing_even_when_every_row_is_valid(db):
    def handle(values):
        db.session.add(
            Signatory(
                name="Dry", slug=values["slug"], organisation_type_code="state", country_code="FR"
            )
        )
        db.session.flush()

    result = import_rows([CsvRow(2, {"slug": "dry-run"})], handle, dry_run=True)

    assert (result.ok, result.rows, result.dry_run) == (True, 1, True)
    assert db.session.scalar(db.select(Signatory).where(Signatory.slug == "dry-run")) is None
