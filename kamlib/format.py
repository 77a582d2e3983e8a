"""Numbers, dates and column names for readers, formatted for the reader's language (Babel).

:func:`value` is the one dispatcher from a *kind* (``money``, ``pct``, ``int`` ...) to text;
HTML is built from these texts by :mod:`kamlib.blocks`, which escapes them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from babel.numbers import format_currency, format_decimal, format_percent

__all__ = [
    "DASH",
    "KINDS",
    "date",
    "default_kind",
    "header",
    "is_missing",
    "money",
    "number",
    "pct",
    "pp",
    "value",
]

_LOCALES = {"en": "en_GB", "de": "de_DE"}
DASH = "–"


def _locale(language: str) -> str:
    return _LOCALES.get(language, "en_GB")


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


KINDS: dict[str, Callable[[Any, str, str], str]] = {
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


def value(kind: str, v: Any, currency: str = "EUR", language: str = "en") -> str:
    """``v`` formatted as ``kind``, one of :data:`KINDS` (the one dispatcher of kam).

    Raises
    ------
    ValueError
        For an unknown kind.
    """
    try:
        return KINDS[kind](v, currency, language)
    except KeyError:
        raise ValueError(f"unknown format kind {kind!r}; expected one of {sorted(KINDS)}") from None


def default_kind(column: pd.Series) -> str:
    """The kind a table column is shown as when none is given."""
    if pd.api.types.is_bool_dtype(column):
        return "yesno"
    if pd.api.types.is_integer_dtype(column):
        return "int"
    if pd.api.types.is_numeric_dtype(column):
        return "num1"
    return "text"


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
