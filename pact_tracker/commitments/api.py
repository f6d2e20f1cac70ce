"""JSON API of commitments, their progress updates, assessments and history.

Readers who may not see a commitment get 404, as if it did not exist; those
who may see it but not change it get 403.
"""

from flask_smorest import abort

from pact_tracker.coalition.models import Signatory
from pact_tracker.commitments import schemas, services
from pact_tracker.commitments.models import Commitment, ProgressUpdate, UpdateSource
from pact_tracker.commitments.services import explorer
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
from pact_tracker.events.models import Event
from pact_tracker.events.services import events as event_services
from pact_tracker.extensions import db

blueprint = ApiBlueprint(
    "commitments",
    __name__,
    description="Commitments, their progress updates, assessments and history.",
)

_UNAUTHENTICATED = "No valid token."
_INVALID = "Invalid fields, named in the body."
_CONFLICT = "The commitment's status does not allow this."


def _commitment_or_404(commitment_id: int) -> Commitment:
    commitment = get_by_id(Commitment, commitment_id)
    if commitment is None or not permissions.can_view_commitment(api_user(), commitment):
        abort(404, message=f"No commitment {commitment_id}.")
    return commitment


def _update_or_404(update_id: int) -> ProgressUpdate:
    update = get_by_id(ProgressUpdate, update_id)
    if update is None or not permissions.can_view_commitment(api_user(), update.commitment):
        abort(404, message=f"No progress update {update_id}.")
    return update


def _signatory_or_404(slug: str) -> Signatory:
    signatory = db.session.scalar(db.select(Signatory).where(Signatory.slug == slug))
    if signatory is None or not permissions.can_view_signatory(api_user(), signatory):
        abort(404, message=f"No signatory {slug!r}.")
    return signatory


@blueprint.get("/commitments")
@blueprint.arguments(schemas.CommitmentFilterSchema, location="query")
@blueprint.response(200, schemas.CommitmentSummarySchema(many=True))
@blueprint.paginate()
def list_commitments(filters, pagination_parameters):
    """Commitments the caller may see: published ones and their own; the secretariat sees all."""
    user = api_user()
    # Without a token or filter every caller sees the same list: its count is shared.
    shared = user is None and not filters
    count = explorer.shared_counter("api-commitments", {}) if shared else None
    return paginate(
        services.commitment_summaries_query(user, filters), pagination_parameters, count
    )


@blueprint.get("/commitments/<int:commitment_id>")
@blueprint.response(200, schemas.CommitmentSchema)
@blueprint.alt_response(404, description="No such commitment, or not visible to the caller.")
def get_commitment(commitment_id):
    """One commitment with its indicators and milestones."""
    return _commitment_or_404(commitment_id)


@blueprint.post("/signatories/<string:slug>/commitments")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.CommitmentCreateSchema)
@blueprint.response(201, schemas.CommitmentSchema)
@blueprint.alt_response(401, description=_UNAUTHENTICATED)
@blueprint.alt_response(403, description="Not a member of this signatory.")
@blueprint.alt_response(404, description="No such signatory.")
@blueprint.alt_response(422, description=_INVALID)
def create_commitment(data, slug):
    """Write a draft commitment, from scratch or adopting a proposal (``proposal_id``)."""
    signatory = _signatory_or_404(slug)
    require(
        permissions.can_create_commitment(api_user(), signatory),
        "Only members of this signatory may write its commitments.",
    )
    return services.create_commitment(signatory, data, api_user(), source="api")


@blueprint.patch("/commitments/<int:commitment_id>")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.CommitmentUpdateSchema)
@blueprint.response(200, schemas.CommitmentSchema)
@blueprint.alt_response(401, description=_UNAUTHENTICATED)
@blueprint.alt_response(403, description="Not allowed to edit this commitment.")
@blueprint.alt_response(404, description="No such commitment.")
@blueprint.alt_response(409, description="Only drafts and commitments sent back can be edited.")
@blueprint.alt_response(422, description=_INVALID)
def update_commitment(data, commitment_id):
    """Change a draft; lists given (targets, indicators, milestones) replace the old ones."""
    commitment = _commitment_or_404(commitment_id)
    _require_editable_by_caller(commitment)
    return services.update_commitment(commitment, data, api_user())


@blueprint.post("/commitments/<int:commitment_id>/submit")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(200, schemas.CommitmentSchema)
@blueprint.alt_response(401, description=_UNAUTHENTICATED)
@blueprint.alt_response(403, description="Not allowed to submit this commitment.")
@blueprint.alt_response(404, description="No such commitment.")
@blueprint.alt_response(409, description=_CONFLICT)
@blueprint.alt_response(422, description="The SMART check failed: the missing parts and score.")
def submit_commitment(commitment_id):
    """Send a draft for review; refused with the SMART check's missing parts and score."""
    commitment = _commitment_or_404(commitment_id)
    _require_editable_by_caller(commitment, permissions.can_submit_commitment)
    services.submit_commitment(commitment, api_user())
    return commitment


