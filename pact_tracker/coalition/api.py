"""JSON API of the coalition: signatories, their members, users and the activity log."""

from flask_smorest import abort
from sqlalchemy import orm

from pact_tracker.coalition import schemas, services
from pact_tracker.coalition.models import Membership, Signatory, SignatoryStatus, User
from pact_tracker.core import permissions
from pact_tracker.core.api import (
    BEARER,
    ApiBlueprint,
    api_user,
    login_required,
    paginate,
    require,
)
from pact_tracker.core.lookup import MAX_ID
from pact_tracker.extensions import db

blueprint = ApiBlueprint(
    "coalition",
    __name__,
    description="Signatories of the coalition, the people who act for them, and the activity log.",
)

SECRETARIAT_ONLY = "Only the secretariat may set this field."


def _signatory_or_404(slug: str) -> Signatory:
    """The signatory with this slug if the caller may see it; 404 otherwise."""
    signatory = _signatory_by_slug(slug)
    if signatory is None or not permissions.can_view_signatory(api_user(), signatory):
        abort(404, message=f"No signatory {slug!r}.")
    return signatory


def _signatory_by_slug(slug: str) -> Signatory | None:
    return db.session.scalar(db.select(Signatory).where(Signatory.slug == slug))


def _valid_id(value: int) -> bool:
    """Whether a path id fits the id columns (larger ones overflow SQLite's integers)."""
    return 0 < value <= MAX_ID


def _only_fields_of(schema: type, data: dict) -> None:
    """Refuse (422, naming them) the fields ``data`` has beyond what ``schema`` allows."""
    refused = sorted(set(data) - set(schema().fields))
    if refused:
        abort(
            422,
            message=f"Only the secretariat may set: {', '.join(refused)}.",
            errors={"json": {field: [SECRETARIAT_ONLY] for field in refused}},
        )


@blueprint.get("/signatories")
@blueprint.arguments(schemas.SignatoryFilterSchema, location="query")
@blueprint.response(200, schemas.SignatorySchema(many=True))
@blueprint.alt_response(401, description="A token was given but is not valid.")
@blueprint.paginate()
def list_signatories(filters, pagination_parameters):
    """Signatories by name: the approved ones, plus your own; the secretariat sees all."""
    return paginate(services.signatories_query(api_user(), **filters), pagination_parameters)


@blueprint.get("/signatories/<string:slug>")
@blueprint.response(200, schemas.SignatorySchema)
@blueprint.alt_response(401, description="A token was given but is not valid.")
@blueprint.alt_response(404, description="No such signatory, or not visible to you.")
def get_signatory(slug):
    """One signatory."""
    return _signatory_or_404(slug)


@blueprint.post("/signatories")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.SignatoryCreateSchema)
@blueprint.response(201, schemas.SignatorySchema)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(422, description="Invalid fields, named in the body.")
def create_signatory(data):
    """Register a signatory (secretariat), or apply to join on behalf of your organisation.

    The secretariat's signatories are approved unless ``status`` says otherwise.
    Anyone else sends an application (status ``applied``) and becomes its admin member.
    """
    user = api_user()
    if permissions.can_manage_signatories(user):
        status = data.pop("status", SignatoryStatus.approved)
        return services.create_signatory(data, user, status)
    _only_fields_of(schemas.SignatoryApplicationSchema, data)
    return services.apply_to_join(data, user)


@blueprint.patch("/signatories/<string:slug>")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.SignatoryUpdateSchema)
@blueprint.response(200, schemas.SignatorySchema)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not a member of this signatory.")
@blueprint.alt_response(404, description="No such signatory, or not visible to you.")
@blueprint.alt_response(422, description="Invalid fields, named in the body.")
def update_signatory(data, slug):
    """Change a signatory's profile (its members; slug and signing date: the secretariat)."""
    user = api_user()
    signatory = _signatory_or_404(slug)
    require(permissions.can_edit_signatory_profile(user, signatory))
    if not permissions.can_manage_signatories(user):
        _only_fields_of(schemas.SignatoryMemberUpdateSchema, data)
    return services.update_signatory(signatory, data, user)


@blueprint.post("/signatories/<string:slug>/status")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.SignatoryStatusSchema)
@blueprint.response(200, schemas.SignatorySchema)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not the secretariat.")
@blueprint.alt_response(404, description="No such signatory, or not visible to you.")
@blueprint.alt_response(409, description="The lifecycle does not allow this step.")
@blueprint.alt_response(422, description="Invalid fields, named in the body.")
def change_signatory_status(data, slug):
    """Approve, reject, suspend or withdraw a signatory (secretariat)."""
    signatory = _signatory_or_404(slug)
    require(permissions.can_manage_signatories(api_user()), "This is for the secretariat.")
    return services.change_signatory_status(signatory, data["status"], api_user(), data["reason"])


