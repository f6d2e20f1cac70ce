"""Schemas of the events API: series, events and their waves, snapshots, entries, comparisons.

Input schemas check types and shapes; the services check the rules (a known
timezone, a valid recurrence rule, a cutoff before the start, no snapshot of
the future) and name the failing field.
"""

from datetime import UTC

from marshmallow import Schema, ValidationError, fields, post_load, validate

from pact_tracker.commitments.models import (
    AssessmentLevel,
    CommitmentStatus,
    ProgressStatus,
    ReportingState,
)
from pact_tracker.core.lookup import MAX_ID
from pact_tracker.events.models import EventState, SnapshotStatus, WaveStatus

_ID = validate.Range(min=1, max=MAX_ID)
#: PostgreSQL refuses NUL characters in text; refuse them here rather than fail there.
_NO_NUL = validate.ContainsNoneOf(["\x00"])
_NAME = [validate.Length(min=1, max=200), _NO_NUL]
_PLACE = [validate.Length(max=200), _NO_NUL]
_TIMEZONE = [validate.Length(min=1, max=64), _NO_NUL]
_AWARE = "ISO 8601 with an offset, e.g. 2027-06-10T09:00:00+02:00."


def _utc(data: dict, *names: str) -> dict:
    for name in names:
        if data.get(name) is not None:
            try:
                data[name] = data[name].astimezone(UTC)
            except OverflowError:
                # 0001-01-01T00:00+14:00 exists where it is written, but not in UTC.
                raise ValidationError("Out of the range of dates.", field_name=name) from None
    return data


# Series.


class EventSeriesSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    slug = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    rrule = fields.String(dump_only=True, metadata={"description": "RFC 5545 RRULE value."})
    timezone = fields.String(dump_only=True)
    first_starts_at = fields.AwareDateTime(dump_only=True)
    duration_hours = fields.Integer(dump_only=True)
    place = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class EventSeriesCreateSchema(Schema):
    name = fields.String(required=True, validate=_NAME)
    rrule = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=500), _NO_NUL],
        metadata={"description": "RFC 5545 RRULE value, e.g. FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10"},
    )
    timezone = fields.String(
        load_default="UTC", validate=_TIMEZONE, metadata={"description": "IANA timezone name."}
    )
    first_starts_at = fields.AwareDateTime(
        required=True, metadata={"description": "Start of the first occurrence. " + _AWARE}
    )
    duration_hours = fields.Integer(validate=validate.Range(min=1, max=336))
    place = fields.String(validate=_PLACE)
    description = fields.String(validate=[validate.Length(max=5000), _NO_NUL])


class EventSeriesUpdateSchema(Schema):
    """What may change on a series: its name, description, place and the length of new events.

    The rule and timezone stay: the events already scheduled were made from them.
    """

    name = fields.String(validate=_NAME)
    description = fields.String(validate=[validate.Length(max=5000), _NO_NUL])
    place = fields.String(validate=_PLACE)
    duration_hours = fields.Integer(validate=validate.Range(min=1, max=336))


class OccurrencesSchema(Schema):
    count = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=50),
        metadata={"description": "How many occurrences to add after the series' last event."},
    )
    publish_snapshot_at_start = fields.Boolean(
        load_default=False,
        metadata={"description": "Publish each new event's snapshot when it starts."},
    )


# Events.


class ReminderWaveSchema(Schema):
    id = fields.Integer()
    days_before_cutoff = fields.Integer()
    send_at = fields.AwareDateTime()
    status = fields.Enum(WaveStatus, by_value=True)
    campaign_id = fields.Integer(allow_none=True)


class EventSchema(Schema):
    id = fields.Integer(dump_only=True)
    series_id = fields.Integer(dump_only=True, allow_none=True)
    name = fields.String(dump_only=True)
    slug = fields.String(dump_only=True)
    starts_at = fields.AwareDateTime(dump_only=True)
    ends_at = fields.AwareDateTime(dump_only=True)
    timezone = fields.String(dump_only=True)
    place = fields.String(dump_only=True)
    cutoff_at = fields.AwareDateTime(
        dump_only=True, metadata={"description": "The instant progress is measured at."}
    )
    status = fields.Enum(
        EventState,
        by_value=True,
        dump_only=True,
        attribute="state",
        metadata={
            "description": "scheduled; held once it has ended; or cancelled (then it stays so)."
        },
    )
    publish_snapshot_at_start = fields.Boolean(
        dump_only=True,
        metadata={"description": "The worker publishes its snapshot when it starts."},
    )
    waves = fields.List(fields.Nested(ReminderWaveSchema), dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class EventUpdateSchema(Schema):
    """Moving ``starts_at`` moves the end, the cutoff and the pending reminder waves with it."""

    name = fields.String(validate=_NAME)
    starts_at = fields.AwareDateTime(metadata={"description": _AWARE})
    ends_at = fields.AwareDateTime(metadata={"description": _AWARE})
    cutoff_at = fields.AwareDateTime(
        metadata={"description": "Defaults to 14 days before the start. " + _AWARE}
    )
    timezone = fields.String(validate=_TIMEZONE)
    place = fields.String(validate=_PLACE)
    wave_days = fields.List(
        fields.Integer(validate=validate.Range(min=0, max=365)),
        validate=validate.Length(max=10),
        metadata={"description": "Days before the cutoff of each reminder wave (42, 21, 7)."},
    )
    publish_snapshot_at_start = fields.Boolean(
        metadata={
            "description": "Publish its snapshot when it starts (the worker does it, once; "
            "taken as of the cutoff first if it has not been). Default false."
        },
    )


class EventCreateSchema(EventUpdateSchema):
    name = fields.String(required=True, validate=_NAME)
    starts_at = fields.AwareDateTime(required=True, metadata={"description": _AWARE})
    series_id = fields.Integer(validate=_ID, metadata={"description": "The series it belongs to."})


class EventFilterSchema(Schema):
    when = fields.String(
        validate=validate.OneOf(["upcoming", "past"]),
        metadata={
            "description": "upcoming: not ended yet (soonest first); past: ended (latest first)."
        },  # fmt: skip
    )
    series_id = fields.Integer(validate=_ID)
    series = fields.String(
        validate=[validate.Length(max=200), _NO_NUL], metadata={"description": "Series slug."}
    )


# Snapshots.


class SnapshotSchema(Schema):
    id = fields.Integer(dump_only=True)
    event_id = fields.Integer(dump_only=True, allow_none=True)
    title = fields.String(dump_only=True)
    cutoff_at = fields.AwareDateTime(dump_only=True)
    status = fields.Enum(SnapshotStatus, by_value=True, dump_only=True)
    taken_at = fields.AwareDateTime(dump_only=True)
    published_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    content_sha256 = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "SHA-256 of the published content the caller sees: its public part "
            "for the public, all of it for organisers and the secretariat; null for a draft."
        },
    )
    public_sha256 = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "SHA-256 of the published public part; null for a draft."},
    )
    entry_count = fields.Integer(
        dump_only=True,
        metadata={"description": "Commitments it holds: those of its public part for the public."},
    )


