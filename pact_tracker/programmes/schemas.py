"""API schemas of programmes and commitment proposals, every text in English and French.

Load schemas check types and shapes; the services check the rest (codes that
must exist, unique programme codes).
"""

from marshmallow import Schema, fields, validate

from pact_tracker.programmes.models import Direction
from pact_tracker.reference.schemas import (
    ImpactDimensionSchema,
    OrganisationTypeSchema,
    SdgGoalSchema,
    SdgTargetSchema,
)

#: Query strings end up in SQL comparisons, and PostgreSQL refuses NUL in text.
_NO_NUL = validate.Regexp(r"^[^\x00]*$", error="Must not contain NUL characters.")


class ProgrammeSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    name_en = fields.String(dump_only=True)
    name_fr = fields.String(dump_only=True)
    description_en = fields.String(dump_only=True)
    description_fr = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)
    goal_numbers = fields.Pluck(
        SdgGoalSchema, "number", many=True, attribute="goals", dump_only=True
    )


class _ProgrammeFields(Schema):
    code = fields.String(metadata={"description": "2 to 32 capital letters, digits or hyphens."})
    name_en = fields.String()
    name_fr = fields.String()
    description_en = fields.String(allow_none=True)
    description_fr = fields.String(allow_none=True)
    goal_numbers = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=17)),
        metadata={"description": "SDG goals the programme serves; replaces the list."},
    )
    active = fields.Boolean()


class ProgrammeCreateSchema(_ProgrammeFields):
    code = fields.String(
        required=True, metadata={"description": "2 to 32 capital letters, digits or hyphens."}
    )
    name_en = fields.String(required=True)
    name_fr = fields.String(required=True)


class ProgrammeUpdateSchema(_ProgrammeFields):
    """Any subset of the programme's fields."""


class ProposalIndicatorSchema(Schema):
    id = fields.Integer(dump_only=True)
    name_en = fields.String(dump_only=True)
    name_fr = fields.String(dump_only=True)
    unit = fields.String(dump_only=True)
    direction = fields.Enum(Direction, by_value=True, dump_only=True)
    dimension_code = fields.String(dump_only=True, allow_none=True)


class ProposalIndicatorInputSchema(Schema):
    name_en = fields.String(required=True)
    name_fr = fields.String(required=True)
    unit = fields.String(required=True)
    direction = fields.Enum(Direction, by_value=True, load_default=Direction.increase)
    dimension_code = fields.String(allow_none=True)


class ProposalSchema(Schema):
    id = fields.Integer(dump_only=True)
    programme_code = fields.String(attribute="programme.code", dump_only=True)
    title_en = fields.String(dump_only=True)
    title_fr = fields.String(dump_only=True)
    text_en = fields.String(dump_only=True)
    text_fr = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)
    organisation_type_codes = fields.Pluck(
        OrganisationTypeSchema, "code", many=True, attribute="organisation_types", dump_only=True
    )
    target_codes = fields.Pluck(
        SdgTargetSchema, "code", many=True, attribute="targets", dump_only=True
    )
    dimension_codes = fields.Pluck(
        ImpactDimensionSchema, "code", many=True, attribute="dimensions", dump_only=True
    )
    indicators = fields.List(fields.Nested(ProposalIndicatorSchema), dump_only=True)


class _ProposalFields(Schema):
    title_en = fields.String()
    title_fr = fields.String()
    text_en = fields.String(allow_none=True)
    text_fr = fields.String(allow_none=True)
    organisation_type_codes = fields.List(
        fields.String(),
        metadata={"description": "Types of organisation it is adapted to; at least one."},
    )
    target_codes = fields.List(fields.String(), metadata={"description": "SDG targets."})
    dimension_codes = fields.List(fields.String(), metadata={"description": "Impact dimensions."})
    indicators = fields.List(
        fields.Nested(ProposalIndicatorInputSchema),
        metadata={"description": "Suggested indicators; replaces the list."},
    )
    active = fields.Boolean()


class ProposalCreateSchema(_ProposalFields):
    title_en = fields.String(required=True)
    title_fr = fields.String(required=True)
    organisation_type_codes = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Types of organisation it is adapted to; at least one."},
    )


class ProposalUpdateSchema(_ProposalFields):
    """Any subset of the proposal's fields; lists given replace the old ones."""


class ProposalFilterSchema(Schema):
    organisation_type = fields.String(
        validate=_NO_NUL,
        metadata={"description": "Only the proposals adapted to this type of organisation."},
    )
    all = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Members see the proposals adapted to their organisation's type; "
            "true shows every proposal."
        },
    )
