"""The JSON API (``/api/v1``): who may call each operation (its docs: ``matrix_core``).

Reads of public things (the lexicon, programmes, approved signatories,
published commitments and their progress) are open to everyone; writes need a
token and the permission ``core.permissions`` gives. The world's commitment is
published, so anyone may read it; its draft and submitted siblings are not.
"""

from .routes import EVERYONE, OWNER, SECRETARIAT, SIGNED_IN, Route

OWNER_OR_SECRETARIAT = frozenset({OWNER, SECRETARIAT})
SECRETARIAT_ONLY = frozenset({SECRETARIAT})

_API = "/api/v1"


def _get(path: str, allowed=EVERYONE, note: str = "") -> Route:
    return Route("GET", _API + path, frozenset(allowed), note=note)


def _write(method: str, path: str, allowed, body=None, note: str = "") -> Route:
    return Route(method, _API + path, frozenset(allowed), body=body, note=note)


REFERENCE = {
    "api_reference.list_goals": _get("/sdg/goals"),
    "api_reference.get_goal": _get("/sdg/goals/{goal}"),
    "api_reference.list_targets": _get("/sdg/targets?goal={goal}"),
    "api_reference.list_indicators": _get("/sdg/indicators?target=8.5"),
    "api_reference.list_organisation_types": _get("/organisation-types"),
    "api_reference.list_impact_dimensions": _get("/impact-dimensions"),
    "api_reference.list_countries": _get("/countries"),
    "api_reference.list_subdivisions": _get("/countries/FR/subdivisions"),
}

COALITION = {
    "api_coalition.list_signatories": _get("/signatories"),
    "api_coalition.get_signatory": _get("/signatories/{own_slug}"),
    "api_coalition.create_signatory": _write(
        "POST",
        "/signatories",
        SIGNED_IN,
        lambda w: {
            "name": "Matrix New Foundation",
            "organisation_type_code": "foundation",
            "country_code": "IT",
        },
        note="the secretariat registers; anyone else signed in applies to join",
    ),
    "api_coalition.update_signatory": _write(
        "PATCH",
        "/signatories/{own_slug}",
        OWNER_OR_SECRETARIAT,
        lambda w: {"description": "Training and hiring in the Lyon area."},
    ),
    "api_coalition.change_signatory_status": _write(
        "POST",
        "/signatories/{applied_slug}/status",
        SECRETARIAT_ONLY,
        lambda w: {"status": "approved"},
    ),
    "api_coalition.list_members": _get("/signatories/{own_slug}/members", OWNER_OR_SECRETARIAT),
    "api_coalition.invite_member": _write(
        "POST",
        "/signatories/{own_slug}/members",
        OWNER_OR_SECRETARIAT,
        lambda w: {"email": "colleague@matrix.example.org", "name": "Colin Colleague"},
        note="the owner is an admin member",
    ),
    "api_coalition.remove_member": _write(
        "DELETE",
        "/signatories/{own_slug}/members/{owner_membership_id}",
        OWNER_OR_SECRETARIAT,
    ),
    "api_coalition.get_me": _get("/users/me", SIGNED_IN),
    "api_coalition.update_me": _write(
        "PATCH", "/users/me", SIGNED_IN, lambda w: {"locale": "fr", "reminders_opt_out": True}
    ),
    "api_coalition.list_users": _get("/users", SECRETARIAT_ONLY),
    "api_coalition.create_user": _write(
        "POST",
        "/users",
        SECRETARIAT_ONLY,
        lambda w: {
            "email": "new-organiser@matrix.example.org",
            "name": "Nina Organiser",
            "role": "organiser",
        },
    ),
    "api_coalition.update_user": _write(
        "PATCH", "/users/{other_user_id}", SECRETARIAT_ONLY, lambda w: {"name": "Oscar Renamed"}
    ),
    "api_coalition.list_activity": _get(
        "/activity?signatory_id={own_signatory_id}",
        OWNER_OR_SECRETARIAT,
        note="unfiltered, any signed-in user reads the activity of their own signatories",
    ),
}