class AggregateSchema(Schema):
    breakdown = fields.String()
    key = fields.String()
    commitments = fields.Integer()
    reported = fields.Integer(metadata={"description": "Entries with an update at the cutoff."})
    percent_sum = fields.Integer()
    percent_count = fields.Integer()
    average_percent = fields.Float(allow_none=True)
    achieved = fields.Integer()


class SnapshotDetailSchema(SnapshotSchema):
    aggregates = fields.List(fields.Nested(AggregateSchema), dump_only=True)


class SnapshotTakeSchema(Schema):
    cutoff_at = fields.AwareDateTime(
        required=True,
        metadata={"description": "The instant measured (not in the future). " + _AWARE},
    )
    title = fields.String(required=True, validate=_NAME)
    event_id = fields.Integer(
        validate=_ID,
        metadata={"description": "The event it measures; its draft, if any, is taken again."},
    )

    @post_load
    def _in_utc(self, data, **_kwargs):
        return _utc(data, "cutoff_at")


class SnapshotFilterSchema(Schema):
    status = fields.Enum(SnapshotStatus, by_value=True)
    event_id = fields.Integer(validate=_ID)


class EntrySchema(Schema):
    commitment_id = fields.Integer()
    signatory_id = fields.Integer()
    programme_id = fields.Integer()
    organisation_type_code = fields.String()
    country_code = fields.String()
    title = fields.String()
    signatory_name = fields.String(metadata={"description": "As when the snapshot was taken."})
    signatory_slug = fields.String(metadata={"description": "As when the snapshot was taken."})
    programme_code = fields.String(metadata={"description": "As when the snapshot was taken."})
    status = fields.Enum(CommitmentStatus, by_value=True)
    is_published = fields.Boolean(metadata={"description": "In the snapshot's public part."})
    update_id = fields.Integer(allow_none=True)
    last_reported_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "The period the update in force speaks for."}
    )
    last_recorded_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "When the latest update known at the cutoff was recorded."},
    )
    progress_status = fields.Enum(ProgressStatus, by_value=True, allow_none=True)
    percent_complete = fields.Integer(allow_none=True)
    assessed_level = fields.Enum(AssessmentLevel, by_value=True, allow_none=True)
    reporting_state = fields.Enum(ReportingState, by_value=True, allow_none=True)


class EntryFilterSchema(Schema):
    programme_id = fields.Integer(validate=_ID)
    goal = fields.Integer(validate=validate.Range(min=1, max=17))
    organisation_type = fields.String(validate=[validate.Length(max=40), _NO_NUL])
    country = fields.String(validate=[validate.Length(equal=2), _NO_NUL])
    status = fields.Enum(CommitmentStatus, by_value=True)
    reporting_state = fields.Enum(ReportingState, by_value=True)


class ComparisonQuerySchema(Schema):
    with_ = fields.Integer(
        data_key="with",
        validate=_ID,
        metadata={"description": "The snapshot to compare with; default: the series' previous."},
    )


class ChangeSchema(Schema):
    breakdown = fields.String()
    key = fields.String()
    before_commitments = fields.Integer()
    after_commitments = fields.Integer()
    before_average = fields.Float(allow_none=True)
    after_average = fields.Float(allow_none=True)
    gained = fields.Float(allow_none=True, metadata={"description": "Points of average progress."})


class SnapshotSignatorySchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()


class ComparisonSchema(Schema):
    before = fields.Nested(SnapshotSchema)
    after = fields.Nested(SnapshotSchema)
    new = fields.List(fields.Integer(), metadata={"description": "Commitment ids in after only."})
    completed = fields.List(fields.Integer(), metadata={"description": "Achieved since before."})
    withdrawn = fields.List(fields.Integer(), metadata={"description": "Withdrawn since before."})
    overall = fields.Nested(ChangeSchema, allow_none=True)
    changes = fields.List(fields.Nested(ChangeSchema))
    reported = fields.List(
        fields.Nested(SnapshotSignatorySchema),
        metadata={"description": "Signatories with an update between the two cutoffs."},
    )
    gone_quiet = fields.List(
        fields.Nested(SnapshotSignatorySchema),
        metadata={"description": "Signatories that had reported by before and not since."},
    )
