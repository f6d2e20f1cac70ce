"""A campaign of 20,000 messages: our dispatcher beside plain smtplib, to the same SMTP sink.

The campaign is real (``services.campaigns``: created, scheduled and started
for its first two people, one per language); its other messages are copies of
those two rendered ones, addressed to each person (rendering 20,000 messages
is the start's cost, not delivery's). The sink is aiosmtpd in
a process of its own (``tests/smtp_sink.py``, counting only), so that neither
side shares its CPU with the sender in the same interpreter.

* floor: plain ``smtplib`` sending the same messages (built in the loop with
  the standard library's ``email.mime``: the same subject, both bodies,
  Message-ID and list headers), reconnecting every ``MAIL_RECONNECT_EVERY``
  messages, with no database at all; half of them before ours, half after.
* ours: ``dispatcher.dispatch_outbox()``, one dispatcher thread: claims in
  batches, commits each outcome right after the server answers, the same
  number of connections.
"""

import io
import os
import smtplib
import sys
import time
from datetime import date
from email import policy
from email.generator import BytesGenerator
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from pathlib import Path

import sqlalchemy as sa

from benchmarks.runner import Database, Row

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = int(os.environ.get("BENCH_CAMPAIGN_MESSAGES", "20000"))
RECONNECT_EVERY = 100
SENDER = "Pact for Impact <no-reply@pact-impact.org>"
CONTENTS = {
    "en": {
        "subject": "{{ signatory_name }}: your progress before the summit",
        "body": (
            "Hello {{ recipient_name }},\n\nThe summit is in six weeks. Tell us where "
            "{{ signatory_name }} stands on its commitments:\n\n<{{ update_url }}>\n\n"
            "{% for c in commitments %}- {{ c.title }} ({{ c.state }})\n{% endfor %}"
            "\nThank you,\nThe secretariat of {{ coalition_name }}"
        ),
    },
    "fr": {
        "subject": "{{ signatory_name }} : votre avancement avant le sommet",
        "body": (
            "Bonjour {{ recipient_name }},\n\nLe sommet a lieu dans six semaines. Dites-nous "
            "où en est {{ signatory_name }} :\n\n<{{ update_url }}>\n\nMerci,\n"
            "Le secrétariat de {{ coalition_name }}"
        ),
    },
}


def _log(text: str) -> None:
    print(f"#   {text}", file=sys.stderr, flush=True)


def run(database: Database) -> list[Row]:
    sys.path.insert(0, str(ROOT / "tests"))
    from smtp_sink import ProcessSink

    from pact_tracker import create_app
    from pact_tracker.extensions import db

    sink = ProcessSink(record=False)
    app = create_app(
        {
            "PACT_ENV": "production",
            "SECRET_KEY": "benchmark-only",
            # One process: its rate limits, counted in memory, hold.
            "RATELIMIT_SINGLE_PROCESS": True,
            "SQLALCHEMY_DATABASE_URI": database.url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": sink.port,
            "MAIL_SUPPRESS_SEND": False,
            "MAIL_RECONNECT_EVERY": RECONNECT_EVERY,
            "MAIL_CONCURRENCY": 1,
            "MAIL_RATE_PER_SECOND": None,
        }
    )
    try:
        with app.app_context():
            started = time.perf_counter()
            campaign_id = _campaign(MESSAGES)
            _log(f"campaign of {MESSAGES:,} started in {time.perf_counter() - started:.1f} s")
            messages = _messages()
            db.session.remove()
        # The floor sends half the messages before ours and half after (the machine's
        # load moves both alike): the same messages, over the same number of sessions.
        half = len(messages) // 2
        first = _plain_smtplib(sink, messages[:half])
        _log(f"plain smtplib, first half: {half / first:,.0f} msg/s")
        with app.app_context():
            ours = _dispatcher(sink, campaign_id)
            db.session.remove()
        _log(f"our dispatcher: {ours:,.0f} msg/s")
        second = _plain_smtplib(sink, messages[half:])
        _log(f"plain smtplib, second half: {(len(messages) - half) / second:,.0f} msg/s")
        floor = len(messages) / (first + second)
        floors = [half / first, (len(messages) - half) / second]
    finally:
        sink.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return [
        Row(
            "campaign-delivery",
            database.name,
            f"{MESSAGES:,} messages",
            ours,
            floor,
            "msg/s",
            note=(
                f"{MESSAGES // RECONNECT_EVERY} SMTP sessions each, to aiosmtpd in a process; "
                f"smtplib {floors[0]:,.0f} msg/s on the half before ours, {floors[1]:,.0f} after"
            ),
        )
    ]


