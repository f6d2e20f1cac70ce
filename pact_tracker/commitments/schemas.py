"""Schemas of the commitments API: output, one input schema per action, list filters.

Input schemas check types and shapes; the services check the rules (dates in
order, codes that exist, what a proposal allows) and name the failing field.
"""

from datetime import UTC

from marshmallow import Schema, fields, validate

from pact_tracker.commitments.models import (
    AssessmentLevel,
    CommitmentStatus,
    EvidenceKind,
    ProgressStatus,
    ReportingState,
    Scope,
    UpdateSource,
    Visibility,
)
from pact_tracker.core.api import DecimalText
from pact_tracker.core.lookup import MAX_ID
from pact_tracker.programmes.models import Direction

_ID = validate.Range(min=1, max=MAX_ID)
#: PostgreSQL refuses NUL characters in text; refuse them here rather than fail there.
_NO_NUL = validate.ContainsNoneOf(["\x00"])
_NUMBER = {"places": 4}
_CLOSINGS = [
    CommitmentStatus.achieved,
    CommitmentStatus.partially_achieved,
    CommitmentStatus.not_achieved,
]


class _CodeSchema(Schema):
    code = fields.String()


class SignatoryBriefSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    organisation_type_code = fields.String()
    country_code = fields.String()


class ProgrammeBriefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name_en = fields.String()
    name_fr = fields.String()


class IndicatorSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    unit = fields.String()
    dimension_code = fields.String(allow_none=True)
    sdg_indicator_code = fields.String(allow_none=True)
    baseline = DecimalText(allow_none=True, **_NUMBER)
    target = DecimalText(allow_none=True, **_NUMBER)
    direction = fields.Enum(Direction, by_value=True)
    current_value = DecimalText(
        allow_none=True,
        metadata={"description": "Latest value from an update no correction replaced."},
        **_NUMBER,
    )
    progress = fields.Method(
        "_progress",
        metadata={
            "type": "number",
            "nullable": True,
            "description": "0..100 from baseline to target, or null.",
        },
    )

    def _progress(self, indicator):
        return indicator.progress(indicator.current_value)


class MilestoneSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    due_date = fields.Date()
    done_on = fields.Date(allow_none=True)


class CommitmentSummarySchema(Schema):
    """A commitment in a list: no indicators or milestones."""

    id = fields.Integer()
    signatory = fields.Nested(SignatoryBriefSchema)
    programme = fields.Nested(ProgrammeBriefSchema)
    proposal_id = fields.Integer(allow_none=True)
    title = fields.String()
    language = fields.String()
    status = fields.Enum(CommitmentStatus, by_value=True)
    scope = fields.Enum(Scope, by_value=True)
    country_code = fields.String(allow_none=True)
    subdivision_code = fields.String(allow_none=True)
    start_date = fields.Date()
    due_date = fields.Date()
    visibility = fields.Enum(Visibility, by_value=True)
    target_codes = fields.Pluck(_CodeSchema, "code", many=True, attribute="targets")
    dimension_codes = fields.Pluck(_CodeSchema, "code", many=True, attribute="dimensions")
    last_reported_at = fields.DateTime(allow_none=True)
    report_due_at = fields.DateTime(allow_none=True)
    reporting_state = fields.Enum(
        ReportingState,
        by_value=True,
        allow_none=True,
        metadata={"description": "Traffic light; null unless the commitment must report."},
    )
    published_at = fields.DateTime(allow_none=True)


