"""Output schemas of the lexicon; every text is given in English and French."""

from marshmallow import Schema, fields, validate


class SdgGoalSchema(Schema):
    number = fields.Integer(required=True)
    title_en = fields.String(required=True)
    title_fr = fields.String(required=True)
    short_en = fields.String(required=True)
    short_fr = fields.String(required=True)
    colour = fields.String(required=True, metadata={"description": "#RRGGBB"})


class SdgTargetSchema(Schema):
    code = fields.String(required=True)
    goal_number = fields.Integer(required=True)
    text_en = fields.String(required=True)
    text_fr = fields.String(required=True)


class SdgIndicatorSchema(Schema):
    code = fields.String(required=True)
    target_code = fields.String(required=True)
    text_en = fields.String(required=True)
    text_fr = fields.String(required=True)
    unsd_code = fields.String(allow_none=True)


class OrganisationTypeSchema(Schema):
    code = fields.String(required=True)
    label_en = fields.String(required=True)
    label_fr = fields.String(required=True)


class ImpactDimensionSchema(Schema):
    code = fields.String(required=True)
    label_en = fields.String(required=True)
    label_fr = fields.String(required=True)
    description_en = fields.String(required=True)
    description_fr = fields.String(required=True)


class CountrySchema(Schema):
    code = fields.String(required=True)
    alpha3 = fields.String(required=True)
    name_en = fields.String(required=True)
    name_fr = fields.String(required=True)


class SubdivisionSchema(Schema):
    code = fields.String(required=True)
    country_code = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)


class TargetFilterSchema(Schema):
    goal = fields.Integer(
        validate=validate.Range(min=1, max=17),
        metadata={"description": "Only the targets of this goal."},
    )


class IndicatorFilterSchema(Schema):
    target = fields.String(metadata={"description": "Only the indicators of this target."})