@blueprint.post("/commitments/<int:commitment_id>/review")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.ReviewSchema)
@blueprint.response(200, schemas.CommitmentSchema)
@blueprint.alt_response(401, description=_UNAUTHENTICATED)
@blueprint.alt_response(403, description="Not the secretariat.")
@blueprint.alt_response(404, description="No such commitment.")
@blueprint.alt_response(409, description="Only submitted commitments are reviewed.")
@blueprint.alt_response(422, description=_INVALID)
def review_commitment(data, commitment_id):
    """Approve a submitted commitment or send it back with a comment (secretariat)."""
    commitment = _commitment_or_404(commitment_id)
    require(
        permissions.can_review_commitment(api_user(), commitment), "This is for the secretariat."
    )
    hold_for = data["hold_for_event_id"]
    if hold_for is not None and data["decision"] != "approve":
        abort(
            422,
            message="Invalid fields.",
            errors={"json": {"hold_for_event_id": ["only with the decision approve"]}},
        )
    if hold_for is not None:
        event = get_by_id(Event, hold_for)
        event_services.approve_and_hold(
            commitment, event, api_user(), data["comment"], field="hold_for_event_id"
        )
    elif data["decision"] == "approve":
        services.approve_commitment(commitment, api_user(), data["comment"], data["publish"])
    else:
        services.request_changes(commitment, api_user(), data["comment"])
    return commitment


@blueprint.post("/commitments/<int:commitment_id>/hold")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.HoldSchema)
@blueprint.response(200, schemas.CommitmentSchema)
@blueprint.alt_response(401, description=_UNAUTHENTICATED)
@blueprint.alt_response(403, description="Not allowed to hold this commitment.")
@blueprint.alt_response(404, description="No such commitment.")
@blueprint.alt_response(409, description="Only an approved commitment is held, or released.")
@blueprint.alt_response(422, description=_INVALID)
def hold_commitment(data, commitment_id):
    """Hold an approved commitment for a coming event, move its hold, or release it."""
    commitment = _commitment_or_404(commitment_id)
    require(
        permissions.can_hold_commitment(api_user(), commitment),
        "Not allowed to hold this commitment.",
    )
    if data["event_id"] is None:
        event_services.release_hold(commitment, api_user())
    else:
        event = get_by_id(Event, data["event_id"])
        event_services.hold_for_event(commitment, event, api_user())
    return commitment


@blueprint.post("/commitments/<int:commitment_id>/close")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.CloseSchema)
@blueprint.response(200, schemas.CommitmentSchema)
@blueprint.alt_response(401, description=_UNAUTHENTICATED)
@blueprint.alt_response(403, description="Not the secretariat.")
@blueprint.alt_response(404, description="No such commitment.")
@blueprint.alt_response(409, description="Only approved commitments are closed.")
@blueprint.alt_response(422, description=_INVALID)
def close_commitment(data, commitment_id):
    """Close an approved commitment as achieved, partially achieved or not achieved."""
    commitment = _commitment_or_404(commitment_id)
    require(
        permissions.can_review_commitment(api_user(), commitment), "This is for the secretariat."
    )
    services.close_commitment(commitment, data["status"], api_user(), data["comment"])
    return commitment


@blueprint.post("/commitments/<int:commitment_id>/withdraw")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.CommentSchema)
@blueprint.response(200, schemas.CommitmentSchema)
@blueprint.alt_response(401, description=_UNAUTHENTICATED)
@blueprint.alt_response(403, description="Not allowed to withdraw this commitment.")
@blueprint.alt_response(404, description="No such commitment.")
@blueprint.alt_response(409, description="Closed commitments are final.")
@blueprint.alt_response(422, description=_INVALID)
def withdraw_commitment(data, commitment_id):
    """Withdraw a commitment; final."""
    commitment = _commitment_or_404(commitment_id)
    if commitment.is_closed and _acts_for(commitment):
        abort(409, message=f"The commitment is already closed ({commitment.status}).")
    require(
        permissions.can_withdraw_commitment(api_user(), commitment),
        "Only the signatory's members or the secretariat may withdraw it.",
    )
    services.withdraw_commitment(commitment, api_user(), data["comment"])
    return commitment


@blueprint.get("/commitments/<int:commitment_id>/smart")
@blueprint.response(200, schemas.SmartReportSchema)
@blueprint.alt_response(404, description="No such commitment.")
def smart_report(commitment_id):
    """The SMART check: a score and the parts still missing."""
    return services.smart_check(_commitment_or_404(commitment_id))


