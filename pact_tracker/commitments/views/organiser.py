"""commitments pages for event organisers: progress across the coalition."""

from flask import abort, render_template, request
from flask_login import current_user, login_required

from pact_tracker.commitments.forms.organiser import AsOfForm
from pact_tracker.commitments.services import overview
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
    # The whole day counts: what was known by its end (or by now, for today).
    figures = overview.organiser_overview(form.chosen())
    return render_template(
        "commitments/organiser/home.html",
        form=form,
        day=figures.day,
        states=overview.REPORTING_STATES,
        counts=figures.lights.counts,
        by_programme=figures.lights.by_programme,
        by_type=figures.lights.by_type,
        by_country=figures.lights.by_country,
        as_of_lines=figures.as_of.lines,
        as_of_total=figures.as_of.total,
    )
