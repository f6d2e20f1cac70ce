"""Schemas of the campaigns API (secretariat only): campaigns, their progress and recipients.

Input schemas check types and shapes; the services check the rules (filters
naming things that exist, content that renders, the default language written)
and name the failing field, so that the API and the pages refuse the same
things with the same messages.
"""

from datetime import UTC

from marshmallow import Schema, fields, post_load, validate

from pact_tracker.campaigns.models import CampaignStatus, OutboxStatus
from pact_tracker.commitments.models import CommitmentStatus, ReportingState
from pact_tracker.core.lookup import MAX_ID

_ID = validate.Range(min=1, max=MAX_ID)
#: PostgreSQL refuses NUL characters in text; refuse them here rather than fail there.
_NO_NUL = validate.ContainsNoneOf(["\x00"])
_LOCALE = validate.OneOf(["en", "fr"])
#: What the recipients list may be filtered by: a message status, or "answered".
RECIPIENT_STATUSES = [str(status) for status in OutboxStatus] + ["answered"]


class CampaignAudienceSchema(Schema):
    """Who a campaign writes to: each list narrows the audience; absent or empty, it does not."""

    programme_ids = fields.List(
        fields.Integer(validate=_ID),
        metadata={"description": "Organisations with a commitment in one of these programmes."},
    )
    organisation_types = fields.List(
        fields.String(validate=_NO_NUL), metadata={"description": "Organisation type codes."}
    )
    countries = fields.List(
        fields.String(validate=[validate.Length(equal=2), _NO_NUL]),
        metadata={"description": "ISO 3166-1 alpha-2 codes."},
    )
    commitment_statuses = fields.List(
        fields.String(validate=validate.OneOf([str(s) for s in CommitmentStatus])),
        metadata={"description": "Organisations with a commitment in one of these statuses."},
    )
    reporting_states = fields.List(
        fields.String(validate=validate.OneOf([str(s) for s in ReportingState])),
        metadata={"description": "Organisations with a commitment in one of these states."},
    )


class CampaignContentSchema(Schema):
    """A subject and a Markdown body in one language, with ``{{ variables }}``."""

    subject = fields.String(validate=_NO_NUL)
    body = fields.String(validate=_NO_NUL)


