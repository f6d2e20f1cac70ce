"""Managing events, under ``/manage/events``: organisers and the secretariat.

Series (a recurrence rule in a timezone) and their next occurrences; events
with their local dates, cutoff and reminder waves; moving (a new start takes
the cutoff and the pending waves along) and cancelling. The services check
the rules: their refusals are shown next to the fields (422) or at the top
(409), and the request's transaction is rolled back, so nothing is saved.
"""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from pact_tracker.core import permissions
from pact_tracker.core.errors import DomainError, InvalidInput
from pact_tracker.core.lookup import get_by_id
from pact_tracker.core.pagination import paginate_select
from pact_tracker.events.forms.events import (
    CancelEventForm,
    EventForm,
    OccurrencesForm,
    SeriesForm,
)
from pact_tracker.events.models import Event, EventSeries, EventStatus
from pact_tracker.events.services import events as services
from pact_tracker.events.views import blueprint
from pact_tracker.events.views.events_public import event_time
from pact_tracker.extensions import db

#: Re-rendering a refused form: 422, so that the request's transaction rolls back.
UNPROCESSABLE = 422
ORGANISER_LAYOUT = "events/manage/_organiser_layout.html"
SECRETARIAT_LAYOUT = "coalition/secretariat/_layout.html"


def _manager():
    """The signed-in person, if they may manage events (403 otherwise)."""
    user = current_user._get_current_object()
    if not permissions.can_manage_events(user):
        abort(403)
    return user


def _get(model, object_id: int):
    found = get_by_id(model, object_id)
    if found is None:
        abort(404)
    return found


def _render(template: str, status: int = 200, **context):
    """A back-office page: in the secretariat's tabs for the secretariat, plain for organisers."""
    secretariat = permissions.is_secretariat(current_user)
    layout = SECRETARIAT_LAYOUT if secretariat else ORGANISER_LAYOUT
    return render_template(f"events/manage/{template}", layout=layout, **context), status


def _refused(form, error: DomainError) -> int:
    """Put the service's messages next to the form's fields; return the status to answer."""
    for name, messages in error.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *messages]
    flash(error.message, "danger")
    return error.status_code


@blueprint.get("/manage/events")
@login_required
def manage_events():
    """The series and the events (latest first), with links to create more."""
    _manager()
    series = db.session.scalars(sa.select(EventSeries).order_by(EventSeries.name)).all()
    page = paginate_select(
        sa.select(Event).order_by(Event.starts_at.desc(), Event.id),
        request.args.get("page", 1, type=int),
    )
    return _render("events.html", series=series, page=page)


@blueprint.route("/manage/events/series/new", methods=["GET", "POST"])
@login_required
def new_series():
    """A new series: name, rule, timezone, first start in local time, length, place."""
    user = _manager()
    form = SeriesForm()
    if form.validate_on_submit():
        try:
            series = services.create_series(form.data_for_service(), user)
        except InvalidInput as error:
            return _render("series_form.html", _refused(form, error), form=form, series=None)
        flash(_("The series “%(name)s” was created.", name=series.name), "success")
        return redirect(url_for("events.manage_series", series_id=series.id))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return _render("series_form.html", status, form=form, series=None)


def _render_series(series, *, form=None, occurrences_form=None, status=200):
    if form is None:
        form = SeriesForm(formdata=None)
        form.fill_from(series)
    return _render(
        "series.html",
        status,
        series=series,
        form=form,
        occurrences_form=occurrences_form or OccurrencesForm(formdata=None),
    )


@blueprint.get("/manage/events/series/<int:series_id>")
@login_required
def manage_series(series_id: int):
    """A series: its settings to edit, its events, and a form to create the next ones."""
    _manager()
    return _render_series(_get(EventSeries, series_id))


@blueprint.post("/manage/events/series/<int:series_id>/edit")
@login_required
def edit_series(series_id: int):
    """Save a series' settings; its events keep their dates."""
    user = _manager()
    series = _get(EventSeries, series_id)
    form = SeriesForm()
    if not form.validate_on_submit():
        flash(_("The series was not saved: see the errors below."), "danger")
        return _render_series(series, form=form, status=UNPROCESSABLE)
    try:
        services.update_series(series, form.data_for_service(), user)
    except InvalidInput as error:
        return _render_series(series, form=form, status=_refused(form, error))
    flash(_("The series was saved. Events already created keep their dates."), "success")
    return redirect(url_for("events.manage_series", series_id=series.id))


