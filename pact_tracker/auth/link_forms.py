"""Forms of the email sign-in links."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField
from wtforms.validators import DataRequired, Email, Length


class SignInLinkForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    next = HiddenField()


class UseSignInLinkForm(FlaskForm):
    """Only a button: using a link takes a POST, which mail scanners do not send."""

    next = HiddenField()
