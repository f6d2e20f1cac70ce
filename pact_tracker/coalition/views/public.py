"""Coalition pages for the public: the directory, a signatory's page, the manifesto, joining."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pact_tracker.coalition import services
from pact_tracker.coalition.forms.public import DirectoryFilterForm, JoinForm
from pact_tracker.coalition.services import directory as directory_service
from pact_tracker.coalition.views import blueprint
from pact_tracker.commitments.services import explorer
from pact_tracker.core import permissions
from pact_tracker.core.errors import InvalidInput
from pact_tracker.core.pagination import paginate_select
from pact_tracker.extensions import limiter


def _viewer():
    """The signed-in user, or None: what ``core.permissions`` expects."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def _page_number() -> int:
    return request.args.get("page", 1, type=int)


@blueprint.get("/signatories")
def directory():
    """The approved signatories, filtered by type, country, programme or a name."""
    form = DirectoryFilterForm(request.args)
    form.validate()
    page = paginate_select(directory_service.directory_query(**form.filters()), _page_number())
    counts = directory_service.published_counts([s.id for s in page.items])
    return render_template("coalition/public/directory.html", form=form, page=page, counts=counts)


@blueprint.get("/signatories/<slug>")
def signatory_page(slug: str):
    """A signatory's profile and its published commitments with their progress."""
    signatory = directory_service.signatory_by_slug(slug)
    if signatory is None or not permissions.can_view_signatory(_viewer(), signatory):
        abort(404)
    return render_template(
        "coalition/public/signatory.html",
        signatory=signatory,
        page=explorer.public_page({"signatory": slug}, _page_number()),
        goals=explorer.sdg_goals(),
    )


@blueprint.get("/manifesto")
def manifesto():
    """The coalition's manifesto, and who has signed it."""
    return render_template(
        "coalition/public/manifesto.html", signatories=directory_service.approved_count()
    )


@blueprint.route("/join", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def join():
    """An organisation applies to join; the secretariat reviews the application."""
    form = JoinForm()
    if form.validate_on_submit() and _apply(form):
        flash(
            _(
                "Thank you: your application was received. "
                "The secretariat will review it and write to you."
            ),
            "success",
        )
        return redirect(url_for("coalition.manifesto"))
    if form.is_submitted():
        # Nothing half-written is kept: a 4xx response rolls the transaction back.
        return render_template("coalition/public/join.html", form=form), 422
    return render_template("coalition/public/join.html", form=form)


def _apply(form: JoinForm) -> bool:
    """Record the application (and the contact's account); False with form errors."""
    try:
        services.apply_to_join_as(
            form.signatory_data(),
            email=form.contact_email.data,
            name=form.contact_name.data,
            locale=form.contact_locale.data,
        )
    except InvalidInput as error:
        _show_service_errors(form, error, {**JoinForm.USER_FIELDS, **JoinForm.SIGNATORY_FIELDS})
        return False
    return True


def _show_service_errors(form: JoinForm, error: InvalidInput, fields: dict[str, str]) -> None:
    """Put each message of a service next to its field; any other in a flash."""
    shown = False
    for name, messages in error.errors.items():
        field = getattr(form, fields.get(name, ""), None)
        if field is not None:
            field.errors = [*field.errors, *messages]
            shown = True
    if not shown:
        flash(error.message, "danger")
