"""The list of campaigns and the compose page, with its live audience count."""

import sqlalchemy as sa
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from pact_tracker.campaigns.forms.secretariat import (
    CAMPAIGN_STATUS_LABELS,
    LANGUAGE_LABELS,
    AudienceForm,
    campaign_form,
)
from pact_tracker.campaigns.models import (
    EDITABLE_STATUSES,
    Campaign,
)
from pact_tracker.campaigns.services import audience, campaigns, templating
from pact_tracker.campaigns.views import blueprint
from pact_tracker.campaigns.views.secretariat import (
    UNPROCESSABLE,
    _campaign,
    _count,
    _languages,
    _manager,
    _page_number,
    _set_choices,
    _show_errors,
)
from pact_tracker.campaigns.views.secretariat.campaign import _render_campaign
from pact_tracker.core.errors import DomainError, InvalidInput
from pact_tracker.core.pagination import paginate_select

# The list.


@blueprint.get("/admin/campaigns")
@login_required
def admin_campaigns():
    """Every campaign, the newest first, with its status and progress."""
    _manager()
    page = paginate_select(
        sa.select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc()),
        _page_number(),
    )
    return render_template(
        "campaigns/secretariat/campaigns.html",
        page=page,
        progress=campaigns.campaigns_progress([c.id for c in page.items]),
        statuses=CAMPAIGN_STATUS_LABELS,
    )


def _form_data(campaign: Campaign) -> dict:
    data = {
        "name": campaign.name,
        "default_locale": campaign.default_locale,
        "link_valid_days": campaign.link_valid_days,
    }
    data.update(
        {name: [str(v) for v in campaign.audience.get(name, [])] for name in audience.FILTERS}
    )
    for content in campaign.contents:
        data[f"subject_{content.locale}"] = content.subject
        data[f"body_{content.locale}"] = content.body
    return data


def _audience_labels(filters: dict, form) -> dict[str, list[str]]:
    """The chosen filters' labels, for the read-only audience of a started campaign."""
    labels = {}
    for name in audience.FILTERS:
        choices = {c.value: c.label for c in getattr(form, name).choices}
        values = [str(v) for v in filters.get(name, [])]
        if values:
            labels[str(getattr(form, name).label.text)] = [choices.get(v, v) for v in values]
    return labels


def _compose(campaign: Campaign | None):
    """Create (``campaign`` None) or edit a campaign; the audience only until it starts."""
    user = _manager()
    languages = _languages()
    if campaign is not None and campaign.status not in EDITABLE_STATUSES:
        message = _(
            "A %(status)s campaign can no longer be edited.",
            status=CAMPAIGN_STATUS_LABELS[str(campaign.status)],
        )
        if request.method == "GET":
            flash(message, "info")
            return redirect(url_for("campaigns.admin_campaign", campaign_id=campaign.id))
        flash(message, "danger")
        return _render_campaign(campaign, status=409)
    audience_editable = campaign is None or not campaign.audience_frozen
    if request.method == "GET":
        data = _form_data(campaign) if campaign else {"default_locale": languages[0]}
        form = campaign_form(languages, formdata=None, data=data)
    else:
        form = campaign_form(languages)
    _set_choices(form)
    status, other_errors = 200, []
    if form.is_submitted():
        status = UNPROCESSABLE
        if form.validate() and form.recount.data:
            status = 200  # counted below, nothing saved
        elif not form.errors:
            data = form.data_for_service(languages, with_audience=audience_editable)
            try:
                if campaign is None:
                    campaign = campaigns.create_campaign(data, user)
                else:
                    campaigns.update_campaign(campaign, data, user)
            except DomainError as error:
                status = error.status_code
                other_errors = _show_errors(form, error)
            else:
                flash(_("The campaign %(name)s was saved.", name=campaign.name), "success")
                return redirect(url_for("campaigns.admin_campaign", campaign_id=campaign.id))
    filters = form.filters() if audience_editable else campaign.audience
    return (
        render_template(
            "campaigns/secretariat/compose.html",
            form=form,
            campaign=campaign if campaign is not None and campaign.id else None,
            languages=languages,
            language_labels=LANGUAGE_LABELS,
            audience_editable=audience_editable,
            audience_labels=_audience_labels(filters, form),
            count=_count(filters),
            variables=templating.VARIABLES,
            other_errors=other_errors,
        ),
        status,
    )


@blueprint.route("/admin/campaigns/new", methods=["GET", "POST"])
@login_required
def admin_campaign_new():
    """Write a new campaign (a draft until scheduled)."""
    return _compose(None)


@blueprint.route("/admin/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def admin_campaign_edit(campaign_id: int):
    """Edit a draft, scheduled or paused campaign; its audience only until it starts."""
    _manager()
    return _compose(_campaign(campaign_id))


@blueprint.get("/admin/campaigns/audience-count")
@login_required
def admin_audience_count():
    """JSON: how many people and signatories the filters in the query string reach now."""
    _manager()
    form = AudienceForm(request.args)
    try:
        filters = audience.clean_filters(form.filters())
    except InvalidInput as error:
        return jsonify(message=error.message, errors=error.errors), UNPROCESSABLE
    count = audience.count_audience(filters)
    return jsonify(people=count.people, signatories=count.signatories, excluded=count.excluded)
