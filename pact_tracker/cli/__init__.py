"""The ``flask pact`` command group; one sub-group or module per domain."""

import click
from flask.cli import with_appcontext

from pact_tracker.core.activity import commit


@click.group()
def pact():
    """Manage the coalition: reference data, demo data, users, imports and exports."""


@pact.command("init")
@with_appcontext
def init_command():
    """Load or refresh the reference lexicon (safe to run again)."""
    from pact_tracker.reference.services import load_reference_data

    counts = load_reference_data()
    commit()
    for kind, count in counts.items():
        click.echo(f"{kind}: {count}")
