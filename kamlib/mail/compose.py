"""The mails of a report run, built from what ``kam report`` wrote.

Every mail has the MIME structure every client reads,
``mixed > alternative(text, related(html, images)) > attachments``:

* a plain-text part and an HTML part with the same content: the health traffic light, the
  headline KPIs and the top findings (``summary.json``'s digest of the executive summary);
* at most two small charts as CID images (the PNGs the report kept for the mail: mail clients
  show no SVG, and Gmail no ``data:`` images);
* the PDF report attached (the HTML report only on request: many companies block ``.html``).

The body uses tables and inline styles only (Outlook for Windows reads no flex, grid or style
sheet) and stays far below Gmail's 102 KB clipping. ``Auto-Submitted`` marks the mail as
automatic, and the ``Message-ID`` is derived from the account, the reporting date and the
report's content, so the same report is always the same message (the send log relies on it).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import json
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, parseaddr
from pathlib import Path

from kamlib import __version__
from kamlib.errors import KamError
from kamlib.i18n import N_, jinja_env, translator
from kamlib.plots import CHART_KEY, MAIL_CHARTS

__all__ = [
    "BODY_LIMIT",
    "Letter",
    "Report",
    "Reports",
    "account_letter",
    "check",
    "digest_letters",
    "errors_letter",
    "read_reports",
    "recipients_of",
]

#: the HTML body stays below this (Gmail clips bodies over about 102 KB)
BODY_LIMIT = 100_000


@dataclass(frozen=True)
class Report:
    """What ``kam report`` wrote for one account."""

    account_id: str
    status: str
    error: str | None
    digest: dict | None
    html: Path | None
    pdf: Path | None
    notebook: Path | None

    @property
    def name(self) -> str:
        return (self.digest or {}).get("name") or self.account_id


@dataclass(frozen=True)
class Reports:
    """A reports folder: its ``summary.json`` and every account's files."""

    folder: Path
    as_of: str
    params_dir: str | None
    accounts: dict[str, Report]


def read_reports(folder: Path) -> Reports:
    """Read a folder ``kam report`` wrote.

    Raises
    ------
    KamError
        When the folder or its ``summary.json`` is missing or not what ``kam report`` writes.
    """
    folder = Path(folder)
    path = folder / "summary.json"
    if not path.is_file():
        raise KamError(f"{folder} holds no summary.json: give the folder kam report wrote.")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        accounts = {}
        for account_id, entry in summary["accounts"].items():

            def existing(name: str | None) -> Path | None:
                return folder / name if name and (folder / name).is_file() else None

            accounts[account_id] = Report(
                account_id=account_id,
                status=entry["status"],
                error=entry.get("error"),
                digest=entry.get("digest"),
                html=existing(entry.get("report")),
                pdf=existing(entry.get("pdf")),
                notebook=existing(entry.get("notebook")),
            )
        return Reports(folder, summary["as_of"], summary.get("params_dir"), accounts)
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise KamError(f"{path} is not a summary kam report wrote ({exc}).") from None


@dataclass
class Letter:
    """One mail, ready to be written to the outbox and sent.

    Attributes
    ----------
    key : str
        Its name in the outbox (``<account_id>``, ``digest-<address>`` or ``errors``).
    kind : str
        ``account``, ``digest`` or ``errors``.
    accounts : tuple of str
        The accounts it is about.
    message : EmailMessage
    recipients : list of str
        Every address it goes to (To, Cc and Bcc: Bcc is in no header).
    change : str
        What a reader would see change (health and headline KPIs), for ``--only-changed``.
    bcc : list of str
        The Bcc recipients (in ``recipients`` too, never in a header).
    warnings : list of str
    """

    key: str
    kind: str
    accounts: tuple[str, ...]
    message: EmailMessage
    recipients: list[str]
    change: str = ""
    bcc: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def size(self) -> int:
        return len(self.message.as_bytes())

    def body_html(self) -> str:
        """The HTML part of the body."""
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""


#: the subject of an account's mail when ``mail.subject`` is empty, in the account's language
SUBJECT = N_("Key account report {name}, {date}")
#: the subject of a digest (one mail listing several accounts)
DIGEST_SUBJECT = N_("Key account reports, {date}")


def _render(name: str, language: str = "en", **context) -> str:
    folder = str(importlib.resources.files("kamlib") / "templates" / "mail")
    template = jinja_env(folder, language).get_template(name)
    return template.render(version=__version__, language=language, **context)


def _addresses(values: list[str]) -> list[str]:
    return [addr for _, addr in getaddresses(values) if addr]


