"""commitments pages for the secretariat back office: review, close, withdraw, assess.

The review queue takes decisions one at a time (from a commitment's page) or
in bulk (ticked rows of the queue, each through the same service, each
reported as done or refused).
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pact_tracker.commitments import services
from pact_tracker.commitments.forms.member import LABELS, timeline_texts
from pact_tracker.commitments.forms.secretariat import (
    AssessmentForm,
    BulkReviewForm,
    CloseForm,
    ReviewFilterForm,
    ReviewForm,
    WithdrawForm,
)
from pact_tracker.commitments.models import Commitment, CommitmentStatus
from pact_tracker.commitments.services import review
from pact_tracker.commitments.services.explorer import current_values
from pact_tracker.commitments.views import blueprint
from pact_tracker.core import permissions
from pact_tracker.core.errors import DomainError
from pact_tracker.core.lookup import get_by_id
from pact_tracker.core.pagination import paginate_select
from pact_tracker.core.types import utcnow
from pact_tracker.events.forms.events import NO_HOLD, HoldForm
from pact_tracker.events.models import Event, EventStatus
from pact_tracker.events.services import events as event_services
from pact_tracker.events.views.events_public import event_time
from pact_tracker.extensions import db
from pact_tracker.programmes import services as programmes

#: Re-rendering a refused form: 422, so that the request's transaction rolls back.
UNPROCESSABLE = 422


def _user():
    return current_user._get_current_object()


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _commitment(commitment_id: int) -> Commitment:
    commitment = get_by_id(Commitment, commitment_id)
    if commitment is None:
        abort(404)
    return commitment


@blueprint.get("/admin/review")
@login_required
def admin_review():
    """Submitted commitments waiting for review, with their SMART score."""
    user = _user()
    _require(permissions.can_review_commitments(user))
    form = ReviewFilterForm(request.args)
    _filter_choices(form, user)
    form.validate()
    return _render_queue(form, BulkReviewForm(formdata=None), user)


def _filter_choices(form: ReviewFilterForm, user) -> None:
    form.set_choices(db.session.scalars(programmes.programmes_query(user)).all(), str(get_locale()))


def _render_queue(form, bulk_form, user, status=200):
    page = paginate_select(
        review.review_queue(user, form.filters()), request.args.get("page", 1, type=int)
    )
    scores = review.queue_scores(page.items)
    return (
        render_template(
            "commitments/secretariat/review.html",
            form=form,
            bulk_form=bulk_form,
            page=page,
            scores=scores,
        ),
        status,
    )


@blueprint.post("/admin/review/bulk")
@login_required
def admin_review_bulk():
    """One decision for every ticked commitment; each goes through the service on its own."""
    user = _user()
    _require(permissions.can_review_commitments(user))
    form = BulkReviewForm()
    if not form.validate_on_submit():
        filters = ReviewFilterForm(request.args)
        _filter_choices(filters, user)
        filters.validate()
        return _render_queue(filters, form, user, UNPROCESSABLE)
    done, refused = [], []
    for commitment_id in form.ids.data:
        outcome = _decide_one(commitment_id, form.action.data, form.comment.data or "", user)
        (refused if outcome else done).append((commitment_id, outcome))
    if done:
        ids = ", ".join(f"#{commitment_id}" for commitment_id, _outcome in done)
        if form.action.data == "approve":
            flash(_("Approved: %(ids)s.", ids=ids), "success")
        else:
            flash(_("Sent back for changes: %(ids)s.", ids=ids), "success")
    for commitment_id, reason in refused:
        flash(_("#%(id)s was not changed: %(reason)s", id=commitment_id, reason=reason), "danger")
    return redirect(url_for("commitments.admin_review", **request.args))


def _decide_one(commitment_id: int, action: str, comment: str, user) -> str | None:
    """Apply the decision to one commitment in its own SAVEPOINT; the refusal's reason, or None."""
    commitment = get_by_id(Commitment, commitment_id)
    if commitment is None:
        return _("no such commitment.")
    if not permissions.can_review_commitment(user, commitment):
        return _("you may not review it.")
    try:
        with db.session.begin_nested():
            if action == "approve":
                services.approve_commitment(commitment, user, comment)
            else:
                services.request_changes(commitment, user, comment)
    except DomainError as error:
        return error.message
    return None


def _render_commitment(commitment, *, status=200, **forms):
    user = _user()
    review_form = forms.get("review_form") or ReviewForm(formdata=None)
    close_form = forms.get("close_form") or CloseForm(formdata=None)
    withdraw_form = forms.get("withdraw_form") or WithdrawForm(formdata=None)
    assess_form = forms.get("assess_form") or AssessmentForm(formdata=None)
    hold_form = forms.get("hold_form") or HoldForm(formdata=None)
    _hold_choices(hold_form, commitment)
    if review_form.hold_event_id.choices is None:
        _review_hold_choices(review_form)
    updates = services.updates_of(commitment)
    services.share_authors(updates)
    return (
        render_template(
            "commitments/secretariat/commitment.html",
            commitment=commitment,
            signatory=commitment.signatory,
            smart=services.smart_check(commitment),
            history=services.commitment_history(commitment, updates=updates),
            updates=updates,
            current_values=current_values(updates),
            labels=LABELS,
            timeline_texts=timeline_texts(),
            may_report=False,
            may_review=commitment.status == CommitmentStatus.submitted,
            may_close=commitment.status == CommitmentStatus.approved,
            may_withdraw=permissions.can_withdraw_commitment(user, commitment),
            may_assess=permissions.can_assess_commitment(user, commitment),
            review_form=review_form,
            close_form=close_form,
            withdraw_form=withdraw_form,
            assess_form=assess_form,
            may_hold=commitment.status == CommitmentStatus.approved
            and permissions.can_hold_commitment(user, commitment),
            hold_form=hold_form,
            held_for=db.session.get(Event, commitment.embargo_event_id)
            if commitment.embargo_event_id
            else None,
        ),
        status,
    )