@blueprint.get("/signatories/<string:slug>/members")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(200, schemas.MembershipSchema(many=True))
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not a member of this signatory.")
@blueprint.alt_response(404, description="No such signatory, or not visible to you.")
def list_members(slug):
    """The people who act for a signatory (its members and the secretariat)."""
    user = api_user()
    signatory = _signatory_or_404(slug)
    require(permissions.is_secretariat(user) or permissions.is_member_of(user, signatory.id))
    # One query for the people, not one per membership.
    return db.session.scalars(
        db.select(Membership)
        .where(Membership.signatory_id == signatory.id)
        .options(orm.joinedload(Membership.user))
        .order_by(Membership.id)
    ).all()


@blueprint.post("/signatories/<string:slug>/members")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.MemberInviteSchema)
@blueprint.response(201, schemas.InvitationSchema)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not the secretariat nor an admin member.")
@blueprint.alt_response(404, description="No such signatory, or not visible to you.")
@blueprint.alt_response(422, description="Invalid fields, named in the body.")
def invite_member(data, slug):
    """Invite a colleague by email; it counts once they accept (they are emailed).

    The answer is the same whether or not the address has an account.
    """
    user = api_user()
    signatory = _signatory_or_404(slug)
    require(
        permissions.can_manage_members(user, signatory),
        "Only the secretariat or an admin member may add members.",
    )
    return services.invite_member(signatory, data.pop("email"), user, **data)


@blueprint.delete("/signatories/<string:slug>/members/<int:membership_id>")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(204)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not the secretariat nor an admin member.")
@blueprint.alt_response(404, description="No such signatory or membership.")
def remove_member(slug, membership_id):
    """Stop a person acting for the signatory (their account stays)."""
    user = api_user()
    signatory = _signatory_or_404(slug)
    require(
        permissions.can_manage_members(user, signatory),
        "Only the secretariat or an admin member may remove members.",
    )
    membership = db.session.get(Membership, membership_id) if _valid_id(membership_id) else None
    if membership is None or membership.signatory_id != signatory.id:
        abort(404, message=f"No membership {membership_id} in {slug!r}.")
    services.remove_member(membership, user)


@blueprint.get("/users/me")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(200, schemas.UserSchema)
@blueprint.alt_response(401, description="No valid token.")
def get_me():
    """The token's user, with the signatories they act for."""
    return api_user()


@blueprint.patch("/users/me")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.UserSelfUpdateSchema)
@blueprint.response(200, schemas.UserSchema)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(422, description="Invalid fields, named in the body.")
def update_me(data):
    """Change your name, language or choice of automatic reminders."""
    return services.update_user(api_user(), data, api_user())


@blueprint.get("/users")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.UserFilterSchema, location="query")
@blueprint.response(200, schemas.UserSchema(many=True))
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not the secretariat.")
@blueprint.paginate()
def list_users(filters, pagination_parameters):
    """Every account, by email (secretariat)."""
    require(permissions.can_manage_users(api_user()), "This is for the secretariat.")
    # Each user's memberships and their signatories in two queries for the page, not two per user.
    query = services.users_query(**filters).options(
        orm.selectinload(User.memberships).joinedload(Membership.signatory)
    )
    return paginate(query, pagination_parameters)


@blueprint.post("/users")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.UserCreateSchema)
@blueprint.response(201, schemas.UserSchema)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not the secretariat.")
@blueprint.alt_response(422, description="Invalid fields, named in the body.")
def create_user(data):
    """Create an account, optionally as a member of a signatory (secretariat)."""
    require(permissions.can_manage_users(api_user()), "This is for the secretariat.")
    slug = data.pop("signatory", None)
    signatory = None
    if slug:
        signatory = _signatory_by_slug(slug)
        if signatory is None:
            abort(422, errors={"json": {"signatory": [f"No signatory {slug!r}."]}})
    email, name, role = data.pop("email"), data.pop("name"), data.pop("role")
    return services.create_user(email, name, role, signatory=signatory, actor=api_user(), **data)


@blueprint.patch("/users/<int:user_id>")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.UserAdminUpdateSchema)
@blueprint.response(200, schemas.UserSchema)
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not the secretariat.")
@blueprint.alt_response(404, description="No such user.")
@blueprint.alt_response(422, description="Invalid fields, named in the body.")
def update_user(data, user_id):
    """Change an account, its role, or close it with ``active: false`` (secretariat)."""
    require(permissions.can_manage_users(api_user()), "This is for the secretariat.")
    user = db.session.get(User, user_id) if _valid_id(user_id) else None
    if user is None:
        abort(404, message=f"No user {user_id}.")
    return services.update_user(user, data, api_user())


@blueprint.get("/activity")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.ActivityFilterSchema, location="query")
@blueprint.response(200, schemas.ActivitySchema(many=True))
@blueprint.alt_response(401, description="No valid token.")
@blueprint.alt_response(403, description="Not allowed to read that signatory's activity.")
@blueprint.paginate()
def list_activity(filters, pagination_parameters):
    """The activity log, newest first: all of it for the secretariat, else your signatories'."""
    user = api_user()
    if "signatory_id" in filters:
        require(permissions.can_view_activity(user, filters["signatory_id"]))
    return paginate(services.activity_query(user, **filters), pagination_parameters)