@blueprint.post("/manage/events/series/<int:series_id>/occurrences")
@login_required
def schedule_occurrences(series_id: int):
    """Create the series' next N occurrences that do not exist yet."""
    user = _manager()
    series = _get(EventSeries, series_id)
    form = OccurrencesForm()
    if not form.validate_on_submit():
        flash(_("No event was created: see the errors below."), "danger")
        return _render_series(series, occurrences_form=form, status=UNPROCESSABLE)
    after = series.events[-1].starts_at if series.events else None
    try:
        created = services.schedule_occurrences(
            series,
            count=form.count.data,
            actor=user,
            after=after,
            publish_snapshot_at_start=form.publish_snapshot_at_start.data,
        )
    except InvalidInput as error:
        return _render_series(series, occurrences_form=form, status=_refused(form, error))
    flash(
        ngettext("%(num)d event was created.", "%(num)d events were created.", len(created)),
        "success",
    )
    return redirect(url_for("events.manage_series", series_id=series.id))


@blueprint.route("/manage/events/new", methods=["GET", "POST"])
@login_required
def new_event():
    """A new event on its own (not in a series)."""
    user = _manager()
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = services.create_event(form.data_for_service(), user)
        except InvalidInput as error:
            return _render("event_form.html", _refused(form, error), form=form)
        flash(_("The event “%(name)s” was created.", name=event.name), "success")
        return redirect(url_for("events.manage_event", event_id=event.id))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return _render("event_form.html", status, form=form)


def _render_event(event, *, form=None, cancel_form=None, status=200):
    if form is None:
        form = EventForm(formdata=None)
        form.fill_from(event)
    return _render(
        "event.html",
        status,
        event=event,
        form=form,
        cancel_form=cancel_form or CancelEventForm(formdata=None),
        editable=event.status == EventStatus.scheduled,
        may_see_campaigns=permissions.can_manage_campaigns(current_user),
    )


@blueprint.get("/manage/events/<int:event_id>")
@login_required
def manage_event(event_id: int):
    """An event: its dates, its reminder waves and their campaigns; edit, move or cancel it."""
    _manager()
    return _render_event(_get(Event, event_id))


@blueprint.post("/manage/events/<int:event_id>/edit")
@login_required
def edit_event(event_id: int):
    """Save an event; a new start moves its end, its cutoff and its pending waves along."""
    user = _manager()
    event = _get(Event, event_id)
    form = EventForm()
    if not form.validate_on_submit():
        flash(_("The event was not saved: see the errors below."), "danger")
        return _render_event(event, form=form, status=UNPROCESSABLE)
    old_start, old_cutoff = event.starts_at, event.cutoff_at
    try:
        services.update_event(event, form.changes_for_service(event), user)
    except DomainError as error:
        return _render_event(event, form=form, status=_refused(form, error))
    if (event.starts_at, event.cutoff_at) != (old_start, old_cutoff):
        flash(
            _(
                "The event was moved: it starts %(start)s. Its cutoff followed, to %(cutoff)s, "
                "and so did its pending reminder waves.",
                start=event_time(event.starts_at, event.timezone),
                cutoff=event_time(event.cutoff_at, event.timezone),
            ),
            "success",
        )
    else:
        flash(_("The event was saved."), "success")
    return redirect(url_for("events.manage_event", event_id=event.id))


@blueprint.post("/manage/events/<int:event_id>/cancel")
@login_required
def cancel_event(event_id: int):
    """Cancel an event (confirmed): its pending waves and their campaigns stop."""
    user = _manager()
    event = _get(Event, event_id)
    form = CancelEventForm()
    if not form.validate_on_submit() or not form.confirm.data:
        form.confirm.errors = [_("Tick the box to confirm that the event should be cancelled.")]
        flash(_("The event was not cancelled."), "danger")
        return _render_event(event, cancel_form=form, status=UNPROCESSABLE)
    try:
        services.cancel_event(event, user)
    except DomainError as error:
        return _render_event(event, cancel_form=form, status=_refused(form, error))
    flash(_("The event “%(name)s” was cancelled.", name=event.name), "success")
    return redirect(url_for("events.manage_event", event_id=event.id))
