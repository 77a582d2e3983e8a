"""What a reader of an HTML report sees as text: every text node, the page title, the
alternative texts of images, and the texts inside the charts (SVG images embedded as data)."""

from __future__ import annotations

import base64
import html
import re
from html.parser import HTMLParser

_SVG = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
_SVG_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.DOTALL)


class _Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.hidden += 1
        for name, value in attrs:
            if name in ("alt", "title", "aria-label") and value and value.strip():
                self.texts.append(value.strip())
            if name == "src" and value:
                self.texts.extend(chart_texts(value))

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(data.strip())


def chart_texts(src: str) -> list[str]:
    """The texts of an SVG chart embedded as a data URI (titles, labels, ticks, legends)."""
    found = []
    for payload in _SVG.findall(src):
        svg = base64.b64decode(payload).decode("utf-8")
        for raw in _SVG_TEXT.findall(svg):
            text = html.unescape(re.sub(r"<[^>]+>", "", raw)).strip()
            if text:
                found.append(text)
    return found


def visible_texts(page: str) -> list[str]:
    """Every text a reader of the HTML ``page`` sees, in document order."""
    parser = _Texts()
    parser.feed(page)
    parser.close()
    return parser.texts
