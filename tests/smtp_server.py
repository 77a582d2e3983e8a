"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1 with STARTTLS (or implicit TLS) and
AUTH, with a certificate made for the test (trustme), recording what it receives and able to
fail on purpose: a temporary (4xx) or permanent (5xx) refusal of a recipient, a connection
dropped after the message's content arrived, a slow reply."""

from __future__ import annotations

import asyncio
import base64
import email
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "kam@example.com", "S3cr3t-kam-test-password"
TOKEN = "test-oauth-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.content, policy=policy.default)


@dataclass
class Handler:
    """Records every message; the dicts and sets below make it fail on purpose."""

    received: list[Received] = field(default_factory=list)
    temporary: dict[str, int] = field(default_factory=dict)  # address -> refusals left
    permanent: set[str] = field(default_factory=set)
    drop_after_data: set[str] = field(default_factory=set)
    delay: float = 0.0
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.temporary.get(address, 0) > 0:
            self.temporary[address] -= 1
            return "451 4.3.0 Please try again later"
        if address in self.permanent:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        if self.delay:  # the message is queued; the reply is slow to leave
            await asyncio.sleep(self.delay)
        if self.drop_after_data & set(envelope.rcpt_tos):
            server.transport.abort()  # the content is here; the reply never leaves
        return "250 OK: queued"

    async def auth_XOAUTH2(self, server, args):
        raw = base64.b64decode(args[1]).decode() if len(args) > 1 else ""
        ok = raw == f"user={USER}\x01auth=Bearer {TOKEN}\x01\x01"
        if ok:
            self.logins.append("XOAUTH2")
        return AuthResult(success=ok, handled=not ok, message=None if ok else "535 5.7.8 bad token")


def _authenticator(handler: Handler):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == USER
            and auth_data.password.decode() == PASSWORD
        )
        if ok:
            handler.logins.append(mechanism)
        return AuthResult(success=ok, handled=False)  # not handled: the server replies 535

    return check


@dataclass
class Server:
    host: str
    port: int
    handler: Handler
    ca_file: Path
    controller: Controller

    def by_message_id(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.handler.received:
            mid = str(r.message["Message-ID"])
            counts[mid] = counts.get(mid, 0) + 1
        return counts


def start(tmp_path: Path, security: str = "starttls", auth: bool = True) -> Server:
    """Start a server: ``security`` is ``starttls``, ``ssl`` or ``none``."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_file = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    handler = Handler()
    port = free_port()
    kwargs = {}
    if security == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    if auth:
        # the client must log in; aiosmtpd enforces it only where it knows the line is secure
        kwargs.update(authenticator=_authenticator(handler), auth_required=security == "starttls")
    if security == "ssl":
        kwargs.update(ssl_context=context)
    # with implicit TLS the whole connection is encrypted; aiosmtpd only knows of STARTTLS
    kwargs.update(auth_require_tls=security == "starttls")
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return Server("127.0.0.1", port, handler, ca_file, controller)
