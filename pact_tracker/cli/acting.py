"""What the management commands share: acting as someone, and finding what they name."""

from collections.abc import Callable

import click

from pact_tracker.coalition.models import User
from pact_tracker.coalition.services import find_user_by_email
from pact_tracker.core.lookup import get_by_id


def as_option(help_text: str):
    """The ``--as EMAIL`` option: who the activity log names instead of the system."""
    return click.option("--as", "as_email", metavar="EMAIL", help=help_text)


def acting_user(email: str | None, allowed: Callable[[User], bool], refusal: str) -> User | None:
    """The user named by ``--as`` if ``allowed``; None (the system) without ``--as``.

    :param refusal: what is said of someone not allowed, e.g. "may not manage campaigns".
    """
    if email is None:
        return None
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"--as: no user has the address {email!r}.")
    if not allowed(user):
        raise click.ClickException(f"--as: {user.email} {refusal}.")
    return user


def get_or_fail(model, pk: int, label: str, *, for_update: bool = False):
    """The row, or a clear error naming what was not found."""
    row = get_by_id(model, pk, for_update=for_update)
    if row is None:
        raise click.ClickException(f"No {label} has the id {pk}.")
    return row
