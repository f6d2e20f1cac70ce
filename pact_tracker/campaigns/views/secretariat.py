"""Campaign pages of the secretariat back office, under ``/admin/``.

The campaigns (list, compose with a live audience count, the campaign's page
with its lifecycle buttons, progress and response rates, its recipients and
the signatories who never answered, preview and test send) and the update
links sent in reminders (list, revoke). Every page is for the secretariat
only: anonymous visitors are sent to sign in, anyone else gets 403.
"""

from datetime import datetime

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import contains_eager, joinedload

from pact_tracker.campaigns import update_links
from pact_tracker.campaigns.forms.secretariat import (
    ACTION_LABELS,
    CAMPAIGN_STATUS_LABELS,
    LANGUAGE_LABELS,
    LINK_STATE_LABELS,
    MESSAGE_STATUS_LABELS,
    ActionForm,
    AudienceForm,
    LinkFilterForm,
    PreviewForm,
    RecipientFilterForm,
    RevokeLinkForm,
    ScheduleForm,
    TestSendForm,
    as_choices,
    campaign_form,
    set_audience_choices,
)
from pact_tracker.campaigns.link_models import UpdateLink
from pact_tracker.campaigns.models import (
    AUDIENCE_EDITABLE_STATUSES,
    EDITABLE_STATUSES,
    Campaign,
    CampaignRecipient,
    CampaignStatus,
)
from pact_tracker.campaigns.services import audience, templating
from pact_tracker.campaigns.services import campaigns as campaigns
from pact_tracker.campaigns.views import blueprint
from pact_tracker.coalition.models import Membership, Signatory, User
from pact_tracker.coalition.services import find_user_by_email
from pact_tracker.core import permissions
from pact_tracker.core.errors import DomainError, InvalidInput
from pact_tracker.core.pagination import paginate_select
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db, limiter
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import Country, OrganisationType

#: Re-rendering a refused form: 422, so that the request's transaction rolls back.
UNPROCESSABLE = 422
#: Per client address: each test send is an email.
TEST_SEND_RATE_LIMIT = "5 per minute;30 per hour"
#: People of the audience offered in the preview's select (any other by address).
PREVIEW_PEOPLE = 100
#: Which buttons each status shows (the services still check every transition).
ACTIONS_BY_STATUS = {
    CampaignStatus.draft: ("cancel",),
    CampaignStatus.scheduled: ("unschedule", "cancel"),
    CampaignStatus.running: ("pause", "resend", "cancel"),
    CampaignStatus.paused: ("resume", "resend", "cancel"),
    CampaignStatus.finished: ("resend",),
    CampaignStatus.cancelled: (),
}
SCHEDULABLE = (CampaignStatus.draft, CampaignStatus.scheduled)


def _user() -> User:
    return current_user._get_current_object()


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _locale() -> str:
    return str(get_locale())


def _languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def _page_number() -> int:
    return request.args.get("page", 1, type=int)


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id) if campaign_id <= 2**31 - 1 else None
    if campaign is None:
        abort(404)
    return campaign


def _manager() -> User:
    """The signed-in person, if they may manage campaigns (403 otherwise)."""
    user = _user()
    _require(permissions.can_manage_campaigns(user))
    return user


def _show_errors(form, error: DomainError) -> list[str]:
    """Put a service's messages next to the form's fields; return the ones with no field.

    The service names audience filters ``audience.<filter>`` and content
    ``subject_<locale>`` / ``body_<locale>``, as the form's fields are named.
    """
    elsewhere = []
    for name, messages in error.errors.items():
        field = getattr(form, name.removeprefix("audience."), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *messages]
        else:
            elsewhere.extend(messages)
    flash(error.message, "danger")
    return elsewhere


def _set_choices(form) -> None:
    locale = _locale()
    set_audience_choices(
        form,
        db.session.scalars(sa.select(Programme).order_by(Programme.code)).all(),
        db.session.scalars(sa.select(OrganisationType).order_by(OrganisationType.position)).all(),
        db.session.scalars(sa.select(Country).order_by(Country.name_en)).all(),
        locale,
    )


