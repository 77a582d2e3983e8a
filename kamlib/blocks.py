"""The blocks a report is made of, as HTML: paragraphs, tables, lists of findings, the header,
the KPI tiles and the health breakdown.

Every block is rendered from an autoescaping Jinja template (``templates/blocks``): text from
the data (names, comments, products, categories) is escaped there, once, and Python never
builds HTML from strings. Each function returns :class:`Html`, which Jupyter displays as HTML.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import pandas as pd

from kamlib import format as fmt
from kamlib.i18n import jinja_env

__all__ = [
    "Html",
    "breakdown",
    "findings",
    "header",
    "paragraph",
    "paragraphs",
    "table",
    "tiles",
    "title",
]

_KIND_OF_PARAGRAPH = ("text", "note", "missing", "failed")


class Html(str):
    """A string of HTML made by this module, which Jupyter displays as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


@lru_cache(maxsize=16)
def _macros(language: str):
    folder = importlib.resources.files("kamlib") / "templates" / "blocks"
    return jinja_env(str(folder), language).get_template("blocks.html.j2").module


def _render(macro: str, *args: Any, language: str = "en") -> Html:
    return Html(str(getattr(_macros(language), macro)(*args)))


def paragraph(text: str, kind: str = "text") -> Html:
    """One paragraph; ``kind`` is ``text``, ``note`` (small print), ``missing`` (no data) or
    ``failed`` (a section that could not be produced)."""
    if kind not in _KIND_OF_PARAGRAPH:
        raise ValueError(f"'kind' must be one of {_KIND_OF_PARAGRAPH}, got {kind!r}.")
    return _render("paragraphs", [text], kind)


def paragraphs(lines: Iterable[str], empty: str) -> Html:
    """Paragraphs of text, or the ``empty`` sentence (as missing data) when there are none."""
    lines = [line for line in lines if line]
    if not lines:
        return paragraph(empty, "missing")
    return _render("paragraphs", lines, "text")


def table(
    df: pd.DataFrame | None,
    formats: Mapping[str, str] | None = None,
    caption: str | None = None,
    index: bool = False,
    currency: str = "EUR",
    language: str = "en",
    max_rows: int = 50,
    empty: str | None = None,
    links: Mapping[str, Sequence[str | None]] | None = None,
) -> Html:
    """A formatted table.

    Parameters
    ----------
    df : pd.DataFrame or None
        The table; column names are shown through :func:`kamlib.format.header`.
    formats : mapping of column -> kind, optional
        Kinds of :func:`kamlib.format.value`; numeric columns default to ``num1``, others
        to ``text``.
    caption : str, optional
        Title shown above the table.
    index : bool, default False
        Show the index as the first column.
    max_rows : int, default 50
        Longer tables are cut, and the cut is said.
    empty : str, optional
        Sentence shown instead of a table without rows.
    links : mapping of column -> addresses, optional
        A link per row for the cells of a column (None: no link), in the rows' order, e.g.
        an account's report.
    """
    if empty is not None and (df is None or len(df) == 0):
        return paragraph(empty, "missing")
    formats = dict(formats or {})
    unknown = sorted(set(formats.values()) - set(fmt.KINDS))
    if unknown:
        raise ValueError(f"unknown formats {unknown}; expected one of {sorted(fmt.KINDS)}")
    frame = df.reset_index() if index else df
    shown = frame.head(max_rows)
    kinds = {c: formats.get(c) or fmt.default_kind(shown[c]) for c in shown.columns}
    hrefs = {c: list(v)[: len(shown)] for c, v in (links or {}).items()}
    rows = [
        [
            {
                "text": fmt.value(kinds[c], value, currency, language),
                "num": kinds[c] not in ("text", "term", "date"),
                "href": hrefs[c][i] if c in hrefs else None,
            }
            for c, value in zip(shown.columns, values, strict=True)
        ]
        for i, values in enumerate(shown.itertuples(index=False, name=None))
    ]
    columns = [fmt.header(c, language) for c in shown.columns]
    return _render("table", caption, columns, rows, len(shown), len(frame), language=language)


def findings(items: Iterable[str], title: str | None = None, language: str = "en") -> Html:
    """A bulleted list of findings in words (nothing when there are none)."""
    items = [i for i in items if i]
    return _render("findings", items, title, language=language) if items else Html("")


def header(
    name: str,
    facts: Sequence[str],
    as_of: str,
    window: str,
    status: str,
    light: str,
    score: str,
    language: str = "en",
    reason: str = "",
) -> Html:
    """A report's header: the account's name and facts, the dates and its health badge
    (``status`` the traffic light's key, ``light`` its name for the reader), with ``reason``
    (what made the traffic light, where the score does not tell) below the dates."""
    return _render(
        "header", name, list(facts), as_of, window, status, light, score, reason, language=language
    )


def title(heading: str, date: str, meta: str) -> Html:
    """A page title with one line of small print starting with the date (the portfolio
    report's header)."""
    return _render("title", heading, date, meta)


def tiles(items: Sequence[Mapping[str, str]]) -> Html:
    """KPI tiles: ``label``, ``value``, ``sub`` (the line below) and ``status`` each."""
    return _render("tiles", list(items))


def breakdown(rows: Sequence[Mapping[str, str]], note: str, language: str = "en") -> Html:
    """The health breakdown table (rows of formatted texts) and its note."""
    return _render("breakdown", list(rows), note, language=language)


def section_break() -> Html:
    """Where a printed report starts a new page (nothing on screen)."""
    return _render("section_break")
