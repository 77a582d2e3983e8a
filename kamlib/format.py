"""Numbers, dates and column names for readers, formatted for the reader's language (Babel).

:func:`value` is the one dispatcher from a *kind* (``money``, ``pct``, ``int`` ...) to text;
HTML is built from these texts by :mod:`kamlib.blocks`, which escapes them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from babel import Locale
from babel.dates import format_date, format_skeleton, get_month_names
from babel.numbers import format_compact_decimal, format_currency, format_decimal, parse_pattern

from kamlib.i18n import N_, babel_locale, translator

__all__ = [
    "COLUMNS",
    "DASH",
    "NOT_STATED",
    "KINDS",
    "date",
    "default_kind",
    "half_year",
    "header",
    "is_missing",
    "money",
    "month",
    "month_name",
    "month_short",
    "months",
    "number",
    "ordinal",
    "pct",
    "pp",
    "term",
    "value",
    "window",
    "yesno",
]

DASH = "–"
#: what a table shows for a value the data leave empty (a channel, a role, a category)
NOT_STATED = N_("not stated")


@lru_cache(maxsize=16)
def _babel(language: str) -> Locale:
    return Locale.parse(babel_locale(language))


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
    """A number with the locale's separators, e.g. ``12,345.6`` (``12.345,6`` in German)."""
    if is_missing(value):
        return DASH
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(_no_minus_zero(value, digits), format=fmt, locale=_babel(language))


def _no_minus_zero(value: Any, digits: int) -> Any:
    """0 for a value that rounds to zero, so that -0.3 is written "0", not "-0"."""
    return 0 if round(float(value), digits) == 0 else value


def money(value: Any, currency: str = "EUR", language: str = "en", compact: bool = True) -> str:
    """An amount of money with the ISO code, so small and large amounts read alike in one table.

    ``compact`` abbreviates large amounts the way the locale does (``1.82M EUR``, ``16K EUR``;
    ``1,82 Mio. EUR``, and ``16.000 EUR`` in German, which abbreviates no thousands): up
    to two decimals from a million (trailing zeros dropped, ``1.5M EUR``), none below.
    """
    if is_missing(value):
        return DASH
    value = float(value)
    locale = _babel(language)
    if compact and abs(value) >= 1e4:
        digits = 2 if abs(value) >= 1e6 else 0
        short = format_compact_decimal(
            value, format_type="short", locale=locale, fraction_digits=digits
        )
        if any(ch.isalpha() for ch in short):  # the locale abbreviates this magnitude
            return f"{short} {currency}"
    return format_currency(
        _no_minus_zero(value, 0), currency, format="#,##0 ¤¤", locale=locale, currency_digits=False
    )


def pct(value: Any, digits: int = 1, language: str = "en", signed: bool = False) -> str:
    """A share or rate given as a fraction, in the locale's percent format: ``0.123 ->
    '12.3%'`` (``'12,3 %'`` in German)."""
    if is_missing(value):
        return DASH
    locale = _babel(language)
    pattern = parse_pattern(locale.percent_formats[None].pattern)
    pattern.frac_prec = (digits, digits)
    text = pattern.apply(_no_minus_zero(value, digits + 2), locale)
    return ("+" + text) if signed and value > 0 else text


def pp(value: Any, digits: int = 1, language: str = "en") -> str:
    """A difference of percentages in percentage points: ``0.031 -> '+3.1 pp'``."""
    if is_missing(value):
        return DASH
    _, _n = translator(language)
    value = _no_minus_zero(value * 100, digits)
    sign = "+" if value > 0 else ""
    # TRANSLATORS: percentage points after a number, e.g. "+3.1 pp"
    return _("{value} pp").format(value=f"{sign}{number(value, digits, language)}")


def date(value: Any, language: str = "en") -> str:
    """A date, day, month and year: ``31 Oct 2026`` (``31. Okt. 2026`` in German)."""
    if is_missing(value):
        return DASH
    return format_skeleton("yMMMd", pd.Timestamp(value).date(), locale=_babel(language))


