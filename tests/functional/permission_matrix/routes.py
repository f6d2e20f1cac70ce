"""The format of the permission matrix: one ``Route`` per endpoint of the app.

Each area of the app keeps its table in a module ``matrix_<area>.py`` of this
package, as ``ROUTES: dict[str, Route]`` keyed by Flask endpoint name
(``app.url_map`` rule endpoints, e.g. ``"commitments.explorer"`` or
``"api_commitments.get_commitment"``). ``test_matrix.py`` merges every table,
fails if an endpoint of the app is missing (or a table names one that does not
exist), and requests every route as each role:

- a role in ``allowed`` must NOT be refused (and never get a 5xx);
- any other role must be refused: 401, 403, 404, or for pages a redirect to
  the sign-in page.

Paths are ``str.format`` templates filled from the ``World`` built for each
test (see ``WORLD_KEYS``). Bodies: ``body(world) -> dict`` gives a *valid*
JSON body (API) or form data (pages) for writes, so that a refused role meets
the permission check rather than a 422 from validation.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

ANONYMOUS = "anonymous"
#: A member (admin) of the signatory that owns the world's commitments.
OWNER = "owner"
#: A member (admin) of another approved signatory.
OTHER = "other"
ORGANISER = "organiser"
SECRETARIAT = "secretariat"

ROLES = (ANONYMOUS, OWNER, OTHER, ORGANISER, SECRETARIAT)
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
NOBODY = frozenset()

#: What a path template may name. Every id belongs to an object that exists.
WORLD_KEYS = {
    "own_slug": "slug of the owner's signatory (approved, a cooperative in France)",
    "own_signatory_id": "id of that signatory",
    "other_slug": "slug of the other member's signatory (approved)",
    "applied_slug": "slug of a signatory that applied and awaits review",
    "programme_code": "code of an active programme",
    "proposal_id": "an active proposal of that programme, adapted to cooperatives",
    "commitment_id": "the owner's approved and published commitment (it has progress updates)",
    "draft_id": "the owner's draft commitment",
    "submitted_id": "the owner's submitted commitment",
    "update_id": "the latest progress update of commitment_id (not superseded)",
    "indicator_id": "the indicator of commitment_id",
    "milestone_id": "a milestone of commitment_id",
    "owner_user_id": "id of the owner member",
    "other_user_id": "id of the other member",
    "owner_membership_id": "id of the owner's membership in own_slug",
    "invitation_id": "the other signatory's invitation to the owner, not yet answered",
    "goal": "an SDG goal number (8)",
    "campaign_id": "a draft campaign written by the secretariat (to everyone)",
    "suppression_id": "a suppressed address (bounced@example.org, a 550)",
    "update_link_id": "an update link issued to the owner for own_slug",
    "series_id": "an event series (yearly summit, from June 2025)",
    "series_slug": "its slug",
    "event_id": "the series' coming event (June 2027), scheduled",
    "event_slug": "its slug",
    "snapshot_id": "the published snapshot of the series' first event (June 2025)",
    "draft_snapshot_id": "a draft snapshot taken by hand, not linked to an event",
}


@dataclass(frozen=True)
class Route:
    method: str
    #: A path template, e.g. ``"/api/v1/commitments/{commitment_id}"``.
    path: str
    allowed: frozenset[str]
    #: A valid body for writes: JSON for the API, form data for pages.
    body: Callable[[dict], dict] | None = None
    #: Why a cell is what it is, when it is not obvious.
    note: str = field(default="", compare=False)
