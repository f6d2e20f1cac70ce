"""``flask pact user`` and ``flask pact token``: accounts and API tokens from the shell."""

import click
from flask.cli import with_appcontext

from pact_tracker.coalition.models import ApiToken, Role, Signatory
from pact_tracker.coalition.services import LOCALES, create_user, find_user_by_email
from pact_tracker.core.activity import commit
from pact_tracker.core.errors import DomainError
from pact_tracker.core.tokens import issue_token
from pact_tracker.extensions import db

TOKEN_NAME_LENGTH = ApiToken.name.type.length


def fail(error: DomainError) -> click.ClickException:
    """A service's refusal as a command error naming every field (services write nothing then)."""
    lines = [error.message]
    for field, messages in error.errors.items():
        lines.extend(f"  {field}: {message}" for message in messages)
    return click.ClickException("\n".join(lines))


@click.group("user")
def user_group():
    """Manage user accounts."""


@user_group.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    required=True,
    help="secretariat: runs the coalition; organiser: reviews progress for events; "
    "member: acts for a signatory (needs --signatory).",
)
@click.option("--name", help="Full name. Defaults to the part of EMAIL before the @.")
@click.option("--signatory", "signatory_slug", metavar="SLUG", help="Make them a member of it.")
@click.option("--admin", is_flag=True, help="Member who may invite colleagues of the signatory.")
@click.option("--locale", type=click.Choice(LOCALES), default="en", show_default=True)
@with_appcontext
def create_user_command(email, role, name, signatory_slug, admin, locale):
    """Create the account of the person with address EMAIL."""
    signatory = None
    if signatory_slug:
        signatory = db.session.scalar(db.select(Signatory).where(Signatory.slug == signatory_slug))
        if signatory is None:
            raise click.ClickException(f"No signatory has the slug {signatory_slug!r}.")
    elif role == Role.member:
        raise click.ClickException("A member acts for a signatory: give --signatory SLUG.")
    if admin and signatory is None:
        raise click.ClickException("--admin needs --signatory.")
    if name is None:
        name = email.partition("@")[0]
    try:
        user = create_user(
            email, name, Role(role), locale=locale, signatory=signatory, is_admin=admin
        )
    except DomainError as error:
        raise fail(error) from error
    commit()
    where = f" of {signatory.name} ({signatory.slug})" if signatory else ""
    click.echo(f"Created {user.role} {user.email}{where}.")


@click.group("token")
def token_group():
    """Manage API tokens."""


@token_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, to tell tokens apart.")
@with_appcontext
def create_token_command(email, name):
    """Issue an API token for the user with address EMAIL and print it once."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user has the address {email!r}.")
    if not user.active:
        raise click.ClickException(f"The account of {user.email} is deactivated.")
    if len(name) > TOKEN_NAME_LENGTH:
        raise click.ClickException(f"--name: at most {TOKEN_NAME_LENGTH} characters.")
    token, secret = issue_token(user, name=name)
    commit()
    click.echo(f"API token {token.prefix}… for {user.email}:", err=True)
    click.echo(secret)
    click.echo(
        "Copy it now: it is stored only as a hash and will not be shown again. "
        "Send it as 'Authorization: Bearer <token>'.",
        err=True,
    )
