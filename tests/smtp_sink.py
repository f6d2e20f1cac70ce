"""A real SMTP server on loopback (aiosmtpd) that records what it receives."""

import email
import socket
import threading
from dataclasses import dataclass
from email import policy

from aiosmtpd.controller import Controller

from pact_tracker.campaigns.mailer import DEFAULTS, init_mail

#: Settings a test may change; put back afterwards (the app lives for the whole run).
MAIL_KEYS = ("MAIL_SERVER", "MAIL_PORT", "MAIL_SUPPRESS_SEND", *DEFAULTS)


@dataclass
class Received:
    recipient: str
    message: email.message.EmailMessage
    #: The SMTP session it came over (client address and port).
    peer: tuple

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


class RecordingHandler:
    """Accepts mail and records it; answers chosen recipients with chosen refusals first."""

    def __init__(self):
        self.received: list[Received] = []
        #: address -> replies to give to its next RCPT commands, one each, then 250.
        self.refusals: dict[str, list[str]] = {}
        self._changed = threading.Condition()

    def refuse(self, address: str, *replies: str) -> None:
        self.refusals.setdefault(address, []).extend(replies)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        pending = self.refusals.get(address)
        if pending:
            return pending.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._changed:
            for recipient in envelope.rcpt_tos:
                self.received.append(Received(recipient, message, session.peer))
            number = len(self.received)
            self._changed.notify_all()
        return f"250 2.0.0 Ok: queued as M{number}"

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """The messages received, once there are at least ``count`` of them."""
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.received) >= count, timeout), (
                f"expected {count} messages, got {len(self.received)}"
            )
            return list(self.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if r.recipient == address]


def free_port() -> int:
    """A loopback port nothing listens on (the kernel just handed it out)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def point_mail_at(app, port: int) -> None:
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False, MAIL_TIMEOUT=5
    )
    init_mail(app)
