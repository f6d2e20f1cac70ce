"""HTML pages of coalition, one module per audience, all on one blueprint."""

from flask import Blueprint

blueprint = Blueprint("coalition", __name__)

# The audience modules add their routes to the blueprint above.
from pact_tracker.coalition.views import member, public, secretariat  # noqa: E402, F401
