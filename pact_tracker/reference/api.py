"""Read-only API of the lexicon. Small, fixed lists: no pagination."""

from flask_smorest import abort

from pact_tracker.core.api import ApiBlueprint
from pact_tracker.core.lookup import get_by_id
from pact_tracker.extensions import db
from pact_tracker.reference import schemas
from pact_tracker.reference.models import (
    Country,
    ImpactDimension,
    OrganisationType,
    SdgGoal,
    SdgIndicator,
    SdgTarget,
    Subdivision,
)

blueprint = ApiBlueprint(
    "reference",
    __name__,
    description="The lexicon: SDGs, organisation types, impact dimensions, countries.",
)


@blueprint.get("/sdg/goals")
@blueprint.response(200, schemas.SdgGoalSchema(many=True))
def list_goals():
    """The 17 Sustainable Development Goals."""
    return db.session.scalars(db.select(SdgGoal).order_by(SdgGoal.number)).all()


@blueprint.get("/sdg/goals/<int:number>")
@blueprint.response(200, schemas.SdgGoalSchema)
@blueprint.alt_response(404, description="No such goal.")
def get_goal(number):
    """One goal."""
    # ``get_by_id``: a number past the integers' range is no goal, not a database error.
    return get_by_id(SdgGoal, number) or abort(404, message=f"No SDG goal {number}.")


@blueprint.get("/sdg/targets")
@blueprint.arguments(schemas.TargetFilterSchema, location="query")
@blueprint.response(200, schemas.SdgTargetSchema(many=True))
def list_targets(filters):
    """The 169 targets, optionally those of one goal."""
    query = db.select(SdgTarget).order_by(SdgTarget.goal_number, SdgTarget.position)
    if "goal" in filters:
        query = query.where(SdgTarget.goal_number == filters["goal"])
    return db.session.scalars(query).all()


@blueprint.get("/sdg/indicators")
@blueprint.arguments(schemas.IndicatorFilterSchema, location="query")
@blueprint.response(200, schemas.SdgIndicatorSchema(many=True))
def list_indicators(filters):
    """The official indicators, optionally those of one target."""
    query = db.select(SdgIndicator).order_by(SdgIndicator.target_code, SdgIndicator.position)
    if "target" in filters:
        query = query.where(SdgIndicator.target_code == filters["target"])
    return db.session.scalars(query).all()


@blueprint.get("/organisation-types")
@blueprint.response(200, schemas.OrganisationTypeSchema(many=True))
def list_organisation_types():
    """The types of organisation that can sign."""
    return db.session.scalars(db.select(OrganisationType).order_by(OrganisationType.position)).all()


@blueprint.get("/impact-dimensions")
@blueprint.response(200, schemas.ImpactDimensionSchema(many=True))
def list_impact_dimensions():
    """The four impact dimensions of the VISES reference system."""
    return db.session.scalars(db.select(ImpactDimension).order_by(ImpactDimension.position)).all()


@blueprint.get("/countries")
@blueprint.response(200, schemas.CountrySchema(many=True))
def list_countries():
    """ISO 3166-1 countries."""
    return db.session.scalars(db.select(Country).order_by(Country.code)).all()


@blueprint.get("/countries/<string:code>/subdivisions")
@blueprint.response(200, schemas.SubdivisionSchema(many=True))
@blueprint.alt_response(404, description="No such country.")
def list_subdivisions(code):
    """ISO 3166-2 subdivisions of one country."""
    if db.session.get(Country, code.upper()) is None:
        abort(404, message=f"No country with code {code!r}.")
    query = db.select(Subdivision).where(Subdivision.country_code == code.upper())
    return db.session.scalars(query.order_by(Subdivision.code)).all()
