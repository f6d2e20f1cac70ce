"""Forms of the commitments pages for the member audience.

The forms convert what the browser sends into the plain dicts the services
take (``*_data`` methods); the services check the rules. Their errors come
back keyed like ``indicators[0].target``: :func:`attach_service_errors` puts
each message next to the input it belongs to, through the row maps the
``*_data`` methods return (blank rows are left out, so indexes differ).
"""

import re
from datetime import UTC
from decimal import Decimal
from functools import lru_cache

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pact_tracker.core.errors import DomainError

ROWS = 3
EVIDENCE_ROWS = 2

DIRECTION_LABELS = {
    "increase": _l("Increase"),
    "decrease": _l("Decrease"),
    "maintain": _l("Maintain"),
}
SCOPE_LABELS = {
    "international": _l("International"),
    "national": _l("National"),
    "subnational": _l("Subnational (a region or a city)"),
}
VISIBILITY_LABELS = {
    "public": _l("Public once approved"),
    "private": _l("Private (only the secretariat and my organisation)"),
}
PROGRESS_STATUS_LABELS = {
    "not_started": _l("Not started"),
    "on_track": _l("On track"),
    "delayed": _l("Delayed"),
    "blocked": _l("Blocked"),
    "completed": _l("Completed"),
}
EVIDENCE_KIND_LABELS = {
    "testimony": _l("Testimony"),
    "case_study": _l("Case study"),
    "survey": _l("Survey"),
    "photo": _l("Photo"),
    "document": _l("Document"),
}
ASSESSMENT_LEVEL_LABELS = {
    "no_evidence": _l("No evidence"),
    "not_started": _l("Not started"),
    "limited": _l("Limited"),
    "substantial": _l("Substantial"),
    "complete": _l("Complete"),
}
LANGUAGE_LABELS = {"en": "English", "fr": "Français"}
#: The fields the SMART check names, as the form labels them.
SMART_FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "due_date": _l("Due date"),
    "indicators": _l("Indicators"),
    "target_codes": _l("SDG targets"),
    "milestones": _l("Milestones"),
    "dimension_codes": _l("Impact dimensions"),
}

#: Every label dict, handed to the templates as ``labels``.
LABELS = {
    "direction": DIRECTION_LABELS,
    "scope": SCOPE_LABELS,
    "visibility": VISIBILITY_LABELS,
    "progress_status": PROGRESS_STATUS_LABELS,
    "evidence_kind": EVIDENCE_KIND_LABELS,
    "assessment_level": ASSESSMENT_LEVEL_LABELS,
    "language": LANGUAGE_LABELS,
    "smart_field": SMART_FIELD_LABELS,
}


def timeline_texts() -> dict:
    """The timeline's sentences and labels in the page language, for ``_timeline.html``."""
    return _timeline_texts(str(get_locale()))


@lru_cache(maxsize=8)
def _timeline_texts(_locale: str) -> dict:
    """Translated once per process and language: a long history writes each on every report.

    The sentences are format strings, as Jinja's ``_()`` makes them: the template's
    ``%`` puts in each report's figures, escaped.
    """
    sentences = {
        "report": "Progress report #%(id)s",
        "correction": "Correction of the report #%(id)s",
        "speaks_for": "Speaks for %(date)s",
        "corrected_by": "Corrected by #%(id)s",
        "label": "%(label)s:",
        "assessment": "Assessment: %(level)s",
    }
    # Markup, as Jinja's _() makes it: the translations are ours, the figures are escaped.
    texts = {
        name: Markup(gettext(sentence))  # noqa: S704  # nosec B704
        for name, sentence in sentences.items()
    }
    # Markup too, as a lazy label is shown (``LazyString.__html__``): unescaped.
    for name in ("progress_status", "evidence_kind", "assessment_level"):
        texts[name] = {
            value: Markup(str(label))  # noqa: S704  # nosec B704
            for value, label in LABELS[name].items()
        }
    return texts


def _choices(labels: dict, blank=None) -> list[SelectChoice]:
    options = [SelectChoice("", blank)] if blank is not None else []
    return options + [SelectChoice(value, label) for value, label in labels.items()]


