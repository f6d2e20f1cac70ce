"""commitments pages for the member: write, submit, withdraw, report progress, correct it.

Every page lives under ``/my/<slug>/``: the signatory the person acts for. The
secretariat may use them for any signatory where core.permissions allows it.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from pact_tracker.coalition.models import Signatory
from pact_tracker.commitments import services
from pact_tracker.commitments.forms.member import (
    LABELS,
    CommitmentForm,
    ConfirmForm,
    WithdrawForm,
    attach_service_errors,
    correction_defaults,
    plain_decimal,
    progress_form,
    timeline_texts,
)
from pact_tracker.commitments.models import (
    Commitment,
    CommitmentStatus,
    ProgressUpdate,
    StatusChange,
)
from pact_tracker.commitments.services.explorer import current_values, impact_dimensions
from pact_tracker.commitments.services.smart import horizon as smart_horizon
from pact_tracker.commitments.views import blueprint
from pact_tracker.core import permissions
from pact_tracker.core.errors import DomainError
from pact_tracker.core.lookup import get_by_id
from pact_tracker.core.pagination import paginate_select
from pact_tracker.core.types import utcnow
from pact_tracker.events.models import Event
from pact_tracker.extensions import db
from pact_tracker.programmes import services as programmes
from pact_tracker.programmes.models import Programme, Proposal
from pact_tracker.reference.models import Country, ImpactDimension, SdgGoal

#: Re-rendering a refused form: 422, so that the request's transaction rolls back.
UNPROCESSABLE = 422


def _user():
    return current_user._get_current_object()


def _signatory(slug: str) -> Signatory:
    """The signatory of the URL, or 404 for one the person may not even see."""
    signatory = db.session.scalar(db.select(Signatory).where(Signatory.slug == slug))
    if signatory is None or not permissions.can_view_signatory(_user(), signatory):
        abort(404)
    return signatory


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


#: What the commitment's page names beside it, read in its own statement rather than
#: one statement each as the template reaches them.
PAGE_NEIGHBOURS = (
    joinedload(Commitment.programme),
    joinedload(Commitment.proposal),
    joinedload(Commitment.subdivision),
)


def _commitment(signatory: Signatory, commitment_id: int, *, options=()) -> Commitment:
    commitment = get_by_id(Commitment, commitment_id, options=options)
    if commitment is None or commitment.signatory_id != signatory.id:
        abort(404)
    _require(permissions.can_act_for_signatory(_user(), signatory))
    return commitment


def _locale() -> str:
    return str(get_locale())


def _commitment_form_choices(form: CommitmentForm) -> None:
    user = _user()
    form.set_choices(
        programmes=db.session.scalars(programmes.programmes_query(user)).all(),
        goals=db.session.scalars(
            db.select(SdgGoal).options(selectinload(SdgGoal.targets)).order_by(SdgGoal.number)
        ).all(),
        dimensions=_dimensions(),
        countries=db.session.scalars(db.select(Country).order_by(Country.name_en)).all(),
        locale=_locale(),
    )


def _dimensions() -> list[ImpactDimension]:
    return db.session.scalars(db.select(ImpactDimension).order_by(ImpactDimension.position)).all()


@blueprint.route("/my/<slug>/commitments")
@login_required
def my_commitments(slug: str):
    """My organisation's commitments, with their status and reporting light."""
    signatory = _signatory(slug)
    _require(permissions.can_act_for_signatory(_user(), signatory))
    status = request.args.get("status")
    if status not in CommitmentStatus.__members__:
        status = None
    query = services.own_commitments_query([signatory.id], status)
    page = paginate_select(
        query.options(selectinload(Commitment.programme)), request.args.get("page", 1, type=int)
    )
    return render_template(
        "commitments/member/list.html",
        signatory=signatory,
        page=page,
        status=status,
        statuses=list(CommitmentStatus),
    )


