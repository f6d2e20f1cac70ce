"""HTML pages of events and snapshots, one module per part, all on one blueprint.

``events_public``: the events list, an event's page and the iCalendar feed;
``events_manage``: series and events for organisers and the secretariat;
``snapshots``: snapshot pages (public once published), comparison and exports.
"""

from flask import Blueprint

blueprint = Blueprint("events", __name__)

# The modules add their routes to the blueprint above.
from pact_tracker.events.views import events_manage, events_public, snapshots  # noqa: E402, F401
