"""programmes pages for the secretariat back office: programmes and their proposals.

Bilingual fields are edited side by side, English and French.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from pact_tracker.core import permissions
from pact_tracker.core.errors import DomainError
from pact_tracker.core.lookup import get_by_id
from pact_tracker.extensions import db
from pact_tracker.programmes import services
from pact_tracker.programmes.forms.secretariat import (
    INDICATOR_ROWS,
    ProgrammeForm,
    ProposalForm,
    show_service_errors,
)
from pact_tracker.programmes.models import Programme, Proposal
from pact_tracker.programmes.views import blueprint
from pact_tracker.reference.models import ImpactDimension, OrganisationType, SdgGoal

#: Re-rendering a refused form: 422, so that the request's transaction rolls back.
UNPROCESSABLE = 422


def _user():
    return current_user._get_current_object()


def _require_manager() -> None:
    if not permissions.can_manage_programmes(_user()):
        abort(403)


def _locale() -> str:
    return str(get_locale())


def _programme(code: str) -> Programme:
    programme = db.session.scalar(db.select(Programme).where(Programme.code == code))
    if programme is None:
        abort(404)
    return programme


def _goals() -> list[SdgGoal]:
    return db.session.scalars(db.select(SdgGoal).order_by(SdgGoal.number)).all()


def _place_errors(form, error: DomainError) -> None:
    for message in show_service_errors(form, error.errors) or (
        [] if error.errors else [error.message]
    ):
        flash(message, "danger")


@blueprint.get("/admin/programmes")
@login_required
def admin_programmes():
    """Every programme, active or not, with its proposals."""
    _require_manager()
    programmes = db.session.scalars(
        services.programmes_query(_user()).options(
            selectinload(Programme.goals), selectinload(Programme.proposals)
        )
    ).all()
    return render_template("programmes/secretariat/programmes.html", programmes=programmes)


def _render_programme_form(form, programme=None):
    return (
        render_template(
            "programmes/secretariat/programme_form.html", form=form, programme=programme
        ),
        UNPROCESSABLE if form.is_submitted() else 200,
    )


@blueprint.route("/admin/programmes/new", methods=["GET", "POST"])
@login_required
def admin_programme_new():
    """Open a thematic programme."""
    _require_manager()
    form = ProgrammeForm()
    form.set_choices(_goals(), _locale())
    if form.validate_on_submit():
        try:
            programme = services.create_programme(form.data_for_service(), _user())
        except DomainError as error:
            _place_errors(form, error)
        else:
            flash(_("The programme %(code)s was created.", code=programme.code), "success")
            return redirect(url_for("programmes.admin_programme_edit", code=programme.code))
    return _render_programme_form(form)


@blueprint.route("/admin/programmes/<code>/edit", methods=["GET", "POST"])
@login_required
def admin_programme_edit(code: str):
    """Change a programme's names, descriptions, SDG goals or active flag."""
    _require_manager()
    programme = _programme(code)
    form = ProgrammeForm(
        data={
            **{name: getattr(programme, name) for name in ProgrammeForm.FIELDS},
            "goal_numbers": [goal.number for goal in programme.goals],
            "active": programme.active,
        }
    )
    form.set_choices(_goals(), _locale())
    if form.validate_on_submit():
        try:
            services.update_programme(programme, form.data_for_service(), _user())
        except DomainError as error:
            _place_errors(form, error)
        else:
            flash(_("The programme %(code)s was saved.", code=programme.code), "success")
            return redirect(url_for("programmes.admin_programme_edit", code=programme.code))
    return _render_programme_form(form, programme)


def _proposal_choices(form: ProposalForm) -> None:
    form.set_choices(
        db.session.scalars(db.select(OrganisationType).order_by(OrganisationType.position)).all(),
        db.session.scalars(db.select(ImpactDimension).order_by(ImpactDimension.position)).all(),
        _locale(),
    )


def _render_proposal_form(form, programme, proposal=None):
    return (
        render_template(
            "programmes/secretariat/proposal_form.html",
            form=form,
            programme=programme,
            proposal=proposal,
        ),
        UNPROCESSABLE if form.is_submitted() else 200,
    )


@blueprint.route("/admin/programmes/<code>/proposals/new", methods=["GET", "POST"])
@login_required
def admin_proposal_new(code: str):
    """Offer a commitment proposal in a programme."""
    _require_manager()
    programme = _programme(code)
    form = ProposalForm()
    _proposal_choices(form)
    if form.validate_on_submit():
        try:
            proposal = services.create_proposal(programme, form.data_for_service(), _user())
        except DomainError as error:
            _place_errors(form, error)
        else:
            flash(_("The proposal was created."), "success")
            return redirect(url_for("programmes.admin_proposal_edit", proposal_id=proposal.id))
    return _render_proposal_form(form, programme)


@blueprint.route("/admin/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def admin_proposal_edit(proposal_id: int):
    """Change a proposal's texts, the organisations it suits, its targets and indicators."""
    _require_manager()
    proposal = get_by_id(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    indicators = [
        {
            "name_en": i.name_en,
            "name_fr": i.name_fr,
            "unit": i.unit,
            "direction": str(i.direction),
            "dimension_code": i.dimension_code or "",
        }
        for i in proposal.indicators
    ]
    form = ProposalForm(
        data={
            "title_en": proposal.title_en,
            "title_fr": proposal.title_fr,
            "text_en": proposal.text_en,
            "text_fr": proposal.text_fr,
            "organisation_type_codes": [t.code for t in proposal.organisation_types],
            "target_codes": ", ".join(t.code for t in proposal.targets),
            "dimension_codes": [d.code for d in proposal.dimensions],
            "indicators": indicators + [{}] * max(INDICATOR_ROWS - len(indicators), 0),
            "active": proposal.active,
        }
    )
    _proposal_choices(form)
    if form.validate_on_submit():
        try:
            services.update_proposal(proposal, form.data_for_service(), _user())
        except DomainError as error:
            _place_errors(form, error)
        else:
            flash(_("The proposal was saved."), "success")
            return redirect(url_for("programmes.admin_proposal_edit", proposal_id=proposal.id))
    return _render_proposal_form(form, proposal.programme, proposal)
