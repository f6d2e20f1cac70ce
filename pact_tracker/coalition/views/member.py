"""coalition pages for the member: my organisations, their profile, colleagues, my preferences."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pact_tracker.coalition import services
from pact_tracker.coalition.forms.member import (
    ConfirmForm,
    InviteForm,
    PreferencesForm,
    ProfileForm,
    attach_service_errors,
)
from pact_tracker.coalition.models import Membership, Signatory, User
from pact_tracker.coalition.views import blueprint
from pact_tracker.commitments.models import Commitment, ReportingState
from pact_tracker.commitments.services import own_commitments_query, sent_back_for_changes
from pact_tracker.core import permissions
from pact_tracker.core.errors import DomainError
from pact_tracker.core.lookup import get_by_id
from pact_tracker.core.pagination import paginate_select
from pact_tracker.core.web import remember_locale
from pact_tracker.extensions import db, limiter

#: Re-rendering a refused form: 422, so that the request's transaction rolls back.
UNPROCESSABLE = 422
#: Reporting states that ask for a report now.
NEEDS_REPORT = [ReportingState.due, ReportingState.overdue, ReportingState.inactive]


def _user() -> User:
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


def _status(form) -> int:
    return UNPROCESSABLE if form.is_submitted() else 200


@blueprint.route("/my/")
@login_required
def my_home():
    """The organisations I act for, and which of their commitments need my action or a report."""
    user = _user()
    memberships = sorted(user.active_memberships, key=lambda m: m.signatory.name.lower())
    query = own_commitments_query(user.signatory_ids).where(
        Commitment.reporting_state.in_(NEEDS_REPORT)
    )
    page = paginate_select(
        query.order_by(None).order_by(Commitment.report_due_at, Commitment.id),
        request.args.get("page", 1, type=int),
    )
    return render_template(
        "coalition/member/home.html",
        memberships=memberships,
        invitations=services.pending_invitations(user),
        sent_back=sent_back_for_changes(user),
        page=page,
    )


@blueprint.route("/my/<slug>/profile", methods=["GET", "POST"])
@login_required
def my_profile(slug: str):
    """Edit my organisation's public profile."""
    signatory = _signatory(slug)
    user = _user()
    _require(permissions.can_edit_signatory_profile(user, signatory))
    form = ProfileForm(obj=signatory)
    if form.validate_on_submit():
        try:
            services.update_signatory(signatory, form.data_for_service(), user)
        except DomainError as error:
            attach_service_errors(form, error)
        else:
            flash(_("The profile of %(name)s was saved.", name=signatory.name), "success")
            return redirect(url_for("coalition.my_profile", slug=signatory.slug))
    return (
        render_template("coalition/member/profile.html", form=form, signatory=signatory),
        _status(form),
    )


@blueprint.route("/my/<slug>/members", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"])
def my_members(slug: str):
    """My colleagues; an admin (or the secretariat) invites new ones by email."""
    signatory = _signatory(slug)
    user = _user()
    _require(permissions.can_act_for_signatory(user, signatory))
    may_manage = permissions.can_manage_members(user, signatory)
    form = InviteForm(locale=user.locale)
    if request.method == "POST":
        _require(may_manage)
    if form.validate_on_submit():
        try:
            membership = services.invite_member(
                signatory,
                form.email.data,
                user,
                name=form.name.data,
                is_admin=form.is_admin.data,
                locale=form.locale.data,
            )
        except DomainError as error:
            attach_service_errors(form, error)
        else:
            flash(
                _(
                    "An invitation to act for %(name)s was sent to %(email)s. "
                    "It counts once they accept it.",
                    email=membership.user.email,
                    name=signatory.name,
                ),
                "success",
            )
            return redirect(url_for("coalition.my_members", slug=signatory.slug))
    page = paginate_select(
        services.colleagues_query(signatory), request.args.get("page", 1, type=int)
    )
    return (
        render_template(
            "coalition/member/members.html",
            form=form,
            confirm_form=ConfirmForm(),
            signatory=signatory,
            page=page,
            may_manage=may_manage,
        ),
        _status(form),
    )


@blueprint.post("/my/<slug>/members/<int:membership_id>/remove")
@login_required
def my_remove_member(slug: str, membership_id: int):
    """Stop a colleague acting for my organisation (their account stays)."""
    signatory = _signatory(slug)
    user = _user()
    _require(permissions.can_manage_members(user, signatory))
    membership = get_by_id(Membership, membership_id)
    if membership is None or membership.signatory_id != signatory.id:
        abort(404)
    if membership.user_id == user.id:
        flash(_("You cannot remove yourself; ask another administrator."), "warning")
        return redirect(url_for("coalition.my_members", slug=signatory.slug))
    email = membership.user.email
    services.remove_member(membership, user)
    flash(_("%(email)s no longer acts for %(name)s.", email=email, name=signatory.name), "success")
    return redirect(url_for("coalition.my_members", slug=signatory.slug))


@blueprint.route("/my/invitations")
@login_required
def my_invitations():
    """Invitations to act for an organisation, waiting for my answer."""
    return render_template(
        "coalition/member/invitations.html",
        invitations=services.pending_invitations(_user()),
        confirm_form=ConfirmForm(),
    )


def _my_invitation(membership_id: int) -> Membership:
    membership = get_by_id(Membership, membership_id)
    if membership is None or membership.user_id != _user().id or not membership.pending:
        abort(404)
    return membership


@blueprint.post("/my/invitations/<int:membership_id>/accept")
@login_required
def accept_invitation(membership_id: int):
    """Agree to act for the organisation that invited me."""
    membership = _my_invitation(membership_id)
    _require(ConfirmForm().validate_on_submit())
    services.accept_invitation(membership, _user())
    flash(_("You now act for %(name)s.", name=membership.signatory.name), "success")
    return redirect(url_for("commitments.my_commitments", slug=membership.signatory.slug))


@blueprint.post("/my/invitations/<int:membership_id>/decline")
@login_required
def decline_invitation(membership_id: int):
    """Refuse an invitation; it is removed."""
    membership = _my_invitation(membership_id)
    _require(ConfirmForm().validate_on_submit())
    name = membership.signatory.name
    services.decline_invitation(membership, _user())
    flash(_("You declined the invitation of %(name)s.", name=name), "info")
    return redirect(url_for("coalition.my_invitations"))


@blueprint.route("/my/preferences", methods=["GET", "POST"])
@login_required
def my_preferences():
    """My name, my language (of the pages and the emails) and whether I get reminders."""
    user = _user()
    form = PreferencesForm(obj=user)
    if form.validate_on_submit():
        data = {
            "name": form.name.data,
            "locale": form.locale.data,
            "reminders_opt_out": form.reminders_opt_out.data,
        }
        try:
            services.update_user(user, data, user)
        except DomainError as error:
            attach_service_errors(form, error)
        else:
            with force_locale(user.locale):  # the next page is in the language just chosen
                flash(_("Your preferences were saved."), "success")
            response = redirect(url_for("coalition.my_preferences"))
            return remember_locale(response, user.locale)
    return render_template("coalition/member/preferences.html", form=form), _status(form)
