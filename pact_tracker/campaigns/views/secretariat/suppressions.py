"""Addresses that receive no mail (a permanent bounce): the list, and lifting one."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from pact_tracker.campaigns.forms.secretariat import LiftSuppressionForm, SuppressionFilterForm
from pact_tracker.campaigns.models import Suppression
from pact_tracker.campaigns.services import lift_suppression
from pact_tracker.campaigns.views import blueprint
from pact_tracker.campaigns.views.secretariat import _manager, _page_number, _require
from pact_tracker.core import permissions
from pact_tracker.core.lookup import get_by_id
from pact_tracker.core.pagination import paginate_select


@blueprint.get("/admin/suppressions")
@login_required
def admin_suppressions():
    """Suppressed addresses, newest first, with why; filtered by part of the address."""
    _manager()
    form = SuppressionFilterForm(request.args)
    statement = sa.select(Suppression).order_by(Suppression.created_at.desc(), Suppression.id)
    email = (form.email.data or "").strip().lower() if form.validate() else ""
    if email:
        statement = statement.where(Suppression.address.contains(email, autoescape=True))
    return render_template(
        "campaigns/secretariat/suppressions.html",
        form=form,
        page=paginate_select(statement, _page_number()),
        lift_form=LiftSuppressionForm(formdata=None),
    )


@blueprint.post("/admin/suppressions/<int:suppression_id>/lift")
@login_required
def admin_suppression_lift(suppression_id: int):
    """Let the address receive mail again; the next reminder or resend reaches it."""
    user = _manager()
    _require(permissions.can_lift_suppression(user))
    suppression = get_by_id(Suppression, suppression_id)
    if suppression is None:
        abort(404)
    back = url_for("campaigns.admin_suppressions", **request.args)
    if not LiftSuppressionForm().validate_on_submit():
        flash(_("Nothing was changed: try again from the page."), "danger")
        return redirect(back)
    address = suppression.address
    lift_suppression(suppression, user)
    flash(_("%(address)s will receive mail again.", address=address), "success")
    return redirect(back)
