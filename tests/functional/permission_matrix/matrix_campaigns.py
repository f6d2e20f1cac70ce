"""Pages that reminder and campaign emails link to: the token in the address is the permission."""

from .routes import EVERYONE, NOBODY, Route

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
}