def _count(filters: dict) -> audience.AudienceCount | None:
    """The live count of ``filters``; None when a filter names something unknown."""
    try:
        return audience.count_audience(audience.clean_filters(filters))
    except InvalidInput:
        return None


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
        progress={c.id: campaigns.campaign_progress(c) for c in page.items},
        statuses=CAMPAIGN_STATUS_LABELS,
    )


# Writing: the compose page and its live count.


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
    audience_editable = campaign is None or campaign.status in AUDIENCE_EDITABLE_STATUSES
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


# The campaign's page and its actions.


def _progress_json(campaign: Campaign, progress: campaigns.Progress) -> dict:
    return {
        "status": str(campaign.status),
        "status_label": str(CAMPAIGN_STATUS_LABELS[str(campaign.status)]),
        "recipients": progress.recipients,
        "messages": progress.messages,
        "queued": progress.queued,
        "sent": progress.sent,
        "failed": progress.failed,
        "answered": progress.answered,
    }


def _render_campaign(campaign, *, schedule_form=None, test_form=None, status=200):
    progress = campaigns.campaign_progress(campaign)
    actions = [
        action
        for action in ACTIONS_BY_STATUS[campaign.status]
        if action != "resend" or progress.by_status.get("failed")
    ]
    never_answered = (
        paginate_select(campaigns.never_answered(campaign), 1, per_page=10)
        if campaign.started_at
        else None
    )
    return (
        render_template(
            "campaigns/secretariat/campaign.html",
            campaign=campaign,
            statuses=CAMPAIGN_STATUS_LABELS,
            progress=progress,
            progress_json=_progress_json(campaign, progress),
            rates=campaigns.response_rates(campaign, _locale()) if campaign.started_at else None,
            never_answered=never_answered,
            actions=actions,
            action_labels=ACTION_LABELS,
            action_form=ActionForm(formdata=None),
            schedule_form=schedule_form or ScheduleForm(formdata=None),
            schedulable=campaign.status in SCHEDULABLE,
            test_form=test_form or TestSendForm(formdata=None),
            count=audience.count_audience(campaign.audience) if not campaign.started_at else None,
            language_labels=LANGUAGE_LABELS,
        ),
        status,
    )


@blueprint.get("/admin/campaigns/<int:campaign_id>")
@login_required
def admin_campaign(campaign_id: int):
    """A campaign: its status and actions, live progress, response rates, who never answered."""
    _manager()
    return _render_campaign(_campaign(campaign_id))


@blueprint.get("/admin/campaigns/<int:campaign_id>/progress")
@login_required
def admin_campaign_progress(campaign_id: int):
    """JSON: the campaign's status and message counts, polled by its page while it runs."""
    _manager()
    campaign = _campaign(campaign_id)
    return jsonify(_progress_json(campaign, campaigns.campaign_progress(campaign)))