class CommitmentSchema(CommitmentSummarySchema):
    """A commitment in full."""

    description = fields.String()
    cadence_months = fields.Integer()
    funding_amount = DecimalText(allow_none=True, places=2)
    funding_currency = fields.String(allow_none=True)
    indicators = fields.List(fields.Nested(IndicatorSchema))
    milestones = fields.List(fields.Nested(MilestoneSchema))
    submitted_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    held_for_event_id = fields.Integer(
        allow_none=True,
        attribute="embargo_event_id",
        metadata={"description": "Held back until this event starts (then published)."},
    )
    inactive_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class IndicatorInputSchema(Schema):
    id = fields.Integer(
        validate=_ID, metadata={"description": "Keep this existing indicator (updates only)."}
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    dimension_code = fields.String(allow_none=True, validate=validate.Length(max=40))
    sdg_indicator_code = fields.String(allow_none=True, validate=validate.Length(max=12))
    baseline = fields.Decimal(allow_none=True, allow_nan=False)
    target = fields.Decimal(allow_none=True, allow_nan=False)
    direction = fields.Enum(Direction, by_value=True)


class MilestoneInputSchema(Schema):
    id = fields.Integer(
        validate=_ID, metadata={"description": "Keep this existing milestone (updates only)."}
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    due_date = fields.Date(required=True)


class _CommitmentFields(Schema):
    programme_id = fields.Integer(validate=_ID)
    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String()
    language = fields.String(validate=validate.OneOf(["en", "fr"]))
    target_codes = fields.List(fields.String(validate=validate.Length(max=8)))
    dimension_codes = fields.List(fields.String(validate=validate.Length(max=40)))
    scope = fields.Enum(Scope, by_value=True)
    country_code = fields.String(allow_none=True, validate=validate.Length(equal=2))
    subdivision_code = fields.String(allow_none=True, validate=validate.Length(max=12))
    start_date = fields.Date()
    due_date = fields.Date()
    cadence_months = fields.Integer(validate=validate.Range(min=1, max=24))
    funding_amount = fields.Decimal(allow_none=True, allow_nan=False)
    funding_currency = fields.String(allow_none=True, validate=validate.Length(equal=3))
    visibility = fields.Enum(Visibility, by_value=True)
    indicators = fields.List(fields.Nested(IndicatorInputSchema))
    milestones = fields.List(fields.Nested(MilestoneInputSchema))


class CommitmentCreateSchema(_CommitmentFields):
    """A new commitment; with ``proposal_id`` the proposal fills what is left out."""

    proposal_id = fields.Integer(
        validate=_ID, metadata={"description": "Adopt this proposal (must suit your type)."}
    )


class CommitmentUpdateSchema(_CommitmentFields):
    """Changes to a draft; lists given replace the old ones."""


class ReviewSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "request_changes"]))
    comment = fields.String(load_default="")
    publish = fields.Boolean(
        load_default=True,
        metadata={
            "description": "On approval, publish at once; false keeps it private until "
            "published (see hold_for_event_id to publish it at an event)."
        },
    )
    hold_for_event_id = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=_ID,
        metadata={
            "description": "On approval, hold it for this coming event in the same step: "
            "never public before the event starts, published by the worker then."
        },
    )


class HoldSchema(Schema):
    event_id = fields.Integer(
        required=True,
        allow_none=True,
        validate=_ID,
        metadata={
            "description": "Hold the approved commitment for this coming event (never public "
            "before it starts, published by the worker then); null releases the hold and "
            "makes it public now."
        },
    )


class CloseSchema(Schema):
    status = fields.Enum(
        CommitmentStatus,
        by_value=True,
        required=True,
        validate=validate.OneOf(_CLOSINGS),
    )
    comment = fields.String(load_default="")


class CommentSchema(Schema):
    comment = fields.String(load_default="")


class SmartPartSchema(Schema):
    code = fields.String(
        metadata={
            "description": "The part of the check: due_date, indicators, baseline, unit, "
            "direction, target_codes, description, title_wording, description_wording, "
            "beneficiaries, milestones or dimension_codes."
        }
    )
    field = fields.String(metadata={"description": "The commitment field to fix."})
    points = fields.Integer(metadata={"description": "Points this part takes off the score."})
    message = fields.String(metadata={"description": "What is wrong and how to fix it."})
    terms = fields.List(
        fields.String(),
        metadata={"description": "The words of the commitment it is about (vague terms, units)."},
    )


class SmartReportSchema(Schema):
    score = fields.Integer(metadata={"description": "0..100"})
    passed = fields.Boolean(metadata={"description": "Ready to submit: nothing is missing."})
    horizon = fields.Date(metadata={"description": "The latest due date accepted."})
    missing = fields.List(
        fields.Nested(SmartPartSchema), metadata={"description": "Blocks submission."}
    )
    suggestions = fields.List(
        fields.Nested(SmartPartSchema), metadata={"description": "Would raise the score."}
    )


class IndicatorValueSchema(Schema):
    indicator_id = fields.Integer()
    value = DecimalText(**_NUMBER)


class EvidenceSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(EvidenceKind, by_value=True)
    dimension_code = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String()
    url = fields.String(allow_none=True)


