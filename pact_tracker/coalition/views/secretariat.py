"""coalition pages for the secretariat back office, under ``/admin/``.

The to-do list, applications, signatories, users and roles, the activity log
and the CSV import. Every page is for the secretariat only: anonymous
visitors are sent to sign in, anyone else gets 403.
"""

from datetime import UTC, datetime, time
from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pact_tracker.cli.imports import (
    COMMITMENT_COLUMNS,
    PROGRESS_COLUMNS,
    SIGNATORY_COLUMNS,
    import_commitment,
    import_progress,
    import_signatory,
)
from pact_tracker.coalition import services
from pact_tracker.coalition.forms.secretariat import (
    IMPORT_KIND_LABELS,
    LOCALE_LABELS,
    ROLE_LABELS,
    STATUS_ACTIONS,
    ActivityFilterForm,
    ApplicationDecisionForm,
    ImportConfirmForm,
    ImportForm,
    SignatoryFilterForm,
    SignatoryProfileForm,
    SignatoryStatusForm,
    UserActiveForm,
    UserCreateForm,
    UserFilterForm,
    UserRoleForm,
    as_choices,
    sign_upload,
)
from pact_tracker.coalition.models import (
    SIGNATORY_TRANSITIONS,
    Role,
    Signatory,
    SignatoryStatus,
    User,
)
from pact_tracker.coalition.services import back_office
from pact_tracker.coalition.views import blueprint
from pact_tracker.commitments.services import review
from pact_tracker.core import permissions
from pact_tracker.core.csv_import import ImportFileError, import_rows, read_csv_bytes
from pact_tracker.core.errors import DomainError
from pact_tracker.core.lookup import get_by_id
from pact_tracker.core.pagination import paginate_select
from pact_tracker.extensions import db
from pact_tracker.reference.models import Country, OrganisationType

#: Re-rendering a refused form: 422, so that the request's transaction rolls back.
UNPROCESSABLE = 422

#: The CSV imports of ``flask pact import``: columns and row handler per kind.
IMPORTS = {
    "signatories": (SIGNATORY_COLUMNS, import_signatory),
    "commitments": (COMMITMENT_COLUMNS, import_commitment),
    "progress": (PROGRESS_COLUMNS, import_progress),
}


def _user() -> User:
    return current_user._get_current_object()


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _locale() -> str:
    return str(get_locale())


def _page_number() -> int:
    return request.args.get("page", 1, type=int)


def _signatory(slug: str) -> Signatory:
    signatory = back_office.signatory_by_slug(slug)
    if signatory is None:
        abort(404)
    return signatory


def _types() -> list[OrganisationType]:
    return db.session.scalars(db.select(OrganisationType).order_by(OrganisationType.position)).all()


def _countries() -> list[Country]:
    return db.session.scalars(db.select(Country).order_by(Country.name_en)).all()


def _show_errors(form, error: DomainError, fields: dict[str, str] | None = None) -> None:
    """Put a service's messages next to the form's fields; the rest in a flash."""
    fields = fields or {}
    placed = False
    for name, messages in error.errors.items():
        field = getattr(form, fields.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *messages]
            placed = True
    if not placed:
        flash(error.message, "danger")


@blueprint.get("/admin/")
@login_required
def admin_home():
    """The secretariat's to-do list: what waits for a decision, and who has gone quiet."""
    _require(permissions.is_secretariat(_user()))
    figures = review.home_figures()
    return render_template(
        "coalition/secretariat/home.html",
        applications=back_office.applications_count(),
        oldest_applications=db.session.scalars(back_office.applications_query().limit(5)).all(),
        submitted=review.submitted_count(),
        reporting=figures.reporting,
        quiet=figures.quiet,
    )


@blueprint.get("/admin/applications")
@login_required
def admin_applications():
    """Applications to join, the longest waiting first."""
    _require(permissions.can_manage_signatories(_user()))
    page = paginate_select(back_office.applications_query(), _page_number())
    return render_template("coalition/secretariat/applications.html", page=page)


