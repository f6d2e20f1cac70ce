"""Forms of the coalition pages for the secretariat audience.

Filter forms read the query string (no CSRF: they change nothing); every
other form posts with a CSRF token. The services check the rules; these
forms only turn what the browser sends into the values the services take.
"""

import base64
import zlib

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from pact_tracker.coalition.forms.public import country_choices, organisation_type_choices
from pact_tracker.coalition.models import Role, SignatoryStatus
from pact_tracker.core.caching import recent

ROLE_LABELS = {
    "member": _l("Member"),
    "organiser": _l("Organiser"),
    "secretariat": _l("Secretariat"),
}
LOCALE_LABELS = {"en": "English", "fr": "Français"}
IMPORT_KIND_LABELS = {
    "signatories": _l("Signatories"),
    "commitments": _l("Commitments (as drafts)"),
    "progress": _l("Progress updates"),
}
#: How long a previewed upload may wait for its confirmation.
IMPORT_TOKEN_MAX_AGE = 3600
_IMPORT_SALT = "pact-admin-import"


def as_choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as the choices of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


def organisation_filter_choices() -> dict[str, list[SelectChoice]]:
    """The choices of the type and country filters, "All" first, in the page's language.

    Reference data: the same lists for a minute in each process (``core.caching``),
    so that ``select_options`` writes their 260 options once, not on every view, and
    no view loads the 249 countries as rows.
    """
    locale = str(get_locale())

    def compute():
        every = SelectChoice("", str(_l("All")))
        return {
            "type": [every, *organisation_type_choices()],
            "country": [every, *country_choices()],
        }

    return recent(("organisation_filter_choices", locale), compute)


class _FilterForm(FlaskForm):
    """A GET form of list filters: read from the query string, no CSRF token."""

    class Meta:
        csrf = False

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)


class ApplicationDecisionForm(FlaskForm):
    """Approve or reject an application, with a message for the applicant."""

    message = TextAreaField(
        _l("Message to the applicant"),
        # No Optional(): it would stop validate_message from asking for a reason.
        validators=[Length(max=10_000)],
        description=_l("Sent to the organisation's contacts; required to reject."),
    )
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))

    def decision(self) -> SignatoryStatus | None:
        if self.approve.data:
            return SignatoryStatus.approved
        if self.reject.data:
            return SignatoryStatus.rejected
        return None

    def validate_message(self, field):
        if self.reject.data and not (field.data or "").strip():
            raise ValidationError(_l("Say why the application is rejected."))


class SignatoryFilterForm(_FilterForm):
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)
    type = SelectField(_l("Type of organisation"), validators=[Optional()], validate_choice=False)
    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=False)
    q = StringField(_l("Name contains"), validators=[Optional(), Length(max=100)])

    def set_choices(self, statuses) -> None:
        self.status.choices = as_choices([("", _l("All")), *statuses])
        organisation = organisation_filter_choices()
        self.type.choices = organisation["type"]
        self.country.choices = organisation["country"]

    def filters(self) -> dict:
        """The filters for ``signatories_query``; values outside the choices are ignored."""
        valid = {
            name: {choice.value for choice in getattr(self, name).choices}
            for name in ("status", "type", "country")
        }
        values = {
            "status": self.status.data if self.status.data in valid["status"] else None,
            "organisation_type": self.type.data if self.type.data in valid["type"] else None,
            "country": self.country.data if self.country.data in valid["country"] else None,
            "q": self.q.data if not self.q.errors else None,
        }
        return {key: value for key, value in values.items() if value}


#: What the status form may do: the action's name -> the status it leads to.
STATUS_ACTIONS = {
    "suspend": SignatoryStatus.suspended,
    "reinstate": SignatoryStatus.approved,
    "withdraw": SignatoryStatus.withdrawn,
}


class SignatoryStatusForm(FlaskForm):
    """Suspend, reinstate or withdraw a signatory, saying why."""

    action = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=10_000)],
        description=_l("Shown to the signatory's members; required to suspend or withdraw."),
    )

    def validate_action(self, field):
        if field.data not in STATUS_ACTIONS:
            raise ValidationError(_l("Choose suspend, reinstate or withdraw."))

    def validate_reason(self, field):
        if self.action.data in ("suspend", "withdraw") and not (field.data or "").strip():
            raise ValidationError(_l("Give the reason: the members will see it."))

    def new_status(self) -> SignatoryStatus:
        return STATUS_ACTIONS[self.action.data]