@blueprint.get("/commitments/<int:commitment_id>/updates")
@blueprint.response(200, schemas.ProgressUpdateSchema(many=True))
@blueprint.alt_response(404, description="No such commitment.")
def list_updates(commitment_id):
    """Every progress update, corrections included, newest report first."""
    return services.updates_of(_commitment_or_404(commitment_id))


@blueprint.post("/commitments/<int:commitment_id>/updates")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.ProgressInputSchema)
@blueprint.response(201, schemas.ProgressUpdateSchema)
@blueprint.alt_response(401, description=_UNAUTHENTICATED)
@blueprint.alt_response(403, description="Not allowed to report on this commitment.")
@blueprint.alt_response(404, description="No such commitment.")
@blueprint.alt_response(409, description="Only approved commitments report progress.")
@blueprint.alt_response(422, description=_INVALID)
def report_progress(data, commitment_id):
    """Report progress on an approved commitment."""
    commitment = _commitment_or_404(commitment_id)
    _require_reporter(commitment)
    return services.report_progress(commitment, data, api_user(), source=UpdateSource.api)


@blueprint.get("/updates/<int:update_id>")
@blueprint.response(200, schemas.ProgressUpdateSchema)
@blueprint.alt_response(404, description="No such update.")
def get_update(update_id):
    """One progress update."""
    return _update_or_404(update_id)


@blueprint.post("/updates/<int:update_id>/correct")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.CorrectionInputSchema)
@blueprint.response(201, schemas.ProgressUpdateSchema)
@blueprint.alt_response(401, description=_UNAUTHENTICATED)
@blueprint.alt_response(403, description="Not allowed to report on this commitment.")
@blueprint.alt_response(404, description="No such update.")
@blueprint.alt_response(409, description="Already corrected, or the commitment is closed.")
@blueprint.alt_response(422, description=_INVALID)
def correct_update(data, update_id):
    """Correct an update: a new update supersedes it; the original is kept."""
    update = _update_or_404(update_id)
    _require_reporter(update.commitment)
    reason = data.pop("reason")
    return services.correct_update(update, data, api_user(), reason=reason, source=UpdateSource.api)


@blueprint.get("/commitments/<int:commitment_id>/assessments")
@blueprint.response(200, schemas.AssessmentSchema(many=True))
@blueprint.alt_response(404, description="No such commitment.")
def list_assessments(commitment_id):
    """Reviewers' assessments, newest first."""
    return services.assessments_of(_commitment_or_404(commitment_id))


@blueprint.post("/commitments/<int:commitment_id>/assessments")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.AssessmentInputSchema)
@blueprint.response(201, schemas.AssessmentSchema)
@blueprint.alt_response(401, description=_UNAUTHENTICATED)
@blueprint.alt_response(403, description="Not a reviewer, or not assessable yet.")
@blueprint.alt_response(404, description="No such commitment.")
@blueprint.alt_response(422, description=_INVALID)
def assess_commitment(data, commitment_id):
    """Record how complete a reviewer finds the commitment (secretariat)."""
    commitment = _commitment_or_404(commitment_id)
    require(
        permissions.can_assess_commitment(api_user(), commitment),
        "Only the secretariat assesses submitted commitments.",
    )
    return services.assess_commitment(commitment, data["level"], data["comment"], api_user())


@blueprint.get("/commitments/<int:commitment_id>/history")
@blueprint.response(200, schemas.HistoryEntrySchema(many=True))
@blueprint.alt_response(404, description="No such commitment.")
def commitment_history(commitment_id):
    """The timeline: status changes, progress updates and corrections, assessments.

    Readers who do not act for the signatory do not see its drafting and review steps.
    """
    commitment = _commitment_or_404(commitment_id)
    return services.commitment_history(
        commitment, include_review=permissions.can_view_review(api_user(), commitment)
    )


def _acts_for(commitment: Commitment) -> bool:
    user = api_user()
    return permissions.is_secretariat(user) or permissions.is_member_of(
        user, commitment.signatory_id
    )


def _require_editable_by_caller(commitment: Commitment, check=None) -> None:
    """403 for outsiders; 409 for those who act for it when its status forbids the change."""
    check = check or permissions.can_edit_commitment
    if not check(api_user(), commitment) and _acts_for(commitment) and not commitment.is_editable:
        abort(409, message=f"A {commitment.status} commitment can no longer be changed.")
    require(check(api_user(), commitment), "You may not change this commitment.")


def _require_reporter(commitment: Commitment) -> None:
    """403 for outsiders; 409 for those who act for it when it is not approved."""
    if _acts_for(commitment) and commitment.status != "approved":
        abort(
            409,
            message=f"Progress can only be reported on an approved commitment; "
            f"this one is {commitment.status}.",
        )
    require(
        permissions.can_report_progress(api_user(), commitment),
        "Only the signatory's members or the secretariat may report progress.",
    )
