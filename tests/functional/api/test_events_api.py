"""Event series, events and snapshots through the API: content, refusals and immutability.

A refused request rolls its transaction back, and with it whatever the test had
only flushed, so fixtures are committed (a savepoint, still undone after the
test) before requests.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from pact_tracker.coalition.models import Role
from pact_tracker.commitments.models import (
    CommitmentStatus,
    ProgressStatus,
    ProgressUpdate,
    Visibility,
)
from pact_tracker.events.models import (
    Event,
    EventSeries,
    Snapshot,
    SnapshotEntry,
    SnapshotStatus,
    WaveStatus,
)
from pact_tracker.events.services import events as event_services
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.reference.models import SdgTarget

T1 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T2 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
APPROVED = datetime(2026, 1, 10, tzinfo=UTC)
DAY = timedelta(days=1)


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def world(db, make_signatory, make_user, make_commitment, make_programme, token_for):
    """Three commitments (one private), two published snapshots of a series and a draft."""
    lyon = make_signatory(name="Coop Lyon")
    dakar = make_signatory(
        name="Dakar Association", country_code="SN", organisation_type_code="association"
    )
    programme, other_programme = make_programme(), make_programme()

    def approved(signatory, programme, title, **fields):
        return make_commitment(
            signatory=signatory,
            programme=programme,
            title=title,
            status=fields.pop("status", CommitmentStatus.approved),
            created_at=datetime(2025, 12, 1, tzinfo=UTC),
            approved_at=fields.pop("approved_at", APPROVED),
            published_at=fields.pop("published_at", APPROVED),
            start_date=date(2026, 1, 1),
            cadence_months=3,
            **fields,
        )

    early = approved(lyon, programme, "Train 200 young people")
    private = approved(
        dakar, other_programme, "Private plan", visibility=Visibility.private, published_at=None
    )
    late = approved(dakar, programme, "Plant 1,000 trees", approved_at=T1 + 10 * DAY)
    late.targets.append(db.session.get(SdgTarget, "15.2"))
    for commitment, at, percent in (
        (early, T1 - 5 * DAY, 20),
        (early, T2 - 5 * DAY, 60),
        (private, T1 - 3 * DAY, 10),
        (late, T2 - 2 * DAY, 30),
    ):
        db.session.add(
            ProgressUpdate(
                commitment=commitment,
                reported_at=at,
                recorded_at=at,
                status=ProgressStatus.on_track,
                percent_complete=percent,
            )
        )
    db.session.flush()
    secretariat = make_user(role=Role.secretariat, name="Sam Secretariat")
    series = event_services.create_series(
        {
            "name": "Half-yearly summit",
            "rrule": "FREQ=MONTHLY;INTERVAL=6",
            "timezone": "Europe/Paris",
            "first_starts_at": T1 + 14 * DAY,
            "place": "Paris",
        },
        None,
    )
    first, second, coming = event_services.schedule_occurrences(series, count=3, actor=None)
    one = snapshot_services.take_snapshot(first.cutoff_at, title="March", event=first)
    snapshot_services.publish_snapshot(one, secretariat)
    two = snapshot_services.take_snapshot(second.cutoff_at, title="September", event=second)
    snapshot_services.publish_snapshot(two, secretariat)
    draft = snapshot_services.take_snapshot(T2 + 20 * DAY, title="Draft by hand")
    people = {
        "member": make_user(signatory=lyon, name="Mia Member"),
        "organiser": make_user(role=Role.organiser, name="Olly Organiser"),
        "secretariat": secretariat,
    }
    headers = {key: token_for(user) for key, user in people.items()}
    db.session.commit()
    return {
        "series": series,
        "events": (first, second, coming),
        "one": one,
        "two": two,
        "draft": draft,
        "early": early,
        "private": private,
        "late": late,
        "programme": programme,
        "headers": headers,
    }


# Reading.


def test_series_and_events_are_public_with_their_waves(client, world):
    response = client.get("/api/v1/event-series")
    assert response.status_code == 200
    [series] = response.json
    assert series["slug"] == "half-yearly-summit"
    assert series["rrule"] == "FREQ=MONTHLY;INTERVAL=6" and series["timezone"] == "Europe/Paris"
    assert client.get(f"/api/v1/event-series/{series['id']}").json["place"] == "Paris"

    events = client.get("/api/v1/events").json
    assert [e["id"] for e in events] == [e.id for e in world["events"]]
    coming = events[2]
    assert [w["days_before_cutoff"] for w in coming["waves"]] == [42, 21, 7]
    starts = datetime.fromisoformat(coming["starts_at"])
    cutoff = datetime.fromisoformat(coming["cutoff_at"])
    assert starts - cutoff == timedelta(days=14)
    assert datetime.fromisoformat(coming["waves"][0]["send_at"]) == cutoff - timedelta(days=42)


def test_events_filter_upcoming_past_and_series(client, world, make_user, db):
    first, second, coming = world["events"]
    upcoming = client.get("/api/v1/events?when=upcoming").json
    assert [e["id"] for e in upcoming] == [coming.id]
    past = client.get("/api/v1/events?when=past").json
    assert [e["id"] for e in past] == [second.id, first.id]
    by_slug = client.get("/api/v1/events?series=half-yearly-summit").json
    assert len(by_slug) == 3
    assert client.get("/api/v1/events?series=nothing-like-it").json == []
    assert client.get(f"/api/v1/events?series_id={world['series'].id}&when=past").json[0]["id"] == (
        second.id
    )
    assert client.get("/api/v1/events?when=someday").status_code == 422


def test_public_lists_published_snapshots_and_organisers_see_drafts(client, world):
    public = client.get("/api/v1/snapshots").json
    assert [s["title"] for s in public] == ["September", "March"]
    assert all(s["content_sha256"] and len(s["content_sha256"]) == 64 for s in public)
    member = client.get("/api/v1/snapshots", headers=world["headers"]["member"]).json
    assert len(member) == 2
    organiser = client.get("/api/v1/snapshots", headers=world["headers"]["organiser"]).json
    assert [s["title"] for s in organiser] == ["Draft by hand", "September", "March"]
    drafts = client.get("/api/v1/snapshots?status=draft", headers=world["headers"]["organiser"])
    assert [s["status"] for s in drafts.json] == ["draft"]
    assert client.get("/api/v1/snapshots?status=draft").json == []
    event = world["events"][1]
    assert [s["title"] for s in client.get(f"/api/v1/snapshots?event_id={event.id}").json] == [
        "September"
    ]


def test_a_draft_is_404_to_the_public_and_members(client, world):
    draft = world["draft"].id
    for headers in ({}, world["headers"]["member"]):
        for path in ("", "/entries", f"/comparison?with={world['one'].id}"):
            response = client.get(f"/api/v1/snapshots/{draft}{path}", headers=headers)
            assert response.status_code == 404, path
            assert response.json["message"] == f"No snapshot {draft}."
    response = client.get(f"/api/v1/snapshots/{draft}", headers=world["headers"]["organiser"])
    assert response.status_code == 200 and response.json["status"] == "draft"
    assert client.get("/api/v1/snapshots/99999999999").status_code == 404


def test_a_snapshot_comes_with_its_aggregates(client, world):
    body = client.get(
        f"/api/v1/snapshots/{world['two'].id}", headers=world["headers"]["organiser"]
    ).json
    assert body["entry_count"] == 3
    by_key = {(a["breakdown"], a["key"]): a for a in body["aggregates"]}
    overall = by_key[("overall", "all")]
    assert overall["commitments"] == 3 and overall["reported"] == 3
    # 60 (early), 10 (private, as of March), 30 (late).
    assert overall["percent_sum"] == 100 and overall["average_percent"] == pytest.approx(100 / 3)
    assert by_key[("country", "SN")]["commitments"] == 2
    assert by_key[("goal", "15")]["commitments"] == 1
    assert by_key[("programme", str(world["programme"].id))]["commitments"] == 2


def test_the_public_gets_the_aggregates_and_hash_of_the_public_part_only(client, world):
    body = client.get(f"/api/v1/snapshots/{world['two'].id}").json
    public_entries = client.get(f"/api/v1/snapshots/{world['two'].id}/entries").json
    assert body["entry_count"] == len(public_entries) == 2
    by_key = {(a["breakdown"], a["key"]): a for a in body["aggregates"]}
    overall = by_key[("overall", "all")]
    # 60 (early) and 30 (late): the private commitment is not counted.
    assert (overall["commitments"], overall["reported"], overall["percent_sum"]) == (2, 2, 90)
    assert by_key[("country", "SN")]["commitments"] == 1
    assert body["content_sha256"] == body["public_sha256"] == world["two"].public_sha256
    assert body["public_sha256"] != world["two"].content_sha256


def test_entries_hide_private_commitments_from_the_public_and_filter(client, world):
    path = f"/api/v1/snapshots/{world['two'].id}/entries"
    public = client.get(path).json
    assert {e["commitment_id"] for e in public} == {world["early"].id, world["late"].id}
    organiser = client.get(path, headers=world["headers"]["organiser"]).json
    assert len(organiser) == 3
    private = next(e for e in organiser if e["commitment_id"] == world["private"].id)
    assert private["is_published"] is False and private["percent_complete"] == 10
    early = next(e for e in public if e["commitment_id"] == world["early"].id)
    assert early["percent_complete"] == 60 and early["country_code"] == "FR"
    assert early["status"] == "approved" and early["progress_status"] == "on_track"

    def ids(query, headers=None):
        response = client.get(f"{path}?{query}", headers=headers or {})
        assert response.status_code == 200, response.json
        return {e["commitment_id"] for e in response.json}

    assert ids("goal=15") == {world["late"].id}
    assert ids("goal=4") == {world["early"].id, world["late"].id}
    assert ids("country=sn") == {world["late"].id}
    assert ids("country=SN", world["headers"]["organiser"]) == {
        world["late"].id,
        world["private"].id,
    }
    assert ids(f"programme_id={world['programme'].id}") == {world["early"].id, world["late"].id}
    assert ids("organisation_type=association") == {world["late"].id}
    assert ids("status=withdrawn") == set()
    assert client.get(f"{path}?status=lost").status_code == 422
    assert client.get(f"{path}?goal=18").status_code == 422
    paged = client.get(f"{path}?page_size=1&page=2", headers=world["headers"]["organiser"])
    assert len(paged.json) == 1
    assert '"total": 3' in paged.headers["X-Pagination"]


def test_comparison_with_the_previous_event_by_default(client, world):
    organiser = world["headers"]["organiser"]
    response = client.get(f"/api/v1/snapshots/{world['two'].id}/comparison", headers=organiser)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["before"]["title"] == "March" and body["after"]["title"] == "September"
    assert body["new"] == [world["late"].id]
    assert body["overall"]["before_commitments"] == 2 and body["overall"]["after_commitments"] == 3
    assert body["overall"]["before_average"] == pytest.approx(15)
    assert body["overall"]["gained"] == pytest.approx(100 / 3 - 15)
    assert {s["name"] for s in body["reported"]} == {"Coop Lyon", "Dakar Association"}
    assert body["gone_quiet"] == []
    explicit = client.get(
        f"/api/v1/snapshots/{world['two'].id}/comparison?with={world['one'].id}", headers=organiser
    )
    assert explicit.json == body
    # The public compares the public parts: the private commitment counts on neither side.
    public = client.get(f"/api/v1/snapshots/{world['two'].id}/comparison").json
    assert public["new"] == [world["late"].id]
    assert (public["overall"]["before_commitments"], public["overall"]["after_commitments"]) == (
        1,
        2,
    )
    assert public["overall"]["before_average"] == pytest.approx(20)
    assert public["overall"]["gained"] == pytest.approx(25)
    first = client.get(f"/api/v1/snapshots/{world['one'].id}/comparison")
    assert first.status_code == 404
    assert "?with=" in first.json["message"]


def test_comparison_hides_private_new_commitments_from_the_public(client, world, db):
    # Against the draft (taken after both), the private commitment is not new; compare
    # the draft with nothing published before the private one existed: use March vs draft.
    path = f"/api/v1/snapshots/{world['draft'].id}/comparison?with={world['one'].id}"
    assert client.get(path).status_code == 404
    organiser = client.get(path, headers=world["headers"]["organiser"]).json
    assert organiser["new"] == [world["late"].id]
    # From an empty hand-taken snapshot every commitment is new; the public sees the public.
    empty = snapshot_services.take_snapshot(APPROVED - DAY, title="Before anything")
    snapshot_services.publish_snapshot(empty, None)
    db.session.commit()
    path = f"/api/v1/snapshots/{world['two'].id}/comparison?with={empty.id}"
    assert client.get(path, headers=world["headers"]["organiser"]).json["new"] == sorted(
        [world["early"].id, world["private"].id, world["late"].id]
    )
    assert client.get(path).json["new"] == sorted([world["early"].id, world["late"].id])


# Refusals.


WRITES = [
    ("POST", "/api/v1/event-series", {"name": "X", "rrule": "FREQ=YEARLY",
                                      "first_starts_at": "2027-06-10T09:00:00+02:00"}),
    ("PATCH", "/api/v1/event-series/{series}", {"place": "Lyon"}),
    ("POST", "/api/v1/event-series/{series}/occurrences", {"count": 1}),
    ("POST", "/api/v1/events", {"name": "Extra", "starts_at": "2027-01-10T09:00:00+01:00"}),
    ("PATCH", "/api/v1/events/{coming}", {"place": "Lyon"}),
    ("POST", "/api/v1/events/{coming}/cancel", None),
    ("POST", "/api/v1/snapshots", {"cutoff_at": "2026-05-01T00:00:00Z", "title": "May"}),
    ("POST", "/api/v1/snapshots/{draft}/publish", None),
    ("DELETE", "/api/v1/snapshots/{draft}", None),
]  # fmt: skip


def _fill(world, path):
    return path.format(
        series=world["series"].id, coming=world["events"][2].id, draft=world["draft"].id
    )


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_writes_need_a_token_and_an_organiser(client, world, db, method, path, body):
    path = _fill(world, path)
    before = (_count(db, EventSeries), _count(db, Event), _count(db, Snapshot))
    anonymous = client.open(path, method=method, json=body)
    assert anonymous.status_code == 401
    member = client.open(path, method=method, json=body, headers=world["headers"]["member"])
    assert member.status_code == 403
    assert "organisers and the secretariat" in member.json["message"]
    assert (_count(db, EventSeries), _count(db, Event), _count(db, Snapshot)) == before
    allowed = client.open(path, method=method, json=body, headers=world["headers"]["organiser"])
    assert allowed.status_code in (200, 201, 204), allowed.json


def test_a_wrong_token_is_401_even_on_public_reads(client, world):
    for path in ("/api/v1/events", "/api/v1/snapshots", f"/api/v1/snapshots/{world['two'].id}"):
        response = client.get(path, headers={"Authorization": "Bearer not-a-token"})
        assert response.status_code == 401
        assert response.json["message"] == "Invalid, revoked or expired token."


# Writing.


def test_create_series_and_schedule_its_next_occurrences(client, world, db):
    headers = world["headers"]["organiser"]
    response = client.post(
        "/api/v1/event-series",
        json={
            "name": "Ocean summit",
            "rrule": "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10",
            "timezone": "Europe/Lisbon",
            "first_starts_at": "2027-06-10T09:00:00+01:00",
            "duration_hours": 10,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.json
    series_id = response.json["id"]
    assert response.json["first_starts_at"] == "2027-06-10T08:00:00+00:00"
    first = client.post(
        f"/api/v1/event-series/{series_id}/occurrences", json={"count": 2}, headers=headers
    )
    assert first.status_code == 201, first.json
    assert [e["name"] for e in first.json] == ["Ocean summit 2027", "Ocean summit 2028"]
    more = client.post(
        f"/api/v1/event-series/{series_id}/occurrences", json={"count": 1}, headers=headers
    )
    assert [e["name"] for e in more.json] == ["Ocean summit 2029"]
    # Ten hours, at 09:00 Lisbon time (summer: UTC+1).
    assert more.json[0]["starts_at"] == "2029-06-10T08:00:00+00:00"
    assert more.json[0]["ends_at"] == "2029-06-10T18:00:00+00:00"
    renamed = client.patch(
        f"/api/v1/event-series/{series_id}", json={"name": "  Our  Ocean "}, headers=headers
    )
    assert renamed.json["name"] == "Our Ocean"


def test_invalid_series_names_the_fields_and_saves_nothing(client, world, db):
    before = _count(db, EventSeries)
    response = client.post(
        "/api/v1/event-series",
        json={
            "name": "Bad",
            "rrule": "FREQ=SOMETIMES",
            "timezone": "Mars/Olympus",
            "first_starts_at": "2027-06-10T09:00:00+01:00",
        },
        headers=world["headers"]["organiser"],
    )
    assert response.status_code == 422
    assert "timezone" in response.json["errors"]["json"]
    naive = client.post(
        "/api/v1/event-series",
        json={"name": "Naive", "rrule": "FREQ=YEARLY", "first_starts_at": "2027-06-10T09:00:00"},
        headers=world["headers"]["organiser"],
    )
    assert naive.status_code == 422 and "first_starts_at" in naive.json["errors"]["json"]
    assert (
        client.post(
            f"/api/v1/event-series/{world['series'].id}/occurrences",
            json={"count": 51},
            headers=world["headers"]["organiser"],
        ).status_code
        == 422
    )
    assert _count(db, EventSeries) == before


def test_moving_an_event_moves_its_cutoff_and_waves(client, world, db):
    coming = world["events"][2]
    old_start, old_cutoff = coming.starts_at, coming.cutoff_at
    new_start = old_start + timedelta(days=10)
    response = client.patch(
        f"/api/v1/events/{coming.id}",
        json={"starts_at": new_start.isoformat()},
        headers=world["headers"]["secretariat"],
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert datetime.fromisoformat(body["cutoff_at"]) == old_cutoff + timedelta(days=10)
    for wave in body["waves"]:
        assert datetime.fromisoformat(wave["send_at"]) == datetime.fromisoformat(
            body["cutoff_at"]
        ) - timedelta(days=wave["days_before_cutoff"])
    db.session.expire_all()
    stored = db.session.get(Event, coming.id)
    assert stored.cutoff_at == old_cutoff + timedelta(days=10)
    assert [w.send_at for w in stored.waves] == [
        stored.cutoff_at - timedelta(days=d) for d in (42, 21, 7)
    ]
    late_cutoff = client.patch(
        f"/api/v1/events/{coming.id}",
        json={"cutoff_at": (new_start + DAY).isoformat()},
        headers=world["headers"]["secretariat"],
    )
    assert late_cutoff.status_code == 422 and "cutoff_at" in late_cutoff.json["errors"]["json"]


def test_create_an_event_in_a_series_and_cancel_it(client, world, db):
    headers = world["headers"]["organiser"]
    response = client.post(
        "/api/v1/events",
        json={
            "name": "Extra session",
            "starts_at": "2027-01-20T10:00:00+01:00",
            "series_id": world["series"].id,
            "wave_days": [10],
            "place": "Lyon",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.json
    event = response.json
    assert event["series_id"] == world["series"].id and event["slug"] == "extra-session"
    assert [w["days_before_cutoff"] for w in event["waves"]] == [10]
    cancelled = client.post(f"/api/v1/events/{event['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200
    assert cancelled.json["status"] == "cancelled"
    assert [w["status"] for w in cancelled.json["waves"]] == [str(WaveStatus.cancelled)]
    again = client.post(f"/api/v1/events/{event['id']}/cancel", headers=headers)
    assert again.status_code == 409
    edit = client.patch(f"/api/v1/events/{event['id']}", json={"place": "X"}, headers=headers)
    assert edit.status_code == 409
    unknown = client.post(
        "/api/v1/events",
        json={"name": "Nowhere", "starts_at": "2027-01-20T10:00:00+01:00", "series_id": 999999},
        headers=headers,
    )
    assert unknown.status_code == 422 and "series_id" in unknown.json["errors"]["json"]


def test_take_publish_and_verify_a_snapshot(client, world, db):
    headers = world["headers"]["organiser"]
    coming = world["events"][2]
    response = client.post(
        "/api/v1/snapshots",
        json={
            "cutoff_at": "2026-09-02T00:00:00+02:00",
            "title": " Early look ",
            "event_id": coming.id,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "draft" and body["title"] == "Early look"
    assert body["event_id"] == coming.id and body["entry_count"] == 3
    assert body["cutoff_at"] == "2026-09-01T22:00:00+00:00"
    assert {a["breakdown"] for a in body["aggregates"]} >= {"overall", "goal", "country"}
    # Taking the event's draft again replaces it.
    again = client.post(
        "/api/v1/snapshots",
        json={"cutoff_at": "2026-03-01T00:00:00Z", "title": "Earlier", "event_id": coming.id},
        headers=headers,
    )
    assert again.json["id"] == body["id"] and again.json["entry_count"] == 2
    published = client.post(f"/api/v1/snapshots/{body['id']}/publish", headers=headers)
    assert published.status_code == 200
    assert published.json["status"] == "published"
    db.session.expire_all()
    snapshot = db.session.get(Snapshot, body["id"])
    assert snapshot_services.verify(snapshot)
    assert published.json["content_sha256"] == snapshot.content_sha256


def test_a_published_snapshot_refuses_every_change_with_409(client, world, db):
    headers = world["headers"]["secretariat"]
    two = world["two"]
    digest = two.content_sha256
    assert client.post(f"/api/v1/snapshots/{two.id}/publish", headers=headers).status_code == 409
    deleted = client.delete(f"/api/v1/snapshots/{two.id}", headers=headers)
    assert deleted.status_code == 409
    assert deleted.json["message"] == "A published snapshot is kept for good."
    retake = client.post(
        "/api/v1/snapshots",
        json={"cutoff_at": "2026-09-02T00:00:00Z", "title": "Again", "event_id": two.event_id},
        headers=headers,
    )
    assert retake.status_code == 409
    db.session.expire_all()
    stored = db.session.get(Snapshot, two.id)
    assert stored.status == SnapshotStatus.published and stored.title == "September"
    assert stored.content_sha256 == digest and snapshot_services.verify(stored)


def test_delete_a_draft_and_refuse_the_future(client, world, db):
    headers = world["headers"]["organiser"]
    draft = world["draft"].id
    assert client.delete(f"/api/v1/snapshots/{draft}", headers=headers).status_code == 204
    assert db.session.get(Snapshot, draft) is None
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(SnapshotEntry.snapshot_id == draft)) == 0
    )
    assert client.delete(f"/api/v1/snapshots/{draft}", headers=headers).status_code == 404
    future = client.post(
        "/api/v1/snapshots",
        json={"cutoff_at": "2099-01-01T00:00:00Z", "title": "Tomorrow"},
        headers=headers,
    )
    assert future.status_code == 422 and "cutoff_at" in future.json["errors"]["json"]
    no_event = client.post(
        "/api/v1/snapshots",
        json={"cutoff_at": "2026-01-01T00:00:00Z", "title": "X", "event_id": 424242},
        headers=headers,
    )
    assert no_event.status_code == 422 and "event_id" in no_event.json["errors"]["json"]


def test_every_operation_documents_its_response_codes(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = {
        p: ops
        for p, ops in spec["paths"].items()
        if p.startswith(("/api/v1/event", "/api/v1/snap"))
    }
    assert len(paths) == 11
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)
            if method in ("post", "patch", "delete"):
                assert {"401", "403"} <= codes, (method, path)
                assert operation.get("security") == [{"bearerAuth": []}]


def test_an_event_planned_through_the_api_publishes_its_snapshot_at_its_start(client, world, db):
    headers = world["headers"]["organiser"]
    response = client.post(
        "/api/v1/events",
        json={
            "name": "Published at the start",
            "starts_at": "2031-03-30T09:00:00+02:00",
            "timezone": "Europe/Paris",
            "publish_snapshot_at_start": True,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["publish_snapshot_at_start"] is True and body["status"] == "scheduled"
    # The cutoff, 14 days before, is on the other side of the clock change: still 09:00 Paris.
    assert body["cutoff_at"] == "2031-03-16T08:00:00+00:00"
    turned_off = client.patch(
        f"/api/v1/events/{body['id']}", json={"publish_snapshot_at_start": False}, headers=headers
    )
    assert turned_off.json["publish_snapshot_at_start"] is False
    created = client.post(
        f"/api/v1/event-series/{world['series'].id}/occurrences",
        json={"count": 1, "publish_snapshot_at_start": True},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    assert [e["publish_snapshot_at_start"] for e in created.json] == [True]
