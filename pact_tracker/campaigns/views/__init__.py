"""HTML pages of campaigns, one module per audience, all on one blueprint.

``public``: the pages emails link to (update links, unsubscribing);
``secretariat``: the back office's campaigns and update links, under ``/admin/``.
"""

from flask import Blueprint

blueprint = Blueprint("campaigns", __name__)

# The audience modules add their routes to the blueprint above.
from pact_tracker.campaigns.views import public, secretariat  # noqa: E402, F401