@blueprint.route("/my/<slug>/proposals")
@login_required
def my_proposals(slug: str):
    """The active proposals adapted to my organisation's type, by programme."""
    signatory = _signatory(slug)
    _require(permissions.can_create_commitment(_user(), signatory))
    query = programmes.proposals_for_type(signatory.organisation_type_code)
    query = query.order_by(None).order_by(Programme.code, Proposal.id)
    page = paginate_select(query, request.args.get("page", 1, type=int))
    return render_template("commitments/member/proposals.html", signatory=signatory, page=page)


@blueprint.route("/my/<slug>/commitments/new", methods=["GET", "POST"])
@login_required
def new_commitment(slug: str):
    """Adopt a proposal (``?proposal=<id>``) or write a commitment of one's own."""
    signatory = _signatory(slug)
    user = _user()
    _require(permissions.can_create_commitment(user, signatory))
    proposal = None
    proposal_id = request.args.get("proposal", type=int)
    if proposal_id is not None:
        proposal = get_by_id(Proposal, proposal_id)
        if proposal is None or not permissions.can_view_proposal(user, proposal):
            abort(404)
        _require(permissions.can_adopt_proposal(user, signatory, proposal))
    form = CommitmentForm(data=_proposal_defaults(signatory, proposal))
    _commitment_form_choices(form)
    if form.validate_on_submit():
        data, rows = form.data_for_service()
        try:
            commitment = services.create_commitment(signatory, data, user)
        except DomainError as error:
            attach_service_errors(form, error, rows)
        else:
            flash(_("Your draft commitment was saved. Submit it when it is ready."), "success")
            return redirect(_my_commitment_url(commitment))
    return _render_form(form, signatory, proposal=proposal)


def _proposal_defaults(signatory: Signatory, proposal: Proposal | None) -> dict:
    """What the form starts with: the proposal in the page language, or sensible blanks."""
    locale = _locale()
    defaults = {
        "language": locale,
        "scope": "national",
        "country_code": signatory.country_code,
        "visibility": "public",
        "cadence_months": 6,
    }
    if proposal is None:
        return defaults
    return defaults | {
        "proposal_id": str(proposal.id),
        "programme_id": str(proposal.programme_id),
        "title": proposal.localised("title", locale),
        "description": proposal.localised("text", locale),
        "target_codes": [target.code for target in proposal.targets],
        "dimension_codes": [dimension.code for dimension in proposal.dimensions],
        "indicators": [
            {
                "name": suggestion.localised("name", locale),
                "unit": suggestion.unit,
                "direction": str(suggestion.direction),
                "dimension_code": suggestion.dimension_code or "",
            }
            for suggestion in proposal.indicators
        ],
    }


def _render_form(form, signatory, *, proposal=None, commitment=None):
    status = UNPROCESSABLE if form.is_submitted() else 200
    review = _changes_requested(commitment) if commitment is not None else None
    return (
        render_template(
            "commitments/member/form.html",
            form=form,
            signatory=signatory,
            proposal=proposal,
            commitment=commitment,
            review=review,
            smart=services.smart_check(commitment) if commitment is not None else None,
            horizon=smart_horizon(),
            labels=LABELS,
        ),
        status,
    )


def _changes_requested(commitment: Commitment) -> StatusChange | None:
    """The reviewer's request, while the commitment is sent back for changes."""
    if commitment.status != CommitmentStatus.changes_requested:
        return None
    changes = [c for c in commitment.status_changes if c.to_status == "changes_requested"]
    return changes[-1] if changes else None


def _my_commitment_url(commitment: Commitment) -> str:
    return url_for(
        "commitments.my_commitment", slug=commitment.signatory.slug, commitment_id=commitment.id
    )


def _edit_defaults(commitment: Commitment) -> dict:
    return {
        "title": commitment.title,
        "description": commitment.description,
        "language": commitment.language,
        "programme_id": str(commitment.programme_id),
        "target_codes": [target.code for target in commitment.targets],
        "dimension_codes": [dimension.code for dimension in commitment.dimensions],
        "scope": str(commitment.scope),
        "country_code": commitment.country_code or "",
        "subdivision_code": commitment.subdivision_code or "",
        "start_date": commitment.start_date,
        "due_date": commitment.due_date,
        "cadence_months": commitment.cadence_months,
        "funding_amount": plain_decimal(commitment.funding_amount),
        "funding_currency": commitment.funding_currency or "",
        "visibility": str(commitment.visibility),
        "indicators": [
            {
                "id": str(i.id),
                "name": i.name,
                "unit": i.unit,
                "dimension_code": i.dimension_code or "",
                "baseline": plain_decimal(i.baseline),
                "target": plain_decimal(i.target),
                "direction": str(i.direction),
            }
            for i in commitment.indicators
        ],
        "milestones": [
            {"id": str(m.id), "title": m.title, "due_date": m.due_date}
            for m in commitment.milestones
        ],
    }


