"""The import machinery: SAVEPOINTs per chunk and per row, the database's refusals reported."""

from pact_tracker.coalition.models import Signatory
from pact_tracker.core import csv_import
from pact_tracker.core.csv_import import CsvRow, import_rows
from pact_tracker.core.errors import InvalidInput


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

    # The chunk failed at the taken slug, so its rows were run again one by one.
    assert checked == ["fresh", taken.slug, "fresh", taken.slug, "later"]
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


def _add_signatory(slug: str) -> None:
    from pact_tracker.extensions import db

    db.session.add(
        Signatory(name=slug, slug=slug, organisation_type_code="cooperative", country_code="FR")
    )
    db.session.flush()


def test_a_bad_row_inside_a_chunk_is_named_and_nothing_is_written(db, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 4)
    calls = []

    def handle(values):
        calls.append(values["slug"])
        if values["slug"].startswith("bad"):
            raise InvalidInput("Invalid row.", errors={"slug": ["is bad"]})
        _add_signatory(values["slug"])

    slugs = ["a", "b", "bad-c", "d", "e", "f", "g", "h", "i", "bad-j"]
    rows = [CsvRow(line, {"slug": slug}) for line, slug in enumerate(slugs, start=2)]
    result = import_rows(rows, handle, progress=False)

    assert [str(error) for error in result.errors] == [
        "line 4: slug: is bad",
        "line 11: slug: is bad",
    ]
    # Chunks of four: the first and the last fail and are run again row by row; the
    # middle one passes at once.
    assert calls == [
        "a", "b", "bad-c", "a", "b", "bad-c", "d", "e", "f", "g", "h",
        "i", "bad-j", "i", "bad-j",
    ]  # fmt: skip
    assert db.session.scalars(db.select(Signatory.slug)).all() == []


def test_rows_of_an_earlier_chunk_stay_visible_to_later_ones(db, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)

    def handle(values):
        _add_signatory(values["slug"])

    rows = [CsvRow(2, {"slug": "one"}), CsvRow(3, {"slug": "two"}), CsvRow(4, {"slug": "one"})]
    result = import_rows(rows, handle, progress=False)

    [error] = result.errors
    assert (error.line, error.field) == (4, None)
    assert error.message.startswith("the database refused the row:")
    assert db.session.scalars(db.select(Signatory.slug)).all() == []


def test_a_valid_import_in_several_chunks_commits_every_row(db, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 3)

    def handle(values):
        _add_signatory(values["slug"])

    rows = [CsvRow(line, {"slug": f"row-{line}"}) for line in range(2, 10)]
    result = import_rows(rows, handle, progress=False)

    assert result.ok
    # The signals were sent without expiring the rows at each commit; the setting is back.
    assert db.session().expire_on_commit is True
    assert sorted(db.session.scalars(db.select(Signatory.slug))) == sorted(
        f"row-{line}" for line in range(2, 10)
    )


class _Batches:
    """A batch form that records what it was given, and when it was finished."""

    def __init__(self, calls: list):
        self.calls = calls

    def __call__(self, rows):
        self.calls.append([values["slug"] for values in rows])
        if any(values["slug"].startswith("bad") for values in rows):
            raise InvalidInput("Invalid row.", errors={"slug": ["is bad"]})
        for values in rows:
            _add_signatory(values["slug"])

    def finish(self):
        self.calls.append("finish")


def _handler_with_batches(calls: list):
    def handle(values):
        if values["slug"].startswith("bad"):
            raise InvalidInput("Invalid row.", errors={"slug": ["is bad"]})
        _add_signatory(values["slug"])

    handle.batch = lambda: _Batches(calls)
    return handle


def test_the_batch_form_is_finished_once_after_the_last_chunk(db, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    calls = []

    rows = [CsvRow(line, {"slug": f"row-{line}"}) for line in range(2, 7)]
    result = import_rows(rows, _handler_with_batches(calls), progress=False)

    assert result.ok
    assert calls == [["row-2", "row-3"], ["row-4", "row-5"], ["row-6"], "finish"]
    assert len(db.session.scalars(db.select(Signatory.slug)).all()) == 5


def test_a_refused_chunk_leaves_the_batch_form_unfinished_and_nothing_written(db, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    calls = []

    rows = [CsvRow(2, {"slug": "good"}), CsvRow(3, {"slug": "bad-one"}), CsvRow(4, {"slug": "x"})]
    result = import_rows(rows, _handler_with_batches(calls), progress=False)

    assert [str(error) for error in result.errors] == ["line 3: slug: is bad"]
    assert "finish" not in calls
    assert db.session.scalars(db.select(Signatory.slug)).all() == []


def test_the_garbage_collector_gets_every_object_and_its_pace_back_after_an_import(db):
    import gc

    thresholds = gc.get_threshold()
    seen = []

    def handle(values):
        seen.append((gc.get_freeze_count() > 0, gc.get_threshold()[0]))
        _add_signatory(values["slug"])

    import_rows([CsvRow(2, {"slug": "collected"})], handle, progress=False)

    assert seen == [(True, csv_import.YOUNG_OBJECTS_PER_COLLECTION)]
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds


def test_objects_frozen_before_an_import_stay_frozen_after_it(db):
    import gc

    def handle(values):
        _add_signatory(values["slug"])

    older = [object()]
    gc.freeze()
    try:
        import_rows([CsvRow(2, {"slug": "left-alone"})], handle, progress=False)
        # The collector's generations do not hold what is frozen.
        assert gc.get_freeze_count() > 0
        assert not any(held is older for held in gc.get_objects())
    finally:
        gc.unfreeze()
    assert any(held is older for held in gc.get_objects())
