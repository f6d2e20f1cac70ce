"""``flask pact worker``: the process that delivers mail and runs the scheduled ticks."""

import logging
import signal

import click
from flask import current_app
from flask.cli import with_appcontext
from flask.logging import default_handler

from pact_tracker import worker


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every job once and exit (cron, tests).")
@with_appcontext
def worker_command(once):
    """Run the scheduled jobs: deliver the outbox, reclaim expired leases."""
    app = current_app._get_current_object()
    if once:
        for name, outcome in worker.run_once(app).items():
            click.echo(f"{name}: {outcome}")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # The app's loggers already write through Flask's handler; with the root handler
    # above as well, every line of the worker would be written twice.
    app.logger.removeHandler(default_handler)
    scheduler = worker.build_scheduler(app)
    click.echo(f"Worker started: {', '.join(job.name for job in worker.JOBS)}. Ctrl-C stops it.")
    # Service managers (systemd, containers) stop a process with SIGTERM: stop as on Ctrl-C,
    # letting the tick in hand finish, rather than die mid-send.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        if scheduler.running:  # a signal may come before the scheduler has started
            scheduler.shutdown(wait=False)
    click.echo("Worker stopped.")


def _exit_on_sigterm(_signum, _frame):
    raise SystemExit(0)