def _domain(sender: str) -> str:
    addr = parseaddr(sender)[1]
    return addr.rsplit("@", 1)[1] if "@" in addr else "kam.invalid"


def _message_id(sender: str, *parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        digest.update(b"\0")
    return f"<{digest.hexdigest()[:32]}.kam@{_domain(sender)}>"


def _charts(notebook: Path | None, key: str) -> list[dict]:
    """The PNG charts the report kept for the mail (:data:`kamlib.plots.MAIL_CHARTS`)."""
    if notebook is None:
        return []
    found = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8")).get("cells", []):
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get(CHART_KEY, {}).get("chart")
            png = output.get("data", {}).get("image/png")
            if name in MAIL_CHARTS and png:
                alt = output.get("metadata", {}).get("image/png", {}).get("alt", name)
                png = "".join(png) if isinstance(png, list) else png
                found[name] = {
                    "name": name,
                    "alt": alt,
                    "png": base64.b64decode(png),
                    "cid": f"{name}.{key}@kam",
                }
    return [found[n] for n in MAIL_CHARTS if n in found]


def _headers(
    msg: EmailMessage, mail, subject: str, to: list[str], cc: list[str], message_id: str
) -> None:
    msg["Subject"] = subject
    msg["From"] = mail.sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    # an automatic mail (RFC 3834): no out-of-office replies, no auto-forwarding loops
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"


def _attach(msg: EmailMessage, path: Path) -> None:
    maintype, subtype = ("application", "pdf") if path.suffix == ".pdf" else ("text", "html")
    data = path.read_bytes()
    if maintype == "text":
        msg.add_attachment(data.decode("utf-8"), subtype=subtype, filename=path.name)
    else:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)


def _subject(template: str, **values: str) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise KamError(
            f"mail.subject {template!r} has a placeholder that is not one of "
            f"{{name}}, {{date}}, {{account_id}} ({exc})."
        ) from None


def recipients_of(report: Report, params) -> list[str]:
    """The To of an account's mail: its ``recipients``, else its key account manager's address
    (``mail.owners``, by the ``owner`` of ``accounts``)."""
    if params.recipients:
        return list(params.recipients)
    owner = (report.digest or {}).get("owner")
    return [params.mail.owners[owner]] if owner in params.mail.owners else []


def account_letter(report: Report, params, as_of: str, attach_html: bool | None = None) -> Letter:
    """The mail of one account to its recipients (:func:`recipients_of`, ``cc``, ``bcc``)."""
    mail = params.mail
    d = report.digest or {}
    to, cc, bcc = recipients_of(report, params), list(params.cc), list(params.bcc)
    attachments = [p for p in (report.pdf,) if p is not None]
    if attach_html if attach_html is not None else mail.attach_html:
        attachments += [p for p in (report.html,) if p is not None]
    language = d.get("language") or params.language
    subject = _subject(
        mail.subject or translator(language)[0](SUBJECT),
        name=report.name,
        date=d.get("as_of", as_of),
        account_id=report.account_id,
    )
    charts = _charts(report.notebook, report.account_id)
    context = dict(
        d=d,
        subject=subject,
        charts=charts,
        attachments=[p.name for p in attachments],
        reply_to=mail.reply_to,
    )
    content = [p.read_bytes() for p in attachments] + [json.dumps(d, sort_keys=True)]
    msg = EmailMessage()
    message_id = _message_id(mail.sender, "account", report.account_id, as_of, *content)
    _headers(msg, mail, subject, to, cc, message_id)
    msg.set_content(_render("account.txt.j2", language, **context))
    msg.add_alternative(_render("account.html.j2", language, **context), subtype="html")
    html_part = msg.get_payload()[1]
    for chart in charts:
        html_part.add_related(chart["png"], "image", "png", cid=f"<{chart['cid']}>")
    for path in attachments:
        _attach(msg, path)
    tiles = {t.get("key"): t.get("value") for t in d.get("tiles", [])}
    change = json.dumps([d.get("health", {}).get("status"), tiles], sort_keys=True)
    return Letter(
        report.account_id,
        "account",
        (report.account_id,),
        msg,
        _addresses(to + cc + bcc),
        change,
        bcc=_addresses(bcc),
    )


_URGENCY = {"red": 0, "yellow": 1, "green": 2}


