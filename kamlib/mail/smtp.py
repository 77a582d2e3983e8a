"""Talking to the SMTP server: STARTTLS (587), implicit TLS (465) or a relay without login;
a password or an OAuth 2.0 token (XOAUTH2, Microsoft 365).

The secret never comes from a file: the password (or, for XOAUTH2, the client secret) is read
from the environment variable ``smtp.password_env`` or, with ``smtp.keyring: true``, from the
system keyring; it is never logged, written or shown.

:meth:`Connection.deliver` sends one message in the steps of the protocol and says, when it
fails, whether the server may have received it: a failure before the message's content was
handed over (``MAIL``, ``RCPT``, the ``DATA`` command) means *not sent*; a connection lost while
or after handing it over means the outcome is *unknown* (SMTP cannot tell: the server may have
accepted it just before the connection broke).
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr

from kamlib.errors import KamError

__all__ = ["Connection", "Outcome", "secret", "token_provider"]

#: the OAuth 2.0 scope of SMTP AUTH in Exchange Online
M365_SCOPE = "https://outlook.office365.com/.default"


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt.

    Attributes
    ----------
    state : str
        ``sent``, ``temporary`` (4xx or a connection problem before the content was handed
        over: try again), ``failed`` (5xx: do not try again) or ``unknown``.
    detail : str
        The server's reply or the error, one line.
    refused : tuple of str
        Recipients the server refused while it took the others.
    """

    state: str
    detail: str = ""
    refused: tuple[str, ...] = ()


def secret(settings) -> str:
    """The password (or XOAUTH2 client secret) from the environment or the keyring.

    Raises
    ------
    KamError
        Naming where the secret was looked for (never the secret).
    """
    if settings.keyring:
        try:
            import keyring
        except ImportError:
            raise KamError(
                "smtp.keyring is set but the keyring package is missing: pip install "
                "'kamlib[keyring]'."
            ) from None
        value = keyring.get_password("kam", settings.username)
        if not value:
            raise KamError(
                f"no password for {settings.username!r} in the system keyring (service 'kam'): "
                f"keyring set kam {settings.username}"
            )
        return value
    value = os.environ.get(settings.password_env, "")
    if not value:
        raise KamError(
            f"the SMTP password is not set: put it into the environment variable "
            f"{settings.password_env} (or use smtp.keyring: true)."
        )
    return value


def _msal_token(settings) -> str:
    try:
        import msal
    except ImportError:
        raise KamError("smtp.auth: xoauth2 needs msal: pip install 'kamlib[m365]'.") from None
    if not settings.tenant_id or not settings.client_id:
        raise KamError("smtp.auth: xoauth2 needs smtp.tenant_id and smtp.client_id.")
    app = msal.ConfidentialClientApplication(
        settings.client_id,
        authority=f"https://login.microsoftonline.com/{settings.tenant_id}",
        client_credential=secret(settings),
    )
    result = app.acquire_token_for_client(scopes=[M365_SCOPE])
    if "access_token" not in result:
        raise KamError(
            f"Microsoft Entra did not issue a token: {result.get('error_description') or result.get('error')}"
        )
    return result["access_token"]


#: where XOAUTH2 tokens come from (replaceable, e.g. by a test that has no Microsoft tenant)
token_provider: Callable[[object], str] = _msal_token


class Connection:
    """One SMTP session; use as a context manager.

    Parameters
    ----------
    settings : Smtp
        ``params.mail.smtp``.
    """

    def __init__(self, settings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.settings.ca_file:
            context.load_verify_locations(cafile=self.settings.ca_file)
        return context

    def open(self) -> Connection:
        """Connect, secure the connection and log in.

        Raises
        ------
        KamError
            When the server cannot be reached, TLS fails or the login is refused.
        """
        s = self.settings
        if not s.host:
            raise KamError("mail.smtp.host is not set: which server should the mails go through?")
        where = f"{s.host}:{s.effective_port}"
        try:
            if s.security == "ssl":
                self.smtp = smtplib.SMTP_SSL(
                    s.host, s.effective_port, timeout=s.timeout, context=self._context()
                )
            else:
                self.smtp = smtplib.SMTP(s.host, s.effective_port, timeout=s.timeout)
                self.smtp.ehlo()
                if s.security == "starttls":
                    self.smtp.starttls(context=self._context())
                    self.smtp.ehlo()
            if s.username:
                if s.auth == "xoauth2":
                    auth = f"user={s.username}\x01auth=Bearer {token_provider(s)}\x01\x01"
                    self.smtp.auth("XOAUTH2", lambda challenge=None: auth)
                else:
                    self.smtp.login(s.username, secret(s))
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise KamError(f"{where} refused the login of {s.username!r}: {_reply(exc)}") from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            self.close()
            raise KamError(f"cannot connect to the SMTP server {where}: {_one_line(exc)}") from None
        except BaseException:  # e.g. no password: the open connection is closed all the same
            self.close()
            raise
        return self

    def __enter__(self) -> Connection:
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def deliver(self, message_bytes: bytes, sender: str, recipients: list[str]) -> Outcome:
        """Send one message; see the module docstring for what a failure means."""
        smtp = self.smtp
        assert smtp is not None, "open() the connection first"
        try:
            code, reply = smtp.mail(parseaddr(sender)[1])
            if code != 250:
                smtp.rset()
                return _refusal(code, reply)
            refused = []
            for rcpt in recipients:
                code, reply = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    refused.append((rcpt, code, reply))
            if len(refused) == len(recipients):
                smtp.rset()
                temporary = [r for r in refused if 400 <= r[1] < 500]
                first = (temporary or refused)[0]
                return _refusal(first[1], first[2])
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            return Outcome("temporary", f"connection lost before the content: {_one_line(exc)}")
        try:
            # from here on the server may have the message, whatever happens to the connection
            code, reply = smtp.data(message_bytes)
        except smtplib.SMTPDataError as exc:
            return _refusal(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            return Outcome(
                "unknown", f"connection lost while sending the content: {_one_line(exc)}"
            )
        return Outcome(
            "sent",
            f"{code} {_text(reply)}",
            tuple(f"{r} ({c} {_text(t)})" for r, c, t in refused),
        )


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"


def _refusal(code: int, reply) -> Outcome:
    return Outcome("temporary" if 400 <= code < 500 else "failed", f"{code} {_text(reply)}")


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc)
    if isinstance(exc, socket.timeout):
        return "timed out"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
