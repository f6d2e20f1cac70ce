"""Flask-Mail, with a socket timeout and the server's reply to each message kept.

Only the worker sends mail (see ``dispatcher``); the web process writes
outbox rows instead.
"""

import contextlib
import io
import random
import re
import smtplib
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.policy import Compat32
from email.utils import formatdate

import flask_mail
from flask import Flask, current_app

#: Defaults for anything the configuration does not set. Development sends to a
#: local sink on port 8025 (``python -m aiosmtpd -n -l localhost:8025``).
DEFAULTS = {
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 8025,
    "MAIL_DEFAULT_SENDER": "Pact for Impact <no-reply@pact-impact.org>",
    #: Seconds to wait on the SMTP server before giving up on a message (and retrying it).
    "MAIL_TIMEOUT": 30,
    #: Flask-Mail's own reconnection is off: the dispatcher reconnects between messages,
    #: where a failure cannot be mistaken for the failure of a message already accepted.
    "MAIL_MAX_EMAILS": None,
    #: Messages sent over one SMTP session before the dispatcher opens a fresh one.
    "MAIL_RECONNECT_EVERY": 100,
    #: Messages per second a dispatcher process hands to the SMTP server, at most (None or 0:
    #: no limit). A token bucket per worker process, shared by its dispatcher threads, with a
    #: burst of one second's worth: N worker processes together may send N times this rate.
    "MAIL_RATE_PER_SECOND": None,
    #: Dispatcher threads in one worker process, each with its own SMTP session and its own
    #: database session, claiming batches side by side. Always 1 on SQLite (one writer at a
    #: time: more threads would only queue for its lock).
    "MAIL_CONCURRENCY": 1,
    #: Rows a dispatcher claims at a time.
    "OUTBOX_BATCH_SIZE": 100,
    #: Seconds a claim lasts; renewed while the batch is being sent.
    "OUTBOX_LEASE_SECONDS": 300,
    #: Back-off after a temporary failure: base * 2^(attempts - 1), at most the cap.
    "OUTBOX_RETRY_BASE_SECONDS": 60,
    "OUTBOX_RETRY_CAP_SECONDS": 3600,
    #: Claims after which a temporary failure becomes final (about a day at the cap).
    "OUTBOX_MAX_ATTEMPTS": 30,
}


#: A dot starting a line of the message is doubled (RFC 5321, 4.5.2 "transparency").
_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")


class _ReplyKeeping:
    """Keeps the reply to DATA, which ``smtplib.SMTP.sendmail`` throws away; and can hold a
    message's final dot until the caller is ready for the server to accept it."""

    last_reply: tuple[int, bytes] | None = None

    def _reset_quietly(self) -> None:
        """RSET after a refusal; a server already gone needs none (as ``sendmail`` does it,
        with public calls only: smtplib's own helper is private)."""
        with contextlib.suppress(smtplib.SMTPServerDisconnected):
            self.rset()

    def data(self, msg):
        self.last_reply = super().data(msg)
        return self.last_reply

    def sendmail_holding_dot(
        self, from_addr, to_addrs, msg: bytes, before_dot, dot_ready=None
    ) -> None:
        """``sendmail``, with ``before_dot()`` called once everything but the final dot went.

        The server accepts nothing before the dot: while ``before_dot`` waits
        (for the previous message's outcome to be committed), a crash loses
        this message unaccepted, never a second message accepted but unrecorded.
        Raises what ``sendmail`` raises.

        :param dot_ready: true when ``before_dot()`` would not wait: the message
            and its dot then go in one write, as ``sendmail`` sends them.
        """
        self.ehlo_or_helo_if_needed()
        options = [f"size={len(msg)}"] if self.does_esmtp and self.has_extn("size") else []
        code, reply = self.mail(from_addr, options)
        if code != 250:
            if code == 421:
                self.close()
            else:
                self._reset_quietly()
            raise smtplib.SMTPSenderRefused(code, reply, from_addr)
        refused = {}
        for address in to_addrs:
            code, reply = self.rcpt(address)
            if code not in (250, 251):
                refused[address] = (code, reply)
            if code == 421:
                self.close()
                raise smtplib.SMTPRecipientsRefused(refused)
        if len(refused) == len(to_addrs):
            self._reset_quietly()
            raise smtplib.SMTPRecipientsRefused(refused)
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            self._reset_quietly()
            raise smtplib.SMTPDataError(code, reply)
        content = _DOT_AT_LINE_START.sub(b"..", msg)
        if content[-2:] != smtplib.bCRLF:
            content += smtplib.bCRLF
        if dot_ready is not None and dot_ready():
            before_dot()
            self.send(content + b"." + smtplib.bCRLF)
        else:
            self.send(content)
            before_dot()
            self.send(b"." + smtplib.bCRLF)
        code, reply = self.getreply()
        self.last_reply = (code, reply)
        if code != 250:
            self._reset_quietly()
            raise smtplib.SMTPDataError(code, reply)


