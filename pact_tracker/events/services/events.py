"""Event series (RFC 5545 recurrence rules), their occurrences, cutoffs and reminder waves.

Times are stored in UTC; the series' timezone gives the local wall-clock time
the rule speaks of (a summit "every June 10th at 09:00 in Paris" stays at
09:00 Paris time across daylight saving). So is every span an event is
planned in (cutoff days before the start, waves days before the cutoff, a
move): counted in the event's timezone, so that a 09:00 Paris cutoff stays
09:00 Paris on the other side of a clock change. Moving an event records
``event.moved``, whose signal moves its pending reminder waves after the
commit (:func:`move_waves`); cancelling it cancels them.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from dateutil.rrule import rrulestr

from pact_tracker.campaigns.models import Campaign, CampaignStatus
from pact_tracker.coalition.models import User
from pact_tracker.core import activity
from pact_tracker.core.errors import InvalidInput, InvalidTransition
from pact_tracker.core.types import utcnow
from pact_tracker.events.models import (
    DEFAULT_CUTOFF_DAYS,
    DEFAULT_WAVE_DAYS,
    Event,
    EventSeries,
    EventStatus,
    ReminderWave,
    WaveStatus,
)
from pact_tracker.extensions import db

NAME_LENGTH = 200
#: How many occurrences a series may create at once.
MAX_OCCURRENCES = 50


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:180] or "event"


def local_shift(instant: datetime, delta: timedelta, timezone: str) -> datetime:
    """``instant`` moved by ``delta`` of wall-clock time in ``timezone`` (UTC in, UTC out).

    Adding days in UTC would keep the hour in UTC, and the local hour would
    move by one across a daylight-saving change.
    """
    zone = ZoneInfo(timezone)
    local = instant.astimezone(zone).replace(tzinfo=None) + delta
    return local.replace(tzinfo=zone).astimezone(UTC)


def local_span(earlier: datetime, later: datetime, timezone: str) -> timedelta:
    """Wall-clock time in ``timezone`` from ``earlier`` to ``later``."""
    zone = ZoneInfo(timezone)
    return later.astimezone(zone).replace(tzinfo=None) - earlier.astimezone(zone).replace(
        tzinfo=None
    )


def _wave_send_at(event: Event, days: int) -> datetime:
    return local_shift(event.cutoff_at, -timedelta(days=days), event.timezone)


def _unique_slug(model, base: str) -> str:
    slug, number = base, 1
    while db.session.scalar(sa.select(model.id).where(model.slug == slug)) is not None:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _zone(name: str, errors: dict[str, list[str]]) -> ZoneInfo | None:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        errors["timezone"] = ["not a known timezone, e.g. Europe/Paris"]
        return None


def _aware(value: Any, field: str, errors: dict[str, list[str]]) -> datetime | None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        errors[field] = ["a date and time with its timezone"]
        return None
    if not 2000 <= value.year <= 2200:
        errors[field] = ["out of range"]
        return None
    return value.astimezone(UTC)


def _name(data: dict[str, Any], errors: dict[str, list[str]]) -> str:
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors["name"] = ["required"]
    elif len(name) > NAME_LENGTH:
        errors["name"] = [f"at most {NAME_LENGTH} characters"]
    return name


def _wave_days(value: Any, errors: dict[str, list[str]]) -> tuple[int, ...]:
    if value is None:
        return DEFAULT_WAVE_DAYS
    try:
        days = tuple(sorted({int(d) for d in value}, reverse=True))
    except (TypeError, ValueError):
        errors["wave_days"] = ["whole numbers of days before the cutoff"]
        return ()
    if any(not 0 <= d <= 365 for d in days) or len(days) > 10:
        errors["wave_days"] = ["at most ten waves, each 0 to 365 days before the cutoff"]
    return days


# Series.


def _clean_series(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = _name(data, errors)
    zone = _zone(data.get("timezone", "UTC"), errors)
    first = _aware(data.get("first_starts_at"), "first_starts_at", errors)
    rule = str(data.get("rrule") or "").strip().removeprefix("RRULE:")
    if not rule:
        errors["rrule"] = ["required, e.g. FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10"]
    elif zone is not None and first is not None:
        try:
            rrulestr(rule, dtstart=first.astimezone(zone).replace(tzinfo=None))
        except (ValueError, TypeError) as error:
            errors["rrule"] = [f"not a valid RFC 5545 rule: {error}"]
    hours = data.get("duration_hours", 8)
    if not isinstance(hours, int) or not 1 <= hours <= 24 * 14:
        errors["duration_hours"] = ["a number of hours from 1 to 336"]
    if errors:
        raise InvalidInput("The series has errors: nothing was saved.", errors=errors)
    return {
        "name": name,
        "description": str(data.get("description") or ""),
        "rrule": rule,
        "timezone": zone.key,
        "first_starts_at": first,
        "duration_hours": hours,
        "place": str(data.get("place") or "")[:200],
    }


def create_series(data: dict[str, Any], actor: User | None) -> EventSeries:
    """A series from ``name``, ``rrule``, ``timezone``, ``first_starts_at`` (aware), ``place``..."""
    cleaned = _clean_series(data)
    series = EventSeries(slug=_unique_slug(EventSeries, slugify(cleaned["name"])), **cleaned)
    db.session.add(series)
    db.session.flush()
    activity.record("event_series.created", series, actor=actor)
    return series


def update_series(series: EventSeries, data: dict[str, Any], actor: User | None) -> EventSeries:
    """Change what is given; events already created keep their dates (move them one by one)."""
    fields = ("name", "description", "rrule", "timezone", "first_starts_at", "duration_hours")
    current = {field: getattr(series, field) for field in (*fields, "place")}
    cleaned = _clean_series({**current, **data})
    for field, value in cleaned.items():
        setattr(series, field, value)
    db.session.flush()
    activity.record("event_series.edited", series, actor=actor)
    return series


def occurrences(series: EventSeries, *, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` starts of ``series`` after ``after`` (UTC), in local wall-clock time."""
    zone = ZoneInfo(series.timezone)
    local_first = series.first_starts_at.astimezone(zone).replace(tzinfo=None)
    rule = rrulestr(series.rrule, dtstart=local_first)
    local_after = after.astimezone(zone).replace(tzinfo=None)
    starts = []
    current = rule.after(local_after, inc=False)
    while current is not None and len(starts) < count:
        starts.append(current.replace(tzinfo=zone).astimezone(UTC))
        current = rule.after(current, inc=False)
    return starts


