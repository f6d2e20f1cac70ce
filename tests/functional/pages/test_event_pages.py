"""Event pages: the public list, an event's page and the iCalendar feeds; managing series and
events (create, move, cancel) through the forms; holding a commitment until an event."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import url_for
from form_data import event_form
from icalendar import Calendar

from pact_tracker.campaigns.services import campaigns as campaign_services
from pact_tracker.coalition.models import Role
from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.core.types import utcnow
from pact_tracker.events.models import Event, EventSeries, EventStatus, WaveStatus
from pact_tracker.events.services import events as services
from pact_tracker.events.services import snapshots as snapshot_services

DAY = timedelta(days=1)
PARIS = ZoneInfo("Europe/Paris")
TOKYO = ZoneInfo("Asia/Tokyo")


def text_of(response) -> str:
    return response.get_data(as_text=True)


def section(html: str, marker: str) -> str:
    """The HTML of the ``<section>`` whose opening tag carries ``marker``."""
    assert marker in html, f"{marker!r} not in the page"
    return html.split(marker, 1)[1].split("</section>", 1)[0]


def field_errors(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-errors">(.*?)</div>\s*</div>', html, re.S)
    assert match, f"no errors shown next to {field_id}"
    return match.group(1)


@pytest.fixture
def organiser(make_user):
    return make_user(role=Role.organiser, name="Orla Organiser")


@pytest.fixture
def as_organiser(sign_in, organiser):
    return sign_in(organiser)


@pytest.fixture
def as_secretariat(sign_in, secretariat):
    return sign_in(secretariat)


@pytest.fixture
def summit(db, secretariat):
    """A coming event in Tokyo (local 10:00 is 01:00 UTC) with the default cutoff and waves."""
    return services.create_event(
        {
            "name": "Ocean Summit 2031",
            "starts_at": datetime(2031, 6, 10, 10, 0, tzinfo=TOKYO),
            "timezone": "Asia/Tokyo",
            "place": "Tokyo Big Sight",
        },
        secretariat,
    )


@pytest.fixture
def past_forum(db, secretariat):
    return services.create_event(
        {
            "name": "Lisbon Forum 2024",
            "starts_at": datetime(2024, 3, 5, 9, 0, tzinfo=UTC),
            "timezone": "Europe/Lisbon",
            "place": "Lisbon",
        },
        secretariat,
    )


# Public pages.


def test_events_list_shows_coming_and_past_events_in_their_own_timezone(client, summit, past_forum):
    response = client.get("/events")
    assert response.status_code == 200
    html = text_of(response)
    upcoming = section(html, "data-upcoming")
    past = section(html, "data-past")
    assert "Ocean Summit 2031" in upcoming and "Lisbon Forum 2024" not in upcoming
    assert "Lisbon Forum 2024" in past and "Ocean Summit 2031" not in past
    row = upcoming.split('data-event="ocean-summit-2031"', 1)[1].split("</tr>", 1)[0]
    # Tokyo wall-clock time, not UTC (01:00), with the zone named.
    assert re.search(r"Jun 10, 2031, 10:00:00\sAM \(Asia/Tokyo\)", row)
    assert "Tokyo Big Sight" in row
    assert re.search(r"May 27, 2031, 10:00:00\sAM \(Asia/Tokyo\)", row)  # the cutoff
    assert 'href="/events/ocean-summit-2031"' in row
    assert 'href="/events.ics"' in html
    assert "Manage events" not in html


def test_dates_follow_the_page_language(client, summit):
    html = text_of(client.get("/events/ocean-summit-2031", headers={"Accept-Language": "fr"}))
    assert re.search(r"data-starts>mardi 10 juin 2031.*10:00:00.*\(Asia/Tokyo\)", html)


def test_events_are_in_the_public_navigation(client):
    html = text_of(client.get("/events"))
    assert re.search(
        r'<a class="nav-link active" aria-current="page" href="/events">Events</a>', html
    )


def test_event_page_shows_dates_place_and_cutoff_and_hides_waves_from_the_public(
    client, make_user, sign_in, summit
):
    html = text_of(client.get("/events/ocean-summit-2031"))
    assert "Ocean Summit 2031" in html
    assert re.search(r"data-starts>Tuesday, June 10, 2031.*10:00:00\sAM.*\(Asia/Tokyo\)", html)
    assert "data-place>Tokyo Big Sight<" in html
    assert re.search(r"data-cutoff>Tuesday, May 27, 2031", html)
    assert 'href="/events/ocean-summit-2031.ics"' in html
    assert "data-waves" not in html and "Reminder waves" not in html
    member_page = text_of(sign_in(make_user()).get("/events/ocean-summit-2031"))
    assert "data-waves" not in member_page
    assert client.get("/events/no-such-event").status_code == 404


def test_organisers_see_the_reminder_waves_on_the_event_page(as_organiser, summit):
    html = text_of(as_organiser.get("/events/ocean-summit-2031"))
    waves = section(html, "data-waves")
    assert [int(d) for d in re.findall(r'data-wave="(\d+)"', waves)] == [42, 21, 7]
    assert re.search(r"42 days before the cutoff: Apr 15, 2031, 10:00:00\sAM .*Pending", waves)
    assert f'href="/manage/events/{summit.id}"' in html


def test_event_page_links_to_its_published_snapshot(app, client, secretariat, past_forum):
    assert "data-snapshot-link" not in text_of(client.get("/events/lisbon-forum-2024"))
    snapshot = snapshot_services.take_snapshot(
        past_forum.cutoff_at, title=past_forum.name, event=past_forum
    )
    assert "data-snapshot-link" not in text_of(client.get("/events/lisbon-forum-2024"))
    snapshot_services.publish_snapshot(snapshot, secretariat)
    html = text_of(client.get("/events/lisbon-forum-2024"))
    with app.test_request_context():
        href = url_for("events.snapshot", snapshot_id=snapshot.id)
    assert f'href="{href}" data-snapshot-link' in html


def _parsed(response) -> Calendar:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def test_calendar_feed_lists_every_event_in_utc_and_marks_cancelled_ones(
    client, secretariat, summit, past_forum
):
    services.cancel_event(past_forum, secretariat)
    calendar = _parsed(client.get("/events.ics"))
    assert str(calendar["VERSION"]) == "2.0"
    entries = {str(entry["SUMMARY"]): entry for entry in calendar.walk("VEVENT")}
    assert set(entries) == {"Ocean Summit 2031", "Lisbon Forum 2024"}
    ocean = entries["Ocean Summit 2031"]
    assert ocean.decoded("DTSTART") == datetime(2031, 6, 10, 1, 0, tzinfo=UTC)
    assert ocean.decoded("DTEND") == datetime(2031, 6, 10, 9, 0, tzinfo=UTC)
    assert ocean.decoded("DTSTART").utcoffset() == timedelta(0)
    assert "DTSTART:20310610T010000Z" in response_text(client.get("/events.ics"))
    assert str(ocean["LOCATION"]) == "Tokyo Big Sight"
    assert str(ocean["URL"]).endswith("/events/ocean-summit-2031")
    assert str(ocean["STATUS"]) == "CONFIRMED"
    assert str(entries["Lisbon Forum 2024"]["STATUS"]) == "CANCELLED"
    assert "VALARM" not in response_text(client.get("/events.ics"))
    again = {
        str(e["SUMMARY"]): str(e["UID"]) for e in _parsed(client.get("/events.ics")).walk("VEVENT")
    }
    assert again["Ocean Summit 2031"] == str(ocean["UID"]) == f"event-{summit.id}@127.0.0.1"
    assert again["Lisbon Forum 2024"] != again["Ocean Summit 2031"]


def response_text(response) -> str:
    return response.get_data(as_text=True)


def test_one_event_as_an_icalendar_file_keeps_its_uid_when_it_moves(client, secretariat, summit):
    response = client.get("/events/ocean-summit-2031.ics")
    assert 'filename="ocean-summit-2031.ics"' in response.headers["Content-Disposition"]
    [entry] = _parsed(response).walk("VEVENT")
    uid = str(entry["UID"])
    services.update_event(summit, {"starts_at": datetime(2031, 6, 12, 10, tzinfo=TOKYO)}, None)
    [moved] = _parsed(client.get("/events/ocean-summit-2031.ics")).walk("VEVENT")
    assert str(moved["UID"]) == uid
    assert moved.decoded("DTSTART") == datetime(2031, 6, 12, 1, 0, tzinfo=UTC)
    assert client.get("/events/no-such-event.ics").status_code == 404


# Managing series.


def test_people_who_may_not_manage_events_are_refused(client, sign_in, make_user, summit):
    response = client.get("/manage/events")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    member = sign_in(make_user())
    assert member.get("/manage/events").status_code == 403
    assert (
        member.post(f"/manage/events/{summit.id}/cancel", data={"confirm": "y"}).status_code == 403
    )
    assert summit.status == EventStatus.scheduled


def test_organiser_creates_a_series_then_its_next_occurrences_in_local_time(db, as_organiser):
    page = text_of(as_organiser.get("/manage/events/series/new"))
    assert '<label class="form-label" for="rrule">' in page
    response = as_organiser.post(
        "/manage/events/series/new",
        data={
            "name": "Winter Forum",
            "rrule": "FREQ=MONTHLY;INTERVAL=3",
            "timezone": "Europe/Paris",
            "first_starts_at": "2030-01-15T10:00",
            "duration_hours": "6",
            "place": "Strasbourg",
        },
    )
    assert response.status_code == 302
    series = db.session.scalar(sa.select(EventSeries).where(EventSeries.name == "Winter Forum"))
    assert series.first_starts_at == datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    assert response.headers["Location"].endswith(f"/manage/events/series/{series.id}")
    page = text_of(as_organiser.get(response.headers["Location"]))
    assert "The series “Winter Forum” was created." in page

    response = as_organiser.post(
        f"/manage/events/series/{series.id}/occurrences", data={"count": "3"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    starts = [e.starts_at for e in series.events]
    # 10:00 in Paris each time: 09:00 UTC in winter, 08:00 UTC in summer time.
    assert [s.astimezone(PARIS).hour for s in starts] == [10, 10, 10]
    assert [s.isoformat() for s in starts] == [
        "2030-01-15T09:00:00+00:00",
        "2030-04-15T08:00:00+00:00",
        "2030-07-15T08:00:00+00:00",
    ]
    assert all(e.ends_at - e.starts_at == timedelta(hours=6) for e in series.events)
    page = text_of(as_organiser.get(f"/manage/events/series/{series.id}"))
    assert "3 events were created." in page
    assert re.search(
        r"Apr 15, 2030, 10:00:00\sAM \(Europe/Paris\)", section(page, "data-series-events")
    )
    # Again: the three after the last one.
    as_organiser.post(f"/manage/events/series/{series.id}/occurrences", data={"count": "1"})
    db.session.expire_all()
    assert series.events[-1].starts_at == datetime(2030, 10, 15, 8, 0, tzinfo=UTC)


def test_series_errors_are_shown_next_to_their_fields_and_nothing_is_saved(db, as_organiser):
    response = as_organiser.post(
        "/manage/events/series/new",
        data={
            "name": "Broken",
            "rrule": "FREQ=SOMETIMES",
            "timezone": "Mars/Olympus",
            "first_starts_at": "2030-01-15T10:00",
            "duration_hours": "6",
        },
    )
    assert response.status_code == 422
    html = text_of(response)
    assert "not a known timezone" in field_errors(html, "timezone")
    assert "The series has errors: nothing was saved." in html
    response = as_organiser.post(
        "/manage/events/series/new",
        data={
            "name": "Broken",
            "rrule": "FREQ=SOMETIMES",
            "timezone": "Europe/Paris",
            "first_starts_at": "2030-01-15T10:00",
            "duration_hours": "6",
        },
    )
    assert response.status_code == 422
    assert "not a valid RFC 5545 rule" in field_errors(text_of(response), "rrule")
    response = as_organiser.post("/manage/events/series/new", data={"name": ""})
    assert response.status_code == 422
    assert field_errors(text_of(response), "first_starts_at")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventSeries)) == 0


def test_editing_a_series_keeps_its_events_dates(db, as_secretariat, secretariat):
    series = services.create_series(
        {
            "name": "Annual Summit",
            "rrule": "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10",
            "timezone": "Europe/Paris",
            "first_starts_at": datetime(2030, 6, 10, 9, 0, tzinfo=PARIS),
        },
        secretariat,
    )
    [event] = services.schedule_occurrences(series, count=1, actor=None)
    page = text_of(as_secretariat.get(f"/manage/events/series/{series.id}"))
    assert 'value="2030-06-10T09:00"' in page
    response = as_secretariat.post(
        f"/manage/events/series/{series.id}/edit",
        data={
            "name": "Annual Summit",
            "rrule": "FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1",
            "timezone": "Europe/Paris",
            "first_starts_at": "2030-09-01T14:00",
            "duration_hours": "8",
            "place": "Marseille",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert series.rrule == "FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1"
    assert series.place == "Marseille"
    assert series.first_starts_at == datetime(2030, 9, 1, 12, 0, tzinfo=UTC)
    assert event.starts_at == datetime(2030, 6, 10, 7, 0, tzinfo=UTC)
    response = as_secretariat.post(
        f"/manage/events/series/{series.id}/edit",
        data={
            "name": "Annual Summit",
            "rrule": "BYDAY=XX",
            "timezone": "Europe/Paris",
            "first_starts_at": "2030-09-01T14:00",
            "duration_hours": "8",
        },
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert series.rrule == "FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1"


# Managing events.


def test_creating_an_event_defaults_its_cutoff_and_waves(db, as_organiser):
    page = text_of(as_organiser.get("/manage/events/new"))
    assert 'value="42, 21, 7"' in page
    assert "Empty: 14 days before the start." in page
    response = as_organiser.post("/manage/events/new", data=event_form(wave_days="30, 10"))
    assert response.status_code == 302
    event = db.session.scalar(sa.select(Event).where(Event.name == "Nairobi Dialogue"))
    assert event.starts_at == datetime(2031, 2, 20, 6, 0, tzinfo=UTC)  # UTC+3
    assert event.ends_at == datetime(2031, 2, 21, 14, 0, tzinfo=UTC)
    assert event.cutoff_at == event.starts_at - 14 * DAY
    assert [w.days_before_cutoff for w in event.waves] == [30, 10]
    html = text_of(as_organiser.get(response.headers["Location"]))
    assert "The event “Nairobi Dialogue” was created." in html
    assert re.search(
        r"data-cutoff>Thursday, February 6, 2031.*9:00:00\sAM.*\(Africa/Nairobi\)", html
    )
    assert 'value="2031-02-06T09:00"' in html  # the cutoff, shown in the form


def test_event_errors_are_shown_next_to_their_fields_with_422(db, as_organiser):
    response = as_organiser.post(
        "/manage/events/new",
        data=event_form(cutoff_at="2031-03-01T09:00", wave_days="42, soon"),
    )
    assert response.status_code == 422
    html = text_of(response)
    assert "after the start" in field_errors(html, "cutoff_at")
    assert "whole numbers" in field_errors(html, "wave_days")
    response = as_organiser.post("/manage/events/new", data=event_form(starts_at="tomorrow"))
    assert response.status_code == 422
    assert field_errors(text_of(response), "starts_at")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_moving_an_event_moves_its_cutoff_and_pending_waves(db, as_organiser, summit):
    summit.waves[0].status = WaveStatus.planned  # already sent: history stays
    first_sent = summit.waves[0].send_at
    page = text_of(as_organiser.get(f"/manage/events/{summit.id}"))
    form = _fields_of(page)
    assert form["starts_at"] == "2031-06-10T10:00" and form["cutoff_at"] == "2031-05-27T10:00"
    response = as_organiser.post(
        f"/manage/events/{summit.id}/edit", data={**form, "starts_at": "2031-06-17T10:00"}
    )
    assert response.status_code == 302
    html = text_of(as_organiser.get(response.headers["Location"]))
    assert re.search(
        r"The event was moved: it starts Jun 17, 2031, 10:00:00\sAM \(Asia/Tokyo\)", html
    )
    assert re.search(r"Its cutoff followed, to Jun 3, 2031, 10:00:00\sAM \(Asia/Tokyo\)", html)
    db.session.expire_all()
    assert summit.starts_at == datetime(2031, 6, 17, 1, tzinfo=UTC)
    assert summit.ends_at == datetime(2031, 6, 17, 9, tzinfo=UTC)
    assert summit.cutoff_at == summit.starts_at - 14 * DAY
    assert [w.send_at for w in summit.waves] == [
        first_sent,
        summit.cutoff_at - 21 * DAY,
        summit.cutoff_at - 7 * DAY,
    ]
    waves = section(html, "data-waves")
    assert re.search(r'data-wave="7".*?May 27, 2031, 10:00:00\sAM', waves, re.S)


def test_editing_without_moving_changes_only_what_was_changed(db, as_organiser, summit):
    cutoff = summit.cutoff_at
    form = _fields_of(text_of(as_organiser.get(f"/manage/events/{summit.id}")))
    response = as_organiser.post(
        f"/manage/events/{summit.id}/edit",
        data={**form, "place": "Yokohama", "wave_days": "42, 21, 7, 1"},
    )
    assert response.status_code == 302
    assert "The event was saved." in text_of(as_organiser.get(response.headers["Location"]))
    db.session.expire_all()
    assert summit.place == "Yokohama" and summit.cutoff_at == cutoff
    assert [w.days_before_cutoff for w in summit.waves] == [42, 21, 7, 1]
    response = as_organiser.post(
        f"/manage/events/{summit.id}/edit", data={**form, "ends_at": "2031-06-09T10:00"}
    )
    assert response.status_code == 422
    assert "before the start" in field_errors(text_of(response), "ends_at")


def test_cancelling_needs_confirmation_and_stops_the_pending_waves(db, as_organiser, summit):
    response = as_organiser.post(f"/manage/events/{summit.id}/cancel", data={})
    assert response.status_code == 422
    assert "Tick the box" in text_of(response)
    db.session.expire_all()
    assert summit.status == EventStatus.scheduled
    response = as_organiser.post(f"/manage/events/{summit.id}/cancel", data={"confirm": "y"})
    assert response.status_code == 302
    html = text_of(as_organiser.get(response.headers["Location"]))
    assert "The event “Ocean Summit 2031” was cancelled." in html
    assert "can no longer be changed" in html and "data-cancel-form" not in html
    db.session.expire_all()
    assert summit.status == EventStatus.cancelled
    assert {w.status for w in summit.waves} == {WaveStatus.cancelled}
    again = as_organiser.post(f"/manage/events/{summit.id}/cancel", data={"confirm": "y"})
    assert again.status_code == 409
    assert "already cancelled" in text_of(again)
    edit = as_organiser.post(f"/manage/events/{summit.id}/edit", data=event_form())
    assert edit.status_code == 409
    assert "A cancelled event can no longer be changed." in text_of(edit)


def test_the_manage_list_shows_series_and_events(as_secretariat, summit, past_forum):
    html = text_of(as_secretariat.get("/manage/events"))
    # The secretariat has its back-office tabs, with Events current.
    assert re.search(
        r'class="nav-link active" href="/manage/events"\s+aria-current="page">Events<', html
    )
    events = section(html, "data-event-list")
    assert events.index("Ocean Summit 2031") < events.index("Lisbon Forum 2024")
    assert f'href="/manage/events/{summit.id}"' in events
    assert "No series yet." in section(html, "data-series-list")


def test_organisers_have_the_pages_without_the_secretariat_tabs(as_organiser):
    html = text_of(as_organiser.get("/manage/events"))
    assert "Manage events" in html and 'href="/admin/campaigns"' not in html


def test_a_planned_wave_links_to_its_campaign_for_the_secretariat(
    db, as_secretariat, as_organiser, secretariat, summit
):
    campaign = campaign_services.create_campaign(
        {"name": "Wave", "contents": {"en": {"subject": "Report", "body": "Hello"}}}, secretariat
    )
    wave = summit.waves[1]
    wave.status, wave.campaign_id = WaveStatus.planned, campaign.id
    html = text_of(as_secretariat.get(f"/manage/events/{summit.id}"))
    row = html.split('data-wave="21"', 1)[1].split("</tr>", 1)[0]
    assert "Planned (campaign created)" in row
    assert f'href="/admin/campaigns/{campaign.id}"' in row
    organiser_row = (
        text_of(as_organiser.get(f"/manage/events/{summit.id}"))
        .split('data-wave="21"', 1)[1]
        .split("</tr>", 1)[0]
    )
    assert f"Campaign #{campaign.id}" in organiser_row and "href" not in organiser_row


def _fields_of(html: str) -> dict:
    """The values of the event form's text inputs and the CSRF token (from the edit form)."""
    form = html.split("data-event-form", 1)[1].split("</form>", 1)[0]
    values = dict(re.findall(r'<input[^>]*?name="([a-z_]+)"[^>]*?value="([^"]*)"', form))
    for name in re.findall(r'<input[^>]*?name="([a-z_]+)"', form):
        values.setdefault(name, "")
    return values


