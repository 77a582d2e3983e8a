"""kam send against a real SMTP server (aiosmtpd on 127.0.0.1, STARTTLS, AUTH): every mail
built and checked, delivered exactly once, failures retried or isolated, nothing secret
written anywhere."""

from __future__ import annotations

import email
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from kamlib.errors import KamError, ParamsError
from kamlib.mail import flow, smtp
from kamlib.mail.compose import BODY_LIMIT
from kamlib.params import load_params
from tests import smtp_server
from tests.conftest import MAIL_ACCOUNTS, WORDS, language_of
from tests.smtp_server import PASSWORD, TOKEN, USER

pytestmark = pytest.mark.slow
ACCOUNTS = MAIL_ACCOUNTS


@pytest.fixture
def reports(made, tmp_path) -> Path:
    folder = tmp_path / "reports"
    shutil.copytree(made / "reports", folder)
    return folder


def _params(made: Path, tmp_path: Path, server=None, **mail) -> Path:
    folder = tmp_path / "params"
    shutil.copytree(made / "params", folder)
    defaults = yaml.safe_load((folder / "defaults.yaml").read_text())
    settings = defaults["mail"]
    settings.update(per_minute=6000, retries=2, retry_wait_seconds=0.01, **mail)
    if server is not None:
        settings["smtp"].update(
            host=server.host,
            port=server.port,
            username=USER,
            ca_file=str(server.ca_file),
            timeout=5,
            **settings.get("smtp_extra", {}),
        )
    settings.pop("smtp_extra", None)
    (folder / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    return folder


@pytest.fixture
def server(tmp_path, monkeypatch):
    s = smtp_server.start(tmp_path)
    monkeypatch.setenv("KAM_SMTP_PASSWORD", PASSWORD)
    yield s
    s.controller.stop()


def _eml(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def _check_message(msg: email.message.EmailMessage, account_id: str) -> None:
    """The structure every client reads, images that resolve, a readable A4 PDF, all in the
    account's language."""
    words = WORDS[language_of(account_id)]
    assert msg.get_content_type() == "multipart/mixed"
    alternative, *attachments = msg.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text, related = alternative.get_payload()
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, *images = related.get_payload()
    body = html.get_content()
    assert len(body.encode()) < BODY_LIMIT and "data:" not in body
    styles = re.findall(r"<style.*?</style>", body, flags=re.DOTALL)
    assert all(len(s) < 16_000 for s in styles)
    cids = set(re.findall(r'src="cid:([^"]+)"', body))
    assert 1 <= len(images) <= 2 and cids == {i["Content-ID"].strip("<>") for i in images}
    assert all(i.get_content_type() == "image/png" for i in images)
    assert words["findings"] in text.get_content()
    pdf = next(a for a in attachments if a.get_content_type() == "application/pdf")
    reader = PdfReader(io.BytesIO(pdf.get_content()))
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4: 210 mm = 595 pt
    assert words["summary"] in reader.pages[0].extract_text()
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Bcc"] is None


def test_dry_run_writes_an_outbox_of_checked_mails_and_sends_nothing(made, reports, tmp_path):
    params = _params(made, tmp_path)
    result = flow.send(reports, params_dir=params, mode="dry-run")
    outbox = reports / "outbox"
    assert sorted(p.name for p in outbox.glob("*.eml")) == [f"{a}.eml" for a in ACCOUNTS]
    for account_id in ACCOUNTS:
        _check_message(_eml(outbox / f"{account_id}.eml"), account_id)
    six = _eml(outbox / "KA-006.eml")
    assert six["To"] == "Anna Keller <anna.keller@example.com>"
    assert six["Cc"] == "sales.director@example.com"
    assert six["Reply-To"] == "Key Account Team <kam-team@example.com>"
    assert six["Subject"] == "Key account report Meridian Foods B.V., 31 Oct 2026"
    # red although its score is 51: the mail says which escalation rule made it red
    reason = "The account is red by escalation, although its score is 51: 6 of the 13"
    assert reason in six.get_body(("plain",)).get_content()
    assert reason in six.get_body(("html",)).get_content()
    one = _eml(outbox / "KA-001.eml")
    # a German account's mail is German, from the subject on
    assert one["Subject"] == "Key-Account-Bericht Hartmann Automotive GmbH, 31. Okt. 2026"
    assert "Stichtag" in one.get_body(("plain",)).get_content()
    assert one["To"] == "anna.keller@example.com"  # the key account manager, from mail.owners
    plan = json.loads((outbox / "plan.json").read_text())["messages"]
    assert {m["file"]: m["bcc"] for m in plan}["KA-006.eml"] == ["archive@example.com"]
    assert "archive@example.com" in result.letters[-1].recipients  # Bcc: envelope only
    preview = (outbox / "preview.html").read_text()
    assert "Meridian Foods B.V." in preview and "cid:" not in preview
    # the same report is the same message: a second build keeps every Message-ID
    first = {m["file"]: m["message_id"] for m in plan}
    flow.send(reports, params_dir=params, mode="dry-run")
    again = json.loads((outbox / "plan.json").read_text())["messages"]
    assert {m["file"]: m["message_id"] for m in again} == first
    summary = json.loads((outbox / "send-summary.json").read_text())
    assert summary["counts"]["planned"] == 3 and summary["counts"]["sent"] == 0


def test_drafts_are_marked_unsent_and_need_no_server(made, reports, tmp_path):
    flow.send(reports, params_dir=_params(made, tmp_path), mode="drafts")
    draft = _eml(reports / "outbox" / "KA-003.eml")
    assert draft["X-Unsent"] == "1"
    _check_message(draft, "KA-003")


def test_every_mail_is_checked_before_the_first_is_sent(made, reports, tmp_path, server):
    params = _params(made, tmp_path, server, sender="")
    with pytest.raises(KamError, match="nothing was sent") as info:
        flow.send(reports, params_dir=params)
    assert "mail.sender is not set" in str(info.value)
    (reports / "KA-003.pdf").unlink()
    params = _params(made, tmp_path / "b", server)
    with pytest.raises(KamError, match="KA-003: no PDF report to attach"):
        flow.send(reports, params_dir=params)
    assert server.handler.received == []


def test_sending_delivers_each_mail_exactly_once(made, reports, tmp_path, server):
    params = _params(made, tmp_path, server)
    result = flow.send(reports, params_dir=params)
    assert result.exit_code == 0 and result.count("sent") == 3
    assert server.handler.logins == ["PLAIN"]
    assert sorted(server.by_message_id().values()) == [1, 1, 1]
    names = {"Hartmann": "KA-001", "Vossberg": "KA-003", "Meridian": "KA-006"}
    for received in server.handler.received:
        subject = received.message["Subject"]
        _check_message(received.message, next(a for n, a in names.items() if n in subject))
    six = next(r for r in server.handler.received if "Meridian" in r.message["Subject"])
    assert sorted(six.rcpt_tos) == sorted(
        ["anna.keller@example.com", "sales.director@example.com", "archive@example.com"]
    )
    assert b"archive@example.com" not in six.content  # Bcc in the envelope only
    again = flow.send(reports, params_dir=params)
    assert again.exit_code == 0 and len(server.handler.received) == 3  # nothing sent twice
    assert all(detail.startswith("sent before") for _, detail in again.states.values())


def test_a_temporary_failure_is_retried_a_permanent_one_fails_only_its_mail(
    made, reports, tmp_path, server
):
    server.handler.temporary["anna.keller@example.com"] = 1  # KA-001 and KA-006: 451 once
    server.handler.permanent.add("clara.neumann@example.com")  # KA-003's manager
    result = flow.send(reports, params_dir=_params(made, tmp_path, server))
    assert result.states["KA-003"][0] == "failed" and "550" in result.states["KA-003"][1]
    assert result.states["KA-001"][0] == "sent" and result.states["KA-006"][0] == "sent"
    assert result.exit_code == 1
    assert sorted(server.by_message_id().values()) == [1, 1]
    summary = json.loads((reports / "outbox" / "send-summary.json").read_text())
    assert summary["counts"] == {"sent": 2, "failed": 1, "unknown": 0, "planned": 0}


def test_a_connection_lost_after_the_content_is_unknown_and_resent_only_when_asked(
    made, reports, tmp_path, server
):
    server.handler.drop_after_data.add("clara.neumann@example.com")
    params = _params(made, tmp_path, server)
    first = flow.send(reports, params_dir=params)
    assert first.states["KA-003"][0] == "unknown" and first.exit_code == 1
    server.handler.drop_after_data.clear()
    second = flow.send(reports, params_dir=params)
    assert second.states["KA-003"][0] == "unknown" and len(server.handler.received) == 3
    third = flow.send(reports, params_dir=params, resend=True)
    assert third.states["KA-003"][0] == "sent" and third.exit_code == 0
    assert sorted(server.by_message_id().values()) == [1, 1, 2]  # --resend: knowingly twice


def test_an_interrupted_run_and_its_rerun_deliver_each_mail_once(made, reports, tmp_path, server):
    server.handler.delay = 1.5
    params = _params(made, tmp_path, server)
    env = {**os.environ, "KAM_SMTP_PASSWORD": PASSWORD}
    command = [
        sys.executable,
        "-m",
        "kamlib",
        "send",
        "--reports",
        str(reports),
        "--params",
        str(params),
    ]
    run = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(server.handler.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)  # the second mail is queued, its (slow) reply not yet sent
    stderr = run.communicate(timeout=60)[1]
    assert run.returncode == 130 and "stopped" in stderr and "Traceback" not in stderr
    server.handler.delay = 0
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    counts = server.by_message_id()
    assert sorted(counts.values()) == [1, 1, 1], (counts, done.stderr)


def test_implicit_tls_xoauth2_and_a_relay_without_login(made, tmp_path, monkeypatch):
    for security, auth in (("ssl", True), ("none", False)):
        folder = tmp_path / security
        shutil.copytree(made / "reports", folder / "reports")
        s = smtp_server.start(folder, security=security, auth=auth)
        try:
            params = _params(made, folder, s, smtp_extra={"security": security})
            if not auth:
                settings = yaml.safe_load((params / "defaults.yaml").read_text())
                settings["mail"]["smtp"]["username"] = ""
                (params / "defaults.yaml").write_text(yaml.safe_dump(settings))
            monkeypatch.setenv("KAM_SMTP_PASSWORD", PASSWORD)
            result = flow.send(folder / "reports", params_dir=params)
            assert result.count("sent") == 3 and len(s.handler.received) == 3, security
        finally:
            s.controller.stop()
    folder = tmp_path / "oauth"
    shutil.copytree(made / "reports", folder / "reports")
    s = smtp_server.start(folder)
    try:
        params = _params(
            made, folder, s, smtp_extra={"auth": "xoauth2", "tenant_id": "t", "client_id": "c"}
        )
        monkeypatch.setattr(smtp, "token_provider", lambda settings: TOKEN)
        result = flow.send(folder / "reports", params_dir=params)
        assert result.count("sent") == 3 and s.handler.logins == ["XOAUTH2"]
    finally:
        s.controller.stop()


def test_who_gets_what(made, reports, tmp_path, server):
    params = _params(made, tmp_path, server)
    # only red and yellow accounts (KA-001 is green)
    result = flow.send(reports, params_dir=params, mode="dry-run", only_status=("red", "yellow"))
    assert sorted(x.key for x in result.letters) == ["KA-003", "KA-006"]
    assert ("KA-001", "health green is not one of red, yellow") in result.skipped
    # one mail per recipient, worst account first, with every PDF
    result = flow.send(reports, params_dir=params, mode="dry-run", digest=True)
    anna = next(x for x in result.letters if x.key == "digest-anna.keller@example.com")
    assert anna.accounts == ("KA-006", "KA-001")  # red before green
    names = [p.get_filename() for p in anna.message.iter_attachments()]
    assert names == ["KA-006.pdf", "KA-001.pdf"]
    # failed and partial reports go to the analyst, never to their readers
    summary = json.loads((reports / "summary.json").read_text())
    summary["accounts"]["KA-003"].update(status="partial", error="section Market: ValueError: x")
    (reports / "summary.json").write_text(json.dumps(summary))
    result = flow.send(reports, params_dir=params, errors_to="analyst@example.com")
    sent_to = {tuple(r.rcpt_tos): r.message for r in server.handler.received}
    assert ("analyst@example.com",) in sent_to
    assert "section Market" in sent_to[("analyst@example.com",)].get_body(("plain",)).get_content()
    assert ("clara.neumann@example.com",) not in sent_to  # KA-003's manager gets nothing
    # only what changed: nothing changed since these mails
    again = flow.send(
        reports, params_dir=params, only_changed=True, errors_to="analyst@example.com"
    )
    assert {x.key for x in again.letters} == {"errors"}
    assert sorted(a for a, _ in again.skipped) == ["KA-001", "KA-006"]
    assert again.states["errors"][1].startswith("sent before")


def test_check_connection_and_login(made, tmp_path, server, monkeypatch):
    params = _params(made, tmp_path, server)
    assert f"connected to 127.0.0.1:{server.port} (starttls) as {USER}" == flow.check_connection(
        params
    )
    monkeypatch.setenv("KAM_SMTP_PASSWORD", "wrong")
    with pytest.raises(KamError, match="refused the login") as info:
        flow.check_connection(params)
    assert "wrong" not in str(info.value)
    monkeypatch.delenv("KAM_SMTP_PASSWORD")
    with pytest.raises(KamError, match="KAM_SMTP_PASSWORD"):
        flow.check_connection(params)


def test_no_secret_in_any_file_kam_writes(made, reports, tmp_path, server):
    params = _params(made, tmp_path, server)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "kamlib",
            "send",
            "--reports",
            str(reports),
            "--params",
            str(params),
        ],
        env={**os.environ, "KAM_SMTP_PASSWORD": PASSWORD},
        capture_output=True,
        check=True,
        timeout=120,
    )
    written = [p for p in reports.rglob("*") if p.is_file()]
    assert any(p.name == "send-log.jsonl" for p in written)
    for path in written:
        assert PASSWORD.encode() not in path.read_bytes(), path
    # a password in a parameter file is refused, and not repeated in the message
    (params / "defaults.yaml").write_text(
        (params / "defaults.yaml")
        .read_text()
        .replace("timeout: 5", f"timeout: 5\n    password: {PASSWORD}")
    )
    with pytest.raises(ParamsError, match="must not be in a parameter file") as info:
        load_params(params)
    assert PASSWORD not in str(info.value)
