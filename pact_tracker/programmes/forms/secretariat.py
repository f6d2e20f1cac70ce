"""Forms of the programmes pages for the secretariat audience: bilingual fields side by side."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

DIRECTION_LABELS = {
    "increase": _l("Increase"),
    "decrease": _l("Decrease"),
    "maintain": _l("Maintain"),
}
#: Rows for suggested indicators on the form.
INDICATOR_ROWS = 3


def as_choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as the choices of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes, one per choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProgrammeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("2 to 32 capital letters, digits or hyphens, e.g. SSE-FIN."),
    )
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    name_fr = StringField(_l("Name (French)"), validators=[DataRequired(), Length(max=200)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional()])
    description_fr = TextAreaField(_l("Description (French)"), validators=[Optional()])
    goal_numbers = SelectMultipleField(_l("SDG goals"), coerce=int, validate_choice=False)
    active = BooleanField(_l("Active (visible to members and the public)"), default=True)

    FIELDS = ("code", "name_en", "name_fr", "description_en", "description_fr")

    def set_choices(self, goals, locale: str) -> None:
        self.goal_numbers.choices = as_choices(
            (goal.number, f"{goal.number} · {goal.localised('short', locale)}") for goal in goals
        )

    def data_for_service(self) -> dict:
        data = {name: (getattr(self, name).data or "").strip() for name in self.FIELDS}
        data["goal_numbers"] = list(self.goal_numbers.data or [])
        data["active"] = bool(self.active.data)
        return data


class SuggestedIndicatorForm(Form):
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    name_fr = StringField(_l("Name (French)"), validators=[Optional(), Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=40)])
    direction = SelectField(
        _l("Direction"), choices=as_choices(DIRECTION_LABELS.items()), validate_choice=False
    )
    dimension_code = SelectField(_l("Impact dimension"), validate_choice=False)

    def is_blank(self) -> bool:
        return not any((self[name].data or "").strip() for name in ("name_en", "name_fr", "unit"))


class ProposalForm(FlaskForm):
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=200)])
    title_fr = StringField(_l("Title (French)"), validators=[DataRequired(), Length(max=200)])
    text_en = TextAreaField(_l("Text (English)"), validators=[Optional()])
    text_fr = TextAreaField(_l("Text (French)"), validators=[Optional()])
    organisation_type_codes = MultiCheckboxField(
        _l("Adapted to these types of organisation"), validate_choice=False
    )
    target_codes = StringField(
        _l("SDG targets"),
        validators=[Optional(), Length(max=400)],
        description=_l("Target codes separated by commas, e.g. 8.5, 4.4."),
    )
    dimension_codes = MultiCheckboxField(_l("Impact dimensions"), validate_choice=False)
    indicators = FieldList(
        FormField(SuggestedIndicatorForm),
        label=_l("Suggested indicators"),
        # No maximum: a proposal written through the API may carry more, and editing
        # it here must not drop them (the edit page shows one row per indicator).
        min_entries=INDICATOR_ROWS,
    )
    active = BooleanField(_l("Active (members may adopt it)"), default=True)

    def set_choices(self, types, dimensions, locale: str) -> None:
        types = [(t.code, t.localised("label", locale)) for t in types]
        dimensions = [(d.code, d.localised("label", locale)) for d in dimensions]
        self.organisation_type_codes.choices = as_choices(types)
        self.dimension_codes.choices = as_choices(dimensions)
        for row in self.indicators:
            row.dimension_code.choices = as_choices([("", "—"), *dimensions])

    def data_for_service(self) -> dict:
        data = {
            name: (getattr(self, name).data or "").strip()
            for name in ("title_en", "title_fr", "text_en", "text_fr")
        }
        data["organisation_type_codes"] = list(self.organisation_type_codes.data or [])
        data["target_codes"] = [
            code for code in re.split(r"[\s,;]+", self.target_codes.data or "") if code
        ]
        data["dimension_codes"] = list(self.dimension_codes.data or [])
        data["indicators"] = [
            {
                "name_en": row.name_en.data.strip(),
                "name_fr": row.name_fr.data.strip(),
                "unit": row.unit.data.strip(),
                "direction": row.direction.data,
                "dimension_code": row.dimension_code.data or None,
            }
            for row in (entry.form for entry in self.indicators)
            if not row.is_blank()
        ]
        data["active"] = bool(self.active.data)
        return data


def show_service_errors(form: FlaskForm, errors: dict[str, list[str]]) -> list[str]:
    """Put a service's messages next to the form's fields; return those that fit nowhere."""
    homeless = []
    for name, messages in errors.items():
        field = form._fields.get(name)
        if field is not None and not isinstance(field, FieldList):
            field.errors = [*field.errors, *messages]
        elif isinstance(field, FieldList):
            # FieldList errors are per row; the list's own messages go beside the list.
            form.list_errors = [*getattr(form, "list_errors", []), *messages]
        else:
            homeless.extend(messages)
    return homeless
