"""Forms of the secretariat's campaign pages.

Filter forms read the query string (no CSRF: they change nothing); every
other form posts with a CSRF token. The services check the rules
(``services.campaigns``, ``services.audience``); these forms only turn what
the browser sends into the values the services take.
"""

from datetime import UTC

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from pact_tracker.campaigns.services.audience import FILTERS
from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.core.badges import REPORTING_LABELS, STATUS_LABELS

LANGUAGE_LABELS = {"en": "English", "fr": "Français"}


def as_choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as the choices of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


CAMPAIGN_STATUS_LABELS = {
    "draft": _l("Draft"),
    "scheduled": _l("Scheduled"),
    "running": _l("Running"),
    "paused": _l("Paused"),
    "finished": _l("Finished"),
    "cancelled": _l("Cancelled"),
}
#: The statuses a commitment can have (a signatory's are not among them), in their order.
COMMITMENT_STATUS_LABELS = {str(status): STATUS_LABELS[str(status)] for status in CommitmentStatus}
REPORTING_STATE_LABELS = REPORTING_LABELS
MESSAGE_STATUS_LABELS = {
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "retry": _l("Waiting to retry"),
    "failed": _l("Failed"),
    "suppressed": _l("Not sent (suppressed)"),
    "cancelled": _l("Withdrawn"),
    "answered": _l("Answered"),
}
LINK_STATE_LABELS = {
    "active": _l("Active, never opened"),
    "used": _l("Opened"),
    "revoked": _l("Revoked"),
    "expired": _l("Expired"),
}
#: The actions of the campaign page that take no input: action -> button label.
ACTION_LABELS = {
    "unschedule": _l("Unschedule (back to draft)"),
    "pause": _l("Pause"),
    "resume": _l("Resume"),
    "cancel": _l("Cancel the campaign"),
    "resend": _l("Resend to failed recipients"),
}


class _FilterForm(FlaskForm):
    """A GET form of list filters: read from the query string, no CSRF token."""

    class Meta:
        csrf = False

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)


class _AudienceFields:
    """The five audience filters (``audience.FILTERS``), shared by two forms."""

    programme_ids = SelectMultipleField(_l("Programmes"), validate_choice=False)
    organisation_types = SelectMultipleField(_l("Types of organisation"), validate_choice=False)
    countries = SelectMultipleField(_l("Countries"), validate_choice=False)
    commitment_statuses = SelectMultipleField(_l("Commitment statuses"), validate_choice=False)
    reporting_states = SelectMultipleField(_l("Reporting states"), validate_choice=False)

    def filters(self) -> dict[str, list[str]]:
        """The filters for ``audience.clean_filters`` (which refuses unknown values)."""
        return {name: list(getattr(self, name).data or []) for name in FILTERS}


class AudienceForm(_FilterForm, _AudienceFields):
    """The audience filters, as the live count reads them from the query string."""


def set_audience_choices(form, programmes, types, countries, locale: str) -> None:
    """Fill the five audience selects of ``form`` (a campaign form or an AudienceForm)."""
    form.programme_ids.choices = as_choices(
        (str(p.id), p.localised("name", locale)) for p in programmes
    )
    form.organisation_types.choices = as_choices(
        (t.code, t.localised("label", locale)) for t in types
    )
    form.countries.choices = as_choices((c.code, c.localised("name", locale)) for c in countries)
    form.commitment_statuses.choices = as_choices(COMMITMENT_STATUS_LABELS.items())
    form.reporting_states.choices = as_choices(REPORTING_STATE_LABELS.items())


class CampaignForm(FlaskForm, _AudienceFields):
    """Name, audience, subject and body per language, default language, link validity.

    The subject and body fields are added per language of the site by
    :func:`campaign_form`; this class has the rest.
    """

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    default_locale = SelectField(
        _l("Default language"),
        description=_l("Used for recipients whose language has no subject and body."),
    )
    link_valid_days = IntegerField(
        _l("Update links work for (days)"),
        default=30,
        validators=[InputRequired(), NumberRange(min=1, max=365)],
    )
    save = SubmitField(_l("Save"))
    #: Re-count the audience without saving (for browsers without JavaScript).
    recount = SubmitField(_l("Count the recipients"))

    def data_for_service(self, languages, *, with_audience: bool) -> dict:
        data = {
            "name": self.name.data,
            "default_locale": self.default_locale.data,
            "link_valid_days": self.link_valid_days.data,
            "contents": {
                locale: {
                    "subject": getattr(self, f"subject_{locale}").data or "",
                    "body": getattr(self, f"body_{locale}").data or "",
                }
                for locale in languages
            },
        }
        if with_audience:
            data["audience"] = self.filters()
        return data


