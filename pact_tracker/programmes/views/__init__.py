"""HTML pages of programmes, one module per audience, all on one blueprint."""

from flask import Blueprint

blueprint = Blueprint("programmes", __name__)

# The audience modules add their routes to the blueprint above.
from pact_tracker.programmes.views import public, secretariat  # noqa: E402, F401
