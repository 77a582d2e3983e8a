"""kam report --pdf: A4 pages with the account's name, the reporting date and "Page x of y" on
every one, each section on a new page, text that can be read back, under 2 MB, nothing loaded
from the network."""

from __future__ import annotations

import re
import socket

import pytest
from pypdf import PdfReader

from kamlib.run.pdf import pdf_bytes
from tests.conftest import MAIL_ACCOUNTS, WORDS, language_of

pytestmark = pytest.mark.slow


def _body(text: str, name: str, words: dict) -> list[str]:
    """The lines of a page without its running header and footer."""
    footer = re.escape(words["page"]).replace(r"\{page\}", r"\d+").replace(r"\{pages\}", r"\d+")
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip()
        and not line.startswith(f"{name} {words['as_of']}")
        and not re.fullmatch(footer, line.strip())
    ]


@pytest.mark.parametrize("account_id", MAIL_ACCOUNTS)
def test_every_page_is_a4_with_name_date_and_page_number(made, account_id):
    words = WORDS[language_of(account_id)]
    path = made / "reports" / f"{account_id}.pdf"
    assert path.stat().st_size < 2_000_000
    pages = PdfReader(path).pages
    first = pages[0].extract_text()
    name = first.splitlines()[0].strip()  # the running header: the account's name
    assert name and name != words["summary"]
    for number, page in enumerate(pages, start=1):
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
        text = page.extract_text()
        assert f"{name} {words['as_of']}" in text, (number, text[-120:])
        assert words["page"].format(page=number, pages=len(pages)) in text
    assert words["summary"] in first
    # each section starts a page of its own: its title is the page's first line of text
    openings = [_body(p.extract_text(), name, words)[0] for p in pages[1:]]
    for section in [*words["sections"], "Market" if words is WORDS["en"] else "Markt"]:
        assert section in openings, (section, openings)


def test_the_portfolio_report_prints_too(made):
    pages = PdfReader(made / "reports" / "portfolio.pdf").pages
    assert pages[0].extract_text().startswith("Portfolio report")
    assert all(f"Page {i} of {len(pages)}" in p.extract_text() for i, p in enumerate(pages, 1))


def test_a_pdf_loads_nothing_from_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the PDF renderer opened a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    pdf = pdf_bytes(
        '<html><body><h1>Report</h1><img src="https://example.com/chart.png">'
        '<link rel="stylesheet" href="http://example.com/x.css"></body></html>'
    )
    assert (
        pdf.startswith(b"%PDF")
        and "Report" in PdfReader(__import__("io").BytesIO(pdf)).pages[0].extract_text()
    )
