"""Forms of the event pages: series, their occurrences, events, cancelling, holding a commitment.

Date-times are typed as local wall-clock time in the series' or the event's
timezone (``datetime-local`` inputs); the forms turn them into aware
datetimes for the services, which check the rules (``services.events``).
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from pact_tracker.events.models import DEFAULT_CUTOFF_DAYS, DEFAULT_WAVE_DAYS

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]

#: By ``Event.state``: a scheduled event that has ended shows as held.
EVENT_STATUS_LABELS = {
    "scheduled": _l("Scheduled"),
    "held": _l("Held"),
    "cancelled": _l("Cancelled"),
}
WAVE_STATUS_LABELS = {
    "pending": _l("Pending"),
    "planned": _l("Planned (campaign created)"),
    "skipped": _l("Skipped (nobody was due)"),
    "cancelled": _l("Cancelled"),
}


def zone_of(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(str(name or ""))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def aware(local: datetime | None, timezone: str | None) -> datetime | None:
    """``local`` wall-clock time in ``timezone``; in UTC when the zone is unknown (the
    service then names the timezone as the error)."""
    if local is None:
        return None
    return local.replace(tzinfo=zone_of(timezone) or UTC)


def local_value(instant: datetime | None, timezone: str) -> datetime | None:
    """``instant`` as the naive wall-clock time a ``datetime-local`` input shows."""
    if instant is None:
        return None
    return instant.astimezone(ZoneInfo(timezone)).replace(tzinfo=None, second=0, microsecond=0)


def wave_days_text(days) -> str:
    return ", ".join(str(day) for day in days)


class SeriesForm(FlaskForm):
    """A recurring event: its rule, timezone, first start (local), length and place."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    rrule = StringField(
        _l("Recurrence rule (RFC 5545)"),
        validators=[InputRequired(), Length(max=500)],
        description=_l("For example FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10 for every June 10th."),
    )
    timezone = StringField(
        _l("Timezone"),
        default="Europe/Paris",
        validators=[InputRequired(), Length(max=64)],
        description=_l("An IANA name, e.g. Europe/Paris: the rule and the times are local there."),
    )
    first_starts_at = DateTimeLocalField(
        _l("First start (local time in the series' timezone)"),
        format=LOCAL_FORMATS,
        validators=[InputRequired()],
    )
    duration_hours = IntegerField(
        _l("Length of each event (hours)"),
        default=8,
        validators=[InputRequired(), NumberRange(min=1, max=336)],
    )
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])

    def data_for_service(self) -> dict:
        return {
            "name": self.name.data,
            "description": self.description.data or "",
            "rrule": self.rrule.data,
            "timezone": (self.timezone.data or "").strip(),
            "first_starts_at": aware(self.first_starts_at.data, self.timezone.data),
            "duration_hours": self.duration_hours.data,
            "place": self.place.data or "",
        }

    def fill_from(self, series) -> None:
        for name in ("name", "description", "rrule", "timezone", "duration_hours", "place"):
            getattr(self, name).data = getattr(series, name)
        self.first_starts_at.data = local_value(series.first_starts_at, series.timezone)


class OccurrencesForm(FlaskForm):
    """Create the series' next occurrences that do not exist yet."""

    count = IntegerField(
        _l("How many"), default=1, validators=[InputRequired(), NumberRange(min=1, max=50)]
    )
    publish_snapshot_at_start = BooleanField(_l("Publish each one's snapshot when it starts"))


class EventForm(FlaskForm):
    """An event: name, local start and end in its timezone, place, cutoff and reminder waves."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    timezone = StringField(
        _l("Timezone"),
        default="Europe/Paris",
        validators=[InputRequired(), Length(max=64)],
        description=_l("An IANA name, e.g. Europe/Paris: the dates below are local there."),
    )
    starts_at = DateTimeLocalField(
        _l("Starts (local time)"), format=LOCAL_FORMATS, validators=[InputRequired()]
    )
    ends_at = DateTimeLocalField(
        _l("Ends (local time)"),
        format=LOCAL_FORMATS,
        validators=[Optional()],
        description=_l("Empty: eight hours after the start."),
    )
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    cutoff_at = DateTimeLocalField(
        _l("Cutoff (local time)"),
        format=LOCAL_FORMATS,
        validators=[Optional()],
        description=_l(
            "Progress is measured as of this moment. Empty: %(days)d days before the start.",
            days=DEFAULT_CUTOFF_DAYS,
        ),
    )
    wave_days = StringField(
        _l("Reminder waves (days before the cutoff)"),
        default=wave_days_text(DEFAULT_WAVE_DAYS),
        validators=[Optional(), Length(max=100)],
        description=_l("A comma-separated list, e.g. 42, 21, 7. Empty: no reminders."),
    )
    publish_snapshot_at_start = BooleanField(
        _l("Publish its snapshot when the event starts"),
        description=_l(
            "The snapshot taken at the cutoff stays a draft until then, and is published "
            "at the start without anyone clicking Publish."
        ),
    )

    def _days(self) -> list[str]:
        return [part.strip() for part in (self.wave_days.data or "").split(",") if part.strip()]

    def data_for_service(self) -> dict:
        """Everything, for a new event."""
        zone = (self.timezone.data or "").strip()
        return {
            "name": self.name.data,
            "timezone": zone,
            "starts_at": aware(self.starts_at.data, zone),
            "ends_at": aware(self.ends_at.data, zone),
            "cutoff_at": aware(self.cutoff_at.data, zone),
            "place": self.place.data or "",
            "wave_days": self._days(),
            "publish_snapshot_at_start": bool(self.publish_snapshot_at_start.data),
        }

    def changes_for_service(self, event) -> dict:
        """Only what differs from ``event``: a moved start then takes its cutoff and end along."""
        data = self.data_for_service()
        changes = {
            key: data[key]
            for key in ("name", "place", "publish_snapshot_at_start")
            if data[key] != getattr(event, key)
        }
        moved_zone = data["timezone"] != event.timezone
        if moved_zone:
            changes["timezone"] = data["timezone"]
        for key in ("starts_at", "ends_at", "cutoff_at"):
            typed = getattr(self, key).data
            if moved_zone or typed != local_value(getattr(event, key), event.timezone):
                changes[key] = data[key]
        if data["wave_days"] != [str(wave.days_before_cutoff) for wave in event.waves]:
            changes["wave_days"] = data["wave_days"]
        return changes

    def fill_from(self, event) -> None:
        for name in ("name", "timezone", "place", "publish_snapshot_at_start"):
            getattr(self, name).data = getattr(event, name)
        for name in ("starts_at", "ends_at", "cutoff_at"):
            getattr(self, name).data = local_value(getattr(event, name), event.timezone)
        self.wave_days.data = wave_days_text(wave.days_before_cutoff for wave in event.waves)


class CancelEventForm(FlaskForm):
    """Cancel an event, once confirmed."""

    confirm = BooleanField(
        _l("Yes, cancel this event: its pending reminder waves and their campaigns stop.")
    )


#: The choice of the hold and review forms that holds nothing: public at once.
NO_HOLD = 0


class HoldForm(FlaskForm):
    """Hold an approved commitment back until a coming event, which publishes it; or release it
    (``NO_HOLD``, offered while it is held)."""

    event_id = SelectField(_l("Publish it when this event starts"), coerce=int)