def month(value: Any, language: str = "en") -> str:
    """A month: ``Oct 2026`` (``Okt. 2026`` in German)."""
    if is_missing(value):
        return DASH
    return format_skeleton("yMMM", pd.Timestamp(value).date(), locale=_babel(language))


def month_short(value: Any, language: str = "en") -> str:
    """A month for a chart's axis: ``Oct 26`` (``Okt. 26`` in German)."""
    if is_missing(value):
        return DASH
    return format_date(pd.Timestamp(value).date(), "MMM yy", locale=_babel(language))


def month_name(number: int, language: str = "en") -> str:
    """A calendar month's abbreviated name, ``1 -> 'Jan'`` (``'Jan'`` in German, ``3 -> 'Mär'``)."""
    names = get_month_names("abbreviated", context="stand-alone", locale=_babel(language))
    return names[int(number)]


def months(start: Any, end: Any, language: str = "en") -> str:
    """A span of months: ``Nov 2025 – Oct 2026``."""
    return f"{month(start, language)} – {month(end, language)}"


def window(win, language: str = "en") -> str:
    """A 12-month window ``(start, end]`` by its months: ``Nov 2025 – Oct 2026``."""
    return months(win.start + pd.Timedelta(days=1), win.end, language)


def half_year(label: str, language: str = "en") -> str:
    """A half-year label of :func:`kamlib.periods.half_year` (``2025 H1``) for readers."""
    _, _n = translator(language)
    year, half = label.split(" H")
    # TRANSLATORS: a half-year, e.g. "2025 H1" for January to June 2025
    return _("{year} H{half}").format(year=year, half=half)


def ordinal(n: int, language: str = "en") -> str:
    """An ordinal number: ``1st``, ``22nd``, ``45th`` (``45.`` in German)."""
    _, _n = translator(language)
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    # TRANSLATORS: ordinal numbers; in German all four are "{n}."
    forms = {"st": _("{n}st"), "nd": _("{n}nd"), "rd": _("{n}rd"), "th": _("{n}th")}
    return forms[suffix].format(n=n)


def yesno(value: Any, language: str = "en") -> str:
    """``yes`` or ``no`` in the reader's language."""
    if is_missing(value):
        return DASH
    _, _n = translator(language)
    return _("yes") if value else _("no")


#: the values the data contract names for its coded columns (channel, role, who initiated a
#: contact, complaint category and severity), shown in the reader's language; any other value
#: is the user's own word and shown as written
TERMS = {
    term: term
    for term in (
        N_("meeting"),
        N_("call"),
        N_("email"),
        N_("visit"),
        N_("event"),
        N_("decision maker"),
        N_("purchasing"),
        N_("user"),
        N_("technical"),
        N_("finance"),
        N_("us"),
        N_("customer"),
        N_("delivery"),
        N_("invoice"),
        N_("quality"),
        N_("service"),
        N_("price"),
        N_("low"),
        N_("medium"),
        N_("high"),
        N_("critical"),
        NOT_STATED,
    )
}
#: the columns whose values are coded (:data:`TERMS`)
TERM_COLUMNS = frozenset(
    {"channel", "contact_role", "respondent_role", "role", "initiated_by", "category", "severity"}
)


def term(value: Any, language: str = "en") -> str:
    """A value of a coded column in the reader's language when the data contract names it
    (:data:`TERMS`: ``call`` -> ``Anruf``), else exactly as the data have it."""
    if is_missing(value):
        return DASH
    text = str(value)
    return translator(language)[0](text) if text in TERMS else text


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
    "term": lambda v, c, lang: term(v, lang),
    "yesno": lambda v, c, lang: yesno(v, lang),
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
    if column.name in TERM_COLUMNS:
        return "term"
    if pd.api.types.is_bool_dtype(column):
        return "yesno"
    if pd.api.types.is_integer_dtype(column):
        return "int"
    if pd.api.types.is_numeric_dtype(column):
        return "num1"
    return "text"


