"""A real SMTP server on loopback (aiosmtpd) that records what it receives.

* ``SmtpSink``: a well-behaved server in a thread of the test process.
* ``FaultySink``: the same, injecting the faults of a ``FaultPlan`` (451 to a
  share of messages, a dropped connection every N messages, an outage during
  which nothing listens on the port), and able to stop and start listening.
* ``ProcessSink``: a ``FaultySink`` in a process of its own
  (``python tests/smtp_sink.py --port ...``), for tests that run worker
  processes and for the benchmark. It reports each message it accepts as one
  JSON line on its standard output, which the test reads as it comes: waiting
  for "k messages received" waits on a condition, never on a clock.
"""

import argparse
import asyncio
import email
import json
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from process_log import start_process, stop_process

if __name__ == "__main__":  # a sink process needs no app (and starts faster without it)
    DEFAULTS, init_mail = {}, None
else:
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


# Faults.


@dataclass
class FaultPlan:
    """Which faults a ``FaultySink`` injects; 0 turns a fault off."""

    #: Answer 451 at DATA to every Nth new Message-ID, at its first attempt only.
    temp_fail_every: int = 0
    #: After every N accepted messages, drop the next session to send MAIL (no reply).
    drop_every: int = 0
    #: After N accepted messages, stop listening at the next MAIL and drop every session,
    #: until ``listen()`` (a connection is then refused by the kernel: nothing listens).
    outage_after: int = 0
    #: address -> reply given at DATA to every message for it (e.g. a 554 of the content).
    content_refusals: dict[str, str] = field(default_factory=dict)


class FaultyHandler(RecordingHandler):
    """A ``RecordingHandler`` that injects the faults of its plan.

    :param record: keep each message (parsed); off for the benchmark, where only counts matter.
    """

    def __init__(self, plan: FaultPlan | None = None, *, record: bool = True, on_accept=None):
        super().__init__()
        self.plan = plan or FaultPlan()
        self.record = record
        #: Called with each ``Received`` (the process sink prints it).
        self.on_accept = on_accept
        self.accepted = 0
        self.seen_ids: set[str] = set()
        self.temp_failures = 0
        self.drops = 0
        self.outages = 0
        self._drop_due = 0
        self._outage_due = False
        #: Set by the sink: called in its loop to stop listening and drop every session.
        self.go_down = None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self._outage_due and self.go_down is not None:
            self._outage_due = False
            self.outages += 1
            self.go_down()
            return "421 4.3.2 going down"  # never read: the session is gone
        if self._drop_due:
            self._drop_due -= 1
            self.drops += 1
            server.transport.abort()
            return "421 4.4.2 dropped"  # never read
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        headers = BytesHeaderParser(policy=policy.default).parsebytes(envelope.content)
        message_id = str(headers["Message-ID"])
        for recipient in envelope.rcpt_tos:
            if recipient in self.plan.content_refusals:
                return self.plan.content_refusals[recipient]
        if message_id not in self.seen_ids:
            self.seen_ids.add(message_id)
            every = self.plan.temp_fail_every
            if every and len(self.seen_ids) % every == 0:
                self.temp_failures += 1
                return "451 4.3.0 Temporary failure, try again later"
        message = (
            email.message_from_bytes(envelope.content, policy=policy.default)
            if self.record
            else headers
        )
        with self._changed:
            for recipient in envelope.rcpt_tos:
                received = Received(recipient, message, session.peer)
                if self.record:
                    self.received.append(received)
                if self.on_accept is not None:
                    self.on_accept(received)
            self.accepted += 1
            number = self.accepted
            self._changed.notify_all()
        if self.plan.drop_every and number % self.plan.drop_every == 0:
            self._drop_due += 1
        if self.plan.outage_after and number == self.plan.outage_after:
            self._outage_due = True
        return f"250 2.0.0 Ok: queued as M{number}"

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        with self._changed:
            assert self._changed.wait_for(lambda: self.accepted >= count, timeout), (
                f"expected {count} messages, got {self.accepted}"
            )
            return list(self.received)


