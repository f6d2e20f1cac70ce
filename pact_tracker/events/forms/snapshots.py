"""Forms of the snapshot pages: taking one by hand, the buttons, and the GET filters."""

from datetime import UTC

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from pact_tracker.coalition.forms.public import no_nul


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


#: The breakdowns the entries can be filtered by, as the filter form names them.
FILTERS = ("programme", "goal", "organisation_type", "country", "status", "reporting_state")


class TakeSnapshotForm(FlaskForm):
    """A snapshot taken by hand: every commitment as of an instant (UTC)."""

    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=200), no_nul], filters=[_strip]
    )
    cutoff_at = DateTimeLocalField(
        _l("Cutoff (UTC)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired()],
        description=_l("Progress reported up to this instant counts; in UTC, not your local time."),
    )

    def cutoff(self):
        """The cutoff, timezone-aware (UTC)."""
        return self.cutoff_at.data.replace(tzinfo=UTC)


class ConfirmForm(FlaskForm):
    """A button that needs a ticked box (publishing, deleting)."""

    confirm = BooleanField(_l("Yes, I am sure."))


class ActionForm(FlaskForm):
    """A plain button (re-taking a draft): the CSRF token only."""


class EntryFilterForm(Form):
    """Filters of a snapshot's entries, read from the query string (GET, no CSRF).

    The choices are the groups the snapshot has (its aggregates), labelled in
    the page language: ``groups`` maps each filter to ``[(key, label)]``.
    """

    programme = SelectField(_l("Programme"), default="")
    goal = SelectField(_l("SDG goal"), default="")
    organisation_type = SelectField(_l("Type of organisation"), default="")
    country = SelectField(_l("Country"), default="")
    status = SelectField(_l("Status"), default="")
    reporting_state = SelectField(_l("Reporting"), default="")

    def __init__(self, formdata, groups: dict[str, list[tuple[str, str]]], **kwargs):
        super().__init__(formdata, **kwargs)
        for name in FILTERS:
            getattr(self, name).choices = [SelectChoice("", _l("All"))] + [
                SelectChoice(key, label) for key, label in groups.get(name, [])
            ]

    def filters(self) -> dict[str, str]:
        """The valid, non-empty filters; a bad value is ignored (its field shows why)."""
        return {
            name: field.data
            for name, field in self._fields.items()
            if field.data and not field.errors
        }
