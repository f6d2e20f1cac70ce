"""The update links sent in reminders and campaigns: the list, and revoking one."""

from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.orm import contains_eager

from pact_tracker.campaigns import update_links
from pact_tracker.campaigns.forms.secretariat import (
    LINK_STATE_LABELS,
    LinkFilterForm,
    RevokeLinkForm,
)
from pact_tracker.campaigns.link_models import UpdateLink
from pact_tracker.campaigns.views import blueprint
from pact_tracker.campaigns.views.secretariat import (
    _manager,
    _page_number,
    _require,
)
from pact_tracker.coalition.models import Signatory, User
from pact_tracker.core import permissions
from pact_tracker.core.lookup import get_by_id
from pact_tracker.core.pagination import paginate_select
from pact_tracker.core.types import utcnow


def _link_state(link: UpdateLink, now: datetime) -> str:
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    return "used" if link.used_at is not None else "active"


def _update_links_query(now: datetime, signatory=None, email=None, state=None) -> sa.Select:
    """``SELECT UpdateLink`` newest first, filtered by signatory slug, email and state.

    A view-side helper: the update links module has no listing query.
    """
    statement = (
        sa.select(UpdateLink)
        .join(UpdateLink.user)
        .join(UpdateLink.signatory)
        # Only what the list shows of the person and the signatory: their other
        # columns (a signatory's profile texts) were most of the rows' loading.
        .options(
            contains_eager(UpdateLink.user).load_only(User.name, User.email),
            contains_eager(UpdateLink.signatory).load_only(Signatory.slug, Signatory.name),
        )
        # Newest first by id, given in creation order: a walk down the primary key,
        # where ``created_at`` has no index and would sort every link ever issued.
        .order_by(UpdateLink.id.desc())
    )
    if signatory:
        statement = statement.where(Signatory.slug == signatory)
    if email:
        statement = statement.where(User.email == email)
    usable = sa.and_(UpdateLink.revoked_at.is_(None), UpdateLink.expires_at > now)
    conditions = {
        "revoked": UpdateLink.revoked_at.is_not(None),
        "expired": sa.and_(UpdateLink.revoked_at.is_(None), UpdateLink.expires_at <= now),
        "used": sa.and_(usable, UpdateLink.used_at.is_not(None)),
        "active": sa.and_(usable, UpdateLink.used_at.is_(None)),
    }
    if state:
        statement = statement.where(conditions[state])
    return statement


@blueprint.get("/admin/update-links")
@login_required
def admin_update_links():
    """The update links sent in reminders and campaigns, with a button to revoke each."""
    _manager()
    now = utcnow()
    form = LinkFilterForm(request.args)
    form.validate()
    page = paginate_select(_update_links_query(now, **form.filters()), _page_number())
    return render_template(
        "campaigns/secretariat/update_links.html",
        form=form,
        page=page,
        states={link.id: _link_state(link, now) for link in page.items},
        # Translated once for the page, not once a row.
        state_labels={state: str(label) for state, label in LINK_STATE_LABELS.items()},
        revoke_form=RevokeLinkForm(formdata=None),
    )


@blueprint.post("/admin/update-links/<int:link_id>/revoke")
@login_required
def admin_update_link_revoke(link_id: int):
    """Stop a link working, and every session it opened."""
    user = _manager()
    link = get_by_id(UpdateLink, link_id)
    if link is None:
        abort(404)
    _require(permissions.can_revoke_update_link(user, link))
    back = url_for("campaigns.admin_update_links", **request.args)
    if not RevokeLinkForm().validate_on_submit():
        flash(_("The link was not revoked: try again from the page."), "danger")
        return redirect(back)
    if link.revoked_at is not None:
        flash(_("This link was already revoked."), "info")
    else:
        update_links.revoke_update_link(link, user)
        flash(
            _(
                "The link of %(email)s for %(name)s no longer works.",
                email=link.user.email,
                name=link.signatory.name,
            ),
            "success",
        )
    return redirect(back)
