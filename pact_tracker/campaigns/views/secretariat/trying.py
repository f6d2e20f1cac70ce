"""Trying a campaign out: preview as a recipient, test send to oneself."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from pact_tracker.campaigns.forms.secretariat import (
    CAMPAIGN_STATUS_LABELS,
    LANGUAGE_LABELS,
    PreviewForm,
    TestSendForm,
    as_choices,
)
from pact_tracker.campaigns.models import Campaign
from pact_tracker.campaigns.services import audience, campaigns
from pact_tracker.campaigns.views import blueprint
from pact_tracker.campaigns.views.secretariat import (
    UNPROCESSABLE,
    _campaign,
    _languages,
    _manager,
)
from pact_tracker.campaigns.views.secretariat.campaign import _render_campaign
from pact_tracker.coalition.models import Membership, User
from pact_tracker.coalition.services import find_user_by_email
from pact_tracker.core.errors import DomainError, InvalidInput
from pact_tracker.core.lookup import MAX_ID
from pact_tracker.extensions import db, limiter

#: Per client address: each test send is an email.
TEST_SEND_RATE_LIMIT = "5 per minute;30 per hour"
#: People of the audience offered in the preview's select (any other by address).
PREVIEW_PEOPLE = 100


def _audience_people(campaign: Campaign) -> list[User]:
    """The first people of the audience by name, for the preview's select."""
    people = audience.audience_pairs(campaign.audience, only_reachable=False)
    return db.session.scalars(
        sa.select(User)
        .where(User.id.in_(people.with_only_columns(Membership.user_id)))
        .order_by(User.name, User.id)
        .limit(PREVIEW_PEOPLE)
    ).all()


@blueprint.get("/admin/campaigns/<int:campaign_id>/preview")
@login_required
def admin_campaign_preview(campaign_id: int):
    """What a person of the audience (or any account) would receive: subject, text and HTML."""
    _manager()
    campaign = _campaign(campaign_id)
    people = _audience_people(campaign)
    form = PreviewForm(request.args)
    form.user_id.choices = as_choices((str(p.id), f"{p.name} <{p.email}>") for p in people)
    form.locale.choices = as_choices(
        [("", _("Their own language"))]
        + [(code, LANGUAGE_LABELS.get(code, code)) for code in _languages()]
    )
    form.validate()
    target = _preview_target(form, people)
    rendered, problem = None, None
    if target is not None:
        try:
            rendered = campaigns.preview(campaign, target, form.locale.data or None)
        except InvalidInput as error:
            problem = error.message
    in_audience = target is not None and any(p.id == target.id for p in people)
    return (
        render_template(
            "campaigns/secretariat/preview.html",
            campaign=campaign,
            form=form,
            target=target,
            in_audience=in_audience or (target is not None and _acts_in_audience(campaign, target)),
            rendered=rendered,
            problem=problem,
            test_form=TestSendForm(
                formdata=None, data={"as_email": target.email if target else ""}
            ),
            statuses=CAMPAIGN_STATUS_LABELS,
        ),
        UNPROCESSABLE if form.errors or problem else 200,
    )


def _acts_in_audience(campaign: Campaign, user: User) -> bool:
    pairs = audience.audience_pairs(campaign.audience, only_reachable=False)
    return db.session.scalar(sa.select(pairs.where(Membership.user_id == user.id).exists()))


def _preview_target(form: PreviewForm, people: list[User]) -> User | None:
    """The account the preview is for: by address, else the chosen person, else the first."""
    if form.email.data and not form.email.errors:
        target = find_user_by_email(form.email.data)
        if target is None:
            form.email.errors = [_("No account has this address.")]
        return target
    chosen = form.user_id.data
    if chosen and chosen.isdigit() and int(chosen) <= MAX_ID:
        target = db.session.get(User, int(chosen))
        if target is None:
            form.user_id.errors = [_("Choose a person of the list.")]
        return target
    return people[0] if people else None


@blueprint.post("/admin/campaigns/<int:campaign_id>/test")
@login_required
@limiter.limit(TEST_SEND_RATE_LIMIT)
def admin_campaign_test(campaign_id: int):
    """Email the campaign to oneself, as a person of the audience would get it (not counted)."""
    user = _manager()
    campaign = _campaign(campaign_id)
    form = TestSendForm()
    as_user = None
    if form.validate_on_submit() and form.as_email.data:
        as_user = find_user_by_email(form.as_email.data)
        if as_user is None:
            form.as_email.errors = [_("No account has this address.")]
    if form.errors or not form.is_submitted():
        flash(_("No test email was sent: see the errors below."), "danger")
        return _render_campaign(campaign, test_form=form, status=UNPROCESSABLE)
    try:
        campaigns.send_test(campaign, user, as_user)
    except DomainError as error:
        flash(error.message, "danger")
        return _render_campaign(campaign, test_form=form, status=error.status_code)
    flash(
        _("A test email to %(email)s is on its way; it is not counted.", email=user.email),
        "success",
    )
    return redirect(url_for("campaigns.admin_campaign", campaign_id=campaign.id))
