"""A campaign's subject and body: Jinja in a sandbox, with a fixed set of variables.

The secretariat writes Markdown with ``{{ variables }}``. The template runs in
Jinja's ``ImmutableSandboxedEnvironment`` (no attribute access to Python
internals, no changing the values passed in) with ``StrictUndefined``, so a
misspelt variable is an error when the content is saved, not a blank in 2,000
emails. The rendered Markdown becomes the text part as it is, and the HTML
part through the site's Markdown renderer (raw HTML stays text, nh3 cleans
the rest), inside the ``emails/campaign`` layout.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from pact_tracker.core.markdown import render_markdown

#: The variables a campaign's subject and body may use, with what they hold (shown in the form).
VARIABLES: dict[str, Any] = {
    "recipient_name": _l("the name of the person the email is sent to"),
    "signatory_name": _l("the organisation they act for (the first one, if several)"),
    "update_url": _l("their link to report progress for that organisation, without a password"),
    "commitments": _l(
        "that organisation's commitments in the audience, each with title, state and due_date"
    ),
    "signatories": _l(
        "every organisation of the audience they act for, each with name, update_url "
        "and commitments"
    ),
    "coalition_name": _l("the name of the coalition"),
}

#: The longest a rendered subject may be (the outbox column).
SUBJECT_LENGTH = 300

_environment = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
)


class ContentError(ValueError):
    """A subject or body that cannot be rendered; the message says where and why."""


@dataclass(frozen=True)
class RenderedContent:
    subject: str
    text: str
    html: str


def _describe(error: Exception) -> str:
    if isinstance(error, TemplateSyntaxError):
        return f"line {error.lineno}: {error.message}"
    if isinstance(error, SecurityError):
        return f"not allowed in a campaign: {error}"
    return str(error)


@lru_cache(maxsize=64)
def _compiled(source: str) -> Template:
    """Compiled once per distinct source: a campaign renders the same one for everybody."""
    return _environment.from_string(source)


def render_source(source: str, variables: dict[str, Any]) -> str:
    """``source`` rendered with ``variables``; raises :class:`ContentError`."""
    try:
        return _compiled(source).render(variables)
    except (TemplateError, SecurityError, TypeError, ValueError, ArithmeticError) as error:
        raise ContentError(_describe(error)) from error


def check_source(source: str) -> str | None:
    """Why ``source`` cannot be used with the documented variables, or None if it can."""
    try:
        render_source(source, sample_variables())
    except ContentError as error:
        return str(error)
    return None


def render_content(subject: str, body: str, variables: dict[str, Any]) -> RenderedContent:
    """The subject (one line), text and HTML of a campaign message for one recipient."""
    rendered_subject = " ".join(render_source(subject, variables).split())[:SUBJECT_LENGTH]
    text = render_source(body, variables).strip()
    return RenderedContent(rendered_subject, text, str(render_markdown(text)))


def sample_variables(coalition_name: str = "Pact for Impact") -> dict[str, Any]:
    """Plausible values of every variable, to check a template before it is used."""
    commitments = [
        {"title": "Halve food waste in school canteens", "state": "due", "due_date": "2026-12-31"}
    ]
    signatory = {
        "name": "Ville de Lyon",
        "update_url": "https://example.org/u/sample",
        "commitments": commitments,
    }
    return {
        "recipient_name": "Camille Martin",
        "signatory_name": signatory["name"],
        "update_url": signatory["update_url"],
        "commitments": commitments,
        "signatories": [signatory],
        "coalition_name": coalition_name,
    }