class _SMTP(_ReplyKeeping, smtplib.SMTP):
    pass


class _SMTP_SSL(_ReplyKeeping, smtplib.SMTP_SSL):  # noqa: N801 - mirrors smtplib's name
    pass


class Connection(flask_mail.Connection):
    """One SMTP session, reused for many messages.

    It connects on the first message rather than on ``with``, so that a server
    that cannot be reached is the failure of that message, handled like any other.
    """

    #: Sessions opened so far (greeting and EHLO answered).
    opened = 0

    def __enter__(self):
        self.host = None
        self.num_emails = 0
        return self

    def configure_host(self) -> smtplib.SMTP:
        state = self.mail
        timeout = current_app.config["MAIL_TIMEOUT"]
        smtp_class = _SMTP_SSL if state.use_ssl else _SMTP
        host = smtp_class(state.server, state.port, timeout=timeout)
        try:
            # The final dot goes alone (see sendmail_holding_dot): not held back by Nagle.
            host.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            host.set_debuglevel(int(state.debug))
            if state.use_tls:
                host.starttls()
            if state.username and state.password:
                host.login(state.username, state.password)
        except BaseException:
            host.close()
            raise
        return host

    def __exit__(self, exc_type, exc_value, tb) -> None:
        self.close()

    def close(self) -> None:
        """End the session politely if the server still listens, else just drop it."""
        host, self.host = self.host, None
        self.num_emails = 0
        if host is None:
            return
        try:
            host.quit()
        except (smtplib.SMTPException, OSError):
            host.close()

    @property
    def connected(self) -> bool:
        return self.host is not None or bool(self.mail.suppress)

    def deliver(
        self, message: "flask_mail.Message | Prepared", before_dot=lambda: None, dot_ready=None
    ) -> str:
        """Send ``message``; return the server's reply (raises smtplib's errors).

        :param message: a message, or one already ``prepare``-d or ``compose``-d.
        :param before_dot: called before the final dot, when the server has all of the
            message but has not accepted it yet (see ``sendmail_holding_dot``).
        :param dot_ready: whether ``before_dot()`` would return at once (ditto).
        """
        prepared = message if isinstance(message, Prepared) else prepare(message)
        if self.mail.suppress:
            before_dot()
            self.send(prepared.flask_message())
            return "not sent: MAIL_SUPPRESS_SEND is on"
        if self.host is None:
            self.host = self.configure_host()
            self.opened += 1
        if prepared.error is not None:
            raise prepared.error
        self.host.sendmail_holding_dot(
            prepared.sender, prepared.recipients, prepared.data, before_dot, dot_ready
        )
        if flask_mail.email_dispatched.receivers:
            # Built only for a listener: composing skips Flask-Mail's Message.
            flask_mail.email_dispatched.send(
                current_app._get_current_object(), message=prepared.flask_message()
            )
        self.num_emails += 1
        code, text = self.host.last_reply or (250, b"")
        return f"{code} {text.decode('utf-8', 'replace')}".strip()


class _Wire(Compat32):
    """Headers as Flask-Mail wrote them (non-ASCII text already RFC 2047-encoded), lines
    ended with CRLF as SMTP wants them, folded only past RFC 5322's hard limit (so a URL
    stays whole). A short ASCII header is written as it is, without ``Header``'s parsing.
    """

    def _fold(self, name, value, sanitize):
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + len(value) + 2 <= self.max_line_length
            and "\n" not in value
            and "\r" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


_WIRE = _Wire(linesep="\r\n", max_line_length=998)


def as_bytes(message: flask_mail.Message) -> bytes:
    """The message as sent: Flask-Mail's MIME tree, written without re-parsing its headers.

    ``Message.as_bytes`` re-reads every header through the modern email policy,
    which costs more than the rest of sending a message, and turns a long
    ``List-Unsubscribe`` URL into RFC 2047 encoded words that mail clients do not
    read as a URL. Written as built, it stays a URL.
    """
    if message.date is None:
        message.date = time.time()
    tree = message._message()  # Flask-Mail's MIME tree (has no public accessor)
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=_WIRE).flatten(tree)
    return out.getvalue()


@dataclass(frozen=True)
class Prepared:
    """A message turned into what goes over the wire (its envelope and bytes)."""

    #: The Flask-Mail message, or what builds it when asked (``flask_message``).
    message: "flask_mail.Message | Callable[[], flask_mail.Message] | None"
    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    data: bytes = b""
    #: Why it cannot be sent (raised when it is delivered).
    error: Exception | None = None

    def flask_message(self) -> flask_mail.Message:
        """The message as Flask-Mail's ``Message`` (``MAIL_SUPPRESS_SEND``, signal receivers)."""
        if callable(self.message):
            return self.message()
        return self.message


