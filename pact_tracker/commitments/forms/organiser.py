"""Forms of the commitments pages for event organisers."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional, ValidationError


class AsOfForm(FlaskForm):
    """The date the overview reads the coalition's state at (GET, no CSRF)."""

    class Meta:
        csrf = False

    on = DateField(_l("State as of"), validators=[Optional()])

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)

    def validate_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("Choose today or a date in the past."))

    def chosen(self) -> date:
        """The date asked for, or today when none (or a bad one) was given."""
        return self.on.data if self.on.data and not self.on.errors else date.today()
