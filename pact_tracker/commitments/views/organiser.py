"""commitments pages for event organisers: progress across the coalition."""

from datetime import UTC, datetime, time

from flask import abort, render_template, request
from flask_login import current_user, login_required

from pact_tracker.commitments.forms.organiser import AsOfForm
from pact_tracker.commitments.services import review
from pact_tracker.commitments.views import blueprint
from pact_tracker.core import permissions


@blueprint.get("/organiser/")
@login_required
def organiser_home():
    """Approved commitments by reporting state, and the coalition's state as of a chosen date."""
    if not permissions.is_organiser(current_user._get_current_object()):
        abort(403)
    form = AsOfForm(request.args)
    form.validate()
    day = form.chosen()
    # The whole day counts: what was known by its end (or by now, for today).
    instant = min(datetime.combine(day, time.max, tzinfo=UTC), datetime.now(UTC))
    lines, total = review.states_as_of_by_programme(instant)
    return render_template(
        "commitments/organiser/home.html",
        form=form,
        day=day,
        states=review.REPORTING_STATES,
        counts=review.reporting_state_counts(),
        by_programme=review.approved_by("programme"),
        by_type=review.approved_by("organisation_type"),
        by_country=review.approved_by("country"),
        as_of_lines=lines,
        as_of_total=total,
    )
