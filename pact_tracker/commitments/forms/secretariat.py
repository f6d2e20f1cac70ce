"""Forms of the commitments pages for the secretariat audience: review, closing, assessment."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from pact_tracker.coalition.forms.secretariat import organisation_filter_choices
from pact_tracker.commitments.forms.member import ASSESSMENT_LEVEL_LABELS

CLOSING_LABELS = {
    "achieved": _l("Achieved"),
    "partially_achieved": _l("Partially achieved"),
    "not_achieved": _l("Not achieved"),
}


def as_choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as the choices of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


REVIEW_ACTIONS = {
    "approve": _l("Approve"),
    "request_changes": _l("Request changes"),
}


class ReviewFilterForm(FlaskForm):
    """Filters of the review queue, read from the query string."""

    class Meta:
        csrf = False

    programme = SelectField(_l("Programme"), validators=[Optional()], validate_choice=False)
    type = SelectField(_l("Type of organisation"), validators=[Optional()], validate_choice=False)
    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=False)

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)

    def set_choices(self, programmes, locale: str) -> None:
        self.programme.choices = as_choices(
            [("", _l("All")), *((p.code, p.localised("name", locale)) for p in programmes)]
        )
        organisation = organisation_filter_choices()
        self.type.choices = organisation["type"]
        self.country.choices = organisation["country"]

    def filters(self) -> dict:
        """Filters for ``review_queue``; values outside the choices are ignored."""
        result = {}
        names = (("programme", "programme"), ("type", "organisation_type"), ("country", "country"))
        for name, key in names:
            field = getattr(self, name)
            if field.data and field.data in {choice.value for choice in field.choices}:
                result[key] = field.data
        return result


def _comment_required_to_request_changes(form, field):
    if form.action.data == "request_changes" and not (field.data or "").strip():
        raise ValidationError(_l("Say what should change."))


class ReviewForm(FlaskForm):
    """Approve one commitment, or send it back with a comment."""

    action = SelectField(_l("Decision"), choices=as_choices(REVIEW_ACTIONS.items()))
    comment = TextAreaField(
        _l("Comment to the signatory"),
        validators=[Length(max=10_000), _comment_required_to_request_changes],
        description=_l("Required to request changes; Markdown is allowed."),
    )
    #: 0: public at once; an event's id: held until it starts (choices set by the view).
    hold_event_id = SelectField(
        _l("On approval"),
        coerce=int,
        default=0,
        validate_choice=False,
        description=_l("Hold it for a coming event to keep it out of public view until then."),
    )


class BulkReviewForm(ReviewForm):
    """The same decision for every commitment ticked in the review queue."""

    ids = SelectMultipleField(_l("Commitments"), coerce=int, validate_choice=False)

    def validate_ids(self, field):
        if not field.data:
            raise ValidationError(_l("Tick at least one commitment."))


class CloseForm(FlaskForm):
    status = SelectField(_l("Outcome"), choices=as_choices(CLOSING_LABELS.items()))
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=10_000)])


class WithdrawForm(FlaskForm):
    comment = TextAreaField(
        _l("Reason for withdrawing"), validators=[DataRequired(), Length(max=10_000)]
    )


class AssessmentForm(FlaskForm):
    level = SelectField(_l("Completion level"), choices=as_choices(ASSESSMENT_LEVEL_LABELS.items()))
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=10_000)])
