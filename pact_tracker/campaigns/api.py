"""JSON API of campaigns and their messages: the secretariat's, and nobody else's.

Every operation needs a token (401 without) of the secretariat (403 for anyone
else, before any lookup, so that others learn nothing of which campaigns
exist). The services decide the rest: invalid content or filters are 422 with
the fields named, a step the lifecycle does not allow is 409.
"""

from flask_smorest import abort
from sqlalchemy.orm import selectinload

from pact_tracker.campaigns import schemas
from pact_tracker.campaigns.models import Campaign, CampaignRecipient
from pact_tracker.campaigns.services import audience
from pact_tracker.campaigns.services import campaigns as services
from pact_tracker.coalition.models import User
from pact_tracker.core import permissions
from pact_tracker.core.api import (
    BEARER,
    ApiBlueprint,
    api_user,
    count_total,
    documented,
    get_or_404,
    login_required,
    paginate,
    past_any_list,
    require,
)
from pact_tracker.core.errors import InvalidInput
from pact_tracker.extensions import db

blueprint = ApiBlueprint(
    "campaigns",
    __name__,
    description="Campaigns written by the secretariat, their progress and their recipients.",
)

_UNAUTHENTICATED = "No valid token."
_FORBIDDEN = "Not the secretariat."
_NOT_FOUND = "No such campaign."
_INVALID = "Invalid fields, named in the body."


def _require_secretariat() -> None:
    require(permissions.can_manage_campaigns(api_user()), "Campaigns are for the secretariat.")


def _campaign_or_404(campaign_id: int, *, for_update: bool = False) -> Campaign:
    """The campaign, locked against the worker on PostgreSQL when it is about to change."""
    return get_or_404(Campaign, campaign_id, "campaign", for_update=for_update)


_documented = documented(
    blueprint,
    {
        401: _UNAUTHENTICATED,
        403: _FORBIDDEN,
        404: _NOT_FOUND,
        409: "The campaign's status does not allow this.",
        422: _INVALID,
    },
)


def _paginate_rows(query, pagination_parameters):
    """Like ``core.api.paginate``, for a query of several entities per row."""
    count_total(query, pagination_parameters)
    if past_any_list(pagination_parameters):
        return []
    page = query.limit(pagination_parameters.page_size).offset(pagination_parameters.first_item)
    return db.session.execute(page).all()


def _recipient_row(recipient: CampaignRecipient, message) -> dict:
    return {
        "id": recipient.id,
        "user": recipient.user,
        "signatory": recipient.signatory,
        "outbox_message_id": recipient.outbox_message_id,
        "status": str(message.status) if message is not None else None,
        "attempts": message.attempts if message is not None else 0,
        "last_reply": message.last_reply if message is not None else None,
        "sent_at": message.sent_at if message is not None else None,
        "answered_at": recipient.answered_at,
    }


@blueprint.get("/campaigns")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.CampaignFilterSchema, location="query")
@blueprint.response(200, schemas.CampaignSchema(many=True))
@_documented(401, 403, 422)
@blueprint.paginate()
def list_campaigns(filters, pagination_parameters):
    """Campaigns, newest first, optionally of one status."""
    _require_secretariat()
    query = db.select(Campaign).options(selectinload(Campaign.contents))
    if "status" in filters:
        query = query.where(Campaign.status == filters["status"])
    query = query.order_by(Campaign.created_at.desc(), Campaign.id.desc())
    return paginate(query, pagination_parameters)


@blueprint.post("/campaigns")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.CampaignCreateSchema)
@blueprint.response(201, schemas.CampaignSchema)
@_documented(401, 403, 422)
def create_campaign(data):
    """Write a draft campaign: its name, audience filters, and content per language."""
    _require_secretariat()
    return services.create_campaign(data, api_user())


@blueprint.get("/campaigns/audience-count")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.AudienceQuerySchema, location="query")
@blueprint.response(200, schemas.AudienceCountSchema)
@_documented(401, 403, 422)
def count_audience(filters):
    """How many people and organisations these filters reach now, and how many are excluded."""
    _require_secretariat()
    try:
        cleaned = audience.clean_filters(filters)
    except InvalidInput as error:
        abort(422, message=error.message, errors={"query": error.errors})
    return audience.count_audience(cleaned)


@blueprint.get("/campaigns/<int:campaign_id>")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(200, schemas.CampaignSchema)
@_documented(401, 403, 404)
def get_campaign(campaign_id):
    """One campaign with its content in every language."""
    _require_secretariat()
    return _campaign_or_404(campaign_id)


@blueprint.patch("/campaigns/<int:campaign_id>")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.CampaignUpdateSchema)
@blueprint.response(200, schemas.CampaignSchema)
@_documented(401, 403, 404, 409, 422)
def update_campaign(data, campaign_id):
    """Change a draft, scheduled or paused campaign; the audience only until it starts.

    ``contents``, when given, replaces every language's. Editing a paused
    campaign renders again its messages not sent yet.
    """
    _require_secretariat()
    campaign = _campaign_or_404(campaign_id, for_update=True)
    return services.update_campaign(campaign, data, api_user())