def _campaign(people: int) -> int:
    """A running campaign with one queued message per person; return its id."""
    from pact_tracker.campaigns.models import OutboxMessage
    from pact_tracker.campaigns.services import campaigns as campaign_services
    from pact_tracker.campaigns.services.outbox import new_message_id
    from pact_tracker.coalition.models import Membership, Role, Signatory, SignatoryStatus, User
    from pact_tracker.core.activity import commit
    from pact_tracker.core.types import utcnow
    from pact_tracker.extensions import db
    from pact_tracker.reference.services import load_reference_data

    db.create_all()
    load_reference_data()
    signatory_ids = _insert(
        Signatory,
        [
            {
                "name": f"Organisation {n}",
                "slug": f"organisation-{n}",
                "organisation_type_code": "cooperative",
                "country_code": "FR",
                "status": SignatoryStatus.approved,
                "manifesto_signed_on": date(2025, 3, 4),
            }
            for n in range(2)
        ],
    )
    user_ids = _insert(User, [_person(n) for n in range(people)])
    db.session.execute(
        sa.insert(Membership),
        [
            {"user_id": uid, "signatory_id": sid, "is_admin": True}
            for uid, sid in zip(user_ids, signatory_ids, strict=False)
        ],
    )
    author = User(email="sam@secretariat.test", name="Sam", role=Role.secretariat)
    db.session.add(author)
    commit()
    campaign = campaign_services.create_campaign(
        {"name": "Before the summit", "contents": CONTENTS}, author
    )
    campaign_services.schedule_campaign(campaign, None, author)
    commit()
    assert campaign_services.start_due_campaigns(utcnow()) == 1
    commit()
    rendered = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.campaign_id == campaign.id)
    ).all()
    model = {message.locale: message for message in rendered}
    now = utcnow()
    copies = []
    for n, user_id in enumerate(user_ids[2:], start=2):
        original = model["fr" if n % 2 else "en"]
        number = n % 2

        def swap(text: str, n=n, number=number) -> str:
            return text.replace(f"person-{number}@", f"person-{n}@").replace(
                f"Person {number}", f"Person {n}"
            )

        copies.append(
            {
                "idempotency_key": f"campaign:{campaign.id}:{user_id}",
                "user_id": user_id,
                "campaign_id": campaign.id,
                "to_address": f"person-{n}@example.org",
                "template": original.template,
                "subject": original.subject,
                "body_text": swap(original.body_text),
                "body_html": swap(original.body_html),
                "locale": original.locale,
                "message_id": new_message_id(),
                "status": original.status,
                "next_attempt_at": now,
            }
        )
    for start in range(0, len(copies), 2000):
        db.session.execute(sa.insert(OutboxMessage), copies[start : start + 2000])
    commit()
    return campaign.id


def _person(n: int) -> dict:
    from pact_tracker.coalition.models import Role

    return {
        "email": f"person-{n}@example.org",
        "name": f"Person {n}",
        "locale": "fr" if n % 2 else "en",
        "role": Role.member,
    }


def _insert(model, rows: list[dict]) -> list[int]:
    from pact_tracker.extensions import db

    ids = []
    for start in range(0, len(rows), 1000):
        ids += db.session.scalars(
            sa.insert(model).returning(model.id, sort_by_parameter_order=True),
            rows[start : start + 1000],
        ).all()
    return ids


def _messages() -> list:
    from pact_tracker.campaigns.models import OutboxMessage
    from pact_tracker.campaigns.unsubscribe import list_unsubscribe_headers
    from pact_tracker.extensions import db

    rows = db.session.execute(
        sa.select(
            OutboxMessage.to_address,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.body_html,
            OutboxMessage.message_id,
            OutboxMessage.template,
            OutboxMessage.user_id,
        ).order_by(OutboxMessage.id)
    ).all()
    # The floor sends the same headers; computing them is not its work.
    return [
        (row, list_unsubscribe_headers(row.template, row.user_id, row.to_address)) for row in rows
    ]


def _plain_smtplib(sink, messages: list) -> float:
    """Seconds smtplib alone takes to send them, reconnecting every RECONNECT_EVERY messages.

    Each message is built in the loop the standard library's fastest way
    (``email.mime``, written with the compat32 policy), as any sender must.
    """
    wire = policy.compat32.clone(linesep="\r\n")
    before = sink.count()["accepted"]
    started = time.perf_counter()
    connection = None
    for number, (row, list_headers) in enumerate(messages):
        if connection is None or number % RECONNECT_EVERY == 0:
            if connection is not None:
                connection.quit()
            connection = smtplib.SMTP("127.0.0.1", sink.port, timeout=30)
        message = MIMEMultipart("alternative")
        message["Subject"] = Header(row.subject, "utf-8")
        message["From"] = SENDER
        message["To"] = row.to_address
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = row.message_id
        message["Auto-Submitted"] = "auto-generated"
        for name, value in list_headers.items():
            message[name] = value
        message.attach(MIMEText(row.body_text, "plain", "utf-8"))
        message.attach(MIMEText(row.body_html, "html", "utf-8"))
        out = io.BytesIO()
        BytesGenerator(out, mangle_from_=False, policy=wire).flatten(message)
        connection.sendmail("no-reply@pact-impact.org", [row.to_address], out.getvalue())
    connection.quit()
    elapsed = time.perf_counter() - started
    accepted = sink.count()["accepted"] - before
    assert accepted == len(messages), f"the sink accepted {accepted} of {len(messages)}"
    return elapsed


def _dispatcher(sink, campaign_id: int) -> float:
    from pact_tracker.campaigns import dispatcher
    from pact_tracker.campaigns.models import OutboxMessage, OutboxStatus
    from pact_tracker.extensions import db

    before = sink.count()["accepted"]
    started = time.perf_counter()
    result = dispatcher.dispatch_outbox()
    elapsed = time.perf_counter() - started
    accepted = sink.count()["accepted"] - before
    assert result.sent == MESSAGES == accepted, (result, accepted)
    statuses = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.campaign_id == campaign_id)
        .group_by(OutboxMessage.status)
    ).all()
    assert dict(statuses) == {OutboxStatus.sent: MESSAGES}, statuses
    return MESSAGES / elapsed
