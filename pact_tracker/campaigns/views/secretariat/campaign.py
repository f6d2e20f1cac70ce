"""A campaign's page: status and actions, live progress, response rates, recipients."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.orm import contains_eager, joinedload

from pact_tracker.campaigns.forms.secretariat import (
    ACTION_LABELS,
    CAMPAIGN_STATUS_LABELS,
    LANGUAGE_LABELS,
    MESSAGE_STATUS_LABELS,
    ActionForm,
    LiftSuppressionForm,
    RecipientFilterForm,
    ScheduleForm,
    TestSendForm,
)
from pact_tracker.campaigns.models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    OutboxMessage,
    Suppression,
)
from pact_tracker.campaigns.services import analytics, audience, campaigns, lift_suppression
from pact_tracker.campaigns.views import blueprint
from pact_tracker.campaigns.views.secretariat import (
    UNPROCESSABLE,
    _campaign,
    _locale,
    _manager,
    _page_number,
    _require,
)
from pact_tracker.coalition.models import Signatory, User
from pact_tracker.core import permissions
from pact_tracker.core.errors import DomainError
from pact_tracker.core.lookup import get_by_id
from pact_tracker.core.pagination import paginate_select

#: Which buttons each status shows (the services still check every transition).
ACTIONS_BY_STATUS = {
    CampaignStatus.draft: ("cancel",),
    CampaignStatus.scheduled: ("pause", "unschedule", "cancel"),
    CampaignStatus.running: ("pause", "resend", "cancel"),
    CampaignStatus.paused: ("resume", "resend", "cancel"),
    CampaignStatus.finished: ("resend",),
    CampaignStatus.cancelled: (),
}
SCHEDULABLE = (CampaignStatus.draft, CampaignStatus.scheduled)


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
    # Figures over every recipient, computed once for every process (see ``analytics``).
    figures = analytics.campaign_figures(campaign, _locale())
    actions = [
        action
        for action in ACTIONS_BY_STATUS[campaign.status]
        if action != "resend" or figures.resendable
    ]
    return (
        render_template(
            "campaigns/secretariat/campaign.html",
            campaign=campaign,
            statuses=CAMPAIGN_STATUS_LABELS,
            progress=figures.progress,
            progress_json=_progress_json(campaign, figures.progress),
            rates=figures.rates,
            never_answered=figures.never_answered,
            actions=actions,
            action_labels=ACTION_LABELS,
            action_form=ActionForm(formdata=None),
            schedule_form=schedule_form or ScheduleForm(formdata=None),
            schedulable=campaign.status in SCHEDULABLE,
            test_form=test_form or TestSendForm(formdata=None),
            count=audience.count_audience(campaign.audience) if not campaign.started_at else None,
            language_labels=LANGUAGE_LABELS,
            # The first few, each with its own action; the rest counted, with the
            # suppressions page to lift them (a large campaign holds hundreds back).
            held_back=campaigns.held_back_people(figures.first_held_back),
            held_back_count=figures.held_back,
            lift_form=LiftSuppressionForm(formdata=None),
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
        if not campaign.audience_frozen:
            return _("The campaign is paused: it will not start until you resume it.")
        return _("The campaign is paused: its unsent messages wait.")
    if action == "resume":
        campaigns.resume_campaign(campaign, user)
        if campaign.status == CampaignStatus.scheduled:
            return _("The campaign is scheduled again: it starts at its scheduled time.")
        return _("The campaign runs again.")
    if action == "cancel":
        withdrawn = campaigns.cancel_campaign(campaign, user)
        return _(
            "The campaign was cancelled; %(count)d unsent messages were withdrawn.", count=withdrawn
        )
    queued = campaigns.resend_failed(campaign, user)
    return _("%(count)d messages will be sent again.", count=queued)


@blueprint.post("/admin/campaigns/<int:campaign_id>/suppressions/<int:suppression_id>/lift")
@login_required
def admin_campaign_lift_suppression(campaign_id: int, suppression_id: int):
    """Let a failed recipient's suppressed address receive mail again, then resend to it."""
    user = _manager()
    _require(permissions.can_lift_suppression(user))
    campaign = _campaign(campaign_id)
    suppression = get_by_id(Suppression, suppression_id)
    if suppression is None:
        abort(404)
    if not LiftSuppressionForm().validate_on_submit():
        flash(_("Nothing was changed: try again from the page."), "danger")
        return _render_campaign(campaign, status=UNPROCESSABLE)
    address = suppression.address
    lift_suppression(suppression, user)
    flash(
        _(
            "%(address)s will receive mail again: resend to failed recipients to write to it.",
            address=address,
        ),
        "success",
    )
    return redirect(url_for("campaigns.admin_campaign", campaign_id=campaign.id))


def _recipient_rows(statement):
    """The recipients alone, each with its message (already joined), person and signatory.

    The page is cut from the recipients' ids (``page_of``): with the message as a
    second entity of the rows it would be dropped, and fetched again per recipient.
    Only the columns the table shows are loaded: each message's bodies, and the
    signatories' profiles, types and countries, were most of the rows' loading.
    """
    return statement.with_only_columns(CampaignRecipient, maintain_column_froms=True).options(
        contains_eager(CampaignRecipient.outbox_message).load_only(
            OutboxMessage.to_address,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.last_reply,
            OutboxMessage.sent_at,
        ),
        joinedload(CampaignRecipient.user).load_only(User.name, User.email),
        joinedload(CampaignRecipient.signatory).load_only(Signatory.name),
        joinedload(CampaignRecipient.signatory).lazyload("*"),
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
        # Translated once for the page, not once a row.
        message_statuses={status: str(label) for status, label in MESSAGE_STATUS_LABELS.items()},
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
