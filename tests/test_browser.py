"""The reports and the mail body in a real browser (Debian's Chromium, driven by Playwright
pointed at the installed browser): they render, load nothing from the network and log no
console error. Skipped where no Chromium is installed; run in CI (``.ci/run`` installs it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kamlib.mail import flow
from tests.conftest import MAIL_ACCOUNTS, WORDS, language_of, missing

pytestmark = pytest.mark.slow

#: flags for a headless browser on a machine without network: no background traffic
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The installed Chromium (``KAM_CHROMIUM`` overrides the search)."""
    found = os.environ.get("KAM_CHROMIUM") or next(
        (
            shutil.which(n)
            for n in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(n)
        ),
        None,
    )
    return found


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        missing("Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _visit(browser, url: str, width: int = 1000):
    """Open ``url``: the page, its console messages and every URL it requested."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    console, requests = [], []
    page.on("console", lambda m: console.append((m.type, m.text)))
    page.on("pageerror", lambda e: console.append(("pageerror", str(e))))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, console, requests


def _offline(requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(("file:", "data:", "about:"))]


def test_reports_render_offline_without_errors(browser, made):
    folder = made / "reports"
    for name in [*(f"{a}.html" for a in MAIL_ACCOUNTS), "portfolio.html", "index.html"]:
        page, console, requests = _visit(browser, (folder / name).as_uri())
        assert [m for m in console if m[0] in ("error", "pageerror", "warning")] == [], name
        assert _offline(requests) == [], name
        assert page.locator("h1").first.inner_text().strip(), name
        images = page.locator("img")
        broken = page.evaluate(
            "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length"
        )
        assert broken == 0, name
        if name.startswith("KA-"):
            assert images.count() >= 8, name  # the charts are there, as images of their own
        page.close()


def test_the_mail_body_renders_as_a_client_shows_it(browser, made, tmp_path):
    reports = tmp_path / "reports"
    shutil.copytree(made / "reports", reports)
    flow.send(reports, params_dir=made / "params", mode="dry-run")
    page, console, requests = _visit(browser, (reports / "outbox" / "preview.html").as_uri(), 700)
    assert [m for m in console if m[0] in ("error", "pageerror", "warning")] == []
    assert _offline(requests) == []
    frames = [f for f in page.frames if f != page.main_frame]
    assert len(frames) == len(MAIL_ACCOUNTS)
    findings = {WORDS[language_of(a)]["findings"] for a in MAIL_ACCOUNTS}
    assert findings == {"Most important findings", "Wichtigste Befunde"}
    for frame in frames:
        assert sum(frame.locator(f"text={f}").count() for f in findings) == 1
        loaded = frame.evaluate(
            "() => [...document.images].map(i => i.complete && i.naturalWidth > 0)"
        )
        assert loaded and all(loaded)  # the CID charts, as a mail client resolves them
        # the body fits a phone: nothing wider than the frame
        assert frame.evaluate("() => document.body.scrollWidth <= window.innerWidth + 1")
    page.close()


def test_a_page_loading_from_the_network_is_noticed(browser, tmp_path):
    """The check above can fail: a page with a network image is caught."""
    page = tmp_path / "page.html"
    page.write_text('<html><body><h1>x</h1><img src="https://example.com/a.png"></body></html>')
    opened, _, requests = _visit(browser, Path(page).as_uri())
    assert _offline(requests) == ["https://example.com/a.png"]
    opened.close()