def digest_letters(reports: list[Report], store, as_of: str) -> list[Letter]:
    """One mail per recipient address listing their accounts, worst first, with the PDFs."""
    by_address: dict[str, list[tuple[Report, object]]] = {}
    named: dict[str, str] = {}
    for report in reports:
        params = store(report.account_id)
        for address in recipients_of(report, params):
            key = parseaddr(address)[1].lower()
            by_address.setdefault(key, []).append((report, params))
            named.setdefault(key, address)
    letters = []
    for address, entries in sorted(by_address.items()):
        entries.sort(
            key=lambda e: (
                _URGENCY.get((e[0].digest or {}).get("health", {}).get("status"), 3),
                (e[0].digest or {}).get("health", {}).get("score") or 0,
                e[0].account_id,
            )
        )
        params = entries[0][1]
        mail = params.mail
        to = named[address]
        pdfs = [r.pdf for r, _ in entries if r.pdf is not None]
        accounts = [
            r.digest or {"name": r.account_id, "health": {}, "findings": []} for r, _ in entries
        ]
        # the language of the recipient's accounts (of the first, should they differ)
        language = (entries[0][0].digest or {}).get("language") or params.language
        own = mail.subject if mail.subject and "{name}" not in mail.subject else ""
        subject = _subject(
            own or translator(language)[0](DIGEST_SUBJECT),
            name="", date=(entries[0][0].digest or {}).get("as_of", as_of), account_id="",
        )  # fmt: skip
        context = dict(
            accounts=accounts,
            as_of=(entries[0][0].digest or {}).get("as_of", as_of),
            subject=subject,
            attachments=[p.name for p in pdfs],
            reply_to=mail.reply_to,
        )
        msg = EmailMessage()
        content = [p.read_bytes() for p in pdfs]
        message_id = _message_id(mail.sender, "digest", address, as_of, *content)
        _headers(msg, mail, subject, [to], [], message_id)
        msg.set_content(_render("digest.txt.j2", language, **context))
        msg.add_alternative(_render("digest.html.j2", language, **context), subtype="html")
        for path in pdfs:
            _attach(msg, path)
        letters.append(
            Letter(
                f"digest-{address}",
                "digest",
                tuple(r.account_id for r, _ in entries),
                msg,
                [address],
            )
        )
    return letters


def errors_letter(
    problems: list[Report], address: str, mail, as_of: str, language: str = "en"
) -> Letter:
    """One mail to the analyst listing the reports that failed or lost a section, with the
    PDFs of the partial ones; these never go to their account managers. In ``language``, the
    run's default language."""
    attachments = [r.pdf for r in problems if r.pdf is not None]
    rows = [
        {"name": r.name, "account_id": r.account_id, "status": r.status, "error": r.error or ""}
        for r in problems
    ]
    _, n_ = translator(language)
    subject = n_(
        "kam: {n} key account report not sent, {date}",
        "kam: {n} key account reports not sent, {date}",
        len(problems),
    ).format(n=len(problems), date=as_of)
    context = dict(
        problems=rows, as_of=as_of, subject=subject, attachments=[p.name for p in attachments]
    )
    msg = EmailMessage()
    message_id = _message_id(
        mail.sender,
        "errors",
        address,
        as_of,
        json.dumps(rows),
        *[p.read_bytes() for p in attachments],
    )
    _headers(msg, mail, subject, [address], [], message_id)
    msg.set_content(_render("errors.txt.j2", language, **context))
    msg.add_alternative(_render("errors.html.j2", language, **context), subtype="html")
    for path in attachments:
        _attach(msg, path)
    return Letter(
        "errors", "errors", tuple(r.account_id for r in problems), msg, _addresses([address])
    )


def check(letters: list[Letter], mail) -> list[str]:
    """Everything that would make a mail fail or read badly, before the first one is sent."""
    problems = []
    if not mail.sender:
        problems.append("mail.sender is not set: give the From address in the parameters.")
    limit = mail.max_message_mb * 1_000_000
    for letter in letters:
        where = f"{letter.key}: "
        if not letter.recipients:
            problems.append(where + "no recipient: set recipients in its parameter file.")
        if letter.kind == "account" and not any(
            part.get_content_type() == "application/pdf"
            for part in letter.message.iter_attachments()
        ):
            problems.append(where + "no PDF report to attach: run kam report --pdf first.")
        body = letter.body_html()
        if len(body.encode("utf-8")) > BODY_LIMIT:
            problems.append(where + f"the HTML body is over {BODY_LIMIT // 1000} KB.")
        if "data:" in body:
            problems.append(where + "the HTML body holds a data: URI, which Gmail does not show.")
        if letter.size > limit:
            problems.append(
                where + f"{letter.size / 1e6:.1f} MB is over the limit of {mail.max_message_mb} MB."
            )
    return problems
