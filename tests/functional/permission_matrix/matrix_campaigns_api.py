"""The campaigns API (``/api/v1/campaigns``): the secretariat's alone.

The world's campaign (``campaign_id``) is a draft to everyone, with English
content: scheduling and cancelling it succeed; the steps a draft cannot take
(unschedule, pause, resume, resend to failed) answer the secretariat 409,
which is not a refusal: the permission check let it through to the service.
"""

from .routes import SECRETARIAT, Route

SECRETARIAT_ONLY = frozenset({SECRETARIAT})
_API = "/api/v1/campaigns"
_NOT_A_DRAFT_STEP = "a draft cannot take this step: the secretariat gets 409, the others a refusal"


def _get(path: str, note: str = "") -> Route:
    return Route("GET", _API + path, SECRETARIAT_ONLY, note=note)


def _write(method: str, path: str, body=None, note: str = "") -> Route:
    return Route(method, _API + path, SECRETARIAT_ONLY, body=body, note=note)


ROUTES: dict[str, Route] = {
    "api_campaigns.list_campaigns": _get("?status=draft"),
    "api_campaigns.create_campaign": _write(
        "POST",
        "",
        lambda w: {
            "name": "Matrix autumn call",
            "audience": {"countries": ["FR"]},
            "contents": {"en": {"subject": "Autumn", "body": "Hello {{ recipient_name }}"}},
        },
    ),
    "api_campaigns.count_audience": _get("/audience-count?countries=FR"),
    "api_campaigns.get_campaign": _get("/{campaign_id}"),
    "api_campaigns.update_campaign": _write(
        "PATCH", "/{campaign_id}", lambda w: {"name": "Spring progress call, take two"}
    ),
    "api_campaigns.schedule_campaign": _write(
        "POST", "/{campaign_id}/schedule", lambda w: {"scheduled_at": "2030-01-06T09:00:00+01:00"}
    ),
    "api_campaigns.unschedule_campaign": _write(
        "POST", "/{campaign_id}/unschedule", note=_NOT_A_DRAFT_STEP
    ),
    "api_campaigns.pause_campaign": _write(
        "POST", "/{campaign_id}/pause", lambda w: {"reason": "checking"}, note=_NOT_A_DRAFT_STEP
    ),
    "api_campaigns.resume_campaign": _write(
        "POST", "/{campaign_id}/resume", note=_NOT_A_DRAFT_STEP
    ),
    "api_campaigns.cancel_campaign": _write("POST", "/{campaign_id}/cancel"),
    "api_campaigns.resend_failed": _write(
        "POST", "/{campaign_id}/resend-failed", note=_NOT_A_DRAFT_STEP
    ),
    "api_campaigns.test_send": _write(
        "POST", "/{campaign_id}/test-send", lambda w: {"as_user_id": w["owner_user_id"]}
    ),
    "api_campaigns.campaign_progress": _get("/{campaign_id}/progress"),
    "api_campaigns.list_recipients": _get("/{campaign_id}/recipients?status=sent"),
}
