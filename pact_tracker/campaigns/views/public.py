"""Pages that reminder and campaign emails link to: update links and unsubscribing.

An update link (``/u/<token>``) opens a session scoped to that link and sends
the browser on to ``/u/`` (no token in the address any more): the list of its
signatory's approved commitments, each with the member space's progress form.
Nobody is signed in by it; see :mod:`pact_tracker.campaigns.update_links`.
"""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from pact_tracker.campaigns import unsubscribe as unsubscribing
from pact_tracker.campaigns import update_links
from pact_tracker.campaigns.forms.public import UnsubscribeForm
from pact_tracker.campaigns.views import blueprint
from pact_tracker.commitments import services as commitments
from pact_tracker.commitments.forms.member import LABELS, attach_service_errors, progress_form
from pact_tracker.commitments.models import Commitment, UpdateSource
from pact_tracker.commitments.services.explorer import current_values
from pact_tracker.core import permissions, security_log
from pact_tracker.core.errors import DomainError
from pact_tracker.core.lookup import get_by_id
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import csrf, db
from pact_tracker.reference.models import ImpactDimension

#: The token is in the address: never let it travel in a Referer header.
NO_REFERRER = {"Referrer-Policy": "no-referrer"}
UNPROCESSABLE = 422


# Update links (campaigns.update_links): report progress from a reminder, without signing in.


def _link_gone():
    """One page for every link that cannot be used: unknown, expired, revoked, no longer yours."""
    return render_template("campaigns/update_link_gone.html"), 410, NO_REFERRER


@blueprint.get("/u/<token>")
def open_update_link(token: str):
    """Exchange the token for a session scoped to the link, then leave the token's address."""
    link = update_links.open_update_link(token)
    if link is None:
        security_log.credentials_refused("update-link")
        return _link_gone()
    session[update_links.SESSION_KEY] = link.id
    return redirect(url_for("campaigns.link_commitments")), 302, NO_REFERRER


def _scoped_link():
    """The link of this browser's scoped session; 403 without one, 410 once it stopped working."""
    link_id = session.get(update_links.SESSION_KEY)
    if link_id is None:
        abort(403)
    return update_links.scoped_link(link_id)


@blueprint.get("/u/")
def link_commitments():
    """The approved commitments of the link's signatory, to report on."""
    link = _scoped_link()
    if link is None:
        return _link_gone()
    rows = db.session.scalars(
        db.select(Commitment)
        .where(Commitment.signatory_id == link.signatory_id, Commitment.status == "approved")
        .order_by(Commitment.title, Commitment.id)
    ).all()
    rows = [c for c in rows if permissions.can_report_with_link(link, c)]
    return render_template(
        "campaigns/link_commitments.html", link=link, commitments=rows, labels=LABELS
    )


@blueprint.route("/u/commitments/<int:commitment_id>/progress", methods=["GET", "POST"])
def link_progress(commitment_id: int):
    """The member space's progress form, for a commitment of the link's signatory."""
    link = _scoped_link()
    if link is None:
        return _link_gone()
    commitment = get_by_id(Commitment, commitment_id)
    if commitment is None or not permissions.can_report_with_link(link, commitment):
        abort(404)
    dimensions = db.session.scalars(
        db.select(ImpactDimension).order_by(ImpactDimension.position)
    ).all()
    form = progress_form(commitment, dimensions=dimensions, locale=str(get_locale()))
    updates = commitments.updates_of(commitment)
    if request.method == "GET":
        form.reported_at.data = utcnow().replace(microsecond=0)
        latest = next((u for u in updates if not u.is_superseded), None)
        if latest is not None:
            form.status.data = str(latest.status)
    if form.validate_on_submit():
        data, rows = form.data_for_service(commitment)
        try:
            commitments.report_progress(
                commitment, data, link.user, source=UpdateSource.reminder_link
            )
        except DomainError as error:
            attach_service_errors(form, error, rows)
        else:
            flash(_("Thank you: your progress report was recorded."), "success")
            return redirect(url_for("campaigns.link_commitments"))
    page = render_template(
        "commitments/member/progress.html",
        form=form,
        signatory=commitment.signatory,
        commitment=commitment,
        update=None,
        # Each indicator's last value, read from the updates above (not a query per indicator).
        current_values=current_values(updates),
        labels=LABELS,
        cancel_url=url_for("campaigns.link_commitments"),
    )
    return page, UNPROCESSABLE if form.is_submitted() else 200


# Unsubscribing (campaigns.unsubscribe): the link and RFC 8058 one-click of every reminder.


def _invalid_unsubscribe_link():
    return render_template("campaigns/unsubscribe_invalid.html"), 410, NO_REFERRER


@blueprint.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    """A button that stops reminders and campaigns; opening the page changes nothing."""
    user = unsubscribing.user_for_token(token)
    if user is None:
        return _invalid_unsubscribe_link()
    form = UnsubscribeForm()
    return render_template("campaigns/unsubscribe.html", form=form, user=user), 200, NO_REFERRER


@blueprint.post("/unsubscribe/<token>")
@csrf.exempt
def confirm_unsubscribe(token: str):
    """The page's button, or a mail client's RFC 8058 one-click POST.

    Exempt from CSRF protection: the signed token in the address is the
    authentication, and a one-click POST comes from a mail client that has no
    session. The page's own form still carries and checks its CSRF token.
    """
    user = unsubscribing.user_for_token(token)
    if user is None:
        return _invalid_unsubscribe_link()
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if not one_click and not UnsubscribeForm().validate_on_submit():
        abort(400)
    unsubscribing.unsubscribe(user)
    return render_template("campaigns/unsubscribed.html", user=user), 200, NO_REFERRER
