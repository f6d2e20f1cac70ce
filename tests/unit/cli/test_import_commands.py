"""``flask pact import``: all rows or none, every bad row reported with its line.

Data the import relies on is committed first (as it would be in a real
database before the command runs): a refused import rolls its session back.
"""

from datetime import date, timedelta
from decimal import Decimal

from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.commitments.models import (
    Commitment,
    CommitmentStatus,
    ProgressStatus,
    ProgressUpdate,
    UpdateSource,
)
from pact_tracker.core.activity import Activity
from pact_tracker.core.types import utcnow

SIGNATORY_HEADER = [
    "slug", "name", "acronym", "organisation_type_code", "country_code", "subdivision_code",
    "locality", "website", "description", "status", "manifesto_signed_on",
]  # fmt: skip


def _count(db, model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _signatory(db, slug: str) -> Signatory | None:
    return db.session.scalar(db.select(Signatory).where(Signatory.slug == slug))


def _valid_signatories(write_csv) -> str:
    return write_csv(
        [
            SIGNATORY_HEADER,
            [
                "ville-de-lyon",
                "Ville de Lyon",
                "",
                "local_authority",
                "FR",
                "FR-ARA",
                "Lyon",
                "https://lyon.fr",
                "Une ville engagée,\n« sur deux lignes »",
                "approved",
                "2025-02-01",
            ],
            ["", "Coopérative Équité", "CE", "cooperative", "be", "", "Liège", "", "", "", ""],
            ["senegal", "République du Sénégal", "", "state", "SN", "", "", "", "", "applied", ""],
        ]  # fmt: skip
    )


def test_import_signatories_creates_every_row(db, pact, write_csv):
    result = pact("import", "signatories", _valid_signatories(write_csv))

    assert result.exit_code == 0, result.output
    assert "Imported 3 signatories." in result.stdout
    lyon = _signatory(db, "ville-de-lyon")
    assert (lyon.name, lyon.subdivision_code, lyon.locality, lyon.website) == (
        "Ville de Lyon",
        "FR-ARA",
        "Lyon",
        "https://lyon.fr",
    )
    assert lyon.description == "Une ville engagée,\n« sur deux lignes »"
    assert (lyon.status, lyon.manifesto_signed_on) == (SignatoryStatus.approved, date(2025, 2, 1))
    equite = _signatory(db, "cooperative-equite")
    assert (equite.acronym, equite.country_code, equite.status) == (
        "CE",
        "BE",
        SignatoryStatus.applied,
    )
    assert _signatory(db, "senegal").organisation_type_code == "state"
    logged = db.session.scalars(
        db.select(Activity).where(Activity.subject_type == "signatory")
    ).all()
    assert len(logged) == 3
    assert {entry.actor_id for entry in logged} == {None}


def test_import_signatories_dry_run_checks_everything_and_writes_nothing(db, pact, write_csv):
    before = _count(db, Signatory)
    result = pact("import", "signatories", _valid_signatories(write_csv), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Dry run: all 3 signatories are valid and would be imported." in result.stdout
    assert _count(db, Signatory) == before
    assert _signatory(db, "ville-de-lyon") is None


def test_import_tolerates_a_byte_order_mark_and_extra_spaces(db, pact, write_csv):
    path = write_csv(
        "name , organisation_type_code,COUNTRY_CODE\r\n  Réseau Sud  ,association, FR \r\n",
        encoding="utf-8-sig",
    )
    result = pact("import", "signatories", path)
    assert result.exit_code == 0, result.output
    assert _signatory(db, "reseau-sud").country_code == "FR"


def test_import_malformed_file_writes_nothing_and_lists_every_bad_row(db, pact, write_csv):
    path = write_csv(
        [
            SIGNATORY_HEADER,
            # line 2, spanning lines 2 and 3: valid
            ["good-one", "Good One", "", "cooperative", "FR", "", "", "", "two\nlines", "", ""],
            # line 4: unknown country
            ["bad-country", "Bad Country", "", "cooperative", "XX", "", "", "", "", "", ""],
            # line 5: unreadable date, bad status
            [
                "bad-date",
                "Bad Date",
                "",
                "cooperative",
                "FR",
                "",
                "",
                "",
                "",
                "signed",
                "01/02/2025",
            ],
            # line 6: the slug of line 2 again, a website without scheme
            ["good-one", "Good Again", "", "cooperative", "FR", "", "", "lyon.fr", "", "", ""],
            # line 7: no name, unknown organisation type
            ["no-name", "", "", "guild", "FR", "", "", "", "", "", ""],
            # line 8: too few fields
            ["short", "Short"],
            # line 9: subdivision of another country
            ["wrong-region", "Wrong Region", "", "cooperative", "BE", "FR-IDF", "", "", "", "", ""],
        ]  # fmt: skip
    )
    before = _count(db, Signatory)
    result = pact("import", "signatories", path)

    assert result.exit_code == 1
    errors = result.stderr
    assert "line 4: country_code: Unknown country code 'XX'." in errors
    assert "line 5: manifesto_signed_on: '01/02/2025' is not a date (YYYY-MM-DD)" in errors
    assert "line 5: status: 'signed' is not one of applied, approved" in errors
    assert "line 6: slug: The slug 'good-one' is already used by another signatory." in errors
    assert "line 6: website: Must be a web address" in errors
    assert "line 7: name: This field is required." in errors
    assert "line 7: organisation_type_code: Unknown organisation type 'guild'." in errors
    assert "line 8: the row has 2 fields but the header has 11" in errors
    assert "line 9: subdivision_code: FR-IDF is not a subdivision of BE." in errors
    assert "line 2:" not in errors and "line 3:" not in errors
    assert "6 of 7 rows are invalid; nothing was imported." in errors
    assert _count(db, Signatory) == before
    assert _signatory(db, "good-one") is None


def test_import_reports_header_problems_before_any_row(db, pact, write_csv):
    path = write_csv([["name", "country", "website", "website"], ["X", "FR", "", ""]])
    result = pact("import", "signatories", path)

    assert result.exit_code == 1
    assert "line 1 (header)" in result.stderr
    assert "repeated columns: website" in result.stderr
    assert "missing columns: organisation_type_code, country_code" in result.stderr
    assert "unknown columns: country" in result.stderr
    assert "line 2" not in result.stderr


def test_import_refuses_empty_oversized_and_non_utf8_files(app, db, pact, write_csv, monkeypatch):
    empty = pact("import", "signatories", write_csv("", name="empty.csv"))
    header_only = pact(
        "import", "signatories", write_csv("name,organisation_type_code,country_code\n")
    )
    latin1 = write_csv(
        "name,organisation_type_code,country_code\nCoopérative,cooperative,FR\n",
        name="latin1.csv",
        encoding="latin-1",
    )
    not_utf8 = pact("import", "signatories", latin1)
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 20)
    too_big = pact("import", "signatories", latin1)

    assert [r.exit_code for r in (empty, header_only, not_utf8, too_big)] == [1, 1, 1, 1]
    assert "is empty" in empty.stderr
    assert "has a header but no rows" in header_only.stderr
    assert "line 2: the file is not UTF-8 text" in not_utf8.stderr
    assert "the largest file accepted is 20 bytes" in too_big.stderr
    assert _signatory(db, "cooperative") is None


def _commitment_rows(signatory_slug: str, programme_code: str, proposal_id: int) -> list:
    header = [
        "signatory_slug", "programme_code", "proposal_id", "title", "description", "language",
        "target_codes", "dimension_codes", "scope", "country_code", "start_date", "due_date",
        "cadence_months", "funding_amount", "funding_currency", "visibility", "indicator_name",
        "indicator_unit", "indicator_baseline", "indicator_target", "indicator_direction",
    ]  # fmt: skip
    custom = [
        signatory_slug, programme_code, "", "Former 50 jeunes", "Un programme de formation.",
        "fr", "4.4;8.6", "social_performance", "national", "", "2026-01-01", "2027-12-31", "3",
        "12500.50", "EUR", "private", "Jeunes formés", "personnes", "0", "50", "increase",
    ]  # fmt: skip
    adopted = [
        signatory_slug, "", str(proposal_id), "", "", "", "", "", "", "", "", "2028-06-30",
        "", "", "", "", "", "", "", "", "",
    ]  # fmt: skip
    return [header, custom, adopted]


def test_import_commitments_creates_drafts(db, pact, write_csv, make_signatory, proposal):
    signatory = make_signatory(name="Coop Nord")
    rows = _commitment_rows(signatory.slug, proposal.programme.code, proposal.id)
    result = pact("import", "commitments", write_csv(rows))

    assert result.exit_code == 0, result.output
    assert "Imported 2 commitments." in result.stdout
    custom, adopted = db.session.scalars(
        db.select(Commitment).where(Commitment.signatory_id == signatory.id).order_by("id")
    ).all()
    assert (custom.title, custom.language, custom.status) == (
        "Former 50 jeunes",
        "fr",
        CommitmentStatus.draft,
    )
    assert [t.code for t in custom.targets] == ["4.4", "8.6"]
    assert [d.code for d in custom.dimensions] == ["social_performance"]
    assert (custom.cadence_months, custom.funding_amount, custom.funding_currency) == (
        3,
        Decimal("12500.50"),
        "EUR",
    )
    assert (custom.country_code, custom.visibility, custom.due_date) == (
        "FR",
        "private",
        date(2027, 12, 31),
    )
    [indicator] = custom.indicators
    assert (indicator.name, indicator.unit, indicator.baseline, indicator.target) == (
        "Jeunes formés",
        "personnes",
        Decimal(0),
        Decimal(50),
    )
    assert (adopted.proposal_id, adopted.programme_id, adopted.title) == (
        proposal.id,
        proposal.programme_id,
        proposal.title_en,
    )
    assert [i.name for i in adopted.indicators] == ["Jobs created"]


def test_import_commitments_reports_each_bad_row(db, pact, write_csv, make_signatory, proposal):
    signatory = make_signatory()
    db.session.commit()
    header, good, _adopted = _commitment_rows(signatory.slug, proposal.programme.code, proposal.id)
    column = {name: index for index, name in enumerate(header)}

    def variant(**cells):
        row = list(good)
        for name, value in cells.items():
            row[column[name]] = value
        return row

    path = write_csv(
        [
            header,
            good,
            variant(signatory_slug="nobody", programme_code="NOPE"),  # line 3
            variant(target_codes="4.4;99.9", due_date="2025-12-31"),  # line 4
            variant(indicator_unit="", indicator_target="lots"),  # line 5
            variant(funding_currency="", cadence_months="forty"),  # line 6
        ]
    )
    result = pact("import", "commitments", path)

    assert result.exit_code == 1
    errors = result.stderr
    assert "line 3: signatory_slug: no signatory with the slug 'nobody'" in errors
    assert "line 3: programme_code: no programme with the code 'NOPE'" in errors
    assert "line 4: target_codes: Unknown codes: 99.9." in errors
    assert "line 4: due_date: The due date cannot be before the start date." in errors
    assert "line 5: indicator_target: 'lots' is not a number" in errors
    assert "line 6: cadence_months: 'forty' is not a whole number" in errors
    assert "line 2:" not in errors
    assert "4 of 5 rows are invalid" in errors
    assert _count(db, Commitment) == 0


def test_import_commitments_names_service_errors_after_the_columns(
    db, pact, write_csv, make_signatory, proposal
):
    signatory = make_signatory()
    db.session.commit()
    header, good, _adopted = _commitment_rows(signatory.slug, proposal.programme.code, proposal.id)
    no_unit = list(good)
    no_unit[header.index("indicator_unit")] = ""
    no_currency = list(good)
    no_currency[header.index("funding_currency")] = ""
    result = pact("import", "commitments", write_csv([header, no_unit, no_currency]))

    assert result.exit_code == 1
    assert "line 2: indicator_unit: This field is required." in result.stderr
    assert "line 3: funding_currency: Give the amount and its currency together" in result.stderr
    assert _count(db, Commitment) == 0


def _approved_commitment(make_commitment):
    return make_commitment(status=CommitmentStatus.approved)


def test_import_progress_records_updates_with_indicator_values(
    db, pact, write_csv, make_commitment
):
    commitment = _approved_commitment(make_commitment)
    indicator = commitment.indicators[0]
    earlier = (utcnow() - timedelta(hours=6)).replace(microsecond=0)
    later = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    path = write_csv(
        [
            [
                "commitment_id",
                "reported_at",
                "status",
                "percent_complete",
                "narrative",
                "indicator_values",
            ],
            [
                str(commitment.id),
                earlier.isoformat(),
                "on_track",
                "20",
                "Started, with *20*.",
                f"{indicator.id}:40",
            ],
            [
                str(commitment.id),
                later.replace(tzinfo=None).isoformat(),
                "delayed",
                "35",
                "Slower than planned.",
                f"{indicator.id}:70.5",
            ],
        ]  # fmt: skip
    )
    result = pact("import", "progress", path)

    assert result.exit_code == 0, result.output
    assert "Imported 2 progress updates." in result.stdout
    first, second = db.session.scalars(
        db.select(ProgressUpdate)
        .where(ProgressUpdate.commitment_id == commitment.id)
        .order_by(ProgressUpdate.reported_at)
    ).all()
    assert (first.reported_at, first.status, first.percent_complete) == (
        earlier,
        ProgressStatus.on_track,
        20,
    )
    assert first.narrative == "Started, with *20*."
    assert [(v.indicator_id, v.value) for v in first.values] == [(indicator.id, Decimal(40))]
    assert (second.reported_at, second.status, second.values[0].value) == (
        later,
        ProgressStatus.delayed,
        Decimal("70.5"),
    )
    assert {first.source, second.source} == {UpdateSource.import_}
    assert commitment.last_reported_at == later


def test_import_progress_reports_each_bad_row(db, pact, write_csv, make_commitment, make_signatory):
    commitment = _approved_commitment(make_commitment)
    draft = make_commitment(status=CommitmentStatus.draft)
    indicator = commitment.indicators[0]
    db.session.commit()
    hour_ago = (utcnow() - timedelta(hours=1)).isoformat()
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    path = write_csv(
        [
            [
                "commitment_id",
                "reported_at",
                "status",
                "percent_complete",
                "narrative",
                "indicator_values",
            ],
            [str(commitment.id), hour_ago, "on_track", "10", "fine", f"{indicator.id}:5"],
            ["999999", hour_ago, "on_track", "10", "", ""],
            [str(commitment.id), tomorrow, "finished", "140", "", ""],
            [str(commitment.id), hour_ago, "on_track", "", "", "forty;12:abc"],
            [str(commitment.id), "last week", "on_track", "", "", "999999:3"],
            [str(draft.id), hour_ago, "on_track", "", "", ""],
        ]  # fmt: skip
    )
    result = pact("import", "progress", path)

    assert result.exit_code == 1
    errors = result.stderr
    assert "line 3: commitment_id: no commitment 999999" in errors
    assert "line 4: reported_at: A report cannot speak for a moment in the future." in errors
    assert "line 4: status: Must be one of: not_started" in errors
    assert "line 4: percent_complete: Must be between 0 and 100." in errors
    assert "line 5: indicator_values: 'forty' is not indicator_id:value" in errors
    assert "line 5: indicator_values: '12:abc' is not indicator_id:value" in errors
    assert "line 6: reported_at: 'last week' is not a date or time" in errors
    assert "line 7: Progress can only be reported on an approved commitment" in errors
    assert "line 2:" not in errors
    assert _count(db, ProgressUpdate) == 0


def test_import_progress_refers_unknown_indicators_to_their_column(
    db, pact, write_csv, make_commitment
):
    commitment = _approved_commitment(make_commitment)
    db.session.commit()
    path = write_csv(
        [
            ["commitment_id", "reported_at", "status", "indicator_values"],
            [str(commitment.id), "", "on_track", "999999:3"],
        ]
    )
    result = pact("import", "progress", path)

    assert result.exit_code == 1
    assert (
        "line 2: indicator_values: Indicator 999999 is not one of this commitment's."
        in result.stderr
    )
    assert _count(db, ProgressUpdate) == 0