@blueprint.route("/admin/applications/<slug>", methods=["GET", "POST"])
@login_required
def admin_application(slug: str):
    """Review one application: approve it, or reject it with a message."""
    signatory = _signatory(slug)
    user = _user()
    _require(permissions.can_manage_signatories(user))
    if signatory.status != SignatoryStatus.applied:
        flash(_("This application has already been decided."), "info")
        return redirect(url_for("coalition.admin_signatory", slug=signatory.slug))
    form = ApplicationDecisionForm()
    if form.validate_on_submit() and form.decision() is not None:
        decision, message = form.decision(), (form.message.data or "").strip()
        try:
            services.change_signatory_status(signatory, decision, user, reason=message)
        except DomainError as error:
            _show_errors(form, error, {"reason": "message"})
        else:
            if decision == SignatoryStatus.approved:
                flash(
                    _("%(name)s was approved and joins the coalition.", name=signatory.name),
                    "success",
                )
            else:
                flash(
                    _("The application of %(name)s was rejected.", name=signatory.name), "success"
                )
            flash(_("Its contacts will receive the decision by email."), "info")
            return redirect(url_for("coalition.admin_applications"))
    return (
        render_template(
            "coalition/secretariat/application.html",
            signatory=signatory,
            members=back_office.members_of(signatory),
            form=form,
        ),
        UNPROCESSABLE if form.is_submitted() else 200,
    )


@blueprint.get("/admin/signatories")
@login_required
def admin_signatories():
    """Every signatory, whatever its status, filtered by status, type, country or name."""
    user = _user()
    _require(permissions.can_manage_signatories(user))
    form = SignatoryFilterForm(request.args)
    form.set_choices([(str(s), s) for s in SignatoryStatus])
    form.validate()
    page = paginate_select(services.signatories_query(user, **form.filters()), _page_number())
    return render_template("coalition/secretariat/signatories.html", form=form, page=page)


def _render_signatory(signatory, *, profile_form=None, status_form=None, status=200):
    if profile_form is None:
        profile_form = SignatoryProfileForm(
            formdata=None,
            data={name: getattr(signatory, name) or "" for name in SignatoryProfileForm.FIELDS},
        )
    profile_form.set_choices(_types(), _countries(), _locale())
    if status_form is None:
        status_form = SignatoryStatusForm(formdata=None)
    allowed = SIGNATORY_TRANSITIONS[signatory.status]
    status_form.action.choices = as_choices(
        (action, label)
        for action, label in _status_action_labels().items()
        if STATUS_ACTIONS[action] in allowed
    )
    return (
        render_template(
            "coalition/secretariat/signatory.html",
            signatory=signatory,
            members=back_office.members_of(signatory),
            profile_form=profile_form,
            status_form=status_form,
        ),
        status,
    )


def _status_action_labels() -> dict[str, str]:
    return {"suspend": _("Suspend"), "reinstate": _("Reinstate"), "withdraw": _("Withdraw")}


@blueprint.route("/admin/signatories/<slug>", methods=["GET", "POST"])
@login_required
def admin_signatory(slug: str):
    """A signatory's profile (editable), its status and its members."""
    signatory = _signatory(slug)
    user = _user()
    _require(permissions.can_manage_signatories(user))
    if request.method == "GET":
        return _render_signatory(signatory)
    form = SignatoryProfileForm()
    form.set_choices(_types(), _countries(), _locale())
    if form.validate_on_submit():
        try:
            services.update_signatory(signatory, form.data_for_service(), user)
        except DomainError as error:
            _show_errors(form, error)
        else:
            flash(_("The profile of %(name)s was saved.", name=signatory.name), "success")
            return redirect(url_for("coalition.admin_signatory", slug=signatory.slug))
    return _render_signatory(signatory, profile_form=form, status=UNPROCESSABLE)


@blueprint.post("/admin/signatories/<slug>/status")
@login_required
def admin_signatory_status(slug: str):
    """Suspend, reinstate or withdraw a signatory, with the reason its members will see."""
    signatory = _signatory(slug)
    user = _user()
    _require(permissions.can_manage_signatories(user))
    form = SignatoryStatusForm()
    form.action.choices = as_choices(_status_action_labels().items())
    if form.validate_on_submit():
        try:
            services.change_signatory_status(
                signatory, form.new_status(), user, reason=(form.reason.data or "").strip()
            )
        except DomainError as error:
            _show_errors(form, error, {"status": "action"})
        else:
            flash(
                _(
                    "%(name)s is now %(status)s.",
                    name=signatory.name,
                    status=_status_label(signatory.status),
                ),
                "success",
            )
            return redirect(url_for("coalition.admin_signatory", slug=signatory.slug))
    return _render_signatory(signatory, status_form=form, status=UNPROCESSABLE)


