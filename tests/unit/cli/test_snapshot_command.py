"""``flask pact snapshot`` and ``flask pact event``: take, publish, list, verify; clear refusals."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from pact_tracker.coalition.models import Role
from pact_tracker.commitments.models import CommitmentStatus, ProgressStatus, ProgressUpdate
from pact_tracker.core.activity import Activity
from pact_tracker.events.models import (
    Event,
    EventSeries,
    Snapshot,
    SnapshotEntry,
    SnapshotStatus,
)
from pact_tracker.events.services import events as event_services

APPROVED = datetime(2026, 1, 10, tzinfo=UTC)


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def coalition(db, make_commitment, make_user):
    """Two approved commitments, one reported in February; a series with a past event."""
    commitments = [
        make_commitment(
            status=CommitmentStatus.approved,
            created_at=datetime(2025, 12, 1, tzinfo=UTC),
            approved_at=APPROVED,
            published_at=APPROVED,
            start_date=date(2026, 1, 1),
            title=f"Commitment {n}",
        )
        for n in range(2)
    ]
    db.session.add(
        ProgressUpdate(
            commitment=commitments[0],
            reported_at=datetime(2026, 2, 1, tzinfo=UTC),
            recorded_at=datetime(2026, 2, 1, tzinfo=UTC),
            status=ProgressStatus.on_track,
            percent_complete=30,
        )
    )
    series = event_services.create_series(
        {
            "name": "Spring summit",
            "rrule": "FREQ=YEARLY",
            "timezone": "Europe/Paris",
            "first_starts_at": datetime(2026, 4, 1, 9, 0, tzinfo=UTC),
        },
        None,
    )
    [event] = event_services.schedule_occurrences(series, count=1, actor=None)
    organiser = make_user(role=Role.organiser, name="Olly Organiser")
    member = make_user(name="Mia Member")
    db.session.commit()
    return {"commitments": commitments, "event": event, "organiser": organiser, "member": member}


def test_take_publish_list_and_verify(db, pact, coalition):
    event = coalition["event"]
    taken = pact(
        "snapshot", "take", "--cutoff", "2026-03-01T00:00+01:00", "--title", "Spring",
        "--event", event.slug, "--as", coalition["organiser"].email,
    )  # fmt: skip
    assert taken.exit_code == 0, taken.output
    snapshot = db.session.scalar(sa.select(Snapshot))
    assert f"Snapshot {snapshot.id} taken as of 2026-02-28 23:00 UTC: 2 commitments" in taken.output
    assert snapshot.event_id == event.id and snapshot.status == SnapshotStatus.draft
    assert snapshot.taken_by_id == coalition["organiser"].id
    percents = set(
        db.session.scalars(
            sa.select(SnapshotEntry.percent_complete).where(
                SnapshotEntry.snapshot_id == snapshot.id
            )
        )
    )
    assert percents == {30, None}

    listed = pact("snapshot", "list")
    assert listed.exit_code == 0
    assert f"{snapshot.id:>6}  draft" in listed.output and event.slug in listed.output
    assert "Spring" in listed.output
    assert pact("snapshot", "list", "--status", "published").output.strip() == (
        "No published snapshot."
    )

    unpublished = pact("snapshot", "verify", str(snapshot.id))
    assert unpublished.exit_code == 1 and "is a draft" in unpublished.output

    published = pact("snapshot", "publish", str(snapshot.id))
    assert published.exit_code == 0, published.output
    db.session.expire_all()
    snapshot = db.session.get(Snapshot, snapshot.id)
    assert snapshot.status == SnapshotStatus.published
    assert snapshot.content_sha256 in published.output

    verified = pact("snapshot", "verify", str(snapshot.id))
    assert verified.exit_code == 0
    assert (
        f"Snapshot {snapshot.id} verified: SHA-256 {snapshot.content_sha256} "
        f"(of its public part: {snapshot.public_sha256})."
    ) in verified.output
    events = pact("event", "list")
    assert f"#{snapshot.id} published" in events.output and event.slug in events.output


def test_verify_notices_a_tampered_snapshot(db, pact, coalition):
    assert pact("snapshot", "take", "--cutoff", "2026-03-01T00:00Z", "--title", "T").exit_code == 0
    snapshot = db.session.scalar(sa.select(Snapshot))
    assert pact("snapshot", "publish", str(snapshot.id)).exit_code == 0
    db.session.execute(
        sa.update(SnapshotEntry)
        .where(SnapshotEntry.snapshot_id == snapshot.id, SnapshotEntry.percent_complete == 30)
        .values(percent_complete=95)
    )
    db.session.commit()
    tampered = pact("snapshot", "verify", str(snapshot.id))
    assert tampered.exit_code == 1
    assert "does NOT match its published hash" in tampered.output


def test_a_published_snapshot_cannot_be_published_or_taken_again(db, pact, coalition):
    slug = coalition["event"].slug
    args = ("snapshot", "take", "--cutoff", "2026-03-01T00:00Z", "--title", "T", "--event", slug)
    assert pact(*args).exit_code == 0
    snapshot = db.session.scalar(sa.select(Snapshot))
    assert pact("snapshot", "publish", str(snapshot.id)).exit_code == 0
    digest = db.session.get(Snapshot, snapshot.id).content_sha256
    again = pact("snapshot", "publish", str(snapshot.id))
    assert again.exit_code == 1 and "already published" in again.output
    retake = pact(*args)
    assert retake.exit_code == 1 and "can no longer change" in retake.output
    db.session.expire_all()
    assert db.session.get(Snapshot, snapshot.id).content_sha256 == digest
    assert _count(db, Snapshot) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cutoff", "yesterday", "--title", "T"), "is not an ISO 8601 date and time"),
        (("--cutoff", "2026-03-01T00:00", "--title", "T"), "has no offset"),
        (("--cutoff", "2099-01-01T00:00Z", "--title", "T"), "an instant still to come"),
        (("--cutoff", "2026-03-01T00:00Z", "--title", "   "), "between 1 and 200 characters"),
        (("--cutoff", "2026-03-01T00:00Z", "--title", "T", "--event", "nope"), "No event has"),
        (("--cutoff", "2026-03-01T00:00Z", "--title", "T", "--as", "x@y.org"), "no user has"),
        (("--title", "T"), "Missing option '--cutoff'"),
    ],
)
def test_take_refuses_clearly_and_writes_nothing(db, pact, coalition, args, message):
    activities = _count(db, Activity)
    result = pact("snapshot", "take", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert _count(db, Snapshot) == 0 and _count(db, SnapshotEntry) == 0
    assert _count(db, Activity) == activities


def test_a_member_may_not_act(db, pact, coalition):
    result = pact(
        "snapshot", "take", "--cutoff", "2026-03-01T00:00Z", "--title", "T",
        "--as", coalition["member"].email,
    )  # fmt: skip
    assert result.exit_code == 1 and "may not manage snapshots" in result.output
    assert _count(db, Snapshot) == 0


def test_unknown_ids_are_errors(db, pact, coalition):
    for command in ("publish", "verify"):
        result = pact("snapshot", command, "424242")
        assert result.exit_code == 1
        assert "No snapshot has the id 424242." in result.output


def test_list_without_snapshots(db, pact):
    assert pact("snapshot", "list").output.strip() == "No snapshot."
    assert pact("event", "list").output.strip() == "No event."


def test_create_a_series_with_its_events(db, pact):
    result = pact(
        "event", "create-series", "--name", "Ocean summit",
        "--rrule", "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10", "--timezone", "Europe/Lisbon",
        "--first", "2027-06-10T09:00+01:00", "--occurrences", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Series" in result.output and "(ocean-summit) created." in result.output
    assert "ocean-summit-2027: 2027-06-10 08:00 UTC, cutoff 2027-05-27 08:00 UTC" in result.output
    assert _count(db, Event) == 2
    upcoming = pact("event", "list", "--upcoming")
    assert "ocean-summit-2028" in upcoming.output


def test_a_series_created_from_the_shell_can_publish_its_snapshots_at_the_start(db, pact):
    result = pact(
        "event", "create-series", "--name", "Ocean summit",
        "--rrule", "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10", "--timezone", "Europe/Lisbon",
        "--first", "2027-06-10T09:00+01:00", "--occurrences", "2", "--publish-at-start",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "cutoff 2027-05-27 08:00 UTC, snapshot published at the start" in result.output
    flags = db.session.scalars(sa.select(Event.publish_snapshot_at_start)).all()
    assert flags == [True, True]


def test_a_past_event_is_listed_as_held(db, pact):
    event_services.create_event(
        {"name": "Old forum", "starts_at": datetime(2024, 3, 5, 9, tzinfo=UTC)}, None
    )
    assert "held" in pact("event", "list").output.split("old-forum")[0]


def test_an_invalid_series_names_the_fields_and_writes_nothing(db, pact):
    result = pact(
        "event", "create-series", "--name", "Bad", "--rrule", "FREQ=YEARLY",
        "--timezone", "Mars/Olympus", "--first", "2027-06-10T09:00+01:00", "--occurrences", "2",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "timezone: not a known timezone" in result.output
    assert _count(db, EventSeries) == 0 and _count(db, Event) == 0
    naive = pact(
        "event", "create-series", "--name", "Naive", "--rrule", "FREQ=YEARLY",
        "--first", "2027-06-10T09:00",
    )  # fmt: skip
    assert naive.exit_code == 1 and "first_starts_at" in naive.output


def test_the_cutoff_counts_only_what_was_known(db, pact, coalition):
    """Taken before the February update, the snapshot has no progress at all."""
    result = pact("snapshot", "take", "--cutoff", "2026-01-20T00:00Z", "--title", "January")
    assert result.exit_code == 0
    snapshot = db.session.scalar(sa.select(Snapshot))
    assert snapshot.entry_count == 2
    reported = db.session.scalar(
        sa.select(sa.func.count()).where(
            SnapshotEntry.snapshot_id == snapshot.id, SnapshotEntry.update_id.is_not(None)
        )
    )
    assert reported == 0
    assert snapshot.cutoff_at == datetime(2026, 1, 20, tzinfo=UTC)
    assert snapshot.cutoff_at - APPROVED == timedelta(days=10)