#: every column a report's tables show, as the reader reads it (translated where shown)
COLUMNS: dict[str, str] = {
    "abc_class": N_("ABC class"),
    "account": N_("Account"),
    "account_growth": N_("Account growth"),
    "account_id": N_("Account ID"),
    "accounts": N_("Accounts"),
    "age_days": N_("Age (days)"),
    "amount": N_("Amount"),
    "answers": N_("Answers"),
    "attribute": N_("Attribute"),
    "average rating": N_("Average rating"),
    "before": N_("Before"),
    "category": N_("Category"),
    "change": N_("Change"),
    "channel": N_("Channel"),
    "comment": N_("Comment"),
    "comments": N_("Comments"),
    "complaint_id": N_("Complaint"),
    "component": N_("Component"),
    "contacts": N_("Contacts"),
    "contract_id": N_("Contract"),
    "csat": N_("CSAT"),
    "csat_high": N_("CSAT high"),
    "csat_low": N_("CSAT low"),
    "csat_n": N_("CSAT answers"),
    "date": N_("Date"),
    "days_late": N_("Days late"),
    "days_overdue": N_("Days overdue"),
    "days_past_due": N_("Days past due"),
    "days_since": N_("Days since"),
    "days_to_end": N_("Days to end"),
    "days_to_notice": N_("Days to notice"),
    "deviation": N_("Deviation"),
    "deviation_share": N_("Deviation share"),
    "difference_pp": N_("Difference (pp)"),
    "effect": N_("Effect"),
    "end_date": N_("End date"),
    "expected": N_("Expected"),
    "flag": N_("Flag"),
    "gap": N_("Gap"),
    "gini": N_("Gini"),
    "half_year": N_("Half-year"),
    "health_score": N_("Health score"),
    "health_status": N_("Health status"),
    "hhi": N_("HHI"),
    "indicative": N_("Indicative"),
    "interval high": N_("Interval high"),
    "interval low": N_("Interval low"),
    "invoices": N_("Invoices"),
    "key_account": N_("Key account"),
    "last_contact": N_("Last contact"),
    "market_growth": N_("Market growth"),
    "month": N_("Month"),
    "month_end": N_("Month end"),
    "n": N_("NPS answers"),
    "notice_deadline": N_("Notice deadline"),
    "now": N_("Now"),
    "nps": N_("NPS"),
    "nps_high": N_("NPS high"),
    "nps_low": N_("NPS low"),
    "opened_date": N_("Opened"),
    "order_id": N_("Order"),
    "orders": N_("Orders"),
    "otif": N_("OTIF"),
    "overdue": N_("Overdue"),
    "parent_id": N_("Group"),
    "group_name": N_("Group name"),
    "peers_buying": N_("Peers buying"),
    "product": N_("Product"),
    "promised_date": N_("Promised"),
    "rating_delivery": N_("Delivery rating"),
    "reasons": N_("Reasons"),
    "respondent_role": N_("Respondent role"),
    "revenue": N_("Revenue"),
    "revenue_12m": N_("Revenue 12 months"),
    "revenue_growth": N_("Revenue growth"),
    "revenue_prev_12m": N_("Revenue previous 12 months"),
    "revenue_share": N_("Revenue share"),
    "role": N_("Role"),
    "score": N_("Score"),
    "severity": N_("Severity"),
    "share": N_("Share"),
    "share of explained variance": N_("Share of explained variance"),
    "start_date": N_("Start date"),
    "theme": N_("Theme"),
    "top1_share": N_("Top-1 share"),
    "top5_share": N_("Top-5 share"),
    "total": N_("Total"),
    "unpriced_rows": N_("Unpriced rows"),
    "wallet_gap": N_("Wallet gap"),
    "window": N_("Window"),
    "window_end": N_("Window end"),
    "z": N_("z"),
}


def header(column: object, language: str = "en") -> str:
    """A column's name for readers, in ``language``: ``revenue_12m`` -> ``Revenue 12 months``.

    A column named by a coded value (a severity of a cross table) is shown as :func:`term`; any
    other column outside :data:`COLUMNS` (a name from the data) is shown as it is.
    """
    label = COLUMNS.get(str(column))
    return translator(language)[0](label) if label else term(column, language)