# Holding a commitment until an event.


def test_secretariat_holds_an_approved_commitment_until_a_coming_event(
    db, as_secretariat, make_commitment, summit, past_forum
):
    commitment = make_commitment(status=CommitmentStatus.approved)
    page = text_of(as_secretariat.get(f"/admin/commitments/{commitment.id}"))
    hold = section(page, 'aria-labelledby="hold-heading"')
    assert "Lisbon Forum 2024" not in hold
    assert re.search(r"Ocean Summit 2031, Jun 10, 2031, 10:00:00\sAM \(Asia/Tokyo\)", hold)
    response = as_secretariat.post(
        f"/admin/commitments/{commitment.id}/hold", data={"event_id": str(past_forum.id)}
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert commitment.embargo_event_id is None and commitment.published_at is not None
    response = as_secretariat.post(
        f"/admin/commitments/{commitment.id}/hold", data={"event_id": str(summit.id)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert commitment.embargo_event_id == summit.id and commitment.published_at is None
    page = text_of(as_secretariat.get(response.headers["Location"]))
    assert "The commitment is held back" in page
    assert "Held back until Ocean Summit 2031 starts" in page


def test_only_approved_commitments_can_be_held(
    db, as_secretariat, as_organiser, make_commitment, summit
):
    draft = make_commitment(status=CommitmentStatus.submitted)
    assert "hold-heading" not in text_of(as_secretariat.get(f"/admin/commitments/{draft.id}"))
    response = as_secretariat.post(
        f"/admin/commitments/{draft.id}/hold", data={"event_id": str(summit.id)}
    )
    assert response.status_code == 422
    assert "Only an approved commitment can be held for an event." in text_of(response)
    approved = make_commitment(status=CommitmentStatus.approved)
    refused = as_organiser.post(
        f"/admin/commitments/{approved.id}/hold", data={"event_id": str(summit.id)}
    )
    assert refused.status_code == 403
    db.session.expire_all()
    assert draft.embargo_event_id is None and approved.embargo_event_id is None
    assert utcnow() < summit.starts_at


def test_the_reviewer_approves_and_holds_a_commitment_for_an_event_in_one_step(
    db, client, as_secretariat, make_commitment, summit, past_forum
):
    commitment = make_commitment(status=CommitmentStatus.submitted)
    page = text_of(as_secretariat.get(f"/admin/commitments/{commitment.id}"))
    review = section(page, 'aria-labelledby="review-heading"')
    assert "On approval" in review and "Public at once" in review
    assert re.search(r"Held until Ocean Summit 2031, Jun 10, 2031, 10:00:00\sAM", review)
    assert "Lisbon Forum 2024" not in review
    response = as_secretariat.post(
        f"/admin/commitments/{commitment.id}/review",
        data={"action": "approve", "comment": "", "hold_event_id": str(summit.id)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert commitment.status == CommitmentStatus.approved
    assert commitment.embargo_event_id == summit.id and commitment.published_at is None
    assert client.get(f"/commitments/{commitment.id}").status_code == 404
    page = text_of(as_secretariat.get(response.headers["Location"]))
    assert "The commitment was approved and is held" in page
    assert "Held back until Ocean Summit 2031 starts" in page
    # Editable afterwards: no hold any more, public from now on.
    hold = section(page, 'aria-labelledby="hold-heading"')
    assert "No hold: public now" in hold
    response = as_secretariat.post(
        f"/admin/commitments/{commitment.id}/hold", data={"event_id": "0"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert commitment.embargo_event_id is None and commitment.published_at is not None
    assert client.get(f"/commitments/{commitment.id}").status_code == 200
    assert "The commitment is no longer held" in text_of(
        as_secretariat.get(f"/admin/commitments/{commitment.id}")
    )


def test_approving_with_a_hold_for_a_past_event_is_refused_and_approves_nothing(
    db, as_secretariat, make_commitment, past_forum
):
    commitment = make_commitment(status=CommitmentStatus.submitted)
    response = as_secretariat.post(
        f"/admin/commitments/{commitment.id}/review",
        data={"action": "approve", "comment": "", "hold_event_id": str(past_forum.id)},
    )
    assert response.status_code == 422
    assert "not a coming event" in field_errors(text_of(response), "hold_event_id")
    db.session.expire_all()
    assert commitment.status == CommitmentStatus.submitted and commitment.published_at is None


def test_an_ended_event_shows_as_held_not_scheduled_in_english_and_french(
    client, summit, past_forum
):
    past = section(text_of(client.get("/events")), "data-past")
    assert 'data-event-status="held">Held<' in past and "Scheduled" not in past
    upcoming = section(text_of(client.get("/events")), "data-upcoming")
    assert 'data-event-status="scheduled">Scheduled<' in upcoming
    french = text_of(client.get("/events/lisbon-forum-2024", headers={"Accept-Language": "fr"}))
    assert 'data-event-status="held">Tenu<' in french
    assert client.get(f"/api/v1/events/{past_forum.id}").get_json()["status"] == "held"
    assert client.get(f"/api/v1/events/{summit.id}").get_json()["status"] == "scheduled"


def test_an_organiser_plans_an_event_whose_snapshot_publishes_at_its_start(db, as_organiser):
    page = text_of(as_organiser.get("/manage/events/new"))
    assert "Publish its snapshot when the event starts" in page
    response = as_organiser.post(
        "/manage/events/new", data=event_form(publish_snapshot_at_start="y")
    )
    assert response.status_code == 302
    event = db.session.scalar(sa.select(Event).where(Event.name == "Nairobi Dialogue"))
    assert event.publish_snapshot_at_start is True
    html = text_of(as_organiser.get(response.headers["Location"]))
    assert 'data-publish-at-start="yes">Published when the event starts.' in html
    # Saving the form unticked turns it off; the public page says when it publishes.
    assert "data-publish-at-start" in text_of(as_organiser.get(f"/events/{event.slug}"))
    response = as_organiser.post(f"/manage/events/{event.id}/edit", data=event_form())
    assert response.status_code == 302
    db.session.expire_all()
    assert event.publish_snapshot_at_start is False
