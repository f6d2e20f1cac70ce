"""Public pages: the same for everyone, signed in or not."""

from .routes import EVERYONE, Route


def _application(world: dict) -> dict:
    return {
        "name": "Matrix Joining Foundation",
        "organisation_type": "foundation",
        "country": "FR",
        "subdivision": "FR-ARA",
        "contact_name": "Jo Joiner",
        "contact_email": "joiner@matrix.example.org",
        "contact_locale": "fr",
        "accept_manifesto": "y",
    }


ROUTES: dict[str, Route] = {
    "coalition.directory": Route("GET", "/signatories?country=FR&q=matrix", EVERYONE),
    "coalition.signatory_page": Route("GET", "/signatories/{own_slug}", EVERYONE),
    "coalition.manifesto": Route("GET", "/manifesto", EVERYONE),
    "coalition.join": Route(
        "POST",
        "/join",
        EVERYONE,
        body=_application,
        note="anyone may apply for an organisation; the contact becomes a new account",
    ),
    "commitments.explorer": Route("GET", "/commitments?goal={goal}&status=approved", EVERYONE),
    "commitments.commitment_page": Route(
        "GET",
        "/commitments/{commitment_id}",
        EVERYONE,
        note="published; drafts are the members' (see test_public_pages)",
    ),
    "reference.goal_page": Route("GET", "/sdg/{goal}", EVERYONE),
    "reference.sdg_index": Route("GET", "/sdg", EVERYONE),
    "programmes.programme_list": Route("GET", "/programmes", EVERYONE),
    "programmes.programme_page": Route("GET", "/programmes/{programme_code}", EVERYONE),
}
