"""Permission matrix of the member space (``/my/...``): see ``routes.py`` for the format.

A member acts for their own signatory; the secretariat may act for any. Members
of other signatories, organisers and anonymous visitors are refused. ``/my/``
and ``/my/preferences`` belong to whoever is signed in.
"""

from .routes import OWNER, SECRETARIAT, SIGNED_IN, Route

OWN_SIDE = frozenset({OWNER, SECRETARIAT})


def _progress_body(world: dict) -> dict:
    return {"status": "on_track", "percent_complete": "40", "narrative": "Going well."}


ROUTES: dict[str, Route] = {
    "coalition.my_home": Route("GET", "/my/", SIGNED_IN),
    "coalition.my_preferences": Route(
        "POST",
        "/my/preferences",
        SIGNED_IN,
        body=lambda world: {"name": "Renamed Person", "locale": "en"},
    ),
    "coalition.my_profile": Route("GET", "/my/{own_slug}/profile", OWN_SIDE),
    "coalition.my_invitations": Route("GET", "/my/invitations", SIGNED_IN),
    "coalition.accept_invitation": Route(
        "POST",
        "/my/invitations/{invitation_id}/accept",
        frozenset({OWNER}),
        body=lambda world: {},
        note="Only the invited person answers; for anyone else the invitation does not exist.",
    ),
    "coalition.decline_invitation": Route(
        "POST",
        "/my/invitations/{invitation_id}/decline",
        frozenset({OWNER}),
        body=lambda world: {},
    ),
    "coalition.my_members": Route("GET", "/my/{own_slug}/members", OWN_SIDE),
    "coalition.my_remove_member": Route(
        "POST",
        "/my/{own_slug}/members/{owner_membership_id}/remove",
        OWN_SIDE,
        body=lambda world: {},
        note="The owner removing their own membership is turned away with a message (302).",
    ),
    "commitments.my_commitments": Route("GET", "/my/{own_slug}/commitments", OWN_SIDE),
    "commitments.my_proposals": Route("GET", "/my/{own_slug}/proposals", OWN_SIDE),
    "commitments.new_commitment": Route(
        "GET", "/my/{own_slug}/commitments/new?proposal={proposal_id}", OWN_SIDE
    ),
    "commitments.my_commitment": Route("GET", "/my/{own_slug}/commitments/{draft_id}", OWN_SIDE),
    "commitments.update_commitment": Route(
        "GET", "/my/{own_slug}/commitments/{draft_id}/edit", OWN_SIDE
    ),
    "commitments.my_submit_commitment": Route(
        "POST",
        "/my/{own_slug}/commitments/{draft_id}/submit",
        OWN_SIDE,
        body=lambda world: {},
        note="A draft that fails the SMART check gets 422 with the missing parts: not a refusal.",
    ),
    "commitments.my_withdraw_commitment": Route(
        "POST",
        "/my/{own_slug}/commitments/{submitted_id}/withdraw",
        OWN_SIDE,
        body=lambda world: {"reason": "The budget was cut."},
    ),
    "commitments.report_progress": Route(
        "POST",
        "/my/{own_slug}/commitments/{commitment_id}/progress",
        OWN_SIDE,
        body=_progress_body,
    ),
    "commitments.correct_update": Route(
        "GET", "/my/{own_slug}/updates/{update_id}/correct", OWN_SIDE
    ),
}
