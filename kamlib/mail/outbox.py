"""The outbox: every mail as an ``.eml`` file, a plan, a preview page, and the send log.

Every run of ``kam send`` first writes here, so that an analyst can look at exactly what will
be sent: ``<key>.eml`` (opens in any mail client; with ``--drafts`` marked unsent, which Outlook
opens as a draft to send by hand), ``plan.json`` (recipients, subjects, sizes, warnings,
states) and ``preview.html`` (each body as a mail client shows it).

``send-log.jsonl`` is the memory across runs: one line per change of a message's state,
written *before* and *after* each attempt (``sending``, then ``sent``, ``failed`` or
``unknown``), keyed by the message's stable ``Message-ID``. A message already ``sent`` is never
sent again; one whose outcome is ``unknown`` (the connection was lost after its content was
handed over) only with ``--resend``.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import importlib.resources
import io
import json
import os
import re
from email import policy
from email.generator import BytesGenerator
from pathlib import Path

import jinja2
import pandas as pd

from kamlib.mail.compose import Letter

__all__ = ["SENT", "SendLog", "write_outbox"]

SENT, SENDING, FAILED, UNKNOWN, PLANNED = "sent", "sending", "failed", "unknown", "planned"


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", key)


def _write(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def eml_bytes(letter: Letter, drafts: bool = False) -> bytes:
    """The message as an ``.eml`` file (CRLF line ends, as mail clients expect)."""
    msg = letter.message
    if drafts:
        msg = copy.deepcopy(msg)
        # Outlook opens a message with X-Unsent as a draft: the analyst sends it by hand
        msg["X-Unsent"] = "1"
    out = io.BytesIO()
    BytesGenerator(out, policy=policy.SMTP).flatten(msg)
    return out.getvalue()


def _preview_body(letter: Letter) -> str:
    """The HTML body with its CID images inlined, as a mail client shows it."""
    html = letter.body_html()
    for part in letter.message.walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_maintype() == "image":
            data = base64.b64encode(part.get_content()).decode("ascii")
            html = html.replace(
                f"cid:{cid.strip('<>')}", f"data:{part.get_content_type()};base64,{data}"
            )
    return html


def write_outbox(
    letters: list[Letter], folder: Path, states: dict[str, str], drafts: bool = False
) -> None:
    """Write every letter, the plan and the preview into ``folder``; ``.eml`` files of mails
    no longer planned are removed (the send log stays)."""
    folder.mkdir(parents=True, exist_ok=True)
    keep = set()
    rows = []
    for letter in letters:
        name = f"{_safe(letter.key)}.eml"
        keep.add(name)
        _write(folder / name, eml_bytes(letter, drafts))
        msg = letter.message
        rows.append(
            {
                "file": name,
                "kind": letter.kind,
                "accounts": list(letter.accounts),
                "subject": str(msg["Subject"]),
                "to": str(msg["To"] or ""),
                "cc": str(msg["Cc"] or ""),
                "bcc": list(letter.bcc),
                "message_id": letter.message_id,
                "bytes": letter.size,
                "body_bytes": len(letter.body_html().encode("utf-8")),
                "attachments": [p.get_filename() for p in msg.iter_attachments()],
                "warnings": letter.warnings,
                "state": states.get(letter.message_id, PLANNED),
            }
        )
    for old in folder.glob("*.eml"):
        if old.name not in keep:
            old.unlink()
    _write(folder / "plan.json", json.dumps({"messages": rows}, indent=2).encode("utf-8"))
    previews = [
        {**row, "body": _preview_body(letter)} for row, letter in zip(rows, letters, strict=True)
    ]
    page = _pages().get_template("preview.html.j2").render(messages=previews, drafts=drafts)
    _write(folder / "preview.html", page.encode("utf-8"))


def _pages() -> jinja2.Environment:
    folder = importlib.resources.files("kamlib") / "templates" / "pages"
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True)


class SendLog:
    """The states of every message ever planned in this outbox (``send-log.jsonl``)."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / "send-log.jsonl"

    def states(self) -> dict[str, str]:
        """The last state of each message, by Message-ID; a message left ``sending`` (the run
        stopped during its attempt) is ``unknown``."""
        last: dict[str, str] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                with contextlib.suppress(json.JSONDecodeError, KeyError):
                    entry = json.loads(line)
                    last[entry["message_id"]] = entry["state"]
        return {k: (UNKNOWN if v == SENDING else v) for k, v in last.items()}

    def last_change(self) -> dict[str, str]:
        """What each account's last sent mail showed (for ``--only-changed``)."""
        found: dict[str, str] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                with contextlib.suppress(json.JSONDecodeError, KeyError):
                    entry = json.loads(line)
                    if entry["state"] == SENT and entry.get("kind") == "account":
                        found[entry["key"]] = entry.get("change", "")
        return found

    def record(self, letter: Letter, state: str, detail: str = "") -> None:
        """Append one state of ``letter`` and flush it to disk before going on."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "time": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
            "message_id": letter.message_id,
            "key": letter.key,
            "kind": letter.kind,
            "state": state,
            "detail": detail,
            "change": letter.change,
        }
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
