"""``flask pact demo``: load a realistic, deterministic coalition into an empty database."""

import time

import click
from flask.cli import with_appcontext

from pact_tracker.demo import (
    DEMO_PASSWORD,
    SCALES,
    DemoRefused,
    check_loadable,
    coalition_is_empty,
    load_demo,
)
from pact_tracker.demo.generate import ORGANISER_EMAIL, SECRETARIAT_EMAIL
from pact_tracker.extensions import db


def _refresh_statistics() -> None:
    """Give PostgreSQL's planner statistics of the tables just filled in bulk.

    Without them (autovacuum may be off, or not yet awake) it plans counts over
    the commitments as if the tables were empty: seconds instead of milliseconds.
    """
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    # VACUUM cannot run inside a transaction block.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")


@click.command("demo")
@click.option(
    "--scale",
    type=click.Choice(list(SCALES)),
    default="small",
    show_default=True,
    help="small: 60 signatories; medium: 2,000; large: 20,000 (for benchmarks).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing, successfully, when the coalition already has signatories.",
)
@with_appcontext
def demo_command(scale: str, seed: int, if_empty: bool):
    """Load demo signatories, programmes, commitments and a year of progress."""
    if if_empty and not coalition_is_empty():
        click.echo("The coalition already has signatories: demo data not loaded.")
        return
    size = SCALES[scale]
    started = time.perf_counter()
    try:
        check_loadable()
        with click.progressbar(
            length=size.signatories, label=f"Loading the {scale} demo coalition (seed {seed})"
        ) as bar:
            totals = load_demo(size, seed, on_progress=bar.update)
    except DemoRefused as error:
        raise click.ClickException(error.message) from error
    _refresh_statistics()
    elapsed = time.perf_counter() - started
    for table, count in sorted(totals.items()):
        click.echo(f"{table}: {count:,}")
    click.echo(f"Loaded in {elapsed:.1f} s.")
    click.echo(
        f"Sign in as {SECRETARIAT_EMAIL}, {ORGANISER_EMAIL} or contact@<signatory>.example.org "
        f"with the password {DEMO_PASSWORD!r}."
    )
