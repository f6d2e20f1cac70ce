"""The migrations are the only way the schema changes: they must match the models."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade

from pact_tracker import create_app
from pact_tracker.coalition.models import Signatory, SignatoryStatus
from pact_tracker.commitments.models import (
    Commitment,
    CommitmentStatus,
    ProgressStatus,
    ProgressUpdate,
)
from pact_tracker.events import exports
from pact_tracker.events.models import (
    Snapshot,
    SnapshotAggregate,
    SnapshotEntry,
    SnapshotLabel,
    SnapshotStatus,
)
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import SdgTarget
from pact_tracker.reference.services import load_reference_data

#: The migration that froze snapshots' labels and public part (issue 13).
FREEZING = "3c2b1f6c4fa1"
APPROVED = datetime(2026, 1, 10, tzinfo=UTC)
CUTOFF = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def empty_database_url(new_database):
    """A database of the kind under test, empty, just for the migrations."""
    return new_database("migrations")


@pytest.fixture
def migrations_app(empty_database_url):
    app = create_app({"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_migrations_create_exactly_the_models_schema(migrations_app):
    upgrade()
    assert _differences() == []
    assert _tables() == set(db.metadata.tables)


def test_downgrade_to_base_and_upgrade_again(migrations_app):
    upgrade()
    downgrade(revision="base")
    assert _tables() == set()
    upgrade()
    assert _differences() == []


def _before_snapshot_freezing() -> str:
    """The revision just before the one that froze snapshots' labels and public part."""
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision(FREEZING).down_revision


def _published_in_the_first_format() -> dict[int, dict]:
    """Two snapshots published as before the freezing (their hashes in the first format);
    by id, what taking them now stores beside their entries."""
    load_reference_data()
    signatory = Signatory(
        name="Coop Lyon",
        slug="coop-lyon",
        organisation_type_code="cooperative",
        country_code="FR",
        status=SignatoryStatus.approved,
    )
    programme = Programme(code="EDU", name_en="Education", name_fr="Éducation")
    db.session.add_all([signatory, programme])
    for title, published_at in (("Public plan", APPROVED), ("Private plan", None)):
        commitment = Commitment(
            signatory=signatory,
            programme=programme,
            title=title,
            description="A plan.",
            status=CommitmentStatus.approved,
            created_at=APPROVED,
            approved_at=APPROVED,
            published_at=published_at,
            start_date=date(2026, 1, 1),
            due_date=date(2028, 1, 1),
            cadence_months=6,
            country_code="FR",
        )
        commitment.targets = [db.session.get(SdgTarget, "4.4")]
        db.session.add(commitment)
        for days_before, percent in ((30, 20), (2, 40)):
            db.session.add(
                ProgressUpdate(
                    commitment=commitment,
                    reported_at=CUTOFF - timedelta(days=days_before + 7),
                    recorded_at=CUTOFF - timedelta(days=days_before),
                    status=ProgressStatus.on_track,
                    percent_complete=percent,
                )
            )
    db.session.flush()
    expected = {}
    for cutoff in (CUTOFF - timedelta(days=10), CUTOFF):
        snapshot = snapshot_services.take_snapshot(cutoff, title=f"Summit {cutoff:%d}")
        snapshot.digest_version = 1
        snapshot.content_sha256 = snapshot_services.content_digest(snapshot)
        snapshot.status, snapshot.published_at = SnapshotStatus.published, CUTOFF
        expected[snapshot.id] = _frozen_beside(snapshot)
    db.session.commit()
    return expected


