"""``flask pact export coalition`` then ``import coalition`` into a new database loses nothing.

The small demo coalition, completed with a row in every table the demo leaves
empty (a started campaign, tokens, a session, a second factor, a sign-in link,
a suppressed address), is exported, imported into a fresh database, and every
table compared row by row. The import refuses a database that holds data and
a truncated file, and in both cases writes nothing.
"""

import gzip

import sqlalchemy as sa
from pytest import fixture

from pact_tracker import create_app
from pact_tracker.auth import services as auth_services
from pact_tracker.auth.links import request_sign_in_link
from pact_tracker.campaigns.services import campaigns as campaign_services
from pact_tracker.campaigns.services.outbox import suppress_address
from pact_tracker.coalition.models import Signatory, User
from pact_tracker.core import figure_store, idempotency
from pact_tracker.core.activity import commit
from pact_tracker.core.backup import DERIVED_TABLES, coalition_tables
from pact_tracker.core.tokens import issue_token
from pact_tracker.core.types import utcnow
from pact_tracker.demo import SCALES, load_demo
from pact_tracker.demo.generate import SECRETARIAT_EMAIL
from pact_tracker.extensions import db
from pact_tracker.reference.services import load_reference_data


def _new_app(new_database, purpose: str):
    """An app on a new database holding the schema and the lexicon."""
    app = create_app({"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": new_database(purpose)})
    with app.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        db.session.remove()
    return app


def _dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@fixture(scope="module")
def source(new_database):
    """The small demo coalition with a row in every table, written once for the module."""
    app = _new_app(new_database, "backup_source")
    with app.app_context(), app.test_request_context():
        load_demo(SCALES["small"], seed=5, password_hash="not-a-real-hash")
        _complete_the_record()
        db.session.remove()
    yield app
    _dispose(app)


@fixture(scope="module")
def exported(source, tmp_path_factory):
    """The source exported by the command (gzipped), and the command's output."""
    path = tmp_path_factory.mktemp("backup") / "coalition.jsonl.gz"
    result = source.test_cli_runner().invoke(args=["pact", "export", "coalition", str(path)])
    assert result.exit_code == 0, result.output
    return path, result.output


@fixture
def fresh_app(new_database):
    """``fresh_app(purpose)``: an app on a new, empty database (schema and lexicon only)."""
    apps = []

    def make(purpose: str):
        apps.append(_new_app(new_database, purpose))
        return apps[-1]

    yield make
    for app in apps:
        _dispose(app)


def _complete_the_record() -> None:
    """A row in each table the demo leaves empty, written by the services that own them."""
    secretariat = db.session.scalar(sa.select(User).where(User.email == SECRETARIAT_EMAIL))
    member = db.session.scalar(sa.select(User).where(User.email.like("contact@%")).limit(1))
    campaign = campaign_services.create_campaign(
        {
            "name": "Before the summit",
            "contents": {"en": {"subject": "Your progress", "body": "Hello {{ recipient_name }}"}},
        },
        secretariat,
    )
    campaign_services.schedule_campaign(campaign, None, secretariat)
    campaign_services.start_campaign(campaign, utcnow())
    issue_token(member, name="reporting script")
    auth_services.begin_totp_enrolment(secretariat)
    auth_services.start_session(member, user_agent="Firefox")
    request_sign_in_link(member.email)
    suppress_address("bounced@example.org", "550 no such mailbox")
    idempotency.claim(member.id, "report-2026-12-07", "0" * 64, utcnow())
    figure_store.get_or_compute(figure_store.key("backup-test"), lambda: 42)
    commit()


def _rows(app) -> dict[str, list[tuple]]:
    """Every row of every coalition table, in primary-key order."""
    with app.app_context(), db.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in coalition_tables()
        }


def test_an_export_imported_into_a_new_database_loses_nothing(source, exported, fresh_app):
    original = _rows(source)
    assert [name for name, rows in original.items() if not rows] == [], "tables left empty"
    path, output = exported
    assert f"Exported {sum(map(len, original.values())):,} rows" in output
    # What is computed from the rest is made again where it is needed, not carried over.
    assert all(f"{table}:" not in output for table in DERIVED_TABLES)

    copy = fresh_app("backup_copy")
    result = copy.test_cli_runner().invoke(args=["pact", "import", "coalition", str(path)])
    assert result.exit_code == 0, result.output
    assert f"signatory: {len(original['signatory'])}" in result.output
    restored = _rows(copy)
    for table in original:
        assert restored[table] == original[table], f"{table} differs after the round trip"
    # Exported again, the copy gives the same file, but for the header's instant.
    again = path.with_name("again.jsonl.gz")
    result = copy.test_cli_runner().invoke(args=["pact", "export", "coalition", str(again)])
    assert result.exit_code == 0, result.output
    with (
        gzip.open(path, "rt", encoding="utf-8") as first,
        gzip.open(again, "rt", encoding="utf-8") as second,
    ):
        assert first.readlines()[1:] == second.readlines()[1:]

    # New rows continue after the imported ids (PostgreSQL's sequences were moved on).
    with copy.app_context():
        signatory = Signatory(
            name="New Cooperative",
            slug="new-cooperative",
            organisation_type_code="cooperative",
            country_code="FR",
        )
        db.session.add(signatory)
        db.session.flush()
        assert signatory.id == max(row[0] for row in original["signatory"]) + 1
        db.session.rollback()
        db.session.remove()


def test_the_import_refuses_a_database_that_holds_data_and_writes_nothing(source, exported):
    before = _rows(source)
    result = source.test_cli_runner().invoke(args=["pact", "import", "coalition", str(exported[0])])
    assert result.exit_code == 1
    assert "already holds data" in result.output
    assert "Nothing was imported" in result.output
    assert _rows(source) == before


def test_a_truncated_export_is_refused_and_nothing_is_written(source, exported, fresh_app):
    path = exported[0]
    with gzip.open(path, "rt", encoding="utf-8") as file:
        lines = file.readlines()
    cut = path.with_name("cut.jsonl")
    cut.write_text("".join(lines[: len(lines) * 2 // 3]), encoding="utf-8")

    copy = fresh_app("backup_cut")
    result = copy.test_cli_runner().invoke(args=["pact", "import", "coalition", str(cut)])
    assert result.exit_code == 1
    assert "truncated" in result.output
    assert all(not rows for rows in _rows(copy).values())
