"""Forms of the coalition pages for the public audience: directory filters, joining."""

import unicodedata
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from pact_tracker.core.caching import recent
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import Country, OrganisationType, Subdivision


def _sort_key(label: str) -> str:
    """Alphabetical order that ignores accents (``Égypte`` sorts with ``E``)."""
    return unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().casefold()


def choices(pairs) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def organisation_type_choices() -> list[SelectChoice]:
    """Organisation types in their order, labelled in the page language."""
    locale = str(get_locale())

    def compute():
        types = db.session.scalars(sa.select(OrganisationType).order_by(OrganisationType.position))
        return choices((t.code, t.localised("label", locale)) for t in types)

    return recent(("organisation_type_choices", locale), compute)


def country_choices() -> list[SelectChoice]:
    """Countries by name in the page language."""
    locale = str(get_locale())

    def compute():
        countries = choices(
            (c.code, c.localised("name", locale)) for c in db.session.scalars(sa.select(Country))
        )
        return sorted(countries, key=lambda choice: _sort_key(choice.label))

    return recent(("country_choices", locale), compute)


def programme_choices() -> list[SelectChoice]:
    """Active programmes by code, named in the page language."""
    locale = str(get_locale())

    def compute():
        query = sa.select(Programme).where(Programme.active.is_(True)).order_by(Programme.code)
        return choices((p.code, p.localised("name", locale)) for p in db.session.scalars(query))

    return recent(("programme_choices", locale), compute)


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def no_nul(form, field) -> None:
    """NUL characters have no business in text and PostgreSQL refuses them."""
    if field.data and "\x00" in field.data:
        raise ValidationError(_l("This text contains a character that is not allowed."))


def _directory_choices() -> dict[str, list[SelectChoice]]:
    """Each filter's choices, "All" first; the same lists for a minute (``select_options``)."""
    locale = str(get_locale())

    def compute():
        every = SelectChoice("", str(_l("All")))
        return {
            "organisation_type": [every, *organisation_type_choices()],
            "country": [every, *country_choices()],
            "programme": [every, *programme_choices()],
        }

    return recent(("directory_choices", locale), compute)


class DirectoryFilterForm(Form):
    """Filters of the signatory directory, read from the query string (GET, no CSRF)."""

    q = StringField(
        _l("Name or acronym"), validators=[Optional(), Length(max=100), no_nul], filters=[_strip]
    )
    organisation_type = SelectField(_l("Type of organisation"), default="")
    country = SelectField(_l("Country"), default="")
    programme = SelectField(_l("Programme"), default="")

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata, **kwargs)
        for name, options in _directory_choices().items():
            self[name].choices = options

    def filters(self) -> dict[str, str]:
        """The valid, non-empty filters; a bad value is ignored (its field shows why)."""
        return {
            name: field.data
            for name, field in self._fields.items()
            if field.data and not field.errors
        }


_CHOOSE = SelectChoice("", _l("Choose…"))


class JoinForm(FlaskForm):
    """An organisation applies to join the coalition; the secretariat reviews it."""

    name = StringField(
        _l("Name of the organisation"),
        validators=[DataRequired(), Length(max=200), no_nul],
        filters=[_strip],
    )
    acronym = StringField(
        _l("Acronym (optional)"), validators=[Optional(), Length(max=40), no_nul], filters=[_strip]
    )
    organisation_type = SelectField(
        _l("Type of organisation"),
        validators=[DataRequired(message=_l("Choose the type of your organisation."))],
    )
    country = SelectField(
        _l("Country"),
        validators=[DataRequired(message=_l("Choose the country of your organisation."))],
    )
    subdivision = StringField(
        _l("Region or subdivision (optional)"),
        description=_l("Its ISO 3166-2 code, for example FR-IDF for Île-de-France."),
        validators=[Optional(), Length(max=12), no_nul],
        filters=[lambda v: v.strip().upper() if v else v],
        render_kw={"list": "subdivisions", "autocomplete": "off"},
    )
    locality = StringField(
        _l("Town or area (optional)"),
        validators=[Optional(), Length(max=160), no_nul],
        filters=[_strip],
    )
    website = URLField(
        _l("Website (optional)"),
        validators=[Optional(), Length(max=300), no_nul],
        filters=[_strip],
    )
    description = TextAreaField(
        _l("What your organisation does (optional)"),
        description=_l("Markdown is accepted: *emphasis*, lists, links."),
        validators=[Optional(), Length(max=10000), no_nul],
        render_kw={"rows": 5},
    )
    contact_name = StringField(
        _l("Your name"), validators=[DataRequired(), Length(max=160), no_nul], filters=[_strip]
    )
    contact_email = EmailField(
        _l("Your email address"),
        validators=[DataRequired(), Length(max=254), Email()],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )
    contact_locale = SelectField(
        _l("Your preferred language"), choices=choices([("en", "English"), ("fr", "Français")])
    )
    accept_manifesto = BooleanField(
        _l("On behalf of my organisation, I endorse the coalition's manifesto."),
        validators=[DataRequired(message=_l("Joining means endorsing the manifesto."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_type.choices = [_CHOOSE, *organisation_type_choices()]
        self.country.choices = [_CHOOSE, *country_choices()]
        if not self.is_submitted():
            self.contact_locale.data = str(get_locale())

    def validate_website(self, field) -> None:
        parts = urlsplit(field.data or "")
        if field.data and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise ValidationError(_l("Give a web address starting with http:// or https://."))

    def validate_subdivision(self, field) -> None:
        if not field.data:
            return
        subdivision = db.session.get(Subdivision, field.data)
        if subdivision is None:
            raise ValidationError(_l("There is no subdivision with this code."))
        if self.country.data and subdivision.country_code != self.country.data:
            raise ValidationError(_l("This subdivision is not in the chosen country."))

    def signatory_data(self) -> dict:
        """The fields of ``coalition.services.apply_to_join``."""
        return {
            "name": self.name.data,
            "acronym": self.acronym.data or None,
            "organisation_type_code": self.organisation_type.data,
            "country_code": self.country.data,
            "subdivision_code": self.subdivision.data or None,
            "locality": self.locality.data or None,
            "website": self.website.data or None,
            "description": self.description.data or "",
        }

    #: Field names of ``apply_to_join`` -> the fields of this form that show their errors.
    SIGNATORY_FIELDS = {
        "name": "name",
        "slug": "name",
        "acronym": "acronym",
        "organisation_type_code": "organisation_type",
        "country_code": "country",
        "subdivision_code": "subdivision",
        "locality": "locality",
        "website": "website",
        "description": "description",
    }
    #: Field names of ``create_user`` -> the fields of this form.
    USER_FIELDS = {"email": "contact_email", "name": "contact_name", "locale": "contact_locale"}