def _coming_events() -> list[tuple[int, str]]:
    """The events a commitment may be held for: scheduled and still to come."""
    now = utcnow()
    coming = db.session.scalars(
        event_services.upcoming_events(now).where(
            Event.status == EventStatus.scheduled, Event.starts_at > now
        )
    )
    return [
        (event.id, f"{event.name}, {event_time(event.starts_at, event.timezone)}")
        for event in coming
    ]


def _hold_choices(form: HoldForm, commitment) -> None:
    """The coming events; and, while it is held, releasing it."""
    release = [(NO_HOLD, _("No hold: public now"))] if commitment.embargo_event_id else []
    form.event_id.choices = release + _coming_events()


def _review_hold_choices(form: ReviewForm) -> None:
    form.hold_event_id.choices = [(NO_HOLD, _("Public at once"))] + [
        (event_id, _("Held until %(event)s", event=label)) for event_id, label in _coming_events()
    ]


@blueprint.get("/admin/commitments/<int:commitment_id>")
@login_required
def admin_commitment(commitment_id: int):
    """Everything about one commitment, its history, and the secretariat's actions."""
    commitment = _commitment(commitment_id)
    _require(permissions.can_review_commitment(_user(), commitment))
    return _render_commitment(commitment)


def _act(commitment, form, form_name: str, action, done_message: str):
    """Validate ``form``, call ``action()``; flash and redirect, or re-render with the errors."""
    if form.validate_on_submit():
        try:
            action()
        except DomainError as error:
            placed = False
            for name, messages in error.errors.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, *messages]
                    placed = True
            if not placed:
                # The refusal is about the commitment's state, not a field: say it at the top.
                flash(error.message, "danger")
        else:
            flash(done_message, "success")
            return redirect(url_for("commitments.admin_commitment", commitment_id=commitment.id))
    return _render_commitment(commitment, status=UNPROCESSABLE, **{form_name: form})


@blueprint.post("/admin/commitments/<int:commitment_id>/review")
@login_required
def admin_commitment_review(commitment_id: int):
    """Approve a submitted commitment, or send it back with a comment."""
    commitment = _commitment(commitment_id)
    user = _user()
    _require(permissions.can_review_commitment(user, commitment))
    form = ReviewForm()
    _review_hold_choices(form)
    approving = form.action.data == "approve"
    held = approving and form.hold_event_id.data not in (None, NO_HOLD)

    def decide():
        if held:
            event = get_by_id(Event, form.hold_event_id.data)
            event_services.approve_and_hold(
                commitment, event, user, form.comment.data or "", field="hold_event_id"
            )
        elif approving:
            services.approve_commitment(commitment, user, form.comment.data or "")
        else:
            services.request_changes(commitment, user, form.comment.data or "")

    if held:
        message = _(
            "The commitment was approved and is held: it will be published when the event starts."
        )
    elif approving:
        message = _("The commitment was approved.")
    else:
        message = _("The commitment was sent back with your comment.")
    return _act(commitment, form, "review_form", decide, message)


@blueprint.post("/admin/commitments/<int:commitment_id>/close")
@login_required
def admin_commitment_close(commitment_id: int):
    """Close an approved commitment as achieved, partially achieved or not achieved."""
    commitment = _commitment(commitment_id)
    user = _user()
    _require(permissions.can_review_commitment(user, commitment))
    form = CloseForm()
    return _act(
        commitment,
        form,
        "close_form",
        lambda: services.close_commitment(commitment, form.status.data, user, form.comment.data),
        _("The commitment was closed."),
    )


@blueprint.post("/admin/commitments/<int:commitment_id>/withdraw")
@login_required
def admin_commitment_withdraw(commitment_id: int):
    """Withdraw a commitment that is not closed yet; final."""
    commitment = _commitment(commitment_id)
    user = _user()
    # The back office's right to act; whether it may still be withdrawn is the service's call.
    _require(permissions.can_review_commitment(user, commitment))
    form = WithdrawForm()
    return _act(
        commitment,
        form,
        "withdraw_form",
        lambda: services.withdraw_commitment(commitment, user, form.comment.data),
        _("The commitment was withdrawn."),
    )


@blueprint.post("/admin/commitments/<int:commitment_id>/assess")
@login_required
def admin_commitment_assess(commitment_id: int):
    """Record the secretariat's view of how complete the commitment is."""
    commitment = _commitment(commitment_id)
    user = _user()
    _require(permissions.can_assess_commitment(user, commitment))
    form = AssessmentForm()
    return _act(
        commitment,
        form,
        "assess_form",
        lambda: services.assess_commitment(commitment, form.level.data, form.comment.data, user),
        _("The assessment was recorded."),
    )


@blueprint.post("/admin/commitments/<int:commitment_id>/hold")
@login_required
def admin_commitment_hold(commitment_id: int):
    """Hold an approved commitment back until a coming event, which publishes it."""
    commitment = _commitment(commitment_id)
    user = _user()
    _require(permissions.can_hold_commitment(user, commitment))
    form = HoldForm()
    _hold_choices(form, commitment)
    releasing = form.event_id.data == NO_HOLD

    def hold():
        if releasing:
            event_services.release_hold(commitment, user)
        else:
            event = db.session.get(Event, form.event_id.data)
            event_services.hold_for_event(commitment, event, user)

    return _act(
        commitment,
        form,
        "hold_form",
        hold,
        _("The commitment is no longer held: it is public.")
        if releasing
        else _("The commitment is held back: it will be published when the event starts."),
    )
