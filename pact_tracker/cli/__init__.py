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


# The sub-commands live in their own modules and attach to the group declared above.
from pact_tracker.cli.backup import export_coalition_command, import_coalition_command  # noqa: E402
from pact_tracker.cli.campaigns import campaign_group  # noqa: E402
from pact_tracker.cli.demo import demo_command  # noqa: E402
from pact_tracker.cli.events import event_group  # noqa: E402
from pact_tracker.cli.exports import export_group  # noqa: E402
from pact_tracker.cli.imports import import_group  # noqa: E402
from pact_tracker.cli.snapshots import snapshot_group  # noqa: E402
from pact_tracker.cli.users import token_group, user_group  # noqa: E402
from pact_tracker.cli.worker import worker_command  # noqa: E402

pact.add_command(user_group)
pact.add_command(token_group)
pact.add_command(import_group)
pact.add_command(export_group)
pact.add_command(demo_command)
pact.add_command(worker_command)
pact.add_command(campaign_group)
pact.add_command(snapshot_group)
pact.add_command(event_group)
export_group.add_command(export_coalition_command)
import_group.add_command(import_coalition_command)