@blueprint.post("/admin/campaigns/<int:campaign_id>/schedule")
@login_required
def admin_campaign_schedule(campaign_id: int):
    """Schedule the campaign now or at a date and time (UTC); again to reschedule it."""
    user = _manager()
    campaign = _campaign(campaign_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        flash(_("The campaign was not scheduled: see the errors below."), "danger")
        return _render_campaign(campaign, schedule_form=form, status=UNPROCESSABLE)
    try:
        campaigns.schedule_campaign(campaign, form.start_at(), user)
    except DomainError as error:
        flash(error.message, "danger")
        return _render_campaign(campaign, schedule_form=form, status=error.status_code)
    if form.start_at() is None:
        flash(_("The campaign starts within a minute."), "success")
    else:
        flash(
            _(
                "The campaign is scheduled for %(when)s UTC.",
                when=campaign.scheduled_at.strftime("%Y-%m-%d %H:%M"),
            ),
            "success",
        )
    return redirect(url_for("campaigns.admin_campaign", campaign_id=campaign.id))


@blueprint.post(
    "/admin/campaigns/<int:campaign_id>/<any(unschedule,pause,resume,cancel,resend):action>"
)
@login_required
def admin_campaign_action(campaign_id: int, action: str):
    """Unschedule, pause, resume, cancel (confirmed) or resend to the failed recipients."""
    user = _manager()
    campaign = _campaign(campaign_id)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("This action could not be done: try again from the page."), "danger")
        return _render_campaign(campaign, status=UNPROCESSABLE)
    if action == "cancel" and not form.confirm.data:
        flash(_("Tick the box to confirm that the campaign should be cancelled."), "danger")
        return _render_campaign(campaign, status=UNPROCESSABLE)
    try:
        message = _do(action, campaign, user, form)
    except DomainError as error:
        flash(error.message, "danger")
        return _render_campaign(campaign, status=error.status_code)
    flash(message, "success")
    return redirect(url_for("campaigns.admin_campaign", campaign_id=campaign.id))


def _do(action: str, campaign: Campaign, user: User, form: ActionForm) -> str:
    """Call the service of ``action``; return what to tell the secretariat."""
    if action == "unschedule":
        campaigns.unschedule_campaign(campaign, user)
        return _("The campaign is a draft again.")
    if action == "pause":
        campaigns.pause_campaign(campaign, user, (form.reason.data or "").strip())
        return _("The campaign is paused: its unsent messages wait.")
    if action == "resume":
        campaigns.resume_campaign(campaign, user)
        return _("The campaign runs again.")
    if action == "cancel":
        withdrawn = campaigns.cancel_campaign(campaign, user)
        return _(
            "The campaign was cancelled; %(count)d unsent messages were withdrawn.", count=withdrawn
        )
    queued = campaigns.resend_failed(campaign, user)
    return _("%(count)d messages will be sent again.", count=queued)


def _recipient_rows(statement):
    return statement.options(
        joinedload(CampaignRecipient.user), joinedload(CampaignRecipient.signatory)
    )


@blueprint.get("/admin/campaigns/<int:campaign_id>/recipients")
@login_required
def admin_campaign_recipients(campaign_id: int):
    """Every recipient of a started campaign: their message's status and last SMTP reply."""
    _manager()
    campaign = _campaign(campaign_id)
    form = RecipientFilterForm(request.args)
    page = paginate_select(
        _recipient_rows(campaigns.recipients(campaign, form.value())), _page_number()
    )
    return render_template(
        "campaigns/secretariat/recipients.html",
        campaign=campaign,
        form=form,
        page=page,
        statuses=CAMPAIGN_STATUS_LABELS,
        message_statuses=MESSAGE_STATUS_LABELS,
    )


@blueprint.get("/admin/campaigns/<int:campaign_id>/never-answered")
@login_required
def admin_campaign_never_answered(campaign_id: int):
    """The signatories the campaign asked and that never answered."""
    _manager()
    campaign = _campaign(campaign_id)
    page = paginate_select(campaigns.never_answered(campaign), _page_number())
    return render_template(
        "campaigns/secretariat/never_answered.html",
        campaign=campaign,
        page=page,
        statuses=CAMPAIGN_STATUS_LABELS,
    )


# Trying it out.


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
    if chosen and chosen.isdigit() and int(chosen) <= 2**31 - 1:
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


# Update links.


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
        .options(contains_eager(UpdateLink.user), contains_eager(UpdateLink.signatory))
        .order_by(UpdateLink.created_at.desc(), UpdateLink.id.desc())
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
        state_labels=LINK_STATE_LABELS,
        revoke_form=RevokeLinkForm(formdata=None),
    )


@blueprint.post("/admin/update-links/<int:link_id>/revoke")
@login_required
def admin_update_link_revoke(link_id: int):
    """Stop a link working, and every session it opened."""
    user = _manager()
    link = db.session.get(UpdateLink, link_id) if link_id <= 2**31 - 1 else None
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
