"""Permission matrix of the back office (``/admin/...``) and the organiser overview.

The back office is the secretariat's alone: anonymous visitors are sent to
sign in, every other signed-in role gets 403. The organiser overview is for
organisers and the secretariat. See ``routes.py`` for the format.
"""

import io

from pact_tracker.coalition.forms.secretariat import sign_upload

from .routes import ORGANISER, SECRETARIAT, Route

ADMIN = frozenset({SECRETARIAT})

SIGNATORIES_CSV = (
    b"name,organisation_type_code,country_code\nMatrix Imported Cooperative,cooperative,FR\n"
)


def _profile(world: dict) -> dict:
    return {
        "name": "Matrix Own Cooperative",
        "slug": world["own_slug"],
        "organisation_type_code": "cooperative",
        "country_code": "FR",
        "locality": "Lyon",
    }


def _proposal(world: dict) -> dict:
    return {
        "title_en": "Share tools between cooperatives",
        "title_fr": "Partager des outils entre coopératives",
        "organisation_type_codes": ["cooperative"],
        "target_codes": "8.5",
        "active": "y",
    }


ROUTES: dict[str, Route] = {
    "coalition.admin_home": Route("GET", "/admin/", ADMIN),
    "coalition.admin_applications": Route("GET", "/admin/applications", ADMIN),
    "coalition.admin_application": Route(
        "POST",
        "/admin/applications/{applied_slug}",
        ADMIN,
        body=lambda world: {"approve": "Approve", "message": "Welcome."},
    ),
    "coalition.admin_signatories": Route("GET", "/admin/signatories?status=approved", ADMIN),
    "coalition.admin_signatory": Route(
        "POST", "/admin/signatories/{own_slug}", ADMIN, body=_profile
    ),
    "coalition.admin_signatory_status": Route(
        "POST",
        "/admin/signatories/{own_slug}/status",
        ADMIN,
        body=lambda world: {"action": "suspend", "reason": "The membership fee is unpaid."},
    ),
    "coalition.admin_users": Route("GET", "/admin/users?role=member", ADMIN),
    "coalition.admin_user_new": Route(
        "POST",
        "/admin/users/new",
        ADMIN,
        body=lambda world: {
            "email": "new.person@matrix.example.org",
            "name": "New Person",
            "role": "organiser",
            "locale": "fr",
        },
    ),
    "coalition.admin_user": Route(
        "POST", "/admin/users/{other_user_id}", ADMIN, body=lambda world: {"role": "organiser"}
    ),
    "coalition.admin_user_active": Route(
        "POST", "/admin/users/{other_user_id}/active", ADMIN, body=lambda world: {"active": "0"}
    ),
    "coalition.admin_activity": Route("GET", "/admin/activity?action=signatory.", ADMIN),
    "coalition.admin_import": Route(
        "POST",
        "/admin/import",
        ADMIN,
        body=lambda world: {
            "kind": "signatories",
            "file": (io.BytesIO(SIGNATORIES_CSV), "signatories.csv"),
        },
        note="A dry run: shows the preview and writes nothing.",
    ),
    "coalition.admin_import_confirm": Route(
        "POST",
        "/admin/import/confirm",
        ADMIN,
        body=lambda world: {"token": sign_upload("signatories", "s.csv", SIGNATORIES_CSV)},
    ),
    "programmes.admin_programmes": Route("GET", "/admin/programmes", ADMIN),
    "programmes.admin_programme_new": Route(
        "POST",
        "/admin/programmes/new",
        ADMIN,
        body=lambda world: {
            "code": "MATRIX-NEW",
            "name_en": "Clean energy",
            "name_fr": "Énergie propre",
            "goal_numbers": ["7"],
            "active": "y",
        },
    ),
    "programmes.admin_programme_edit": Route(
        "POST",
        "/admin/programmes/{programme_code}/edit",
        ADMIN,
        body=lambda world: {
            "code": world["programme_code"],
            "name_en": "Decent work for all",
            "name_fr": "Travail décent pour tous",
            "goal_numbers": ["8"],
            "active": "y",
        },
    ),
    "programmes.admin_proposal_new": Route(
        "POST", "/admin/programmes/{programme_code}/proposals/new", ADMIN, body=_proposal
    ),
    "programmes.admin_proposal_edit": Route(
        "POST", "/admin/proposals/{proposal_id}/edit", ADMIN, body=_proposal
    ),
    "commitments.admin_review": Route("GET", "/admin/review?programme={programme_code}", ADMIN),
    "commitments.admin_review_bulk": Route(
        "POST",
        "/admin/review/bulk",
        ADMIN,
        body=lambda world: {"ids": [str(world["submitted_id"])], "action": "approve"},
    ),
    "commitments.admin_commitment": Route("GET", "/admin/commitments/{commitment_id}", ADMIN),
    "commitments.admin_commitment_review": Route(
        "POST",
        "/admin/commitments/{submitted_id}/review",
        ADMIN,
        body=lambda world: {"action": "request_changes", "comment": "Add a baseline."},
    ),
    "commitments.admin_commitment_close": Route(
        "POST",
        "/admin/commitments/{commitment_id}/close",
        ADMIN,
        body=lambda world: {"status": "achieved", "comment": "All trained."},
    ),
    "commitments.admin_commitment_withdraw": Route(
        "POST",
        "/admin/commitments/{draft_id}/withdraw",
        ADMIN,
        body=lambda world: {"comment": "A duplicate of another commitment."},
    ),
    "commitments.admin_commitment_assess": Route(
        "POST",
        "/admin/commitments/{commitment_id}/assess",
        ADMIN,
        body=lambda world: {"level": "substantial", "comment": "Evidence seen on site."},
    ),
    "commitments.organiser_home": Route(
        "GET", "/organiser/?on=2026-01-01", frozenset({ORGANISER, SECRETARIAT})
    ),
}