class _Session(SMTP):
    """An SMTP session the sink knows of, so that an outage can drop it."""

    def __init__(self, sink: "FaultySink", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sink = sink

    def connection_made(self, transport):
        super().connection_made(transport)
        self.sink.sessions.add(self)

    def connection_lost(self, error):
        self.sink.sessions.discard(self)
        super().connection_lost(error)


class FaultySink:
    """An SMTP server on loopback in a thread, injecting the faults of ``plan``."""

    def __init__(self, plan: FaultPlan | None = None, *, port: int | None = None, **options):
        self.handler = FaultyHandler(plan, **options)
        self.handler.go_down = self._go_down
        self.port = port or free_port()
        self.sessions: set[_Session] = set()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="smtp-sink", daemon=True)
        self.server: asyncio.Server | None = None
        self.listening = threading.Event()

    def start(self) -> None:
        self.thread.start()
        self.listen()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        return self.handler.wait_for(count, timeout)

    def listen(self) -> None:
        """Listen (again) on the sink's port."""
        asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(10)

    def stop_listening(self) -> None:
        """Close the port and drop every session: connections are refused until ``listen()``."""
        asyncio.run_coroutine_threadsafe(self._down(), self.loop).result(10)

    async def _down(self) -> None:
        self.handler.go_down()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _listen(self) -> None:
        self.server = await self.loop.create_server(
            lambda: _Session(self, self.handler, hostname="sink.test", data_size_limit=None),
            "127.0.0.1",
            self.port,
        )
        self.listening.set()

    def _go_down(self) -> None:
        self.listening.clear()
        if self.server is not None:
            self.server.close()
            self.server = None
        for session in list(self.sessions):
            if session.transport is not None:
                # close(), not abort(): a reply already written (the "250" of a message
                # just accepted) still reaches its client, as from a server that stops.
                # Aborted, it was lost, and the message rightly sent again: a duplicate
                # the test took for the dispatcher's.
                session.transport.close()

    async def _shutdown(self) -> None:
        self._go_down()
        tasks = [t for t in asyncio.all_tasks(self.loop) if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# The sink as a process.


@dataclass
class Delivered:
    """A message a ``ProcessSink`` accepted, as it reported it."""

    recipient: str
    message_id: str
    subject: str
    text: str
    #: Its order of acceptance, from 1.
    number: int


class ProcessSink:
    """A ``FaultySink`` in a process of its own; each accepted message reported as it comes.

    ``record=False`` reports only counts (``count()``): the benchmark's mode.
    """

    def __init__(self, plan: FaultPlan | None = None, *, record: bool = True):
        plan = plan or FaultPlan()
        self.port = free_port()
        args = [sys.executable, str(Path(__file__).resolve()), "--port", str(self.port)]
        args += ["--temp-fail-every", str(plan.temp_fail_every)]
        args += ["--drop-every", str(plan.drop_every), "--outage-after", str(plan.outage_after)]
        for address, reply in plan.content_refusals.items():
            args += ["--refuse-content", f"{address}={reply}"]
        if not record:
            args.append("--quiet")
        self.received: list[Delivered] = []
        self.events: list[dict] = []
        self._changed = threading.Condition()
        self.process = start_process(
            args, "smtp sink", stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self._reader = threading.Thread(target=self._read, name="sink-reader", daemon=True)
        self._reader.start()
        try:
            self.wait_event("listening", 1, timeout=20)
        except BaseException:
            self.stop()  # nobody holds this sink yet: no one else would stop it
            raise

    def _read(self) -> None:
        for line in self.process.stdout:
            report = json.loads(line)
            with self._changed:
                if "event" in report:
                    self.events.append(report)
                else:
                    self.received.append(Delivered(**report))
                self._changed.notify_all()
        with self._changed:
            self.events.append({"event": "exited"})
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 60) -> list[Delivered]:
        """The messages received, once there are at least ``count`` of them."""
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.received) >= count, timeout), (
                f"expected {count} messages, got {len(self.received)}"
            )
            return list(self.received)

    def wait_event(self, name: str, count: int = 1, timeout: float = 60) -> dict:
        """The ``count``-th report of event ``name``, once it came."""

        def arrived():
            return [e for e in self.events if e["event"] == name][count - 1 : count]

        with self._changed:
            assert self._changed.wait_for(arrived, timeout), f"no {name} event #{count}"
            return arrived()[0]

    def _command(self, command: str, answer: str) -> dict:
        seen = sum(1 for e in self.events if e["event"] == answer)
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.wait_event(answer, seen + 1)

    def stop_listening(self) -> None:
        self._command("stop-listening", "down")

    def listen(self) -> None:
        self._command("listen", "listening")

    def count(self) -> dict:
        """``{"accepted": ..., "temp_failures": ..., "drops": ..., "outages": ...}``."""
        return self._command("count", "count")

    def to(self, address: str) -> list[Delivered]:
        return [r for r in self.received if r.recipient == address]

    def stop(self) -> None:
        """Closing its input ends it; one that does not end is killed (with all it started)."""
        try:
            if self.process.poll() is None:
                self.process.stdin.close()
                self.process.wait(20)
        finally:
            stop_process(self.process)
            self._reader.join(20)
            self.process.stdout.close()


