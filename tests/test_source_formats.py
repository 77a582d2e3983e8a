"""Strict number, date and id formats: every value is read right or reported, never misread.

Each expected value is worked out by hand next to its assertion. The Hypothesis properties
check the "never misread" promise on many amounts: a number written in one style and read in
another comes back as the same number or as bad, never as a different number.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.sources.formats import NUMBER_STYLES, parse_dates, parse_numbers, parse_text

NaT = pd.NaT


def numbers(cells, style="plain", trailing_minus=False):
    """parse_numbers on a list, as (list of floats with None for NaN, list of bad flags)."""
    parsed, bad = parse_numbers(pd.Series(cells, dtype=object), style, trailing_minus)
    assert parsed.dtype == "float64" and bad.dtype == bool
    return [None if math.isnan(v) else v for v in parsed], bad.tolist()


def one(cell, style="plain", trailing_minus=False):
    """parse_numbers on one cell: its number (None for NaN) and whether it is bad."""
    (value,), (bad,) = numbers([cell], style, trailing_minus)
    return value, bad


def dates(cells, formats=("%Y-%m-%d",), open_ended=False):
    parsed, bad = parse_dates(pd.Series(cells, dtype=object), formats, open_ended)
    assert parsed.dtype == "datetime64[ns]" and bad.dtype == bool
    return parsed.tolist(), bad.tolist()


def day(text):
    return pd.Timestamp(text)


# --- numbers: the ambiguous cases ---------------------------------------------------------


def test_one_point_two_three_four_in_each_style():
    assert one("1.234", "de") == (1234.0, False)  # de: "." groups thousands
    assert one("1.234", "en") == (1.234, False)  # en: "." is the decimal point
    assert one("1.234", "plain") == (1.234, False)


def test_one_comma_five_in_each_style():
    assert one("1,5", "de") == (1.5, False)  # de: "," is the decimal comma
    assert one("1,5", "en") == (None, True)  # en: "," groups three digits, not one
    assert one("1,5", "plain") == (None, True)  # plain has no ","


def test_one_point_five_is_no_german_number():
    # neither 15 (a thousands group has three digits) nor 1.5 (the German decimal is ",")
    assert one("1.5", "de") == (None, True)
    assert one("1.5", "en") == (1.5, False)
    assert one("1.5", "plain") == (1.5, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234", 1234.0),
        ("1234,56", 1234.56),
        ("1.234", 1234.0),
        ("1.234,56", 1234.56),
        ("12.345.678,9", 12345678.9),
        ("0,5", 0.5),
        ("-1.234,56", -1234.56),
        ("+7", 7.0),
        ("007", 7.0),  # a number column: leading zeros are the number 7
    ],
)
def test_german_numbers(text, expected):
    assert one(text, "de") == (expected, False)


@pytest.mark.parametrize(
    "text",
    [
        "1.23",  # a group of two digits
        "12.34",
        "1.2345",  # a group of four
        "1234.567",  # first group of four digits
        "0.234",  # "0" starts no thousands group: this is English 0.234, not 234
        "1,234.56",  # English
        "1.234,",  # decimal comma without digits
        ",5",
        "1 234",  # space inside
        "1e5",
        "1'234",
        "12,3,4",
        "--1",
        "-",
        "+",
        "1,5-",  # trailing minus without trailing_minus
        "abc",
        "#N/A",
        "nan",
        "inf",
        "١٢٣",  # Arabic-Indic digits, which float() would read as 123
    ],
)
def test_german_refuses(text):
    assert one(text, "de") == (None, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", 1234.56),
        ("1,234", 1234.0),
        ("1.5", 1.5),
        ("1234.56", 1234.56),
        ("12,345,678.9", 12345678.9),
        ("0.25", 0.25),
        ("-1,000", -1000.0),
    ],
)
def test_english_numbers(text, expected):
    assert one(text, "en") == (expected, False)


@pytest.mark.parametrize(
    "text", ["1,5", "1,23", "0,234", "1234,567", "1.234,56", ".5", "5.", "1 234", "1e5", "1'234.50"]
)
def test_english_refuses(text):
    assert one(text, "en") == (None, True)


@pytest.mark.parametrize(
    ("text", "expected"), [("1234.56", 1234.56), ("-0.5", -0.5), ("42", 42.0), ("+3.25", 3.25)]
)
def test_plain_numbers(text, expected):
    assert one(text, "plain") == (expected, False)


@pytest.mark.parametrize("text", ["1,5", "1.234.567", "1,234", ".5", "1E5", "1 000", "1.5-"])
def test_plain_refuses(text):
    assert one(text, "plain") == (None, True)


def test_trailing_minus():
    assert one("100.20-", "en", trailing_minus=True) == (-100.2, False)
    # "100.20" is no German number (a group of two digits), with or without the minus
    assert one("100.20-", "de", trailing_minus=True) == (None, True)
    assert one("1.234,56-", "de", trailing_minus=True) == (-1234.56, False)
    assert one("-1.234,56", "de", trailing_minus=True) == (-1234.56, False)  # leading still ok
    assert one("1.234,56", "de", trailing_minus=True) == (1234.56, False)
    assert one("-1,5-", "de", trailing_minus=True) == (None, True)  # two signs
    assert one("+1,5-", "de", trailing_minus=True) == (None, True)
    assert one("1,5--", "de", trailing_minus=True) == (None, True)
    assert one("1,5 -", "de", trailing_minus=True) == (None, True)  # space inside
    # without trailing_minus, SAP's sign is not a number
    assert one("100.20-", "en") == (None, True)


def test_negative_zero_is_zero():
    value, bad = one("-0,00", "de")
    assert (value, bad) == (0.0, False)
    assert math.copysign(1.0, value) == 1.0  # +0.0, never a "-0" in a report


def test_missing_and_blank_are_not_bad():
    # None, NaN, "", spaces, a tab and non-breaking spaces (U+00A0, U+202F) are all empty
    cells = [None, np.nan, "", "  ", "\t", "\u00a0", "\u202f", pd.NA, "1,5"]
    assert numbers(cells, "de") == ([None] * 8 + [1.5], [False] * 9)


def test_non_breaking_spaces_around_a_number_are_stripped():
    assert one("\u00a01.234,56\u202f", "de") == (1234.56, False)
    assert one("\u00a0 12 ", "plain") == (12.0, False)


def test_typed_cells_are_not_text():
    # a float typed by Excel is 1.5 in a German column: it never was text that could be "15"
    assert one(1.5, "de") == (1.5, False)
    assert one(1234, "de") == (1234.0, False)
    assert one(np.int64(-3), "en") == (-3.0, False)
    assert one(np.float32(0.5), "plain") == (0.5, False)
    assert one(Decimal("12.50"), "de") == (12.5, False)  # SQL NUMERIC
    assert one(-0.0, "de") == (0.0, False)


def test_typed_cells_that_are_no_numbers_are_bad():
    assert one(True, "de") == (None, True)  # not 1
    assert one(np.bool_(False), "en") == (None, True)
    assert one(float("inf"), "plain") == (None, True)
    assert one(float("-inf"), "de") == (None, True)
    assert one(datetime.date(2024, 2, 1), "de") == (None, True)
    assert one(10**400, "plain") == (None, True)  # beyond a float
    assert one("9" * 400, "plain") == (None, True)  # text that overflows to inf


def test_mixed_column_keeps_its_index():
    cells = pd.Series(["1.234,5", 2.5, None, "x", "  ", True], index=[10, 11, 12, 13, 14, 15])
    parsed, bad = parse_numbers(cells, "de")
    assert parsed.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert parsed.tolist()[:2] == [1234.5, 2.5]  # 1.234,5 -> 1234.5; typed 2.5 stays
    assert parsed.isna().tolist() == [False, False, True, True, True, True]
    assert bad.tolist() == [False, False, False, True, False, True]  # "x" and True


def test_repeated_index_labels_do_not_mix_rows():
    cells = pd.Series(["1", "x", "3"], index=[0, 0, 0])
    parsed, bad = parse_numbers(cells)
    assert parsed.tolist()[0::2] == [1.0, 3.0]
    assert bad.tolist() == [False, True, False]


def test_typed_columns():
    parsed, bad = parse_numbers(pd.Series([1.5, np.nan, np.inf]), "de")
    assert parsed.tolist()[0] == 1.5 and parsed.isna().tolist() == [False, True, True]
    assert bad.tolist() == [False, False, True]  # NaN is missing, inf is bad

    parsed, bad = parse_numbers(pd.Series([7, None], dtype="Int64"), "de")
    assert parsed.tolist()[0] == 7.0 and bad.tolist() == [False, False]

    parsed, bad = parse_numbers(pd.Series([True, False]), "plain")
    assert parsed.isna().all() and bad.tolist() == [True, True]

    parsed, bad = parse_numbers(pd.Series(["1.234,5", None], dtype="string"), "de")
    assert parsed.tolist()[0] == 1234.5 and bad.tolist() == [False, False]


def test_unknown_style():
    with pytest.raises(ValueError, match="de, en, plain"):
        parse_numbers(pd.Series(["1"]), "fr")
    assert NUMBER_STYLES == ("de", "en", "plain")


def test_empty_column():
    parsed, bad = parse_numbers(pd.Series([], dtype=object), "de")
    assert len(parsed) == 0 and parsed.dtype == "float64" and bad.dtype == bool


# --- numbers: never misread -------------------------------------------------------------------

amounts = st.lists(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(lambda x: round(x, 2)),
    min_size=1,
    max_size=40,
)


def english(x: float, short: bool) -> str:
    """x written the English way with two decimals; if ``short``, without a trailing zero
    (``1,234.50`` -> ``1,234.5``).

    The decimal part always has one or two digits: without one (``1,234``) or with three
    (``1.234``) the same text is a number in both styles, a different one in each, and only
    the declared style can settle which.
    """
    text = f"{x:,.2f}"
    return text.removesuffix("0") if short else text


def german(x: float, short: bool) -> str:
    return english(x, short).translate(str.maketrans(",.", ".,"))


def plain(x: float, short: bool) -> str:
    return english(x, short).replace(",", "")


def same_or_bad(texts, expected, style):
    """Each text read under ``style`` is ``expected`` or bad, never another number."""
    parsed, bad = parse_numbers(pd.Series(texts, dtype=object), style)
    for text, value, wrong, x in zip(texts, parsed, bad, expected, strict=True):
        if wrong:
            assert math.isnan(value), text
        else:
            assert value == x, (text, value, x)


@settings(max_examples=60, deadline=None)
@given(amounts, st.booleans())
def test_german_numbers_come_back(xs, short):
    texts = [german(x, short) for x in xs]
    parsed, bad = parse_numbers(pd.Series(texts, dtype=object), "de")
    assert not bad.any(), texts
    assert parsed.tolist() == [x + 0.0 for x in xs]  # + 0.0: -0.0 is read as 0.0


@settings(max_examples=60, deadline=None)
@given(amounts, st.booleans())
def test_english_numbers_come_back(xs, short):
    texts = [english(x, short) for x in xs]
    parsed, bad = parse_numbers(pd.Series(texts, dtype=object), "en")
    assert not bad.any(), texts
    assert parsed.tolist() == [x + 0.0 for x in xs]


@settings(max_examples=60, deadline=None)
@given(amounts, st.booleans())
def test_no_style_misreads_another(xs, short):
    expected = [x + 0.0 for x in xs]
    same_or_bad([english(x, short) for x in xs], expected, "de")
    same_or_bad([german(x, short) for x in xs], expected, "en")
    same_or_bad([german(x, short) for x in xs], expected, "plain")
    same_or_bad([english(x, short) for x in xs], expected, "plain")
    same_or_bad([plain(x, short) for x in xs], expected, "de")
    same_or_bad([plain(x, short) for x in xs], expected, "en")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="0123456789.,-+ e'\u00a0x", max_size=12), min_size=1, max_size=20))
def test_any_text_is_a_finite_number_missing_or_bad(texts):
    for style in NUMBER_STYLES:
        for trailing in (False, True):
            parsed, bad = parse_numbers(pd.Series(texts, dtype=object), style, trailing)
            read = parsed.notna()
            assert np.isfinite(parsed[read]).all()
            assert not (read & bad).any()  # a bad cell carries no number
            blank = pd.Series([t.strip() == "" for t in texts])
            assert (read | bad | blank).all()  # every present cell is read or reported


# --- dates ------------------------------------------------------------------------------------


def test_german_date():
    assert dates(["01.02.2024"], ["%d.%m.%Y"]) == ([day("2024-02-01")], [False])  # 1 Feb


def test_date_under_another_format_is_bad():
    assert dates(["01.02.2024"], ["%m/%d/%Y"]) == ([NaT], [True])
    assert dates(["2024-02-01"], ["%d.%m.%Y"]) == ([NaT], [True])


def test_formats_are_tried_in_turn():
    cells = ["01.02.2024", "2024-03-04", "5.6.2024", "2024/07/08"]
    # 1 Feb, 4 Mar, 5 Jun (strptime takes days and months without a leading zero), no match
    assert dates(cells, ["%d.%m.%Y", "%Y-%m-%d"]) == (
        [day("2024-02-01"), day("2024-03-04"), day("2024-06-05"), NaT],
        [False, False, False, True],
    )


def test_two_formats_reading_a_date_differently_is_bad():
    # 01/02/2024 is 1 Feb or 2 Jan: refused; 13/02/2024 can only be 13 Feb
    assert dates(["01/02/2024", "13/02/2024", "02/13/2024"], ["%d/%m/%Y", "%m/%d/%Y"]) == (
        [NaT, day("2024-02-13"), day("2024-02-13")],
        [True, False, False],
    )
    # 12/12/2024 is 12 Dec either way: no ambiguity
    assert dates(["12/12/2024"], ["%d/%m/%Y", "%m/%d/%Y"]) == ([day("2024-12-12")], [False])


def test_whole_string_must_match():
    cells = ["2024-02-01 10:00", "2024-02-01x", "20240201", "2024-02-30", "2024-13-01"]
    assert dates(cells) == ([NaT] * 5, [True] * 5)


def test_two_digit_years_only_with_percent_y():
    assert dates(["01.02.24"], ["%d.%m.%Y"]) == ([NaT], [True])
    assert dates(["01.02.24", "01.02.99"], ["%d.%m.%y"]) == (
        [day("2024-02-01"), day("1999-02-01")],  # strptime: 00-68 -> 20xx, 69-99 -> 19xx
        [False, False],
    )


def test_text_with_time_of_day_is_normalised():
    assert dates(["01.02.2024 13:45"], ["%d.%m.%Y %H:%M"]) == ([day("2024-02-01")], [False])


def test_typed_dates_pass():
    cells = [
        datetime.datetime(2024, 2, 1, 15, 30),
        datetime.date(2024, 3, 4),
        pd.Timestamp("2024-05-06 08:00", tz="Europe/Berlin"),  # wall-clock day kept
        np.datetime64("2024-07-08"),
    ]
    assert dates(cells, ["%d.%m.%Y"]) == (
        [day("2024-02-01"), day("2024-03-04"), day("2024-05-06"), day("2024-07-08")],
        [False] * 4,
    )


def test_typed_numbers_are_no_dates():
    # 45323 is Excel's serial number of 1 Feb 2024: a column shown as numbers, not dates
    assert dates([45323, 45323.0, True, "x"], ["%d.%m.%Y"]) == ([NaT] * 4, [True] * 4)
    parsed, bad = parse_dates(pd.Series([45323, 45324]), ["%d.%m.%Y"])
    assert parsed.isna().all() and bad.all()


def test_missing_and_blank_dates_are_not_bad():
    cells = [None, np.nan, "", "  ", "\u00a0", NaT, pd.NA, " 01.02.2024 "]
    assert dates(cells, ["%d.%m.%Y"]) == ([NaT] * 7 + [day("2024-02-01")], [False] * 8)


def test_open_end():
    cells = ["9999-12-31", "31.12.9999", datetime.datetime(9999, 12, 31), datetime.date(9999, 1, 1)]
    formats = ["%Y-%m-%d", "%d.%m.%Y"]
    # year 9999 means "no end": NaT, not bad
    assert dates(cells, formats, open_ended=True) == ([NaT] * 4, [False] * 4)
    # otherwise it is a day datetime64[ns] cannot hold (its last is 2262-04-11): bad
    assert dates(cells, formats, open_ended=False) == ([NaT] * 4, [True] * 4)


def test_open_end_does_not_excuse_other_text():
    cells = ["9999", "99.99.9999", "31.12.9999x", "2024-99-99"]
    assert dates(cells, ["%d.%m.%Y"], open_ended=True) == ([NaT] * 4, [True] * 4)


def test_out_of_range_dates_are_bad():
    cells = ["1899-12-31", "1900-01-01", "2262-04-11", "2262-04-12", "2300-01-01", "0024-01-01"]
    assert dates(cells, open_ended=True) == (
        [NaT, day("1900-01-01"), day("2262-04-11"), NaT, NaT, NaT],
        [True, False, False, True, True, True],
    )
    typed = [datetime.date(1850, 1, 1), datetime.datetime(2500, 1, 1)]
    assert dates(typed, open_ended=True) == ([NaT, NaT], [True, True])


def test_datetime_columns():
    column = pd.Series(pd.to_datetime(["2024-02-01 12:00", None, "1850-01-01 00:00"]))
    parsed, bad = parse_dates(column, ["%d.%m.%Y"])
    assert parsed.tolist() == [day("2024-02-01"), NaT, NaT]
    assert bad.tolist() == [False, False, True]  # 1850 is before 1900

    aware = pd.Series(pd.to_datetime(["2024-02-01 23:30"]).tz_localize("America/New_York"))
    parsed, bad = parse_dates(aware)
    assert parsed.tolist() == [day("2024-02-01")] and parsed.dtype == "datetime64[ns]"

    seconds = pd.Series(np.array(["9999-12-31", "2024-02-01"], dtype="datetime64[s]"))
    assert parse_dates(seconds, open_ended=True)[0].tolist() == [NaT, day("2024-02-01")]
    assert parse_dates(seconds, open_ended=True)[1].tolist() == [False, False]
    assert parse_dates(seconds, open_ended=False)[1].tolist() == [True, False]


def test_dates_keep_the_index():
    cells = pd.Series(["01.02.2024", "x"], index=["a", "b"], name="start")
    parsed, bad = parse_dates(cells, ["%d.%m.%Y"])
    assert parsed.index.tolist() == ["a", "b"] and parsed.name == "start"
    assert bad.to_dict() == {"a": False, "b": True}


def test_a_single_format_string_and_no_formats():
    assert dates(["01.02.2024"], "%d.%m.%Y") == ([day("2024-02-01")], [False])
    with pytest.raises(ValueError, match="at least one date format"):
        parse_dates(pd.Series(["2024-02-01"]), [])


# --- text and ids -----------------------------------------------------------------------------


def test_text_keeps_leading_zeros():
    assert parse_text(pd.Series(["007", " 0042 "])).tolist() == ["007", "0042"]


def test_typed_ids_stay_exact():
    cells = [7, 12.0, np.int64(123456789012), 2.5, Decimal("12.00"), -0.0, 1e15]
    # whole floats lose ".0"; 2.5 is no whole number and keeps its point
    assert parse_text(pd.Series(cells, dtype=object)).tolist() == [
        "7", "12", "123456789012", "2.5", "12", "0", "1000000000000000"
    ]  # fmt: skip


def test_empty_text_is_missing():
    cells = [None, np.nan, "", "   ", "\u00a0\u202f", pd.NA, " KA-001 "]
    parsed = parse_text(pd.Series(cells, dtype=object))
    assert parsed.dtype == object
    assert parsed.isna().tolist() == [True] * 6 + [False]
    assert parsed.iloc[-1] == "KA-001"


def test_text_from_typed_columns():
    assert parse_text(pd.Series([12.0, np.nan, 3.0])).tolist()[0::2] == ["12", "3"]
    assert parse_text(pd.Series([5, None], dtype="Int64")).tolist()[0] == "5"
    inner = parse_text(pd.Series(["  a  b  "], index=[3]))
    assert inner.to_dict() == {3: "a  b"}  # only the ends are stripped
