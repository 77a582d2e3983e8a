"""``kam send``: the reports of a run to their readers, safely, once.

The flow reads top to bottom in :func:`send`:

1. read the reports folder (``summary.json``) and the parameters; choose the mails: one per key
   account with a complete report (or, with ``--digest``, one per recipient), filtered by
   ``--only-status`` and ``--only-changed``; failed and partial reports go to the analyst
   (``--errors-to``), never to their readers; the portfolio report goes to nobody;
2. build every mail and check them all (recipients, sender, attachment, sizes): any problem
   stops the run before the first mail is sent (exit 2);
3. write the outbox (``.eml`` files, ``plan.json``, ``preview.html``); ``--dry-run`` and
   ``--drafts`` stop here;
4. send through the SMTP server, at most ``mail.per_minute`` a minute, recording each state in
   the send log before and after each attempt: a mail already sent is skipped, one whose outcome
   is unknown is sent again only with ``--resend``; a temporary (4xx) failure is retried with
   growing waits, a permanent (5xx) one fails that mail only;
5. ``send-summary.json``; exit 0 (all sent), 1 (some failed or unknown), 2 (unusable input),
   130 on Ctrl-C.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kamlib.context import ParamsStore
from kamlib.errors import KamError
from kamlib.mail.compose import (
    Letter,
    Report,
    account_letter,
    check,
    digest_letters,
    errors_letter,
    read_reports,
)
from kamlib.mail.outbox import FAILED, SENDING, SENT, UNKNOWN, SendLog, eml_bytes, write_outbox
from kamlib.mail.smtp import Connection

__all__ = ["SendResult", "Stopped", "check_connection", "send"]

MODES = ("send", "dry-run", "drafts")


class Stopped(KamError):
    """``kam send`` was stopped (Ctrl-C) between or during its mails."""


@dataclass
class SendResult:
    """What a run of ``kam send`` did: each mail's state and what it left out."""

    outbox: Path
    mode: str
    letters: list[Letter] = field(default_factory=list)
    states: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (state, detail)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (account_id, reason)

    def count(self, state: str) -> int:
        return sum(1 for s, _ in self.states.values() if s == state)

    @property
    def exit_code(self) -> int:
        """0 when nothing failed and nothing is unknown, else 1."""
        return 1 if self.count(FAILED) or self.count(UNKNOWN) else 0


def _select(
    reports: dict[str, Report],
    account_ids: Sequence[str],
    only_status: Sequence[str],
) -> tuple[list[Report], list[Report], list[tuple[str, str]]]:
    unknown = [a for a in account_ids if a not in reports]
    if unknown:
        raise KamError(f"these accounts have no report in this folder: {unknown[:10]!r}.")
    chosen = [reports[a] for a in (account_ids or reports)]
    ready, problems, skipped = [], [], []
    for r in chosen:
        status = (r.digest or {}).get("health", {}).get("status")
        if r.status != "ok":
            problems.append(r)
        elif only_status and status not in only_status:
            skipped.append(
                (r.account_id, f"health {status} is not one of {', '.join(only_status)}")
            )
        else:
            ready.append(r)
    return ready, problems, skipped


def send(
    reports_dir: str | Path,
    outbox: str | Path | None = None,
    params_dir: str | Path | None = None,
    mode: str = "send",
    resend: bool = False,
    only_status: Sequence[str] = (),
    only_changed: bool = False,
    digest: bool = False,
    errors_to: str | None = None,
    attach_html: bool | None = None,
    account_ids: Sequence[str] = (),
    on_progress: Callable[[Letter, str, str], None] | None = None,
) -> SendResult:
    """Build, check, write and (unless ``mode`` is ``dry-run`` or ``drafts``) send the mails of
    a reports folder; see the module docstring for the flow.

    Parameters
    ----------
    reports_dir : str or Path
        The folder ``kam report`` wrote (with ``--pdf``).
    outbox : str or Path, optional
        Where the mails and the send log are kept; default ``<reports_dir>/outbox``.
    params_dir : str or Path, optional
        The parameters; default: those the reports were made with.
    mode : {"send", "dry-run", "drafts"}
    resend : bool
        Send again the mails whose outcome is unknown.
    only_status : sequence of str
        Only accounts with these health traffic lights.
    only_changed : bool
        Only accounts whose health or headline KPIs changed since their last mail.
    digest : bool
        One mail per recipient listing their accounts, instead of one per account.
    errors_to : str, optional
        Where failed and partial reports go (default ``mail.errors_to``).
    attach_html : bool, optional
        Also attach the HTML report (default ``mail.attach_html``).
    account_ids : sequence of str
        Only these accounts.
    on_progress : callable, optional
        Called with each mail, its state and the detail as it is settled.

    Raises
    ------
    KamError
        For unusable input (nothing sent); :class:`Stopped` on Ctrl-C.
    """
    if mode not in MODES:
        raise KamError(f"'mode' must be one of {MODES}, got {mode!r}.")
    reports = read_reports(Path(reports_dir))
    store = ParamsStore(params_dir or reports.params_dir or None)
    mail = store.defaults.mail
    folder = Path(outbox) if outbox else reports.folder / "outbox"
    log = SendLog(folder)
    result = SendResult(folder, mode)

    # 1. which mails
    ready, problems, result.skipped = _select(reports.accounts, account_ids, only_status)
    letters = (
        digest_letters(ready, store, reports.as_of)
        if digest
        else [account_letter(r, store(r.account_id), reports.as_of, attach_html) for r in ready]
    )
    if only_changed and not digest:
        before = log.last_change()
        unchanged = [x for x in letters if x.key in before and before[x.key] == x.change]
        result.skipped += [(x.key, "nothing changed since its last mail") for x in unchanged]
        letters = [x for x in letters if x not in unchanged]
    analyst = errors_to or mail.errors_to
    if problems and analyst:
        letters.append(
            errors_letter(problems, analyst, mail, reports.as_of, store.defaults.language)
        )
    elif problems:
        result.skipped += [
            (r.account_id, f"report {r.status}: not sent to its readers (see --errors-to)")
            for r in problems
        ]
    # 2. every mail checked before the first is sent
    trouble = check(letters, mail)
    if trouble:
        raise KamError(
            f"{len(trouble)} problem(s), nothing was sent:\n"
            + "\n".join(f"  - {t}" for t in trouble)
        )
    # 3. the outbox
    states = log.states()
    write_outbox(letters, folder, states, drafts=mode == "drafts")
    result.letters = letters
    if mode != "send":
        result.states = {x.key: (states.get(x.message_id, "planned"), "") for x in letters}
        _summary(result)
        return result
    # 4. sending
    try:
        _deliver(letters, mail, log, states, resend, result, on_progress)
    finally:
        _summary(result)
    return result