class ProgressUpdateSchema(Schema):
    id = fields.Integer()
    commitment_id = fields.Integer()
    author_id = fields.Integer(allow_none=True)
    reported_at = fields.DateTime(metadata={"description": "The moment the report speaks for."})
    recorded_at = fields.DateTime(metadata={"description": "When it was received."})
    status = fields.Enum(ProgressStatus, by_value=True)
    percent_complete = fields.Integer(allow_none=True)
    narrative = fields.String(metadata={"description": "Markdown, as written."})
    source = fields.Enum(UpdateSource, by_value=True)
    supersedes_id = fields.Integer(allow_none=True)
    superseded_by_id = fields.Method(
        "_superseded_by_id",
        metadata={"type": "integer", "nullable": True, "description": "The correction of it."},
    )
    correction_reason = fields.String(allow_none=True)
    values = fields.List(fields.Nested(IndicatorValueSchema))
    evidence = fields.List(fields.Nested(EvidenceSchema))

    def _superseded_by_id(self, update):
        return update.superseded_by.id if update.superseded_by is not None else None


class IndicatorValueInputSchema(Schema):
    indicator_id = fields.Integer(required=True, validate=_ID)
    value = fields.Decimal(required=True, allow_nan=False)


class EvidenceInputSchema(Schema):
    kind = fields.Enum(EvidenceKind, by_value=True, required=True)
    dimension_code = fields.String(allow_none=True, validate=validate.Length(max=40))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String()
    url = fields.Url(allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=500))


class _ProgressFields(Schema):
    percent_complete = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100))
    narrative = fields.String(metadata={"description": "Markdown."})
    indicator_values = fields.List(fields.Nested(IndicatorValueInputSchema))
    evidence = fields.List(fields.Nested(EvidenceInputSchema))
    milestones_done = fields.List(fields.Integer(validate=_ID))


class ProgressInputSchema(_ProgressFields):
    status = fields.Enum(ProgressStatus, by_value=True, required=True)
    reported_at = fields.AwareDateTime(
        default_timezone=UTC,
        metadata={"description": "The moment the report speaks for; default now."},
    )


class CorrectionInputSchema(_ProgressFields):
    """A correction: fields left out are carried over from the corrected update."""

    reason = fields.String(required=True, validate=validate.Length(min=1))
    status = fields.Enum(ProgressStatus, by_value=True)


class AssessmentSchema(Schema):
    id = fields.Integer()
    commitment_id = fields.Integer()
    assessor_id = fields.Integer(allow_none=True)
    level = fields.Enum(AssessmentLevel, by_value=True)
    comment = fields.String()
    assessed_at = fields.DateTime()


class AssessmentInputSchema(Schema):
    level = fields.Enum(AssessmentLevel, by_value=True, required=True)
    comment = fields.String(load_default="")


class StatusChangeSchema(Schema):
    id = fields.Integer()
    from_status = fields.Enum(CommitmentStatus, by_value=True, allow_none=True)
    to_status = fields.Enum(CommitmentStatus, by_value=True)
    changed_at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    comment = fields.String()


class HistoryEntrySchema(Schema):
    """One line of the timeline; exactly one of the three detail fields is set."""

    kind = fields.String(
        metadata={"enum": ["status_change", "progress_update", "correction", "assessment"]}
    )
    at = fields.DateTime()
    status_change = fields.Nested(StatusChangeSchema, allow_none=True)
    update = fields.Nested(ProgressUpdateSchema, allow_none=True)
    assessment = fields.Nested(AssessmentSchema, allow_none=True)


class CommitmentFilterSchema(Schema):
    signatory = fields.String(validate=_NO_NUL, metadata={"description": "Signatory slug."})
    programme = fields.String(validate=_NO_NUL, metadata={"description": "Programme code."})
    goal = fields.Integer(validate=validate.Range(min=1, max=17))
    target = fields.String(
        validate=[validate.Length(max=8), _NO_NUL], metadata={"description": "e.g. 8.5"}
    )
    organisation_type = fields.String(validate=_NO_NUL)
    country = fields.String(validate=[validate.Length(equal=2), _NO_NUL])
    status = fields.Enum(CommitmentStatus, by_value=True)
    reporting_state = fields.Enum(ReportingState, by_value=True)
    dimension = fields.String(validate=_NO_NUL, metadata={"description": "Impact dimension code."})