class ErrorListMixin:
    """``error_list()``: every message of the form, for the summary at the top of the page."""

    def error_list(self) -> list[tuple[str, str, str]]:
        """``(input id, label, message)`` for each error, rows of lists included."""
        items = []
        for field in self:
            if isinstance(field, FieldList):
                for number, entry in enumerate(field, 1):
                    for sub in entry:
                        label = f"{field.label.text} {number} · {sub.label.text}"
                        items += [(sub.id, label, message) for message in sub.errors]
            else:
                items += [(field.id, field.label.text, message) for message in field.errors]
        return items


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes, one per choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class IndicatorRowForm(Form):
    id = HiddenField()
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=40)])
    dimension_code = SelectField(_l("Impact dimension"), validate_choice=False)
    baseline = DecimalField(_l("Baseline"), validators=[Optional()], places=None)
    target = DecimalField(_l("Target"), validators=[Optional()], places=None)
    direction = SelectField(_l("Direction"), choices=_choices(DIRECTION_LABELS), default="increase")

    def is_blank(self) -> bool:
        return not ((self.name.data or "").strip() or (self.unit.data or "").strip()) and (
            self.baseline.data is None and self.target.data is None
        )

    def data_for_service(self) -> dict:
        row = {
            "name": self.name.data,
            "unit": self.unit.data,
            "dimension_code": self.dimension_code.data or None,
            "baseline": self.baseline.data,
            "target": self.target.data,
            "direction": self.direction.data or "increase",
        }
        if (self.id.data or "").strip():
            row["id"] = self.id.data.strip()
        return row


class MilestoneRowForm(Form):
    id = HiddenField()
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    due_date = DateField(_l("Due on"), validators=[Optional()])

    def is_blank(self) -> bool:
        return not (self.title.data or "").strip() and self.due_date.data is None

    def data_for_service(self) -> dict:
        row = {"title": self.title.data, "due_date": self.due_date.data}
        if (self.id.data or "").strip():
            row["id"] = self.id.data.strip()
        return row


class CommitmentForm(ErrorListMixin, FlaskForm):
    """A commitment written from a proposal or from scratch, and its later edits."""

    proposal_id = HiddenField()
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional()], render_kw={"rows": 8})
    language = SelectField(
        _l("Language of the text"), choices=_choices(LANGUAGE_LABELS), default="en"
    )
    programme_id = SelectField(_l("Thematic programme"), validators=[DataRequired()])
    target_codes = SelectMultipleField(_l("SDG targets"), render_kw={"size": 12})
    dimension_codes = MultiCheckboxField(_l("Impact dimensions"))
    scope = SelectField(_l("Territorial scope"), choices=_choices(SCOPE_LABELS), default="national")
    country_code = SelectField(_l("Country"), validate_choice=False)
    subdivision_code = StringField(
        _l("Subdivision (ISO 3166-2 code)"), validators=[Optional(), Length(max=12)]
    )
    # InputRequired, not DataRequired: that one would replace "Not a valid date value."
    # by "This field is required." for a date that does not exist (31 February).
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    due_date = DateField(_l("Due date"), validators=[InputRequired()])
    cadence_months = IntegerField(
        _l("Report progress every (months)"),
        default=6,
        validators=[InputRequired(), NumberRange(min=1, max=24)],
    )
    funding_amount = DecimalField(
        _l("Funding pledged"), validators=[Optional(), NumberRange(min=0)], places=None
    )
    funding_currency = StringField(
        _l("Currency (ISO 4217 code, e.g. EUR)"), validators=[Optional(), Length(max=3)]
    )
    visibility = SelectField(
        _l("Visibility"), choices=_choices(VISIBILITY_LABELS), default="public"
    )
    indicators = FieldList(FormField(IndicatorRowForm), _l("Indicator"), min_entries=ROWS)
    milestones = FieldList(FormField(MilestoneRowForm), _l("Milestone"), min_entries=ROWS)

    def set_choices(self, *, programmes, goals, dimensions, countries, locale: str) -> None:
        """Fill the selects from the reference data, labelled in ``locale``."""
        self.programme_id.choices = [SelectChoice("", _l("Choose a programme"))] + [
            SelectChoice(str(p.id), f"{p.code} · {p.localised('name', locale)}") for p in programmes
        ]
        self.target_codes.choices = [
            SelectChoice(
                t.code,
                f"{t.code} · {_shorten(t.localised('text', locale))}",
                optgroup=f"{goal.number} · {goal.localised('short', locale)}",
            )
            for goal in goals
            for t in goal.targets
        ]
        dimension_choices = [SelectChoice(d.code, d.localised("label", locale)) for d in dimensions]
        self.dimension_codes.choices = dimension_choices
        for row in self.indicators:
            row.form.dimension_code.choices = [SelectChoice("", "—"), *dimension_choices]
        self.country_code.choices = [SelectChoice("", "—")] + [
            SelectChoice(c.code, c.localised("name", locale)) for c in countries
        ]

    def data_for_service(self) -> tuple[dict, dict[str, list[int]]]:
        """The service's dict, and for each list the form row behind each item sent."""
        data = {
            "title": self.title.data,
            "description": self.description.data or "",
            "language": self.language.data,
            "programme_id": self.programme_id.data or None,
            "target_codes": list(self.target_codes.data or []),
            "dimension_codes": list(self.dimension_codes.data or []),
            "scope": self.scope.data,
            "country_code": self.country_code.data or None,
            "subdivision_code": self.subdivision_code.data or None,
            "start_date": self.start_date.data,
            "due_date": self.due_date.data,
            "cadence_months": self.cadence_months.data,
            "funding_amount": self.funding_amount.data,
            "funding_currency": self.funding_currency.data or None,
            "visibility": self.visibility.data,
        }
        rows: dict[str, list[int]] = {}
        for name in ("indicators", "milestones"):
            kept = [n for n, entry in enumerate(self[name]) if not entry.form.is_blank()]
            data[name] = [self[name][n].form.data_for_service() for n in kept]
            rows[name] = kept
        if (self.proposal_id.data or "").strip():
            data["proposal_id"] = self.proposal_id.data.strip()
        return data, rows