def _deliver(letters, mail, log, states, resend, result, on_progress) -> None:
    pending = []
    for letter in letters:
        known = states.get(letter.message_id)
        if known == SENT:
            result.states[letter.key] = (SENT, "sent before: not sent again")
        elif known == UNKNOWN and not resend:
            result.states[letter.key] = (
                UNKNOWN,
                "an earlier attempt may have reached the server: check, then use --resend",
            )
        else:
            pending.append(letter)
    if not pending:
        return
    interval = 60.0 / mail.per_minute
    last_start = None
    connection = None
    current: tuple[Letter, bool] | None = None  # the letter under way, and whether it may be out
    try:
        for letter in pending:
            if last_start is not None:
                time.sleep(max(0.0, interval - (time.monotonic() - last_start)))
            last_start = time.monotonic()
            data = eml_bytes(letter)
            state, detail = FAILED, ""
            for attempt in range(mail.retries + 1):
                if connection is None:
                    connection = Connection(mail.smtp).open()
                log.record(letter, SENDING, f"attempt {attempt + 1}")
                current = (letter, True)
                outcome = connection.deliver(data, mail.sender, letter.recipients)
                current = None
                state, detail = outcome.state, outcome.detail
                if outcome.refused:
                    detail += "; refused: " + ", ".join(outcome.refused)
                if state != "temporary":
                    break
                connection.close()
                connection = None
                if attempt < mail.retries:
                    time.sleep(mail.retry_wait_seconds * 2**attempt)
            if state == "temporary":
                state = FAILED
                detail = f"still failing after {mail.retries + 1} attempts: {detail}"
            if state == UNKNOWN:
                connection = None
            log.record(letter, state, detail)
            result.states[letter.key] = (state, detail)
            if on_progress:
                on_progress(letter, state, detail)
    except KeyboardInterrupt:
        if current is not None:
            letter = current[0]
            log.record(letter, UNKNOWN, "stopped while sending")
            result.states[letter.key] = (UNKNOWN, "stopped while sending")
        raise Stopped(
            f"stopped: {result.count(SENT)} mail(s) sent; run kam send again for the rest."
        ) from None
    finally:
        if connection is not None:
            connection.close()


def _summary(result: SendResult) -> None:
    entries = {
        letter.key: {
            "kind": letter.kind,
            "accounts": list(letter.accounts),
            "message_id": letter.message_id,
            "recipients": len(letter.recipients),
            "state": result.states.get(letter.key, ("planned", ""))[0],
            "detail": result.states.get(letter.key, ("", ""))[1],
        }
        for letter in result.letters
    }
    summary = {
        "mode": result.mode,
        "finished_at": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "counts": {s: result.count(s) for s in (SENT, FAILED, UNKNOWN, "planned")},
        "messages": entries,
        "skipped": [{"account_id": a, "reason": why} for a, why in result.skipped],
        "exit_code": result.exit_code,
    }
    result.outbox.mkdir(parents=True, exist_ok=True)
    (result.outbox / "send-summary.json").write_text(
        json.dumps(summary, indent=2), encoding="utf-8"
    )


def check_connection(params_dir: str | Path | None, reports_dir: str | Path | None = None) -> str:
    """Connect and log in to the SMTP server of the parameters, then leave; a sentence saying so.

    Raises
    ------
    KamError
        Saying why the connection or the login failed (never the secret).
    """
    folder = params_dir
    if folder is None and reports_dir is not None:
        folder = read_reports(Path(reports_dir)).params_dir
    settings = ParamsStore(folder or None).defaults.mail.smtp
    with Connection(settings):
        pass
    login = f" as {settings.username}" if settings.username else " (no login)"
    return f"connected to {settings.host}:{settings.effective_port} ({settings.security}){login}"