_form_classes: dict[tuple[str, ...], type[CampaignForm]] = {}


def campaign_form(languages, **kwargs) -> CampaignForm:
    """A :class:`CampaignForm` with ``subject_<locale>`` and ``body_<locale>`` per language."""
    languages = tuple(languages)
    if languages not in _form_classes:
        fields = {}
        for locale in languages:
            name = LANGUAGE_LABELS.get(locale, locale)
            fields[f"subject_{locale}"] = StringField(
                _l("Subject (%(language)s)", language=name), validators=[Length(max=300)]
            )
            fields[f"body_{locale}"] = TextAreaField(
                _l("Body (%(language)s)", language=name),
                validators=[Length(max=50_000)],
                render_kw={"rows": 12},
            )
        _form_classes[languages] = type("CampaignFormFor", (CampaignForm,), fields)
    form = _form_classes[languages](**kwargs)
    form.default_locale.choices = as_choices(
        (code, LANGUAGE_LABELS.get(code, code)) for code in languages
    )
    return form


class ScheduleForm(FlaskForm):
    """Start now, or at a date and time given in UTC."""

    when = RadioField(
        _l("When"),
        choices=as_choices([("now", _l("Now")), ("at", _l("At a date and time (UTC)"))]),
        default="now",
        validators=[InputRequired()],
    )
    at = DateTimeLocalField(
        _l("Date and time (UTC)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
        description=_l("In UTC, not your local time."),
    )

    def validate(self, extra_validators=None) -> bool:
        # Not validate_at: Optional() stops the chain before it when the field is empty.
        valid = super().validate(extra_validators)
        if valid and self.when.data == "at" and self.at.data is None:
            self.at.errors = [*self.at.errors, _l("Give the date and time (UTC) to start at.")]
            return False
        return valid

    def start_at(self):
        """The instant to start at, timezone-aware; None for now."""
        if self.when.data != "at" or self.at.data is None:
            return None
        return self.at.data.replace(tzinfo=UTC)


class ActionForm(FlaskForm):
    """A button of the campaign page (unschedule, pause, resume, cancel, resend)."""

    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)])
    confirm = BooleanField(_l("Yes, cancel it: the messages not sent yet are withdrawn."))


class PreviewForm(_FilterForm):
    """Whom to preview the campaign as: a person of the audience, or any address."""

    user_id = SelectField(_l("A person of the audience"), validators=[Optional()], coerce=str)
    email = EmailField(_l("Or an email address"), validators=[Optional(), Email(), Length(max=254)])
    locale = SelectField(_l("Language"), validators=[Optional()])


class TestSendForm(FlaskForm):
    """Send the campaign to oneself, as a person of the audience would receive it."""

    as_email = EmailField(
        _l("As the person with this address (optional)"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l("Empty: as you would receive it yourself."),
    )


class LinkFilterForm(_FilterForm):
    signatory = StringField(_l("Signatory (slug)"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("Person's email"), validators=[Optional(), Length(max=254)])
    state = SelectField(
        _l("State"),
        choices=as_choices([("", _l("All")), *LINK_STATE_LABELS.items()]),
        validators=[Optional()],
        validate_choice=False,
    )

    def filters(self) -> dict:
        values = {
            "signatory": (self.signatory.data or "").strip() or None,
            "email": (self.email.data or "").strip().lower() or None,
            "state": self.state.data if self.state.data in LINK_STATE_LABELS else None,
        }
        return {key: value for key, value in values.items() if value}


class RevokeLinkForm(FlaskForm):
    """Only a button."""


class SuppressionFilterForm(_FilterForm):
    email = StringField(_l("Address"), validators=[Optional(), Length(max=254)])


class LiftSuppressionForm(FlaskForm):
    """Only a button."""


class RecipientFilterForm(_FilterForm):
    status = SelectField(
        _l("Status"),
        choices=as_choices([("", _l("All")), *MESSAGE_STATUS_LABELS.items()]),
        validators=[Optional()],
        validate_choice=False,
    )

    def value(self) -> str | None:
        return self.status.data if self.status.data in MESSAGE_STATUS_LABELS else None