@blueprint.post("/campaigns/<int:campaign_id>/schedule")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.ScheduleSchema)
@blueprint.response(200, schemas.CampaignSchema)
@_documented(401, 403, 404, 409, 422)
def schedule_campaign(data, campaign_id):
    """Schedule a draft (or move a scheduled one) to start at ``scheduled_at``, or now.

    Refused (422) without content in the default language or with nobody to write to.
    """
    _require_secretariat()
    campaign = _campaign_or_404(campaign_id, for_update=True)
    return services.schedule_campaign(campaign, data.get("scheduled_at"), api_user())


@blueprint.post("/campaigns/<int:campaign_id>/unschedule")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(200, schemas.CampaignSchema)
@_documented(401, 403, 404, 409)
def unschedule_campaign(campaign_id):
    """Turn a scheduled campaign back into a draft."""
    _require_secretariat()
    campaign = _campaign_or_404(campaign_id, for_update=True)
    return services.unschedule_campaign(campaign, api_user())


@blueprint.post("/campaigns/<int:campaign_id>/pause")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.PauseSchema)
@blueprint.response(200, schemas.CampaignSchema)
@_documented(401, 403, 404, 409, 422)
def pause_campaign(data, campaign_id):
    """Hold a running campaign's unsent messages, or keep a scheduled one from starting.

    Messages already handed to a dispatcher may still go.
    """
    _require_secretariat()
    campaign = _campaign_or_404(campaign_id, for_update=True)
    return services.pause_campaign(campaign, api_user(), data["reason"])


@blueprint.post("/campaigns/<int:campaign_id>/resume")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(200, schemas.CampaignSchema)
@_documented(401, 403, 404, 409)
def resume_campaign(campaign_id):
    """Let a paused campaign go on: ``running`` again, or ``scheduled`` if it had not started.

    A campaign paused before it started starts at its scheduled time, or at once
    if that time has passed.
    """
    _require_secretariat()
    campaign = _campaign_or_404(campaign_id, for_update=True)
    return services.resume_campaign(campaign, api_user())


@blueprint.post("/campaigns/<int:campaign_id>/cancel")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(200, schemas.CancelResultSchema)
@_documented(401, 403, 404, 409)
def cancel_campaign(campaign_id):
    """Cancel a campaign for good and withdraw its messages not sent yet."""
    _require_secretariat()
    campaign = _campaign_or_404(campaign_id, for_update=True)
    withdrawn = services.cancel_campaign(campaign, api_user())
    return {"campaign": campaign, "withdrawn": withdrawn}


@blueprint.post("/campaigns/<int:campaign_id>/resend-failed")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.response(200, schemas.ResendResultSchema)
@_documented(401, 403, 404, 409, 422)
def resend_failed(campaign_id):
    """A new message to each person whose latest message failed.

    People who may not be written to now (their address is suppressed, they
    opted out, their account is deactivated) are skipped; when nobody else is
    left, the 422 names each of them and why under ``errors.json.recipients``.
    """
    _require_secretariat()
    campaign = _campaign_or_404(campaign_id, for_update=True)
    queued = services.resend_failed(campaign, api_user())
    return {"campaign": campaign, "queued": queued}


@blueprint.post("/campaigns/<int:campaign_id>/test-send")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.SendTestSchema)
@blueprint.response(202, schemas.SendTestResultSchema)
@_documented(401, 403, 404, 422)
def test_send(data, campaign_id):
    """Email yourself the campaign as ``as_user_id`` (or you) would get it; not counted."""
    _require_secretariat()
    campaign = _campaign_or_404(campaign_id)
    as_user = None
    if data.get("as_user_id") is not None:
        as_user = db.session.get(User, data["as_user_id"])
        if as_user is None:
            abort(422, errors={"json": {"as_user_id": [f"No user {data['as_user_id']}."]}})
    message = services.send_test(campaign, api_user(), as_user)
    return {
        "queued": message is not None,
        "to": api_user().email,
        "subject": message.subject if message is not None else None,
        "outbox_message_id": message.id if message is not None else None,
    }


@blueprint.get("/campaigns/<int:campaign_id>/progress")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.ProgressQuerySchema, location="query")
@blueprint.response(200, schemas.CampaignProgressSchema)
@_documented(401, 403, 404, 422)
def campaign_progress(query, campaign_id):
    """Messages by status, recipients answered, and response rates by type and programme."""
    _require_secretariat()
    campaign = _campaign_or_404(campaign_id)
    locale = query.get("locale") or api_user().locale
    return {
        "campaign": campaign,
        "progress": services.campaign_progress(campaign),
        "response_rates": services.response_rates(campaign, locale),
    }


@blueprint.get("/campaigns/<int:campaign_id>/recipients")
@login_required
@blueprint.doc(security=BEARER)
@blueprint.arguments(schemas.RecipientFilterSchema, location="query")
@blueprint.response(200, schemas.RecipientSchema(many=True))
@_documented(401, 403, 404, 422)
@blueprint.paginate()
def list_recipients(filters, campaign_id, pagination_parameters):
    """The people asked (one row per person and signatory), with their message's fate."""
    _require_secretariat()
    campaign = _campaign_or_404(campaign_id)
    query = services.recipients(campaign, filters.get("status")).options(
        selectinload(CampaignRecipient.user), selectinload(CampaignRecipient.signatory)
    )
    rows = _paginate_rows(query, pagination_parameters)
    return [_recipient_row(recipient, message) for recipient, message in rows]