def _status_label(status) -> str:
    return {
        "applied": _("applied"),
        "approved": _("approved"),
        "rejected": _("rejected"),
        "suspended": _("suspended"),
        "withdrawn": _("withdrawn"),
    }[str(status)]


@blueprint.get("/admin/users")
@login_required
def admin_users():
    """Every account, filtered by role or by part of the name or email."""
    _require(permissions.can_manage_users(_user()))
    form = UserFilterForm(request.args)
    form.validate()
    page = paginate_select(services.users_query(**form.filters()), _page_number())
    return render_template(
        "coalition/secretariat/users.html", form=form, page=page, roles=ROLE_LABELS
    )


@blueprint.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def admin_user_new():
    """Create an account (members usually come through applications and invitations)."""
    user = _user()
    _require(permissions.can_manage_users(user))
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            created = services.create_user(
                form.email.data,
                form.name.data,
                Role(form.role.data),
                locale=form.locale.data,
                actor=user,
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            flash(_("The account of %(email)s was created.", email=created.email), "success")
            return redirect(url_for("coalition.admin_user", user_id=created.id))
    return (
        render_template("coalition/secretariat/user_new.html", form=form),
        UNPROCESSABLE if form.is_submitted() else 200,
    )


def _target_user(user_id: int) -> User:
    target = get_by_id(User, user_id)
    if target is None:
        abort(404)
    return target


def _render_user(target, *, role_form=None, active_form=None, status=200):
    return (
        render_template(
            "coalition/secretariat/user.html",
            target=target,
            role_form=role_form or UserRoleForm(formdata=None, data={"role": str(target.role)}),
            active_form=active_form or UserActiveForm(formdata=None),
            roles=ROLE_LABELS,
            locales=LOCALE_LABELS,
        ),
        status,
    )


@blueprint.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def admin_user(user_id: int):
    """One account: its role (changed here), its memberships, deactivation."""
    user = _user()
    _require(permissions.can_manage_users(user))
    target = _target_user(user_id)
    if request.method == "GET":
        return _render_user(target)
    form = UserRoleForm()
    if form.validate_on_submit():
        try:
            services.update_user(target, {"role": form.role.data}, user)
        except DomainError as error:
            _show_errors(form, error)
        else:
            flash(
                _(
                    "%(email)s now has the role %(role)s.",
                    email=target.email,
                    role=ROLE_LABELS[form.role.data],
                ),
                "success",
            )
            return redirect(url_for("coalition.admin_user", user_id=target.id))
    return _render_user(target, role_form=form, status=UNPROCESSABLE)


@blueprint.post("/admin/users/<int:user_id>/active")
@login_required
def admin_user_active(user_id: int):
    """Deactivate an account (it can no longer sign in) or reactivate it."""
    user = _user()
    _require(permissions.can_manage_users(user))
    target = _target_user(user_id)
    form = UserActiveForm()
    if form.validate_on_submit():
        try:
            if form.wants_active():
                services.update_user(target, {"active": True}, user)
            else:
                services.deactivate_user(target, user)
        except DomainError as error:
            _show_errors(form, error)
        else:
            if target.active:
                flash(_("The account of %(email)s is active again.", email=target.email), "success")
            else:
                flash(_("The account of %(email)s was deactivated.", email=target.email), "success")
            return redirect(url_for("coalition.admin_user", user_id=target.id))
    return _render_user(target, active_form=form, status=UNPROCESSABLE)


@blueprint.get("/admin/activity")
@login_required
def admin_activity():
    """The activity log, newest first, filtered by action, actor, signatory and dates."""
    user = _user()
    _require(permissions.can_view_activity(user))
    form = ActivityFilterForm(request.args)
    filters = _activity_filters(form) if form.validate() else None
    page = paginate_select(
        services.activity_query(user, **filters)
        if filters is not None
        else services.activity_query(user).where(db.false()),
        _page_number(),
    )
    return render_template(
        "coalition/secretariat/activity.html",
        form=form,
        page=page,
        subjects=back_office.subjects_of(page.items),
    )


def _activity_filters(form: ActivityFilterForm) -> dict | None:
    """The filters of ``activity_query``; None, with errors on the form, when one names nothing."""
    filters: dict = {}
    if form.action.data:
        filters["action"] = form.action.data.strip()
    if form.actor.data:
        actor = services.find_user_by_email(form.actor.data)
        if actor is None:
            form.actor.errors = [_("No account has this address.")]
        else:
            filters["actor_id"] = actor.id
    if form.signatory.data:
        signatory = back_office.signatory_by_slug(form.signatory.data.strip())
        if signatory is None:
            form.signatory.errors = [_("No signatory has this slug.")]
        else:
            filters["signatory_id"] = signatory.id
    if form.since.data:
        filters["since"] = datetime.combine(form.since.data, time.min, tzinfo=UTC)
    if form.until.data:
        filters["until"] = datetime.combine(form.until.data, time.max, tzinfo=UTC)
    return None if form.errors else filters


@blueprint.route("/admin/import", methods=["GET", "POST"])
@login_required
def admin_import():
    """Upload a CSV file: every row is checked (a dry run) and nothing is written yet."""
    _require(permissions.is_secretariat(_user()))
    form = ImportForm()
    if not form.validate_on_submit():
        return (
            render_template(
                "coalition/secretariat/import.html", form=form, kinds=IMPORT_KIND_LABELS
            ),
            UNPROCESSABLE if form.is_submitted() else 200,
        )
    kind, filename = form.kind.data, form.file.data.filename
    result, file_error = _run_import(kind, filename, form.content, dry_run=True)
    token = None
    if result is not None and result.ok:
        token = sign_upload(kind, filename, form.content)
        if len(token) > _largest_form_field():
            file_error = _(
                "This file is too large to be confirmed from the web page. "
                "Split it, or use the command flask pact import."
            )
    if file_error:
        form.file.errors = [file_error]
        return (
            render_template(
                "coalition/secretariat/import.html", form=form, kinds=IMPORT_KIND_LABELS
            ),
            UNPROCESSABLE,
        )
    return _render_preview(kind, filename, result, token)


def _render_preview(kind, filename, result, token):
    confirm = ImportConfirmForm(formdata=None, data={"token": token}) if result.ok else None
    return (
        render_template(
            "coalition/secretariat/import_preview.html",
            kind=kind,
            kinds=IMPORT_KIND_LABELS,
            filename=filename,
            result=result,
            confirm=confirm,
        ),
        200 if result.ok else UNPROCESSABLE,
    )


@blueprint.post("/admin/import/confirm")
@login_required
def admin_import_confirm():
    """Import the previewed file for real: every row, or none if one has become invalid."""
    _require(permissions.is_secretariat(_user()))
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        for message in form.token.errors:
            flash(message, "danger")
        return redirect(url_for("coalition.admin_import"))
    kind, filename, content = form.upload
    result, file_error = _run_import(kind, filename, content, dry_run=False)
    if file_error:
        flash(file_error, "danger")
        return redirect(url_for("coalition.admin_import"))
    if not result.ok:
        return _render_preview(kind, filename, result, None)
    flash(
        _(
            "%(count)d rows of %(file)s were imported (%(kind)s).",
            count=result.rows,
            file=filename,
            kind=IMPORT_KIND_LABELS[kind],
        ),
        "success",
    )
    return redirect(url_for("coalition.admin_import"))


def _largest_form_field() -> int:
    """Largest form field Werkzeug accepts, with room for the rest of the form."""
    return (current_app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000) - 1024


def _run_import(kind: str, filename: str, content: bytes, *, dry_run: bool):
    """``(result, None)`` of importing ``content``, or ``(None, message)`` for a bad file."""
    columns, handle = IMPORTS[kind]
    try:
        rows = read_csv_bytes(content, columns, name=filename)
    except ImportFileError as error:
        return None, error.message
    return (
        import_rows(rows, partial(handle, actor=_user()), dry_run=dry_run, progress=False),
        None,
    )
