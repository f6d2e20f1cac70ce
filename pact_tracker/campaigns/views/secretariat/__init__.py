"""Campaign pages of the secretariat back office, under ``/admin/``.

The campaigns (``compose``: the list and the compose page with its live
audience count; ``campaign``: a campaign's page with its lifecycle buttons,
progress, response rates, recipients and the signatories who never answered;
``trying``: preview and test send) and the update links sent in reminders
(``links``: list, revoke). Every page is for the secretariat only: anonymous
visitors are sent to sign in, anyone else gets 403. This module holds what
they share.
"""

import sqlalchemy as sa
from flask import abort, current_app, flash, request
from flask_babel import get_locale
from flask_login import current_user

from pact_tracker.campaigns.forms.secretariat import set_audience_choices
from pact_tracker.campaigns.models import Campaign
from pact_tracker.campaigns.services import audience
from pact_tracker.coalition.models import User
from pact_tracker.core import permissions
from pact_tracker.core.errors import DomainError, InvalidInput
from pact_tracker.core.lookup import get_by_id
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import Country, OrganisationType

#: Re-rendering a refused form: 422, so that the request's transaction rolls back.
UNPROCESSABLE = 422


def _user() -> User:
    return current_user._get_current_object()


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _locale() -> str:
    return str(get_locale())


def _languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def _page_number() -> int:
    return request.args.get("page", 1, type=int)


def _campaign(campaign_id: int) -> Campaign:
    campaign = get_by_id(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _manager() -> User:
    """The signed-in person, if they may manage campaigns (403 otherwise)."""
    user = _user()
    _require(permissions.can_manage_campaigns(user))
    return user


def _show_errors(form, error: DomainError) -> list[str]:
    """Put a service's messages next to the form's fields; return the ones with no field.

    The service names audience filters ``audience.<filter>`` and content
    ``subject_<locale>`` / ``body_<locale>``, as the form's fields are named.
    """
    elsewhere = []
    for name, messages in error.errors.items():
        field = getattr(form, name.removeprefix("audience."), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *messages]
        else:
            elsewhere.extend(messages)
    flash(error.message, "danger")
    return elsewhere


def _set_choices(form) -> None:
    locale = _locale()
    set_audience_choices(
        form,
        db.session.scalars(sa.select(Programme).order_by(Programme.code)).all(),
        db.session.scalars(sa.select(OrganisationType).order_by(OrganisationType.position)).all(),
        db.session.scalars(sa.select(Country).order_by(Country.name_en)).all(),
        locale,
    )


def _count(filters: dict) -> audience.AudienceCount | None:
    """The live count of ``filters``; None when a filter names something unknown."""
    try:
        return audience.count_audience(audience.clean_filters(filters))
    except InvalidInput:
        return None


# The pages add their routes to the blueprint.
from pact_tracker.campaigns.views.secretariat import (  # noqa: E402
    campaign,
    compose,
    links,
    suppressions,
    trying,
)

__all__ = ["campaign", "compose", "links", "suppressions", "trying"]
