"""JSON API of thematic programmes and their commitment proposals."""

from flask_smorest import abort
from sqlalchemy import orm

from pact_tracker.core import permissions
from pact_tracker.core.api import (
    BEARER,
    ApiBlueprint,
    api_user,
    login_required,
    paginate,
    require,
)
from pact_tracker.core.lookup import get_by_id
from pact_tracker.extensions import db
from pact_tracker.programmes import schemas, services
from pact_tracker.programmes.models import Programme, Proposal

blueprint = ApiBlueprint(
    "programmes",
    __name__,
    description="Thematic programmes and the commitment proposals they offer.",
)


def _programme_or_404(code: str) -> Programme:
    """The programme with this code; inactive ones only for the secretariat."""
    programme = db.session.scalar(db.select(Programme).where(Programme.code == code.upper()))
    if programme is None or not permissions.can_view_programme(api_user(), programme):
        abort(404, message=f"No programme {code!r}.")
    return programme


def _proposal_or_404(proposal_id: int) -> Proposal:
    """The proposal; inactive ones, or those of inactive programmes, only for the secretariat."""
    # Larger ids overflow SQLite's integers; no proposal has one.
    proposal = get_by_id(Proposal, proposal_id)
    if proposal is None or not permissions.can_view_proposal(api_user(), proposal):
        abort(404, message=f"No proposal {proposal_id}.")
    return proposal


@blueprint.get("/programmes")
@blueprint.response(200, schemas.ProgrammeSchema(many=True))
@blueprint.alt_response(401, description="A token was given but is not valid.")
def list_programmes():
    """The active programmes by code; the secretariat also sees inactive ones."""
    query = services.programmes_query(api_user()).options(orm.selectinload(Programme.goals))
    return db.session.scalars(query).unique().all()


@blueprint.get("/programmes/<string:code>")
@blueprint.response(200, schemas.ProgrammeSchema)
@blueprint.alt_response(401, description="A token was given but is not valid.")
@blueprint.alt_response(404, description="No such programme.")
def get_programme(code):
    """One programme."""
    return _programme_or_404(code)


@blueprint.post("/programmes")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.ProgrammeCreateSchema)
@blueprint.response(201, schemas.ProgrammeSchema)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not the secretariat.")
@blueprint.alt_response(422, description="Invalid fields, named in the body.")
def create_programme(data):
    """Open a thematic programme (secretariat)."""
    require(permissions.can_manage_programmes(api_user()), "This is for the secretariat.")
    return services.create_programme(data, api_user())


@blueprint.patch("/programmes/<string:code>")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.ProgrammeUpdateSchema)
@blueprint.response(200, schemas.ProgrammeSchema)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not the secretariat.")
@blueprint.alt_response(404, description="No such programme.")
@blueprint.alt_response(422, description="Invalid fields, named in the body.")
def update_programme(data, code):
    """Change a programme; ``active: false`` closes it to new commitments (secretariat)."""
    programme = _programme_or_404(code)
    require(permissions.can_manage_programmes(api_user()), "This is for the secretariat.")
    return services.update_programme(programme, data, api_user())


@blueprint.get("/programmes/<string:code>/proposals")
@blueprint.arguments(schemas.ProposalFilterSchema, location="query")
@blueprint.response(200, schemas.ProposalSchema(many=True))
@blueprint.alt_response(401, description="A token was given but is not valid.")
@blueprint.alt_response(404, description="No such programme.")
@blueprint.paginate()
def list_proposals(filters, code, pagination_parameters):
    """A programme's proposals; with a member's token, those adapted to their organisation."""
    programme = _programme_or_404(code)
    # What each proposal suggests, in one query per kind for the page rather than per proposal.
    query = services.proposals_query(programme, api_user(), **filters).options(
        orm.selectinload(Proposal.organisation_types),
        orm.selectinload(Proposal.targets),
        orm.selectinload(Proposal.dimensions),
        orm.selectinload(Proposal.indicators),
    )
    return paginate(query, pagination_parameters)


@blueprint.get("/proposals/<int:proposal_id>")
@blueprint.response(200, schemas.ProposalSchema)
@blueprint.alt_response(401, description="A token was given but is not valid.")
@blueprint.alt_response(404, description="No such proposal.")
def get_proposal(proposal_id):
    """One proposal, with its suggested targets, dimensions and indicators."""
    return _proposal_or_404(proposal_id)


@blueprint.post("/programmes/<string:code>/proposals")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.ProposalCreateSchema)
@blueprint.response(201, schemas.ProposalSchema)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not the secretariat.")
@blueprint.alt_response(404, description="No such programme.")
@blueprint.alt_response(422, description="Invalid fields, named in the body.")
def create_proposal(data, code):
    """Offer a commitment proposal in a programme (secretariat)."""
    programme = _programme_or_404(code)
    require(permissions.can_manage_programmes(api_user()), "This is for the secretariat.")
    return services.create_proposal(programme, data, api_user())


@blueprint.patch("/proposals/<int:proposal_id>")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.ProposalUpdateSchema)
@blueprint.response(200, schemas.ProposalSchema)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not the secretariat.")
@blueprint.alt_response(404, description="No such proposal.")
@blueprint.alt_response(422, description="Invalid fields, named in the body.")
def update_proposal(data, proposal_id):
    """Change a proposal; lists given replace the old ones (secretariat)."""
    proposal = _proposal_or_404(proposal_id)
    require(permissions.can_manage_programmes(api_user()), "This is for the secretariat.")
    return services.update_proposal(proposal, data, api_user())
