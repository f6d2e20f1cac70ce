from pact_tracker.demo.rows import COLUMNS


def _column(batch, table, column):
    index = COLUMNS[table].index(column)
    return [row[index] for row in batch[table]]


def test_same_seed_gives_the_same_coalition(generate):
    first, second = generate(3), generate(3)
    assert _column(first, "signatory", "name") == _column(second, "signatory", "name")
    assert _column(first, "commitment", "title") == _column(second, "commitment", "title")
    assert first.counts() == second.counts()


def test_another_seed_gives_another_coalition(generate):
    first, second = generate(3), generate(4)
    assert _column(first, "signatory", "name") != _column(second, "signatory", "name")
    assert _column(first, "commitment", "title") != _column(second, "commitment", "title")


def test_every_row_matches_its_columns(generate):
    batch = generate(5)
    for table, rows in batch.items():
        assert rows, table
        assert {len(row) for row in rows} == {len(COLUMNS[table])}, table


def test_slugs_are_unique_and_emails_follow_them(generate):
    batch = generate(5)
    slugs = _column(batch, "signatory", "slug")
    assert len(set(slugs)) == len(slugs)
    emails = set(_column(batch, "user", "email"))
    assert {f"contact@{slug}.example.org" for slug in slugs} <= emails
    assert "secretariat@demo.pact-impact.org" in emails
