"""Numbers, dates and text for readers: locale-aware formatting and escaped HTML snippets.

Every piece of text that may come from the data (names, comments, products, categories) goes
through :func:`html.escape` here, so notebooks never build HTML themselves.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from babel.numbers import format_currency, format_decimal, format_percent

__all__ = [
    "esc",
    "is_missing",
    "money",
    "number",
    "pct",
    "pp",
    "date",
    "table_html",
    "paragraph",
    "findings_html",
    "section_text",
    "header",
    "Html",
]

_LOCALES = {"en": "en_GB", "de": "de_DE"}
DASH = "–"


class Html(str):
    """A string of trusted HTML that Jupyter displays as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def _locale(language: str) -> str:
    return _LOCALES.get(language, "en_GB")


def esc(text: Any) -> str:
    """Escape untrusted text for HTML (``&``, ``<``, ``>`` and both quotes)."""
    return html.escape("" if text is None else str(text), quote=True)


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT, pandas NA and an infinity (a ratio with a zero base): a
    reader sees "–" for each, never ``nan`` or ``∞``."""
    if value is None:
        return True
    try:
        if isinstance(value, (float, np.floating)) and math.isinf(value):
            return True
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, digits: int = 0, language: str = "en") -> str:
    """A number with thousands separators, e.g. ``12,345`` (``12.345`` in German)."""
    if is_missing(value):
        return DASH
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(_no_minus_zero(value, digits), format=fmt, locale=_locale(language))


def _no_minus_zero(value: Any, digits: int) -> Any:
    """0 for a value that rounds to zero, so that -0.3 is written "0", not "-0"."""
    return 0 if round(float(value), digits) == 0 else value


def money(value: Any, currency: str = "EUR", language: str = "en", compact: bool = True) -> str:
    """An amount of money with the ISO code (so small and large amounts read alike in one
    table); ``compact`` writes 1.2m / 345k for large amounts."""
    if is_missing(value):
        return DASH
    value = float(value)
    if compact and abs(value) >= 1e6:
        return f"{number(value / 1e6, 2, language)}m {currency}"
    if compact and abs(value) >= 1e4:
        return f"{number(value / 1e3, 0, language)}k {currency}"
    return format_currency(
        _no_minus_zero(value, 0),
        currency,
        format="#,##0 ¤¤",
        locale=_locale(language),
        currency_digits=False,
    )


def pct(value: Any, digits: int = 1, language: str = "en", signed: bool = False) -> str:
    """A share or rate given as a fraction: ``0.123 -> '12.3%'``."""
    if is_missing(value):
        return DASH
    fmt = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    text = format_percent(_no_minus_zero(value, digits + 2), format=fmt, locale=_locale(language))
    return ("+" + text) if signed and value > 0 else text


def pp(value: Any, digits: int = 1, language: str = "en") -> str:
    """A difference of percentages in percentage points: ``0.031 -> '+3.1 pp'``."""
    if is_missing(value):
        return DASH
    value = _no_minus_zero(value * 100, digits)
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value, digits, language)} pp"


def date(value: Any, language: str = "en") -> str:
    """A date as ``30 Jun 2025`` (``30.06.2025`` in German)."""
    if is_missing(value):
        return DASH
    ts = pd.Timestamp(value)
    return ts.strftime("%d.%m.%Y") if language == "de" else ts.strftime("%d %b %Y").lstrip("0")


_FORMATTERS = {
    "money": lambda v, c, lang: money(v, c, lang),
    "money_exact": lambda v, c, lang: money(v, c, lang, compact=False),
    "pct": lambda v, c, lang: pct(v, 1, lang),
    "pct0": lambda v, c, lang: pct(v, 0, lang),
    "pp": lambda v, c, lang: pp(v, 1, lang),
    "int": lambda v, c, lang: number(v, 0, lang),
    "num1": lambda v, c, lang: number(v, 1, lang),
    "num2": lambda v, c, lang: number(v, 2, lang),
    "date": lambda v, c, lang: date(v, lang),
    "text": lambda v, c, lang: DASH if is_missing(v) else str(v),
    "yesno": lambda v, c, lang: DASH if is_missing(v) else ("yes" if v else "no"),
}


def _default_kind(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "yesno"
    if pd.api.types.is_integer_dtype(column):
        return "int"
    if pd.api.types.is_numeric_dtype(column):
        return "num1"
    return "text"


def table_html(
    df: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    caption: str | None = None,
    index: bool = False,
    currency: str = "EUR",
    language: str = "en",
    max_rows: int = 50,
    empty: str | None = None,
) -> Html:
    """An escaped, formatted HTML table.

    Parameters
    ----------
    df : pd.DataFrame
        The table; column names are shown as they are (escaped).
    formats : mapping of column -> kind, optional
        One of ``money``, ``money_exact``, ``pct``, ``pct0``, ``pp``, ``int``, ``num1``,
        ``num2``, ``date``, ``text``. Numeric columns default to ``num1``, others to ``text``.
    caption : str, optional
        Title shown above the table (escaped).
    index : bool, default False
        Show the index as the first column.
    max_rows : int, default 50
        Longer tables are cut, and the cut is said.
    empty : str, optional
        Sentence shown instead of a table without rows.
    """
    if empty is not None and (df is None or len(df) == 0):
        return paragraph(empty, "missing")
    formats = dict(formats or {})
    frame = df.reset_index() if index else df
    unknown = sorted(set(formats.values()) - set(_FORMATTERS))
    if unknown:
        raise ValueError(f"unknown formats {unknown}; expected one of {sorted(_FORMATTERS)}")
    shown = frame.head(max_rows)
    head = "".join(f"<th>{esc(header(c))}</th>" for c in shown.columns)
    rows = []
    for _, row in shown.iterrows():
        cells = []
        for col in shown.columns:
            kind = formats.get(col) or _default_kind(shown[col])
            align = ' class="num"' if kind not in ("text", "date") else ""
            cells.append(f"<td{align}>{esc(_FORMATTERS[kind](row[col], currency, language))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    more = (
        f'<p class="kam-note">Showing {max_rows} of {len(frame)} rows.</p>'
        if len(frame) > max_rows
        else ""
    )
    return Html(
        f'<table class="kam-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{more}"
    )


_TOKENS = {
    "nps": "NPS",
    "csat": "CSAT",
    "otif": "OTIF",
    "abc": "ABC",
    "id": "ID",
    "12m": "12 months",
    "pp": "(pp)",
    "hhi": "HHI",
    "p90": "90th percentile",
}


def header(column: object) -> str:
    """A column name for readers: ``revenue_12m`` -> ``Revenue 12 months``, ``nps_low`` -> ``NPS low``."""
    words = [_TOKENS.get(w, w) for w in str(column).split("_") if w]
    if not words:
        return str(column)
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])


def paragraph(text: str, kind: str = "text") -> Html:
    """One escaped paragraph; ``kind`` is ``text``, ``note`` (small print) or ``missing``."""
    if kind not in ("text", "note", "missing"):
        raise ValueError(f"'kind' must be 'text', 'note' or 'missing', got {kind!r}.")
    return Html(f'<p class="kam-{kind}">{esc(text)}</p>')


def section_text(lines: Iterable[str], empty: str) -> Html:
    """Paragraphs of text (escaped), or the ``empty`` sentence when there are none."""
    lines = [line for line in lines if line]
    if not lines:
        return paragraph(empty, "missing")
    return Html("".join(f'<p class="kam-text">{esc(line)}</p>' for line in lines))


def findings_html(items: Iterable[str], title: str | None = None) -> Html:
    """A bulleted list of findings in words (escaped)."""
    items = [i for i in items if i]
    if not items:
        return Html("")
    head = f"<h4>{esc(title)}</h4>" if title else ""
    body = "".join(f"<li>{esc(i)}</li>" for i in items)
    return Html(f'<div class="kam-findings">{head}<ul>{body}</ul></div>')