class _Contents(fields.Dict):
    """``{locale: {subject, body}}``, read from a campaign's list of contents."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, list | tuple):
            value = {c.locale: {"subject": c.subject, "body": c.body} for c in value}
        return super()._serialize(value, attr, obj, **kwargs)


_CONTENTS_DESCRIPTION = (
    "Subject and body per language (en, fr); the default language's are required. "
    "Variables: recipient_name, signatory_name, update_url, commitments, signatories, "
    "coalition_name."
)


class CampaignSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    status = fields.Enum(CampaignStatus, by_value=True, dump_only=True)
    audience = fields.Nested(CampaignAudienceSchema, dump_only=True)
    default_locale = fields.String(dump_only=True)
    link_valid_days = fields.Integer(dump_only=True)
    contents = _Contents(
        keys=fields.String(),
        values=fields.Nested(CampaignContentSchema),
        dump_only=True,
        metadata={"description": _CONTENTS_DESCRIPTION},
    )
    scheduled_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    started_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    finished_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    pause_reason = fields.String(dump_only=True, allow_none=True)
    resend_count = fields.Integer(
        dump_only=True, metadata={"description": "Times 'resend to failed' was used."}
    )
    created_by_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class CampaignUpdateSchema(Schema):
    """What may change: the audience only until the campaign starts."""

    name = fields.String(validate=[validate.Length(max=200), _NO_NUL])
    audience = fields.Nested(CampaignAudienceSchema)
    contents = fields.Dict(
        keys=fields.String(validate=[validate.Length(max=5), _NO_NUL]),
        values=fields.Nested(CampaignContentSchema),
        metadata={"description": _CONTENTS_DESCRIPTION + " Given, it replaces them all."},
    )
    default_locale = fields.String(validate=_LOCALE)
    link_valid_days = fields.Integer(
        validate=validate.Range(min=1, max=365),
        metadata={"description": "Days the update links in its messages work."},
    )


class CampaignCreateSchema(CampaignUpdateSchema):
    name = fields.String(required=True, validate=[validate.Length(max=200), _NO_NUL])
    contents = fields.Dict(
        keys=fields.String(validate=[validate.Length(max=5), _NO_NUL]),
        values=fields.Nested(CampaignContentSchema),
        required=True,
        metadata={"description": _CONTENTS_DESCRIPTION},
    )


class CampaignFilterSchema(Schema):
    status = fields.Enum(CampaignStatus, by_value=True)


class ScheduleSchema(Schema):
    scheduled_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "ISO 8601 with an offset; now when absent."},
    )

    @post_load
    def _in_utc(self, data, **_kwargs):
        if data.get("scheduled_at") is not None:
            data["scheduled_at"] = data["scheduled_at"].astimezone(UTC)
        return data


class PauseSchema(Schema):
    reason = fields.String(
        load_default="", validate=[validate.Length(max=500), _NO_NUL], metadata={"example": ""}
    )


class SendTestSchema(Schema):
    as_user_id = fields.Integer(
        validate=_ID,
        allow_none=True,
        metadata={"description": "Render it as this person would get it; yourself when absent."},
    )


class SendTestResultSchema(Schema):
    queued = fields.Boolean(
        metadata={"description": "False when your address must not be written to."}
    )
    to = fields.String()
    subject = fields.String(allow_none=True)
    outbox_message_id = fields.Integer(allow_none=True)


class CancelResultSchema(Schema):
    campaign = fields.Nested(CampaignSchema)
    withdrawn = fields.Integer(metadata={"description": "Messages withdrawn before being sent."})


class ResendResultSchema(Schema):
    campaign = fields.Nested(CampaignSchema)
    queued = fields.Integer(metadata={"description": "New messages queued to the failed ones."})


class ResponseRateSchema(Schema):
    label = fields.String()
    asked = fields.Integer(metadata={"description": "Signatories asked."})
    answered = fields.Integer(metadata={"description": "Signatories that reported progress."})
    rate = fields.Float()


class ResponseRatesSchema(Schema):
    overall = fields.List(fields.Nested(ResponseRateSchema))
    organisation_type = fields.List(fields.Nested(ResponseRateSchema))
    programme = fields.List(fields.Nested(ResponseRateSchema))


class MessageCountsSchema(Schema):
    """Each recipient counted once, by the status of the latest message that asked them
    (a resent message replaces the failed one): queued, sent and failed add up to them."""

    recipients = fields.Integer(metadata={"description": "(Person, signatory) pairs asked."})
    messages = fields.Integer(metadata={"description": "Emails written, resends included."})
    by_status = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Recipients by the status of their latest message."},
    )
    queued = fields.Integer(metadata={"description": "Queued, waiting to retry, or in flight."})
    sent = fields.Integer()
    failed = fields.Integer(metadata={"description": "Failed or suppressed."})
    done = fields.Integer(metadata={"description": "Recipients whose latest message is final."})
    answered = fields.Integer(metadata={"description": "Recipients who reported progress."})


class CampaignProgressSchema(Schema):
    campaign = fields.Nested(CampaignSchema)
    progress = fields.Nested(MessageCountsSchema)
    response_rates = fields.Nested(ResponseRatesSchema)


class ProgressQuerySchema(Schema):
    locale = fields.String(
        validate=_LOCALE,
        metadata={"description": "Language of the labels; your own when absent."},
    )


class RecipientUserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()


class RecipientSignatorySchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()


class RecipientSchema(Schema):
    """One person asked on behalf of one signatory, and the message that asked them."""

    id = fields.Integer()
    user = fields.Nested(RecipientUserSchema)
    signatory = fields.Nested(RecipientSignatorySchema)
    outbox_message_id = fields.Integer(allow_none=True)
    status = fields.String(
        allow_none=True,
        metadata={"description": "The message's status.", "enum": [str(s) for s in OutboxStatus]},
    )
    attempts = fields.Integer()
    last_reply = fields.String(
        allow_none=True, metadata={"description": "The SMTP server's last answer."}
    )
    sent_at = fields.AwareDateTime(allow_none=True)
    answered_at = fields.AwareDateTime(allow_none=True)


class RecipientFilterSchema(Schema):
    status = fields.String(
        validate=validate.OneOf(RECIPIENT_STATUSES),
        metadata={"description": "A message status, or 'answered'."},
    )


class AudienceQuerySchema(CampaignAudienceSchema):
    """The audience filters as query arguments, each repeatable: ``?countries=FR&countries=BE``."""


class AudienceCountSchema(Schema):
    people = fields.Integer(metadata={"description": "People who would receive it."})
    signatories = fields.Integer(metadata={"description": "Organisations they act for."})
    excluded = fields.Integer(
        metadata={"description": "People of the audience who opted out or whose address bounced."}
    )
