"""A coalition in a database of its own, for delivery tests that other threads and processes see.

The ``db`` fixture keeps a test's rows in a transaction nobody else sees; a
worker process, or dispatcher threads with their own connections, need rows
that are committed. ``World`` builds an app on a new database (the
``new_database`` fixture), fills it with people in bulk, and starts real
campaigns through ``services.campaigns``. ``WorkerProcess`` runs
``flask --app pact_tracker pact worker`` on it.
"""

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from process_log import ProcessLog, start_process, stop_process

from pact_tracker import create_app
from pact_tracker.campaigns import tasks
from pact_tracker.campaigns.models import (
    Campaign,
    CampaignStatus,
    OutboxMessage,
)
from pact_tracker.campaigns.services import campaigns as campaign_services
from pact_tracker.coalition.models import Membership, Role, Signatory, SignatoryStatus, User
from pact_tracker.core.activity import commit
from pact_tracker.extensions import db
from pact_tracker.reference.services import load_reference_data

ROOT = Path(__file__).resolve().parents[3]

CONTENTS = {
    "en": {
        "subject": "{{ signatory_name }}: your progress before the summit",
        "body": "Hello {{ recipient_name }},\n\nReport here: <{{ update_url }}>",
    },
    "fr": {
        "subject": "{{ signatory_name }} : votre avancement avant le sommet",
        "body": "Bonjour {{ recipient_name }},\n\nC'est ici : <{{ update_url }}>",
    },
}

#: Settings for fast delivery tests: no back-off, small batches, short leases.
FAST = {
    "OUTBOX_RETRY_BASE_SECONDS": 0,
    "OUTBOX_BATCH_SIZE": 50,
    "MAIL_RECONNECT_EVERY": 100,
    "MAIL_TIMEOUT": 5,
    "MAIL_SUPPRESS_SEND": False,
    "MAIL_SERVER": "127.0.0.1",
}


