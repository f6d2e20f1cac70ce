"""API schemas of the coalition: signatories, users, memberships and the activity log.

Load schemas check types and shapes; the services check the rest (codes that
must exist, unique slugs and emails), so that the API, the pages and the CSV
import refuse the same things with the same messages.
"""

from datetime import UTC

from marshmallow import Schema, fields, validate

from pact_tracker.coalition.models import Role, SignatoryStatus
from pact_tracker.core.lookup import MAX_ID
from pact_tracker.reference.schemas import CountrySchema, OrganisationTypeSchema

_LOCALES = validate.OneOf(["en", "fr"])
#: Query strings end up in SQL comparisons, and PostgreSQL refuses NUL in text.
_NO_NUL = validate.Regexp(r"^[^\x00]*$", error="Must not contain NUL characters.")


class SignatorySummarySchema(Schema):
    id = fields.Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    status = fields.Enum(SignatoryStatus, by_value=True, dump_only=True)


class SignatorySchema(Schema):
    id = fields.Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    acronym = fields.String(dump_only=True, allow_none=True)
    organisation_type_code = fields.String(dump_only=True)
    organisation_type = fields.Nested(OrganisationTypeSchema, dump_only=True)
    country_code = fields.String(dump_only=True)
    country = fields.Nested(CountrySchema, dump_only=True)
    subdivision_code = fields.String(dump_only=True, allow_none=True)
    locality = fields.String(dump_only=True, allow_none=True)
    website = fields.String(dump_only=True, allow_none=True)
    description = fields.String(dump_only=True)
    status = fields.Enum(SignatoryStatus, by_value=True, dump_only=True)
    manifesto_signed_on = fields.Date(dump_only=True, allow_none=True)
    status_reason = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Why it was rejected, suspended or withdrawn."},
    )
    created_at = fields.AwareDateTime(dump_only=True)


class SignatoryFilterSchema(Schema):
    organisation_type = fields.String(
        validate=_NO_NUL, metadata={"description": "Organisation type code."}
    )
    country = fields.String(
        validate=_NO_NUL, metadata={"description": "ISO 3166-1 alpha-2 country code."}
    )
    status = fields.Enum(
        SignatoryStatus,
        by_value=True,
        metadata={"description": "Others than approved: the secretariat, or your own."},
    )
    q = fields.String(
        validate=[validate.Length(max=200), _NO_NUL],
        metadata={"description": "Words in the name or acronym."},
    )


class _SignatoryProfileFields(Schema):
    """What a member may write about their own organisation."""

    name = fields.String()
    acronym = fields.String(allow_none=True)
    organisation_type_code = fields.String()
    country_code = fields.String(metadata={"description": "ISO 3166-1 alpha-2."})
    subdivision_code = fields.String(
        allow_none=True, metadata={"description": "ISO 3166-2, within the country."}
    )
    locality = fields.String(allow_none=True)
    website = fields.String(allow_none=True, metadata={"description": "http(s) address."})
    description = fields.String(allow_none=True)


class SignatoryApplicationSchema(_SignatoryProfileFields):
    """An organisation applying to join (any signed-in user)."""

    name = fields.String(required=True)
    organisation_type_code = fields.String(required=True)
    country_code = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2."})
    slug = fields.String(
        allow_none=True, metadata={"description": "Generated from the name when absent."}
    )


class SignatoryCreateSchema(SignatoryApplicationSchema):
    """A signatory registered by the secretariat (members send an application instead)."""

    status = fields.Enum(
        SignatoryStatus,
        by_value=True,
        metadata={"description": "Secretariat only; approved by default."},
    )
    manifesto_signed_on = fields.Date(
        allow_none=True, metadata={"description": "Secretariat only; today by default."}
    )


class SignatoryMemberUpdateSchema(_SignatoryProfileFields):
    """The fields a member may change on their signatory."""


class SignatoryUpdateSchema(_SignatoryProfileFields):
    """The fields the secretariat may change (members: see SignatoryMemberUpdate)."""

    slug = fields.String()
    manifesto_signed_on = fields.Date(allow_none=True)


class SignatoryStatusSchema(Schema):
    status = fields.Enum(SignatoryStatus, by_value=True, required=True)
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=10_000),
        metadata={"description": "Shown to the signatory's members."},
    )