def _serve(argv: list[str]) -> None:
    """The process side of ``ProcessSink``: commands on stdin, reports on stdout."""
    parser = argparse.ArgumentParser(description="An SMTP sink injecting faults.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--temp-fail-every", type=int, default=0)
    parser.add_argument("--drop-every", type=int, default=0)
    parser.add_argument("--outage-after", type=int, default=0)
    parser.add_argument("--refuse-content", action="append", default=[])
    parser.add_argument("--quiet", action="store_true", help="report counts only")
    options = parser.parse_args(argv)
    plan = FaultPlan(
        temp_fail_every=options.temp_fail_every,
        drop_every=options.drop_every,
        outage_after=options.outage_after,
        content_refusals=dict(item.split("=", 1) for item in options.refuse_content),
    )
    out_lock = threading.Lock()

    def report(**fields) -> None:
        with out_lock:
            try:
                sys.stdout.write(json.dumps(fields) + "\n")
                sys.stdout.flush()
            except BrokenPipeError:  # the test went away: nobody to report to
                pass

    def on_accept(received: Received) -> None:
        if options.quiet:
            return
        message = received.message
        report(
            recipient=received.recipient,
            message_id=str(message["Message-ID"]),
            subject=str(message["Subject"]),
            text=message.get_body(("plain",)).get_content(),
            number=handler.accepted + 1,
        )

    sink = FaultySink(plan, port=options.port, record=False, on_accept=on_accept)
    handler = sink.handler
    if not options.quiet:
        handler.record = True
        handler.received = _Discarded()
    original_go_down = sink._go_down

    def go_down() -> None:
        original_go_down()
        report(event="down")

    sink._go_down = go_down
    handler.go_down = go_down
    sink.start()
    report(event="listening", port=sink.port)
    for line in sys.stdin:
        command = line.strip()
        if command == "listen":
            sink.listen()
            report(event="listening", port=sink.port)
        elif command == "stop-listening":
            sink.stop_listening()
        elif command == "count":
            report(
                event="count",
                accepted=handler.accepted,
                temp_failures=handler.temp_failures,
                drops=handler.drops,
                outages=handler.outages,
            )
    sink.stop()


class _Discarded(list):
    """The process sink reports messages instead of keeping them."""

    def append(self, item) -> None:
        pass


if __name__ == "__main__":
    _serve(sys.argv[1:])