def _shorten(text: str, length: int = 110) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class ConfirmForm(FlaskForm):
    """A button that does one thing: only the CSRF token travels."""


class WithdrawForm(ErrorListMixin, FlaskForm):
    reason = TextAreaField(
        _l("Why is the commitment withdrawn?"),
        validators=[DataRequired(), Length(max=5000)],
        render_kw={"rows": 4},
    )


class EvidenceRowForm(Form):
    kind = SelectField(_l("Kind"), choices=_choices(EVIDENCE_KIND_LABELS, blank="—"), default="")
    dimension_code = SelectField(_l("Impact dimension"), validate_choice=False)
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional()], render_kw={"rows": 2})
    url = StringField(_l("Link"), validators=[Optional(), Length(max=500)])

    def is_blank(self) -> bool:
        return not any(
            (getattr(self, name).data or "").strip()
            for name in ("kind", "title", "description", "url")
        )

    def data_for_service(self) -> dict:
        return {
            "kind": self.kind.data or None,
            "dimension_code": self.dimension_code.data or None,
            "title": self.title.data,
            "description": self.description.data or "",
            "url": self.url.data or None,
        }


class ProgressForm(ErrorListMixin, FlaskForm):
    """One short report; an ``indicator_<id>`` field is added per indicator (see below)."""

    status = SelectField(
        _l("Where does it stand?"), choices=_choices(PROGRESS_STATUS_LABELS), default="on_track"
    )
    percent_complete = IntegerField(
        _l("Percent complete"), validators=[Optional(), NumberRange(min=0, max=100)]
    )
    milestones_done = MultiCheckboxField(_l("Milestones done"), coerce=int)
    narrative = TextAreaField(_l("What happened"), render_kw={"rows": 6})
    evidence = FieldList(
        FormField(EvidenceRowForm),
        _l("Evidence"),
        min_entries=EVIDENCE_ROWS,
        max_entries=EVIDENCE_ROWS,
    )
    reported_at = DateTimeLocalField(
        _l("This report speaks for (UTC)"), validators=[Optional()], tz=UTC
    )

    def indicator_field(self, indicator):
        return self[f"indicator_{indicator.id}"]

    def data_for_service(self, commitment) -> tuple[dict, dict[str, list]]:
        data = {
            "status": self.status.data,
            "percent_complete": self.percent_complete.data,
            "narrative": self.narrative.data or "",
            "milestones_done": list(self.milestones_done.data or []),
        }
        given = [i for i in commitment.indicators if self.indicator_field(i).data is not None]
        data["indicator_values"] = [
            {"indicator_id": i.id, "value": self.indicator_field(i).data} for i in given
        ]
        kept = [n for n, entry in enumerate(self.evidence) if not entry.form.is_blank()]
        data["evidence"] = [self.evidence[n].form.data_for_service() for n in kept]
        if "reported_at" in self and self.reported_at.data is not None:
            data["reported_at"] = self.reported_at.data
        fields = {
            "indicator_values": [f"indicator_{i.id}" for i in given],
            "evidence": kept,
        }
        return data, fields


class CorrectionForm(ProgressForm):
    """The same report, corrected: it keeps the original's moment, and says why."""

    reported_at = None
    reason = TextAreaField(
        _l("Why is it corrected?"),
        validators=[DataRequired(), Length(max=5000)],
        render_kw={"rows": 3},
    )