class UserSummarySchema(Schema):
    id = fields.Integer(dump_only=True, allow_none=True)
    name = fields.String(dump_only=True, allow_none=True)
    email = fields.String(dump_only=True)


class MembershipSchema(Schema):
    id = fields.Integer(dump_only=True)
    is_admin = fields.Boolean(
        dump_only=True, metadata={"description": "May invite colleagues and manage members."}
    )
    pending = fields.Boolean(
        dump_only=True, metadata={"description": "Invited, and not yet accepted."}
    )
    user = fields.Nested(
        UserSummarySchema,
        attribute="person",
        dump_only=True,
        metadata={
            "description": "The person. Until they accept an invitation, only what the "
            "inviter typed: the address and the name given (no account id)."
        },
    )
    signatory = fields.Nested(SignatorySummarySchema, dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class UserMembershipSchema(Schema):
    """A membership seen from the user's side."""

    id = fields.Integer(dump_only=True)
    is_admin = fields.Boolean(dump_only=True)
    pending = fields.Boolean(
        dump_only=True, metadata={"description": "An invitation not accepted yet: no rights."}
    )
    signatory = fields.Nested(SignatorySummarySchema, dump_only=True)


class InvitationSchema(Schema):
    """An invitation as its sender sees it: nothing about the invitee's account."""

    id = fields.Integer(dump_only=True)
    email = fields.Function(
        lambda membership: membership.person.email,
        dump_only=True,
        metadata={"type": "string", "description": "The address the invitation was sent to."},
    )
    name = fields.Function(
        lambda membership: membership.person.name,
        dump_only=True,
        metadata={"type": "string", "description": "The name the inviter gave."},
    )
    is_admin = fields.Boolean(dump_only=True)
    pending = fields.Boolean(
        dump_only=True, metadata={"description": "True until the person accepts."}
    )
    signatory = fields.Nested(SignatorySummarySchema, dump_only=True)


class MemberInviteSchema(Schema):
    email = fields.String(required=True)
    name = fields.String(
        required=True,
        metadata={
            "description": "How to greet the person: a new account's name, and what the "
            "signatory's members see until the person accepts."
        },
    )
    is_admin = fields.Boolean(load_default=False)
    locale = fields.String(load_default="en", validate=_LOCALES)


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    locale = fields.String(dump_only=True)
    role = fields.Enum(Role, by_value=True, dump_only=True)
    active = fields.Boolean(dump_only=True)
    reminders_opt_out = fields.Boolean(dump_only=True)
    memberships = fields.List(fields.Nested(UserMembershipSchema), dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class UserSelfUpdateSchema(Schema):
    name = fields.String()
    locale = fields.String(validate=_LOCALES)
    reminders_opt_out = fields.Boolean()


class UserAdminUpdateSchema(UserSelfUpdateSchema):
    role = fields.Enum(Role, by_value=True)
    active = fields.Boolean(metadata={"description": "False closes the account and its tokens."})


class UserCreateSchema(Schema):
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.Enum(Role, by_value=True, load_default=Role.member)
    locale = fields.String(load_default="en", validate=_LOCALES)
    signatory = fields.String(
        allow_none=True, metadata={"description": "Slug of the signatory they act for."}
    )
    is_admin = fields.Boolean(load_default=False)


class UserFilterSchema(Schema):
    role = fields.Enum(Role, by_value=True)
    active = fields.Boolean()
    q = fields.String(
        validate=[validate.Length(max=200), _NO_NUL],
        metadata={"description": "Part of the name or email."},
    )


class ActorSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)


class ActivitySchema(Schema):
    id = fields.Integer(dump_only=True)
    occurred_at = fields.AwareDateTime(dump_only=True)
    action = fields.String(dump_only=True)
    subject_type = fields.String(dump_only=True)
    subject_id = fields.Integer(dump_only=True)
    signatory_id = fields.Integer(dump_only=True, allow_none=True)
    actor = fields.Nested(ActorSchema, dump_only=True, allow_none=True)
    payload = fields.Dict(dump_only=True)


class ActivityFilterSchema(Schema):
    action = fields.String(
        validate=[validate.Length(max=80), _NO_NUL],
        metadata={"description": "Exact action, or a prefix ending with a dot (signatory.)."},
    )
    actor_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    signatory_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    since = fields.AwareDateTime(default_timezone=UTC)
    until = fields.AwareDateTime(default_timezone=UTC)
