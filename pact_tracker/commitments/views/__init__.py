"""HTML pages of commitments, one module per audience, all on one blueprint."""

from flask import Blueprint

blueprint = Blueprint("commitments", __name__)

# The audience modules add their routes to the blueprint above.
from pact_tracker.commitments.views import (  # noqa: E402, F401
    member,
    organiser,
    public,
    secretariat,
)
