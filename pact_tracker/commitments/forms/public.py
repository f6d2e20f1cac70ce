"""Forms of the commitments pages for the public audience: the explorer's filters."""

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice

from pact_tracker.coalition.forms.public import (
    choices,
    country_choices,
    organisation_type_choices,
    programme_choices,
)
from pact_tracker.commitments.services.explorer import PUBLIC_STATUSES
from pact_tracker.core.badges import REPORTING_LABELS
from pact_tracker.core.badges import STATUS_LABELS as ALL_STATUS_LABELS
from pact_tracker.core.caching import recent
from pact_tracker.extensions import db
from pact_tracker.reference.models import ImpactDimension, SdgGoal, SdgTarget

#: Labels of the statuses a published commitment can have, in their order.
STATUS_LABELS = {str(status): ALL_STATUS_LABELS[str(status)] for status in PUBLIC_STATUSES}
#: Longest target text shown in the select; the goal page has the full text.
_TARGET_LABEL_LENGTH = 70


def _shorten(text: str) -> str:
    if len(text) <= _TARGET_LABEL_LENGTH:
        return text
    return text[: _TARGET_LABEL_LENGTH - 1].rstrip() + "…"


def _goal_choices() -> list[SelectChoice]:
    locale = str(get_locale())

    def compute():
        goals = db.session.scalars(sa.select(SdgGoal).order_by(SdgGoal.number))
        return choices(
            (str(g.number), f"{g.number}. {g.localised('short', locale)}") for g in goals
        )

    return recent(("goal_choices", locale), compute)


def _target_choices() -> list[SelectChoice]:
    """Targets grouped by goal, their text shortened."""
    locale = str(get_locale())

    def compute():
        targets = db.session.scalars(
            sa.select(SdgTarget).order_by(SdgTarget.goal_number, SdgTarget.position)
        )
        return [
            SelectChoice(
                t.code,
                f"{t.code} {_shorten(t.localised('text', locale))}",
                optgroup=str(_l("Goal %(number)s", number=t.goal_number)),
            )
            for t in targets
        ]

    return recent(("target_choices", locale), compute)


def _dimension_choices() -> list[SelectChoice]:
    locale = str(get_locale())

    def compute():
        dimensions = db.session.scalars(
            sa.select(ImpactDimension).order_by(ImpactDimension.position)
        )
        return choices((d.code, d.localised("label", locale)) for d in dimensions)

    return recent(("dimension_choices", locale), compute)


def _explorer_choices() -> dict[str, list[SelectChoice]]:
    """Each filter's choices, "All" first, in the page's language.

    The same lists for a minute, like the choices they are made of, so that
    ``select_options`` writes their options once.
    """
    locale = str(get_locale())

    def compute():
        every = SelectChoice("", str(_l("All")))
        return {
            "programme": [every, *programme_choices()],
            "goal": [every, *_goal_choices()],
            "target": [every, *_target_choices()],
            "organisation_type": [every, *organisation_type_choices()],
            "country": [every, *country_choices()],
            "status": [
                every,
                *choices((str(s), str(STATUS_LABELS[str(s)])) for s in PUBLIC_STATUSES),
            ],
            "reporting_state": [
                every,
                *choices((state, str(label)) for state, label in REPORTING_LABELS.items()),
            ],
            "dimension": [every, *_dimension_choices()],
        }

    return recent(("explorer_choices", locale), compute)


class ExplorerFilterForm(Form):
    """Filters of the commitments explorer, read from the query string (GET, no CSRF)."""

    programme = SelectField(_l("Programme"), default="")
    goal = SelectField(_l("SDG goal"), default="")
    target = SelectField(_l("SDG target"), default="")
    organisation_type = SelectField(_l("Type of organisation"), default="")
    country = SelectField(_l("Country"), default="")
    status = SelectField(_l("Status"), default="")
    reporting_state = SelectField(_l("Reporting"), default="")
    dimension = SelectField(_l("Impact dimension"), default="")

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata, **kwargs)
        for name, options in _explorer_choices().items():
            self[name].choices = options

    def filters(self) -> dict[str, str | int]:
        """The valid, non-empty filters; a bad value is ignored (its field shows why)."""
        chosen = {
            name: field.data
            for name, field in self._fields.items()
            if field.data and not field.errors
        }
        if "goal" in chosen:
            chosen["goal"] = int(chosen["goal"])
        return chosen