class SignatoryProfileForm(FlaskForm):
    """The profile fields of a signatory, as ``update_signatory`` takes them."""

    FIELDS = (
        "name",
        "acronym",
        "slug",
        "organisation_type_code",
        "country_code",
        "subdivision_code",
        "locality",
        "website",
        "description",
    )

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    slug = StringField(
        _l("Slug (web address)"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("Lower-case letters, digits and hyphens; it changes the page's address."),
    )
    organisation_type_code = SelectField(_l("Type of organisation"), validate_choice=False)
    country_code = SelectField(_l("Country"), validate_choice=False)
    subdivision_code = StringField(
        _l("Region or subdivision code"),
        validators=[Optional(), Length(max=12)],
        description=_l("ISO 3166-2, e.g. FR-IDF."),
    )
    locality = StringField(_l("Town or area"), validators=[Optional(), Length(max=160)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10_000)])

    def set_choices(self, types, countries, locale: str) -> None:
        self.organisation_type_code.choices = as_choices(
            (t.code, t.localised("label", locale)) for t in types
        )
        self.country_code.choices = as_choices(
            (c.code, c.localised("name", locale)) for c in countries
        )

    def data_for_service(self) -> dict:
        return {name: (getattr(self, name).data or "").strip() for name in self.FIELDS}


class UserFilterForm(_FilterForm):
    role = SelectField(
        _l("Role"),
        choices=as_choices([("", _l("All")), *ROLE_LABELS.items()]),
        validators=[Optional()],
        validate_choice=False,
    )
    q = StringField(_l("Name or email contains"), validators=[Optional(), Length(max=100)])

    def filters(self) -> dict:
        values = {
            "role": Role(self.role.data) if self.role.data in ROLE_LABELS else None,
            "q": self.q.data if not self.q.errors else None,
        }
        return {key: value for key, value in values.items() if value}


class UserRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=as_choices(ROLE_LABELS.items()))


class UserActiveForm(FlaskForm):
    """Deactivate or reactivate an account (the button says which)."""

    active = HiddenField(validators=[DataRequired()])

    def validate_active(self, field):
        if field.data not in ("0", "1"):
            raise ValidationError(_l("Choose to deactivate or reactivate."))

    def wants_active(self) -> bool:
        return self.active.data == "1"


class UserCreateForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    role = SelectField(_l("Role"), choices=as_choices(ROLE_LABELS.items()), default="member")
    locale = SelectField(_l("Language"), choices=as_choices(LOCALE_LABELS.items()), default="en")


class ActivityFilterForm(_FilterForm):
    action = StringField(
        _l("Action"),
        validators=[Optional(), Length(max=80)],
        description=_l("An exact action, or a prefix ending with a dot, e.g. signatory."),
    )
    actor = StringField(_l("Actor (email)"), validators=[Optional(), Length(max=254)])
    signatory = StringField(_l("Signatory (slug)"), validators=[Optional(), Length(max=120)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))


def _upload_limit() -> int:
    """Largest upload the import page accepts, in bytes."""
    return min(
        current_app.config["MAX_CONTENT_LENGTH"],
        current_app.config.get("IMPORT_WEB_MAX_BYTES", 1024 * 1024),
    )


class ImportForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), choices=as_choices(IMPORT_KIND_LABELS.items()))
    file = FileField(
        _l("CSV file (UTF-8)"),
        validators=[FileRequired(_l("Choose a CSV file."))],
    )

    def validate_file(self, field):
        """Read the upload: a CSV file within the size limit, as UTF-8 text."""
        upload = field.data
        if not upload.filename.lower().endswith(".csv"):
            raise ValidationError(_l("Choose a file ending in .csv."))
        limit = _upload_limit()
        content = upload.stream.read(limit + 1)
        if len(content) > limit:
            raise ValidationError(_l("The file is larger than %(size)s KB.", size=limit // 1024))
        self.content = content


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_IMPORT_SALT)


def sign_upload(kind: str, filename: str, content: bytes) -> str:
    """A token carrying a previewed file to its confirmation, signed so it cannot be altered.

    Compressed, then signed with the app's secret (HMAC, itsdangerous): the
    file travels back in the confirmation form instead of being kept on disk.
    """
    packed = base64.b64encode(zlib.compress(content, 9)).decode("ascii")
    return _serializer().dumps({"kind": kind, "filename": filename, "content": packed})


def read_upload(token: str) -> tuple[str, str, bytes] | None:
    """``(kind, filename, content)`` of a token from :func:`sign_upload`; None if bad or stale."""
    try:
        data = _serializer().loads(token, max_age=IMPORT_TOKEN_MAX_AGE)
        return data["kind"], data["filename"], zlib.decompress(base64.b64decode(data["content"]))
    except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError, zlib.error):
        return None


class ImportConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])

    def validate_token(self, field):
        self.upload = read_upload(field.data or "")
        if self.upload is None or self.upload[0] not in IMPORT_KIND_LABELS:
            raise ValidationError(
                _l("This preview has expired or was altered. Upload the file again.")
            )
