"""Campaign pages: those emails link to (the token in the address is the permission) and the
secretariat's back office of campaigns and update links (the secretariat's alone)."""

from .routes import EVERYONE, NOBODY, SECRETARIAT, Route

ADMIN = frozenset({SECRETARIAT})


def _campaign_form(world: dict) -> dict:
    return {
        "name": "Autumn progress call",
        "countries": ["FR"],
        "subject_en": "Your progress",
        "body_en": "Hello {{ recipient_name }}: <{{ update_url }}>",
        "default_locale": "en",
        "link_valid_days": "30",
        "save": "1",
    }


ROUTES: dict[str, Route] = {
    "campaigns.open_update_link": Route(
        "GET",
        "/u/not-a-real-token",
        EVERYONE,
        note="the token is the permission: an unknown one gets the 410 'link no longer works' page",
    ),
    "campaigns.link_commitments": Route(
        "GET",
        "/u/",
        NOBODY,
        note="only a session scoped by an update link; signing in gives no such scope",
    ),
    "campaigns.link_progress": Route(
        "POST",
        "/u/commitments/{commitment_id}/progress",
        NOBODY,
        body=lambda w: {"status": "on_track", "percent_complete": "40"},
        note="only a session scoped by an update link of the commitment's signatory",
    ),
    "campaigns.unsubscribe": Route(
        "GET",
        "/unsubscribe/not-a-real-token",
        EVERYONE,
        note="the signed token is the permission: an unknown one gets the 410 page",
    ),
    "campaigns.confirm_unsubscribe": Route(
        "POST",
        "/unsubscribe/not-a-real-token",
        EVERYONE,
        body=lambda w: {"List-Unsubscribe": "One-Click"},
        note="the signed token is the permission: an unknown one gets the 410 page",
    ),
    "campaigns.admin_campaigns": Route("GET", "/admin/campaigns", ADMIN),
    "campaigns.admin_campaign_new": Route(
        "POST", "/admin/campaigns/new", ADMIN, body=_campaign_form
    ),
    "campaigns.admin_campaign_edit": Route(
        "POST", "/admin/campaigns/{campaign_id}/edit", ADMIN, body=_campaign_form
    ),
    "campaigns.admin_audience_count": Route(
        "GET", "/admin/campaigns/audience-count?countries=FR&reporting_states=on_time", ADMIN
    ),
    "campaigns.admin_campaign": Route("GET", "/admin/campaigns/{campaign_id}", ADMIN),
    "campaigns.admin_campaign_progress": Route(
        "GET", "/admin/campaigns/{campaign_id}/progress", ADMIN
    ),
    "campaigns.admin_campaign_schedule": Route(
        "POST",
        "/admin/campaigns/{campaign_id}/schedule",
        ADMIN,
        body=lambda world: {"when": "at", "at": "2031-05-04T09:30"},
    ),
    "campaigns.admin_campaign_action": Route(
        "POST",
        "/admin/campaigns/{campaign_id}/cancel",
        ADMIN,
        body=lambda world: {"confirm": "y"},
        note="one endpoint for unschedule, pause, resume, cancel and resend",
    ),
    "campaigns.admin_campaign_recipients": Route(
        "GET", "/admin/campaigns/{campaign_id}/recipients?status=failed", ADMIN
    ),
    "campaigns.admin_campaign_never_answered": Route(
        "GET", "/admin/campaigns/{campaign_id}/never-answered", ADMIN
    ),
    "campaigns.admin_campaign_preview": Route(
        "GET", "/admin/campaigns/{campaign_id}/preview?email=owner@matrix.example.org", ADMIN
    ),
    "campaigns.admin_campaign_test": Route(
        "POST", "/admin/campaigns/{campaign_id}/test", ADMIN, body=lambda world: {}
    ),
    "campaigns.admin_update_links": Route(
        "GET", "/admin/update-links?signatory={own_slug}&state=active", ADMIN
    ),
    "campaigns.admin_update_link_revoke": Route(
        "POST", "/admin/update-links/{update_link_id}/revoke", ADMIN
    ),
    "campaigns.admin_suppressions": Route("GET", "/admin/suppressions?email=bounced", ADMIN),
    "campaigns.admin_suppression_lift": Route(
        "POST", "/admin/suppressions/{suppression_id}/lift", ADMIN
    ),
    "campaigns.admin_campaign_lift_suppression": Route(
        "POST", "/admin/campaigns/{campaign_id}/suppressions/{suppression_id}/lift", ADMIN
    ),
}