@blueprint.route("/my/<slug>/commitments/<int:commitment_id>/edit", methods=["GET", "POST"])
@login_required
def update_commitment(slug: str, commitment_id: int):
    """Edit a draft, or a commitment the secretariat sent back with changes requested."""
    signatory = _signatory(slug)
    commitment = _commitment(signatory, commitment_id)
    user = _user()
    _require(permissions.can_edit_commitment(user, commitment))
    defaults = _edit_defaults(commitment)
    # One blank row to add an indicator or a milestone, and at least three rows in all.
    for name in ("indicators", "milestones"):
        defaults[name] += [{}] * max(3 - len(defaults[name]), 1)
    form = CommitmentForm(data=defaults)
    _commitment_form_choices(form)
    if form.validate_on_submit():
        data, rows = form.data_for_service()
        data.pop("proposal_id", None)
        try:
            services.update_commitment(commitment, data, user)
        except DomainError as error:
            attach_service_errors(form, error, rows)
        else:
            flash(_("Your changes were saved."), "success")
            return redirect(_my_commitment_url(commitment))
    return _render_form(form, signatory, commitment=commitment)


def _held_for(commitment):
    """The event a commitment is held back for (an embargo), while it is not yet public."""
    if commitment.embargo_event_id is None or commitment.published_at is not None:
        return None
    return db.session.get(Event, commitment.embargo_event_id)


def _render_commitment(signatory, commitment, *, refusal=None, status=200):
    user = _user()
    report = services.smart_check(commitment) if commitment.is_editable else None
    # Read once: the timeline and each indicator's latest value come from the same updates.
    updates = services.updates_of(commitment)
    services.share_authors(updates)
    return (
        render_template(
            "commitments/member/detail.html",
            signatory=signatory,
            commitment=commitment,
            smart=report,
            refusal=refusal,
            review=_changes_requested(commitment),
            held_for=_held_for(commitment),
            history=services.commitment_history(commitment, updates=updates),
            current_values=current_values(updates),
            confirm_form=ConfirmForm(),
            may_edit=permissions.can_edit_commitment(user, commitment),
            may_submit=permissions.can_submit_commitment(user, commitment),
            may_withdraw=permissions.can_withdraw_commitment(user, commitment),
            may_report=permissions.can_report_progress(user, commitment),
            labels=LABELS,
            timeline_texts=timeline_texts(),
        ),
        status,
    )


@blueprint.route("/my/<slug>/commitments/<int:commitment_id>")
@login_required
def my_commitment(slug: str, commitment_id: int):
    """Everything about one of my commitments, its SMART check, its timeline and actions."""
    signatory = _signatory(slug)
    commitment = _commitment(signatory, commitment_id, options=PAGE_NEIGHBOURS)
    return _render_commitment(signatory, commitment)


@blueprint.post("/my/<slug>/commitments/<int:commitment_id>/submit")
@login_required
def my_submit_commitment(slug: str, commitment_id: int):
    """Send the commitment for review; refused with the missing SMART parts listed."""
    signatory = _signatory(slug)
    commitment = _commitment(signatory, commitment_id)
    user = _user()
    _require(permissions.can_submit_commitment(user, commitment))
    try:
        services.submit_commitment(commitment, user)
    except DomainError:
        flash(_("The commitment is not ready to submit yet: complete the parts listed."), "danger")
        return _render_commitment(signatory, commitment, refusal=True, status=UNPROCESSABLE)
    flash(_("Your commitment was submitted. The secretariat will review it."), "success")
    return redirect(_my_commitment_url(commitment))


