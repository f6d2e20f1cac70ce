"""Forms of the coalition pages for the member audience: profile, colleagues, preferences."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from pact_tracker.core.errors import DomainError

LANGUAGE_CHOICES = [SelectChoice("en", "English"), SelectChoice("fr", "Français")]


class ProfileForm(FlaskForm):
    FIELDS = ("name", "acronym", "website", "locality", "subdivision_code", "description")

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    website = StringField(
        _l("Website"), validators=[Optional(), Length(max=300)], render_kw={"type": "url"}
    )
    locality = StringField(_l("Town or area"), validators=[Optional(), Length(max=160)])
    subdivision_code = StringField(
        _l("Subdivision (ISO 3166-2 code)"), validators=[Optional(), Length(max=12)]
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=10_000)], render_kw={"rows": 6}
    )

    def data_for_service(self) -> dict:
        return {name: self[name].data or None for name in self.FIELDS} | {
            "name": self.name.data,
            "description": self.description.data or "",
        }


class InviteForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[Optional(), Length(max=160)],
        description=_l("Needed when the person has no account yet."),
    )
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    locale = SelectField(_l("Language of the invitation"), choices=LANGUAGE_CHOICES)
    is_admin = BooleanField(_l("May invite and remove colleagues too"))


class PreferencesForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    reminders_opt_out = BooleanField(_l("Do not send me automatic reminders"))


class ConfirmForm(FlaskForm):
    """A button that does one thing: only the CSRF token travels."""


#: The services' most frequent messages, in the page language (others stay as written).
SERVICE_MESSAGES = {
    "This field is required.": _l("This field is required."),
    "Must be a web address starting with http:// or https://.": _l(
        "Must be a web address starting with http:// or https://."
    ),
    "Must be an email address such as name@example.org.": _l(
        "Must be an email address such as name@example.org."
    ),
    "Required for a person who has no account yet.": _l(
        "Required for a person who has no account yet."
    ),
}


def attach_service_errors(form, error: DomainError) -> None:
    """Put a service's per-field messages next to the inputs; the rest above the form."""
    for key, raw in error.errors.items():
        messages = [SERVICE_MESSAGES.get(message, message) for message in raw]
        if key in form and key != "csrf_token":
            form[key].errors = [*form[key].errors, *messages]
        else:
            form.form_errors.extend(messages)
    if not error.errors:
        form.form_errors.append(error.message)