def _frozen_beside(snapshot: Snapshot) -> dict:
    def rows(statement):
        return sorted(tuple(row) for row in db.session.execute(statement))

    entry, aggregate, label = SnapshotEntry, SnapshotAggregate, SnapshotLabel
    return {
        "entries": rows(
            sa.select(
                entry.commitment_id,
                entry.signatory_name,
                entry.signatory_slug,
                entry.programme_code,
                entry.last_recorded_at,
            ).where(entry.snapshot_id == snapshot.id)
        ),
        "public figures": rows(
            sa.select(aggregate.breakdown, aggregate.key, aggregate.commitments).where(
                aggregate.snapshot_id == snapshot.id, aggregate.public.is_(True)
            )
        ),
        "labels": rows(
            sa.select(label.breakdown, label.key, label.label_en, label.label_fr).where(
                label.snapshot_id == snapshot.id
            )
        ),
        "public entries": snapshot.public_entry_count,
    }


def test_existing_snapshots_are_backfilled_and_their_hashes_still_verify(migrations_app):
    upgrade()
    expected = _published_in_the_first_format()
    db.session.remove()
    downgrade(revision=_before_snapshot_freezing())
    upgrade()

    for snapshot_id, frozen in expected.items():
        snapshot = db.session.get(Snapshot, snapshot_id)
        assert snapshot.digest_version == 1 and snapshot_services.verify(snapshot)
        assert snapshot.public_sha256 == snapshot_services.content_digest(snapshot, public=True)
        assert _frozen_beside(snapshot) == frozen
        assert frozen["public entries"] == 1 and len(frozen["labels"]) >= 4
    # Each as of its own cutoff: the update recorded between the two is in the later only.
    recorded = [{row[4] for row in frozen["entries"]} for frozen in expected.values()]
    assert recorded == [{CUTOFF - timedelta(days=30)}, {CUTOFF - timedelta(days=2)}]
    with current_app.test_request_context():
        exported = "".join(
            exports.csv_chunks(exports.entries_query(snapshot, {}, public=True))
        ).splitlines()
    assert len(exported) == 2 and "Coop Lyon" in exported[1]


#: The head of the last release that landed before issue 13's migrations.
PREVIOUS_RELEASE = "c5101052c530"


def _row_counts(tables) -> dict[str, int]:
    with db.engine.connect() as connection:
        count = sa.select(sa.func.count())
        return {
            name: connection.execute(count.select_from(sa.table(name))).scalar()
            for name in sorted(tables)
        }


def _hashed_as_the_previous_release_did() -> None:
    """The previous release hashed published snapshots in the first format."""
    for snapshot in db.session.scalars(sa.select(Snapshot)):
        snapshot.digest_version = 1
        snapshot.content_sha256 = snapshot_services.content_digest(snapshot)
    db.session.commit()
    db.session.remove()


def test_a_demo_coalition_at_the_previous_release_upgrades_keeping_every_row(migrations_app):
    """A database of the previous release, full of a realistic coalition, upgrades to main
    with every row kept and its published snapshots still verifying."""
    upgrade()
    runner = migrations_app.test_cli_runner()
    assert runner.invoke(args=["pact", "init"]).exit_code == 0
    loaded = runner.invoke(args=["pact", "demo", "--scale", "small", "--seed", "5"])
    assert loaded.exit_code == 0, loaded.output
    _hashed_as_the_previous_release_did()
    downgrade(revision=PREVIOUS_RELEASE)
    old_tables = _tables()
    before = _row_counts(old_tables)
    assert before["commitment"] > 0 and before["snapshot_entry"] > 0

    upgrade()

    after = _row_counts(old_tables)
    # The upgrade adds each snapshot's public figures beside the figures it had.
    assert after.pop("snapshot_aggregate") == 2 * before.pop("snapshot_aggregate")
    assert after == before
    assert db.session.scalar(sa.select(sa.func.count()).where(Snapshot.event_id.is_(None))) == 0
    published = db.session.scalars(
        sa.select(Snapshot).where(Snapshot.status == SnapshotStatus.published)
    ).all()
    assert published
    for snapshot in published:
        assert snapshot_services.verify(snapshot)
        assert snapshot.public_entry_count == db.session.scalar(
            sa.select(sa.func.count()).where(
                SnapshotEntry.snapshot_id == snapshot.id, SnapshotEntry.is_published.is_(True)
            )
        )