def schedule_occurrences(
    series: EventSeries,
    *,
    count: int,
    actor: User | None,
    after: datetime | None = None,
    publish_snapshot_at_start: bool = False,
) -> list[Event]:
    """Create the next ``count`` events of the series that do not exist yet.

    :param publish_snapshot_at_start: each event's snapshot is published when it starts.
    """
    if not 1 <= count <= MAX_OCCURRENCES:
        raise InvalidInput(
            f"Between 1 and {MAX_OCCURRENCES} occurrences at a time.",
            errors={"count": ["out of range"]},
        )
    existing = set(
        db.session.scalars(sa.select(Event.starts_at).where(Event.series_id == series.id))
    )
    created = []
    start_after = after or (series.first_starts_at - timedelta(seconds=1))
    for starts_at in occurrences(series, after=start_after, count=count):
        if starts_at in existing:
            continue
        local = starts_at.astimezone(ZoneInfo(series.timezone))
        created.append(
            create_event(
                {
                    "name": f"{series.name} {local:%Y}",
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(hours=series.duration_hours),
                    "timezone": series.timezone,
                    "place": series.place,
                    "publish_snapshot_at_start": publish_snapshot_at_start,
                },
                actor,
                series=series,
            )
        )
    return created


# Events.


def _clean_event(data: dict[str, Any], event: Event | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "name" in data or event is None:
        cleaned["name"] = _name(data, errors)
    if "timezone" in data or event is None:
        zone = _zone(data.get("timezone", "UTC"), errors)
        cleaned["timezone"] = zone.key if zone else None
    for field in ("starts_at", "ends_at", "cutoff_at"):
        if data.get(field) is not None:
            cleaned[field] = _aware(data[field], field, errors)
        elif event is None and field == "starts_at":
            errors[field] = ["required"]
    if "place" in data:
        cleaned["place"] = str(data.get("place") or "")[:200]
    if "wave_days" in data or event is None:
        cleaned["wave_days"] = _wave_days(data.get("wave_days"), errors)
    if "publish_snapshot_at_start" in data or event is None:
        cleaned["publish_snapshot_at_start"] = bool(data.get("publish_snapshot_at_start"))
    starts = cleaned.get("starts_at") or (event.starts_at if event else None)
    ends = cleaned.get("ends_at") or (
        event.ends_at if event and "starts_at" not in cleaned else None
    )
    if starts and ends and ends < starts:
        errors["ends_at"] = ["before the start"]
    cutoff = cleaned.get("cutoff_at")
    if starts and cutoff and cutoff > starts:
        errors["cutoff_at"] = ["after the start: progress is measured before the event"]
    if errors:
        raise InvalidInput("The event has errors: nothing was saved.", errors=errors)
    return cleaned


def create_event(
    data: dict[str, Any], actor: User | None, *, series: EventSeries | None = None
) -> Event:
    """An event; its cutoff defaults to 14 days before it starts, its waves to 42, 21, 7 days.

    ``publish_snapshot_at_start``: the worker publishes its snapshot when it starts.
    """
    cleaned = _clean_event(data, None)
    starts_at, zone = cleaned["starts_at"], cleaned["timezone"]
    event = Event(
        series_id=series.id if series else None,
        name=cleaned["name"],
        slug=_unique_slug(Event, slugify(cleaned["name"])),
        starts_at=starts_at,
        ends_at=cleaned.get("ends_at") or starts_at + timedelta(hours=8),
        timezone=zone,
        place=cleaned.get("place", ""),
        cutoff_at=cleaned.get("cutoff_at")
        or local_shift(starts_at, -timedelta(days=DEFAULT_CUTOFF_DAYS), zone),
        publish_snapshot_at_start=cleaned["publish_snapshot_at_start"],
    )
    db.session.add(event)
    db.session.flush()
    for days in cleaned["wave_days"]:
        event.waves.append(
            ReminderWave(days_before_cutoff=days, send_at=_wave_send_at(event, days))
        )
    db.session.flush()
    activity.record("event.created", event, actor=actor)
    return event


def update_event(event: Event, data: dict[str, Any], actor: User | None) -> Event:
    """Change what is given; moving the start moves the cutoff with it unless one is given."""
    if event.status == EventStatus.cancelled:
        raise InvalidTransition("A cancelled event can no longer be changed.")
    cleaned = _clean_event(data, event)
    old_start, old_cutoff, old_zone = event.starts_at, event.cutoff_at, event.timezone
    for field in ("name", "timezone", "place", "publish_snapshot_at_start"):
        if cleaned.get(field) is not None:
            setattr(event, field, cleaned[field])
    if cleaned.get("starts_at") is not None:
        # The end and the cutoff keep their wall-clock distance from the start, in its zone.
        zone = event.timezone
        to_end = local_span(old_start, event.ends_at, old_zone)
        to_cutoff = local_span(old_cutoff, old_start, old_zone)
        event.starts_at = cleaned["starts_at"]
        event.ends_at = cleaned.get("ends_at") or local_shift(event.starts_at, to_end, zone)
        event.cutoff_at = cleaned.get("cutoff_at") or local_shift(event.starts_at, -to_cutoff, zone)
    elif cleaned.get("ends_at") is not None:
        event.ends_at = cleaned["ends_at"]
    if cleaned.get("cutoff_at") is not None:
        event.cutoff_at = cleaned["cutoff_at"]
    if "wave_days" in cleaned:
        _set_wave_days(event, cleaned["wave_days"])
    db.session.flush()
    if (event.starts_at, event.cutoff_at) != (old_start, old_cutoff):
        activity.record(
            "event.moved",
            event,
            actor=actor,
            payload={
                "from": old_start.isoformat(),
                "to": event.starts_at.isoformat(),
                "cutoff": event.cutoff_at.isoformat(),
            },
        )
    else:
        activity.record("event.edited", event, actor=actor)
    return event


def _set_wave_days(event: Event, days: tuple[int, ...]) -> None:
    """Add and drop pending waves to match ``days``; planned ones are history."""
    by_days = {wave.days_before_cutoff: wave for wave in event.waves}
    for wave_days, wave in by_days.items():
        if wave_days not in days and wave.status == WaveStatus.pending:
            event.waves.remove(wave)
    for wave_days in days:
        if wave_days not in by_days:
            event.waves.append(
                ReminderWave(days_before_cutoff=wave_days, send_at=_wave_send_at(event, wave_days))
            )


def move_waves(event: Event) -> int:
    """Put the pending waves of ``event`` back in step with its cutoff; return how many moved.

    Run by the ``event_moved`` signal after the commit that moved the event.
    """
    moved = 0
    for wave in event.waves:
        if wave.status != WaveStatus.pending:
            continue
        send_at = _wave_send_at(event, wave.days_before_cutoff)
        if wave.send_at != send_at:
            wave.send_at = send_at
            moved += 1
    db.session.flush()
    return moved


def cancel_event(event: Event, actor: User | None) -> Event:
    """Cancel it, its pending waves, and the campaigns of its waves not started yet."""
    if event.status == EventStatus.cancelled:
        raise InvalidTransition("This event is already cancelled.")
    event.status = EventStatus.cancelled
    for wave in event.waves:
        if wave.status == WaveStatus.pending:
            wave.status = WaveStatus.cancelled
        elif wave.campaign_id is not None:
            campaign = db.session.get(Campaign, wave.campaign_id)
            if campaign is not None and campaign.status in (
                CampaignStatus.draft,
                CampaignStatus.scheduled,
            ):
                from pact_tracker.campaigns.services.campaigns import cancel_campaign

                cancel_campaign(campaign, actor)
    db.session.flush()
    activity.record("event.cancelled", event, actor=actor)
    return event


def upcoming_events(now: datetime | None = None) -> sa.Select:
    return (
        sa.select(Event)
        .where(Event.ends_at >= (now or utcnow()))
        .order_by(Event.starts_at, Event.id)
    )


def _check_coming(event: Event | None, field: str = "event_id") -> Event:
    """``event``, if a commitment may be held for it: scheduled and still to come."""
    if event is None or event.status != EventStatus.scheduled or event.starts_at <= utcnow():
        raise InvalidInput("Choose an event still to come.", errors={field: ["not a coming event"]})
    return event


def hold_for_event(commitment, event: Event | None, actor: User | None):
    """Hold an approved commitment back until ``event`` starts (an embargo), then publish it.

    The worker publishes it when the event starts (``tasks.publish_embargoed``);
    until then only its signatory, organisers and the secretariat see it.
    """
    from pact_tracker.commitments.models import CommitmentStatus

    if commitment.status != CommitmentStatus.approved:
        raise InvalidTransition("Only an approved commitment can be held for an event.")
    _check_coming(event)
    commitment.embargo_event_id = event.id
    commitment.published_at = None
    db.session.flush()
    activity.record(
        "commitment.held",
        commitment,
        actor=actor,
        signatory_id=commitment.signatory_id,
        payload={"event_id": event.id},
    )
    return commitment


def approve_and_hold(
    commitment, event: Event | None, actor: User | None, comment: str = "", *, field="event_id"
):
    """Approve a submitted commitment and hold it for ``event`` in one step: never public before.

    The event is checked first, so that a refused hold approves nothing either.

    :param field: the input field that named the event, where a refusal is shown.
    """
    from pact_tracker.commitments.services import approve_commitment

    _check_coming(event, field)
    approve_commitment(commitment, actor, comment, publish=False)
    return hold_for_event(commitment, event, actor)


def release_hold(commitment, actor: User | None):
    """Stop holding a commitment back: it is public from now on."""
    from pact_tracker.commitments.services import publish_commitment

    if commitment.embargo_event_id is None:
        raise InvalidTransition("This commitment is not held for an event.")
    event_id = commitment.embargo_event_id
    commitment.embargo_event_id = None
    publish_commitment(commitment, actor)
    activity.record(
        "commitment.released",
        commitment,
        actor=actor,
        signatory_id=commitment.signatory_id,
        payload={"event_id": event_id},
    )
    return commitment