class World:
    """An app on a database of its own, with the schema and the reference data."""

    def __init__(self, url: str, **config):
        self.url = url
        self.app = create_app(
            {"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, **FAST, **config}
        )
        with self.app.app_context():
            db.create_all()
            load_reference_data()
            commit()
            db.session.remove()

    @property
    def dialect(self) -> str:
        return sa.make_url(self.url).get_backend_name()

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def point_mail_at(self, port: int) -> None:
        from pact_tracker.campaigns.mailer import init_mail

        self.app.config["MAIL_PORT"] = port
        init_mail(self.app)

    def people(self, count: int, prefix: str = "person") -> list[str]:
        """``count`` people, one organisation each, every other one French-speaking."""
        with self.app.app_context():
            signatory_ids = _insert(
                Signatory,
                [
                    {
                        "name": f"Organisation {prefix} {n}",
                        "slug": f"organisation-{prefix}-{n}",
                        "organisation_type_code": "cooperative",
                        "country_code": "FR",
                        "status": SignatoryStatus.approved,
                        "manifesto_signed_on": date(2025, 3, 4),
                    }
                    for n in range(count)
                ],
            )
            emails = [f"{prefix}-{n}@example.org" for n in range(count)]
            user_ids = _insert(
                User,
                [
                    {
                        "email": email,
                        "name": f"Person {n}",
                        "locale": "fr" if n % 2 else "en",
                        "role": Role.member,
                    }
                    for n, email in enumerate(emails)
                ],
            )
            db.session.execute(
                sa.insert(Membership),
                [
                    {"user_id": uid, "signatory_id": sid, "is_admin": True}
                    for uid, sid in zip(user_ids, signatory_ids, strict=True)
                ],
            )
            commit()
            db.session.remove()
        return emails

    def secretariat(self, *names: str) -> list[str]:
        """Secretariat users (they receive the self-pause alerts); return their addresses."""
        with self.app.app_context():
            emails = []
            for name in names:
                user = User(email=f"{name}@secretariat.test", name=name, role=Role.secretariat)
                db.session.add(user)
                emails.append(user.email)
            commit()
            db.session.remove()
        return emails

    def schedule_campaign(self, name: str = "Before the summit", at: datetime | None = None):
        """A campaign to everyone, scheduled for ``at`` (now); return its id."""
        with self.app.test_request_context():
            author = db.session.scalars(
                sa.select(User).where(User.role == Role.secretariat).limit(1)
            ).first()
            if author is None:
                author = User(email="author@example.org", name="Author", role=Role.organiser)
                db.session.add(author)
                db.session.flush()
            campaign = campaign_services.create_campaign(
                {"name": name, "contents": CONTENTS}, author
            )
            campaign_services.schedule_campaign(campaign, at, author)
            commit()
            campaign_id = campaign.id
            db.session.remove()
        return campaign_id

    def start_campaign(self, name: str = "Before the summit") -> int:
        """Schedule a campaign for now and start it as the worker would; return its id."""
        campaign_id = self.schedule_campaign(name)
        assert self.tick(tasks.advance_campaigns) == "started 1, finished 0"
        return campaign_id

    def tick(self, task, *args, **kwargs):
        """Run a worker task in an app context of its own and commit, as the worker does."""
        with self.app.app_context():
            try:
                outcome = task(*args, **kwargs)
                commit()
                return outcome
            finally:
                db.session.remove()

    def query(self, function, *args):
        """``function(*args)`` in an app context of its own (a read)."""
        with self.app.app_context():
            try:
                return function(*args)
            finally:
                db.session.remove()

    def campaign_status(self, campaign_id: int) -> CampaignStatus:
        return self.query(lambda: db.session.get(Campaign, campaign_id).status)

    def campaign(self, campaign_id: int) -> dict:
        def read():
            campaign = db.session.get(Campaign, campaign_id)
            return {"status": campaign.status, "pause_reason": campaign.pause_reason}

        return self.query(read)

    def outbox(self, campaign_id: int | None = None) -> list:
        """``(to_address, status, message_id, attempts, last_reply, template)`` of each row."""

        def read():
            statement = sa.select(
                OutboxMessage.to_address,
                OutboxMessage.status,
                OutboxMessage.message_id,
                OutboxMessage.attempts,
                OutboxMessage.last_reply,
                OutboxMessage.template,
            ).order_by(OutboxMessage.id)
            if campaign_id is not None:
                statement = statement.where(OutboxMessage.campaign_id == campaign_id)
            return db.session.execute(statement).all()

        return self.query(read)

    def statuses(self, campaign_id: int) -> Counter:
        return Counter(row.status for row in self.outbox(campaign_id))


def _insert(model, rows: list[dict]) -> list[int]:
    """Insert ``rows`` in one statement per thousand; return their ids in order."""
    ids = []
    for start in range(0, len(rows), 1000):
        ids += db.session.scalars(
            sa.insert(model).returning(model.id, sort_by_parameter_order=True),
            rows[start : start + 1000],
        ).all()
    return ids


class WorkerProcess:
    """``flask --app pact_tracker pact worker`` on a world's database, its log read as it comes.

    :param settings: ``PACT_*`` settings (JSON-encoded for the app's ``from_prefixed_env``).
    :param log: a log shared with other workers (a new one by default).
    """

    def __init__(self, world: World, port: int, log: ProcessLog | None = None, **settings):
        env = {
            **os.environ,
            "PACT_ENV": "testing",
            "PACT_SQLALCHEMY_DATABASE_URI": world.url,
            "PACT_MAIL_SERVER": "127.0.0.1",
            "PACT_MAIL_PORT": str(port),
            "PACT_MAIL_SUPPRESS_SEND": "false",
            "PYTHONUNBUFFERED": "1",
        }
        for key, value in {**FAST, **settings}.items():
            env[f"PACT_{key}"] = json.dumps(value)
        self.log = log or ProcessLog()
        self.process = start_process(
            [sys.executable, "-m", "flask", "--app", "pact_tracker", "pact", "worker"],
            "worker",
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = self.log.follow(self.process, "worker")

    def wait_line(self, text: str, timeout: float = 120) -> str:
        return self.log.wait_line(text, timeout)

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as when the machine loses power."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM (SIGKILL if it does not stop within 20 s); waited for, even if done before."""
        self._end(signal.SIGTERM)

    def _end(self, first: int) -> None:
        try:
            stop_process(self.process, first=first)
        finally:
            self._reader.join(20)
            self.process.stdout.close()