def prepare(message: flask_mail.Message) -> Prepared:
    """Build the envelope and bytes of ``message`` (needs an app context, not a request)."""
    if message.has_bad_headers():
        return Prepared(message, error=flask_mail.BadHeaderError())
    return Prepared(
        message,
        flask_mail.sanitize_address(message.sender),
        list(flask_mail.sanitize_addresses(message.send_to)),
        as_bytes(message),
    )


#: Line ends as the email package's generator finds them (it writes each as CRLF).
_NEWLINES = re.compile(r"\r\n|\r|\n")
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))


def compose(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    extra_headers: dict[str, str],
    message: Callable[[], flask_mail.Message],
) -> Prepared:
    """The bytes Flask-Mail's ``Message(...)`` gives through :func:`prepare`, written directly.

    Same MIME tree (``multipart/mixed`` holding a ``multipart/alternative`` of
    the text and the HTML), same headers in the same order, same encodings
    (Flask-Mail registers UTF-8 with no body encoding: 7bit or 8bit), each
    header folded by the same policy. What it skips is the cost of getting
    there: a ``Message`` (whose constructor draws a Message-ID from the host's
    FQDN, then discarded), the ``email.mime`` objects, and the generator's walk
    of them (a regular expression compiled per boundary). It runs for every
    message a dispatcher sends.

    :param message: builds the same message as Flask-Mail's, for whoever asks for it.
    """
    if _has_bad_headers(sender, to, subject):
        return Prepared(message, error=flask_mail.BadHeaderError())
    envelope_sender = _sanitized_sender(sender)
    recipient = flask_mail.sanitize_address(to)
    headers = [("Subject", flask_mail.sanitize_subject(subject))] if subject else []
    headers += [
        ("From", envelope_sender),
        ("To", recipient),
        ("Date", formatdate(time.time(), localtime=True)),
        ("Message-ID", message_id),
        *extra_headers.items(),
    ]
    alternative = _multipart(
        "alternative", [], [_text_part(text, "plain"), _text_part(html, "html")]
    )
    data = _multipart("mixed", headers, [alternative])
    return Prepared(message, envelope_sender, [recipient], data)


def _has_bad_headers(sender: str, to: str, subject: str) -> bool:
    """Flask-Mail's ``Message.has_bad_headers`` for these fields."""
    if _has_newline(sender) or _has_newline(to):
        return True
    if not _has_newline(subject):
        return False
    for number, line in enumerate(subject.split("\r\n")):
        if not line.strip() or (number > 0 and line[0] not in "\t ") or _has_newline(line):
            return True
    return False


def _has_newline(value: str) -> bool:
    return "\n" in value or "\r" in value


_sanitized_senders: dict[str, str] = {}


def _sanitized_sender(sender: str) -> str:
    """``sanitize_address`` of the sender, which is the same for every message."""
    if sender not in _sanitized_senders:
        _sanitized_senders[sender] = flask_mail.sanitize_address(sender)
    return _sanitized_senders[sender]


def _text_part(text: str, subtype: str) -> bytes:
    encoding = "7bit" if text.isascii() else "8bit"
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    return head.encode("ascii") + _NEWLINES.sub("\r\n", text).encode("utf-8")


def _multipart(subtype: str, headers: list[tuple[str, str]], parts: list[bytes]) -> bytes:
    """A multipart entity around ``parts``, with a boundary none of them contains."""
    boundary = _boundary(parts)
    content_type = f'multipart/{subtype}; boundary="{boundary}"'
    out = [_WIRE.fold_binary("Content-Type", content_type), b"MIME-Version: 1.0\r\n"]
    out += [_WIRE.fold_binary(name, value) for name, value in headers]
    delimiter = b"\r\n--" + boundary.encode("ascii") + b"\r\n"
    out += [b"\r\n--", boundary.encode("ascii"), b"\r\n", delimiter.join(parts)]
    out += [b"\r\n--", boundary.encode("ascii"), b"--\r\n"]
    return b"".join(out)


def _boundary(parts: list[bytes]) -> str:
    """A boundary drawn as ``email.generator`` draws one, found in none of the parts."""
    while True:
        token = random.randrange(sys.maxsize)  # noqa: S311 - a MIME boundary, not a secret  # nosec B311
        boundary = f"{'=' * 15}{token:0{_BOUNDARY_DIGITS}d}=="
        marker = boundary.encode("ascii")
        if not any(marker in part for part in parts):
            return boundary


class Mail(flask_mail.Mail):
    def connect(self) -> Connection:
        """A connection that is opened on ``with`` (and may fail there: smtplib's errors)."""
        return Connection(current_app.extensions["mail"])


mail = Mail()


def init_mail(app: Flask) -> None:
    """Bind the mailer, with development defaults for anything not configured."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    mail.init_app(app)
