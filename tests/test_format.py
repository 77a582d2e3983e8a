"""Formatting for readers and escaping of untrusted text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlib import format as fmt

# Expected texts: the Unicode CLDR's formats for en_GB and de_DE (cldr.unicode.org, as Babel ships
# them): German writes "12,3 %" with a no-break space, "1,82 Mio." and "31. Okt. 2026".
NBSP = "\u00a0"


def test_numbers_in_english_and_german():
    assert fmt.number(1234567.891, 2) == "1,234,567.89"
    assert fmt.number(1234567.891, 2, "de") == "1.234.567,89"
    assert fmt.pct(0.1234) == "12.3%"
    assert fmt.pct(0.1234, language="de") == f"12,3{NBSP}%"
    assert fmt.pct(0.05, 0, signed=True) == "+5%"
    assert fmt.pp(0.031) == "+3.1 pp"
    assert fmt.pp(-0.0001) == "0.0 pp"  # no "-0.0 pp" for a change that rounds to nothing


def test_money_compact_and_exact():
    assert fmt.money(1_234_567) == "1.23M EUR"
    assert fmt.money(45_600) == "46K EUR"
    # the examples of the issue: German abbreviates millions, not thousands
    assert fmt.money(1_820_000, language="de") == f"1,82{NBSP}Mio. EUR"
    assert fmt.money(16_000, language="de") == "16.000 EUR"
    assert fmt.money(1.5e9, language="de") == f"1,5{NBSP}Mrd. EUR"
    assert fmt.money(2345, language="de") == "2.345 EUR"
    assert fmt.money(2345) == "2,345 EUR"
    # an amount that rounds to zero has no sign: "-0 EUR" would read as a loss
    assert fmt.money(-0.3) == "0 EUR" and fmt.number(-0.04, 1) == "0.0"
    assert fmt.pct(-0.00004, 1) == "0.0%" and fmt.money(-4_999.6) == "-5,000 EUR"


def test_missing_values_show_a_dash():
    for value in (None, np.nan, pd.NaT, pd.NA, float("inf")):
        assert fmt.number(value) == "–"
    assert fmt.date(None) == "–" and fmt.money(np.nan) == "–"


def test_dates():
    assert fmt.date("2025-06-30") == "30 Jun 2025"
    assert fmt.date("2026-10-31", "de") == "31. Okt. 2026"
    assert fmt.date("2025-06-03", "de") == "3. Juni 2025"  # CLDR: June is not abbreviated
    assert fmt.month("2026-03-01", "de") == "März 2026" and fmt.month("2026-10-01") == "Oct 2026"
    assert fmt.month_short("2026-10-01", "de") == "Okt. 26"
    assert [fmt.month_name(m, "de") for m in (1, 3, 12)] == ["Jan", "Mär", "Dez"]


def test_one_dispatcher_for_every_kind():
    assert fmt.value("money", 1_234_567) == "1.23M EUR"
    assert fmt.value("money_exact", 1_234_567) == "1,234,567 EUR"
    assert fmt.value("int", 12.4) == "12" and fmt.value("num2", 1 / 3) == "0.33"
    assert fmt.value("pct0", 0.125) == "12%" and fmt.value("yesno", False) == "no"
    assert fmt.value("pp", 0.031, language="de") == "+3,1 Prozentpunkte"
    with pytest.raises(ValueError, match="unknown format kind 'euro'"):
        fmt.value("euro", 1)


def test_headers_for_readers():
    assert fmt.header("revenue_12m") == "Revenue 12 months"
    assert fmt.header("nps_low") == "NPS low"
    assert fmt.header("difference_pp") == "Difference (pp)"
