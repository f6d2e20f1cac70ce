"""Forms of the pages emails link to."""

from flask_wtf import FlaskForm


class UnsubscribeForm(FlaskForm):
    """Only a button: unsubscribing takes a POST, which mail scanners do not send."""