@blueprint.route("/my/<slug>/commitments/<int:commitment_id>/withdraw", methods=["GET", "POST"])
@login_required
def my_withdraw_commitment(slug: str, commitment_id: int):
    """Withdraw a commitment for good, saying why (after a confirmation page)."""
    signatory = _signatory(slug)
    commitment = _commitment(signatory, commitment_id)
    user = _user()
    _require(permissions.can_withdraw_commitment(user, commitment))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_commitment(commitment, user, form.reason.data)
        except DomainError as error:
            attach_service_errors(form, error, {})
        else:
            flash(_("The commitment was withdrawn."), "success")
            return redirect(_my_commitment_url(commitment))
    return (
        render_template(
            "commitments/member/withdraw.html",
            form=form,
            signatory=signatory,
            commitment=commitment,
        ),
        UNPROCESSABLE if form.is_submitted() else 200,
    )


@blueprint.route("/my/<slug>/commitments/<int:commitment_id>/progress", methods=["GET", "POST"])
@login_required
def report_progress(slug: str, commitment_id: int):
    """Report progress in one short form."""
    signatory = _signatory(slug)
    commitment = _commitment(signatory, commitment_id)
    user = _user()
    _require(permissions.can_report_progress(user, commitment))
    form = progress_form(commitment, dimensions=_evidence_dimensions(), locale=_locale())
    so_far = services.progress_so_far(commitment)
    if request.method == "GET":
        form.reported_at.data = _now_to_the_second()
        if so_far.status is not None:
            form.status.data = str(so_far.status)
    if form.validate_on_submit():
        data, rows = form.data_for_service(commitment)
        try:
            services.report_progress(commitment, data, user)
        except DomainError as error:
            attach_service_errors(form, error, rows)
        else:
            flash(_("Thank you: your progress report was recorded."), "success")
            return redirect(_my_commitment_url(commitment))
    return _render_progress(form, signatory, commitment, values=so_far.values)


def _evidence_dimensions():
    """The impact dimensions evidence is tagged with: the labels kept for every page."""
    return impact_dimensions().values()


def _now_to_the_second():
    return utcnow().replace(microsecond=0)


def _render_progress(form, signatory, commitment, *, update=None, values=None):
    """The progress form; ``values`` are each indicator's last reported value."""
    if values is None:
        values = services.progress_so_far(commitment).values
    return (
        render_template(
            "commitments/member/progress.html",
            form=form,
            signatory=signatory,
            commitment=commitment,
            update=update,
            current_values=values,
            labels=LABELS,
        ),
        UNPROCESSABLE if form.is_submitted() else 200,
    )


@blueprint.route("/my/<slug>/updates/<int:update_id>/correct", methods=["GET", "POST"])
@login_required
def correct_update(slug: str, update_id: int):
    """Correct an earlier report: a new update replaces it, the original stays in the history."""
    signatory = _signatory(slug)
    update = get_by_id(ProgressUpdate, update_id)
    if update is None:
        abort(404)
    commitment = _commitment(signatory, update.commitment_id)
    user = _user()
    _require(permissions.can_report_progress(user, commitment))
    if update.superseded_by is not None:
        newest = update.superseded_by
        while newest.superseded_by is not None:
            newest = newest.superseded_by
        flash(
            _("This report has already been corrected. Correct the latest version instead."),
            "warning",
        )
        return redirect(url_for("commitments.correct_update", slug=slug, update_id=newest.id))
    form = progress_form(
        commitment,
        dimensions=_evidence_dimensions(),
        locale=_locale(),
        correcting=update,
        data=correction_defaults(update),
    )
    if form.validate_on_submit():
        data, rows = form.data_for_service(commitment)
        try:
            services.correct_update(update, data, user, reason=form.reason.data)
        except DomainError as error:
            attach_service_errors(form, error, rows)
        else:
            flash(
                _("Your correction was recorded; the original report stays in the history."),
                "success",
            )
            return redirect(_my_commitment_url(commitment))
    return _render_progress(form, signatory, commitment, update=update)
