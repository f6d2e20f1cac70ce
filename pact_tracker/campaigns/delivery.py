"""Sending one message over SMTP: building it, pacing, and what each failure means.

The dispatcher (``dispatcher.py``) claims rows and records outcomes in the
database; this module is the SMTP side of it: :class:`Builder` prepares a
batch's messages in a thread, :func:`deliver` sends one over a reused session,
:func:`classify` turns smtplib's errors into an :class:`Outcome`, and
:class:`TokenBucket` keeps a worker process to ``MAIL_RATE_PER_SECOND``.
"""

import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import flask_mail
from flask import current_app

from pact_tracker.campaigns.mailer import Connection, Prepared, compose
from pact_tracker.campaigns.models import OutboxStatus
from pact_tracker.campaigns.unsubscribe import list_unsubscribe_headers


@dataclass(frozen=True)
class Outcome:
    status: OutboxStatus
    reply: str
    #: Drop the SMTP session before the next message.
    reconnect: bool = False
    #: Suppress the recipient's address (a permanent refusal of it).
    suppress: bool = False
    #: No SMTP reply at all: the connection failed or was dropped.
    lost_connection: bool = False


class TokenBucket:
    """At most ``rate`` takes per second on average, with bursts of up to ``capacity``.

    Thread-safe: a take reserves its token under the lock and waits outside it.
    """

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.rate = float(rate)
        self.capacity = float(capacity or max(1.0, self.rate))
        self.monotonic, self.sleep = monotonic, sleep
        self.tokens = self.capacity
        self.updated = monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Wait for a token; return how long it waited, in seconds."""
        with self._lock:
            now = self.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            self.tokens -= 1
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait > 0:
            self.sleep(wait)
        return wait


_bucket_lock = threading.Lock()

_bucket: TokenBucket | None = None


def rate_limiter() -> TokenBucket | None:
    """This process's bucket for ``MAIL_RATE_PER_SECOND`` (None when unlimited)."""
    global _bucket
    rate = current_app.config["MAIL_RATE_PER_SECOND"]
    if not rate:
        return None
    with _bucket_lock:
        if _bucket is None or _bucket.rate != float(rate):
            _bucket = TokenBucket(rate)
        return _bucket


class Builder:
    """Builds a batch's messages, in order, in a thread of its own.

    Building a message (MIME tree, headers, bytes) is the dispatcher's main
    work in Python; done ahead, it overlaps the waits for the SMTP server's
    replies and the database's commits, during which the sender holds no lock.
    """

    def __init__(self, rows: list):
        self.app = current_app._get_current_object()
        self.rows = rows
        self.built: list[Prepared | None] = [None] * len(rows)
        self.count = 0
        self.ready = threading.Condition()
        threading.Thread(target=self._run, name="outbox-builder", daemon=True).start()

    def _run(self) -> None:
        with self.app.app_context():
            for position, row in enumerate(self.rows):
                try:
                    item = prepare_message(row)
                except Exception as error:  # noqa: BLE001 - raised when it is sent
                    item = Prepared(partial(build_message, row), error=error)
                with self.ready:
                    self.built[position] = item
                    self.count = position + 1
                    self.ready.notify_all()

    def get(self, position: int) -> Prepared:
        with self.ready:
            self.ready.wait_for(lambda: self.count > position)
            return self.built[position]


def deliver(
    connection: Connection,
    prepared: Prepared,
    before_dot: Callable[[], None],
    dot_ready: Callable[[], bool] | None = None,
) -> tuple[str | None, Outcome | None, bool]:
    """``(reply, None, False)`` when accepted, else ``(None, outcome, unreachable)``.

    ``before_dot`` and ``dot_ready``: see ``mailer.Connection.deliver``.
    """
    for fresh in (False, True):
        was_connected = connection.connected
        opened = connection.opened
        try:
            return connection.deliver(prepared, before_dot, dot_ready), None, False
        except Exception as error:  # noqa: BLE001 - every failure is classified and recorded
            outcome = classify(error)
        if outcome.reconnect:
            connection.close()
        if not outcome.lost_connection:
            return None, outcome, False
        if not was_connected and connection.opened == opened:
            # Not even a session could be opened: nothing answers.
            return None, outcome, True
        if fresh:
            return None, outcome, False
        # The server dropped a session we held (idle, or its own limit): one more try.
    raise AssertionError("unreachable")


def prepare_message(row) -> Prepared:
    """The envelope and bytes of an outbox row's message (what :func:`build_message` gives)."""
    return compose(
        sender=_default_sender(),
        to=row.to_address,
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
        message_id=row.message_id,
        extra_headers=_extra_headers(row),
        message=partial(build_message, row),
    )


def build_message(row) -> flask_mail.Message:
    """An outbox row's message as Flask-Mail's ``Message`` (with ``MAIL_SUPPRESS_SEND``)."""
    message = flask_mail.Message(
        subject=row.subject,
        recipients=[row.to_address],
        body=row.body_text,
        html=row.body_html,
        extra_headers=_extra_headers(row),
    )
    message.msgId = row.message_id
    return message


def _default_sender() -> str:
    sender = current_app.extensions["mail"].default_sender
    return f"{sender[0]} <{sender[1]}>" if isinstance(sender, tuple) else sender


def _extra_headers(row) -> dict[str, str]:
    return {
        # RFC 3834: no out-of-office replies to automated mail.
        "Auto-Submitted": "auto-generated",
        **list_unsubscribe_headers(row.template, row.user_id, row.to_address),
    }


def classify(error: Exception) -> Outcome:
    """What an SMTP failure means for the message (before the attempts limit)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
        reply = reply_text(code, text)
        if code >= 500:
            return Outcome(OutboxStatus.failed, reply, suppress=True)
        return Outcome(OutboxStatus.retry, reply, reconnect=code == 421)
    if isinstance(error, smtplib.SMTPSenderRefused):
        # Our sender was refused: a configuration problem, not the recipient's.
        return Outcome(OutboxStatus.retry, reply_text(error.smtp_code, error.smtp_error))
    if isinstance(error, smtplib.SMTPResponseException):
        reply = reply_text(error.smtp_code, error.smtp_error)
        if error.smtp_code >= 500 and isinstance(error, smtplib.SMTPDataError):
            return Outcome(OutboxStatus.failed, reply)
        return Outcome(OutboxStatus.retry, reply, reconnect=not 400 <= error.smtp_code < 500)
    if isinstance(error, smtplib.SMTPNotSupportedError | flask_mail.BadHeaderError):
        return Outcome(OutboxStatus.failed, f"not sendable: {error!r}")
    if isinstance(error, OSError):  # connection refused, reset, timed out; SMTPServerDisconnected
        return Outcome(
            OutboxStatus.retry, f"connection error: {error!r}", reconnect=True, lost_connection=True
        )
    raise error


def reply_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"