PROGRAMMES = {
    "api_programmes.list_programmes": _get("/programmes"),
    "api_programmes.get_programme": _get("/programmes/{programme_code}"),
    "api_programmes.create_programme": _write(
        "POST",
        "/programmes",
        SECRETARIAT_ONLY,
        lambda w: {
            "code": "MATRIX-NEW",
            "name_en": "Sustainable food",
            "name_fr": "Alimentation durable",
            "goal_numbers": [2, 12],
        },
    ),
    "api_programmes.update_programme": _write(
        "PATCH",
        "/programmes/{programme_code}",
        SECRETARIAT_ONLY,
        lambda w: {"description_en": "Jobs that last, for everyone."},
    ),
    "api_programmes.list_proposals": _get("/programmes/{programme_code}/proposals"),
    "api_programmes.get_proposal": _get("/proposals/{proposal_id}"),
    "api_programmes.create_proposal": _write(
        "POST",
        "/programmes/{programme_code}/proposals",
        SECRETARIAT_ONLY,
        lambda w: {
            "title_en": "Open apprenticeships",
            "title_fr": "Ouvrir des apprentissages",
            "organisation_type_codes": ["cooperative", "association"],
            "target_codes": ["8.6"],
        },
    ),
    "api_programmes.update_proposal": _write(
        "PATCH",
        "/proposals/{proposal_id}",
        SECRETARIAT_ONLY,
        lambda w: {"text_en": "Hire, train and keep people far from employment."},
    ),
}

COMMITMENTS = {
    "api_commitments.list_commitments": _get("/commitments"),
    "api_commitments.get_commitment": _get("/commitments/{commitment_id}"),
    "api_commitments.create_commitment": _write(
        "POST",
        "/signatories/{own_slug}/commitments",
        OWNER_OR_SECRETARIAT,
        lambda w: {"proposal_id": w["proposal_id"], "due_date": "2029-12-31"},
    ),
    "api_commitments.update_commitment": _write(
        "PATCH",
        "/commitments/{draft_id}",
        OWNER_OR_SECRETARIAT,
        lambda w: {"title": "Open a second workshop in Villeurbanne"},
        note="a draft: invisible (404) to anyone who does not act for its signatory",
    ),
    "api_commitments.submit_commitment": _write(
        "POST", "/commitments/{draft_id}/submit", OWNER_OR_SECRETARIAT
    ),
    "api_commitments.review_commitment": _write(
        "POST",
        "/commitments/{submitted_id}/review",
        SECRETARIAT_ONLY,
        lambda w: {"decision": "approve", "comment": "Well defined."},
    ),
    "api_commitments.hold_commitment": _write(
        "POST",
        "/commitments/{commitment_id}/hold",
        SECRETARIAT_ONLY,
        lambda w: {"event_id": w["event_id"]},
        note="held back until the world's coming event",
    ),
    "api_commitments.close_commitment": _write(
        "POST",
        "/commitments/{commitment_id}/close",
        SECRETARIAT_ONLY,
        lambda w: {"status": "achieved", "comment": "All 40 trained."},
    ),
    "api_commitments.withdraw_commitment": _write(
        "POST",
        "/commitments/{commitment_id}/withdraw",
        OWNER_OR_SECRETARIAT,
        lambda w: {"comment": "The funding stopped."},
    ),
    "api_commitments.smart_report": _get("/commitments/{commitment_id}/smart"),
    "api_commitments.list_updates": _get("/commitments/{commitment_id}/updates"),
    "api_commitments.report_progress": _write(
        "POST",
        "/commitments/{commitment_id}/updates",
        OWNER_OR_SECRETARIAT,
        lambda w: {
            "status": "on_track",
            "percent_complete": 50,
            "indicator_values": [{"indicator_id": w["indicator_id"], "value": "20"}],
            "milestones_done": [w["milestone_id"]],
            "narrative": "The first cohort is trained.",
        },
    ),
    "api_commitments.get_update": _get("/updates/{update_id}"),
    "api_commitments.correct_update": _write(
        "POST",
        "/updates/{update_id}/correct",
        OWNER_OR_SECRETARIAT,
        lambda w: {"reason": "A typing error.", "percent_complete": 30},
    ),
    "api_commitments.list_assessments": _get("/commitments/{commitment_id}/assessments"),
    "api_commitments.assess_commitment": _write(
        "POST",
        "/commitments/{commitment_id}/assessments",
        SECRETARIAT_ONLY,
        lambda w: {"level": "substantial", "comment": "Evidence for most of it."},
    ),
    "api_commitments.commitment_history": _get("/commitments/{commitment_id}/history"),
}

ROUTES: dict[str, Route] = {**REFERENCE, **COALITION, **PROGRAMMES, **COMMITMENTS}