def progress_form(commitment, *, dimensions, locale: str, correcting=None, **kwargs):
    """A progress (or, with ``correcting``, correction) form for ``commitment``'s indicators."""
    base = CorrectionForm if correcting is not None else ProgressForm
    indicators = tuple((i.id, f"{i.name} ({i.unit})") for i in commitment.indicators)
    form = _progress_form_class(base, indicators)(**kwargs)
    form.milestones_done.choices = [
        SelectChoice(m.id, f"{m.title} ({m.due_date.isoformat()})")
        for m in commitment.milestones
        if m.done_on is None
    ]
    dimension_choices = [SelectChoice("", "—")] + [
        SelectChoice(d.code, d.localised("label", locale)) for d in dimensions
    ]
    for row in form.evidence:
        row.form.dimension_code.choices = dimension_choices
    return form


@lru_cache(maxsize=512)
def _progress_form_class(base: type, indicators: tuple[tuple[int, str], ...]) -> type:
    """``base`` with a decimal field per ``(indicator id, label)``.

    Kept per process: making the class, and WTForms sorting its fields on its first
    form, cost a progress page more than its queries. A class holds only labels, so
    one renamed indicator makes a new class, and forms never share their data.
    """
    form_class = type(base.__name__, (base,), {})
    for indicator_id, label in indicators:
        setattr(
            form_class,
            f"indicator_{indicator_id}",
            DecimalField(label, validators=[Optional()], places=None),
        )
    return form_class


def plain_decimal(value: Decimal | None) -> Decimal | None:
    """``70.0000`` (as the database keeps it) as ``70``, for inputs people read."""
    if value is None:
        return None
    return Decimal(format(value.normalize(), "f"))


def correction_defaults(update) -> dict:
    """Form data of an update, so that a correction starts from what was said."""
    defaults = {
        "status": str(update.status),
        "percent_complete": update.percent_complete,
        "narrative": update.narrative,
        "evidence": [
            {
                "kind": str(item.kind),
                "dimension_code": item.dimension_code or "",
                "title": item.title,
                "description": item.description,
                "url": item.url or "",
            }
            for item in update.evidence
        ],
    }
    for value in update.values:
        defaults[f"indicator_{value.indicator_id}"] = plain_decimal(value.value)
    return defaults


#: The services' most frequent messages, in the page language (others stay as written).
SERVICE_MESSAGES = {
    "This field is required.": _l("This field is required."),
    "A programme is required unless a proposal is adopted.": _l(
        "A programme is required unless a proposal is adopted."
    ),
    "This programme no longer takes new commitments.": _l(
        "This programme no longer takes new commitments."
    ),
    "The due date cannot be before the start date.": _l(
        "The due date cannot be before the start date."
    ),
    "Give the amount and its currency together, or neither.": _l(
        "Give the amount and its currency together, or neither."
    ),
    "A subnational commitment needs a subdivision.": _l(
        "A subnational commitment needs a subdivision."
    ),
    "Only a subnational commitment names a subdivision.": _l(
        "Only a subnational commitment names a subdivision."
    ),
    "Must be an http or https address.": _l("Must be an http or https address."),
    "A report cannot speak for a moment in the future.": _l(
        "A report cannot speak for a moment in the future."
    ),
    "This proposal is no longer offered.": _l("This proposal is no longer offered."),
}


def in_page_language(message: str) -> str:
    return SERVICE_MESSAGES.get(message, message)


_KEY = re.compile(r"^(?P<list>[a-z_]+)\[(?P<index>\d+)\](?:\.(?P<field>[a-z_]+))?$")


def attach_service_errors(form, error: DomainError, rows: dict | None = None) -> None:
    """Put a service's per-field messages next to the form's inputs.

    :param rows: for each list the service received, what each of its items
        came from: a form row index (``FieldList`` rows) or a field name.
        Messages that match no input go to ``form.form_errors``, shown at the top.
    """
    rows = rows or {}
    for key, raw in error.errors.items():
        messages = [in_page_language(message) for message in raw]
        field = _field_for(form, key, rows)
        if field is not None:
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.extend(messages)
    if not error.errors:
        form.form_errors.append(error.message)


def _field_for(form, key: str, rows: dict):
    if key in form and "[" not in key:
        return None if isinstance(form[key], FieldList) else form[key]
    match = _KEY.match(key)
    if match is None:
        return None
    if match["list"] not in rows:
        # A list given as one input, such as the milestones' checkboxes.
        return form._fields.get(match["list"])
    origins, index = rows[match["list"]], int(match["index"])
    if index >= len(origins):
        return None
    origin = origins[index]
    if isinstance(origin, str):
        return form._fields.get(origin)
    entry = form[match["list"]][origin].form
    name = match["field"]
    if name is None or name not in entry or name == "id":
        return None
    return entry[name]
