from email_validator import validate_email

from pact_tracker.demo.generate import demo_domain
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
    assert {f"contact@{demo_domain(slug)}" for slug in slugs} <= emails
    assert "secretariat@demo.pact-impact.org" in emails


KOREAN_AGENCY = "national-agency-for-social-and-solidarity-economy-of-republic-of-korea"


def test_a_slug_too_long_for_a_domain_gives_an_address_one_can_sign_in_with():
    domain = demo_domain(KOREAN_AGENCY)
    label = domain.split(".")[0]
    assert len(label) <= 63 and label.startswith("national-agency-for-social")
    # The sign-in form's Email() validator is email_validator's, without DNS.
    validate_email(f"contact@{domain}", check_deliverability=False)
    twin = KOREAN_AGENCY.replace("korea", "korea-south")
    assert demo_domain(twin) != domain
    assert demo_domain("coop-horizon") == "coop-horizon.example.org"


def test_every_demo_address_passes_the_sign_in_forms_check(generate):
    # Seed 7 draws a signatory whose slug is longer than a domain label.
    for email in _column(generate(7), "user", "email"):
        validate_email(email, check_deliverability=False)
