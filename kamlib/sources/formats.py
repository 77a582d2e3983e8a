"""Reading numbers, dates and ids from company exports without misreading them.

Exports arrive as text cells (German CSV, DATEV, SAP) or as cells a spreadsheet or database
already typed (``int``, ``float``, ``datetime``, ``date``, ``pd.Timestamp``, ``bool``). A text
cell is read under the format the column declares; a typed cell is taken as it is, because its
type was set where the value was entered. A value that fits neither is *bad*: it is reported by
row and never replaced by a guess. The same text can be a different number in another style
(``1.234`` is 1234 in German and 1.234 in English), so every parser reads exactly one declared
style and refuses what that style cannot have written (``1.5`` is no German number).

Every parser returns Series with the index of its input; the number and date parsers return a
second, boolean Series ``bad`` that is True where a present value could not be read. Empty
cells (``None``, ``NaN``, ``NaT``, ``pd.NA``, an empty or whitespace-only string) are missing,
not bad.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

__all__ = ["NUMBER_STYLES", "parse_dates", "parse_numbers", "parse_text"]

#: the number styles :func:`parse_numbers` reads: German (``1.234,56``), English
#: (``1,234.56``) and plain (``1234.56``, no thousands separator)
NUMBER_STYLES = ("de", "en", "plain")

# One number of each style, without sign. Grouped digits start with 1-9 and carry groups of
# exactly three digits: "1.23" or "0.234" would be a decimal in the other style, so in a
# grouped style they are refused rather than read as 123 or 234. [0-9] rather than \d, which
# would also take Arabic-Indic or full-width digits that float() reads as well.
_NUMBER = {
    "de": r"(?:[1-9][0-9]{0,2}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]+)?",
    "en": r"(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?",
    "plain": r"[0-9]+(?:\.[0-9]+)?",
}
_THOUSANDS = {"de": ".", "en": ",", "plain": ""}
_DECIMAL = {"de": ",", "en": ".", "plain": "."}

# The dates a datetime64[ns] column can hold from 1900 on; 2262-04-11 is its last whole day.
_FIRST_DAY = pd.Timestamp("1900-01-01")
_LAST_DAY = pd.Timestamp.max.normalize()
#: the year that marks an open end ("valid until 31.12.9999") in contract and master data
_OPEN_END_YEAR = 9999


def _is_str(cells: np.ndarray) -> np.ndarray:
    """Boolean array: which cells are text (``str`` and its subclasses such as ``np.str_``)."""
    return np.fromiter((isinstance(v, str) for v in cells), dtype=bool, count=len(cells))


def _stripped(cells: np.ndarray) -> np.ndarray:
    """The text cells stripped at both ends, as an object array.

    ``str.strip`` also removes the non-breaking spaces U+00A0 and U+202F that German exports
    put around numbers (both count as whitespace in Python).
    """
    return pd.Series(cells, dtype=object).str.strip().to_numpy(dtype=object)


def _number_pattern(style: str, trailing_minus: bool) -> str:
    """The regular expression a whole text cell of ``style`` must match."""
    number = _NUMBER[style]
    pattern = rf"[+-]?{number}"
    if trailing_minus:
        # SAP writes negative amounts with the sign after the number (100.20-); one sign only
        pattern = rf"(?:{pattern}|{number}-)"
    return pattern


def _typed_number(cell: object) -> float | None:
    """A typed number cell as a float, or None when it is no number or not finite."""
    # bool is a subclass of int; True in a number column is a mistake, not 1
    if isinstance(cell, (bool, np.bool_)):
        return None
    if isinstance(cell, (int, float, np.integer, np.floating, Decimal)):
        try:
            number = float(cell)
        except (OverflowError, ValueError):  # an int beyond float, a signalling Decimal NaN
            return None
        return number if math.isfinite(number) else None
    return None


def _split_cells(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A column's cells, the positions of its typed (non-text) cells, and the positions and
    stripped texts of its non-empty text cells."""
    cells = values.to_numpy(dtype=object)
    present = ~pd.isna(cells)
    text = present & _is_str(cells)
    typed = np.flatnonzero(present & ~text)
    rows = np.flatnonzero(text)
    stripped = _stripped(cells[rows])
    filled = stripped != ""
    return cells, typed, rows[filled], stripped[filled]


def parse_numbers(
    values: pd.Series, style: str = "plain", trailing_minus: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Read a column of numbers, refusing what the declared style cannot have written.

    Parameters
    ----------
    values : pd.Series
        Text cells, typed cells (``int``, ``float``, numpy numbers, ``Decimal``) or a mix.
    style : str
        How text cells write numbers, one of :data:`NUMBER_STYLES`:

        - ``"de"``: thousands ``.``, decimal ``,`` (``1.234,56``; ``1.234`` is 1234; ``1.5``
          and ``1.23`` are bad);
        - ``"en"``: thousands ``,``, decimal ``.`` (``1,234.56``; ``1,234`` is 1234; ``1,5`` is
          bad);
        - ``"plain"``: decimal ``.``, no thousands separator (``1234.56``; ``1,5`` is bad).

        Thousands groups have exactly three digits and the first group one to three digits
        without a leading zero. A leading ``+`` or ``-`` is allowed. Spaces inside a number,
        exponents (``1e5``), apostrophes (``1'234``) and a decimal separator without digits on
        both sides (``.5``, ``5.``) are bad in every style.
    trailing_minus : bool
        Whether a ``-`` after the number makes it negative (SAP: ``100.20-``, ``1.234,56-``).
        Without it, a trailing ``-`` is bad. A number with a sign on both sides is bad.

    Returns
    -------
    numbers : pd.Series
        float64, NaN where a cell is missing or bad.
    bad : pd.Series
        bool, True where a present cell could not be read: text that does not match the style,
        ``bool`` cells, infinite numbers, or cells of another type (a date, say).

    Raises
    ------
    ValueError
        When ``style`` is not one of :data:`NUMBER_STYLES`.

    Notes
    -----
    Typed cells are taken as they are, whatever the style: ``1.5`` typed as a float is 1.5 even
    in a German column, because it never was text. Text is read with vectorised string
    operations: a million cells take about a second.
    """
    if style not in NUMBER_STYLES:
        raise ValueError(f"unknown number style {style!r}: use one of {', '.join(NUMBER_STYLES)}")
    # positional arrays, so that a repeated index label cannot mix up rows
    numbers = np.full(len(values), np.nan)
    bad = np.zeros(len(values), dtype=bool)

    if pd.api.types.is_bool_dtype(values.dtype):
        bad = values.notna().to_numpy(dtype=bool)
    elif pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_float_dtype(values.dtype):
        # a column typed as a whole: only infinities are bad
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        bad = np.isinf(numbers)
        numbers[bad] = np.nan
    else:
        cells, typed, rows, stripped = _split_cells(values)
        if len(rows):
            read, wrong = _read_number_text(stripped, style, trailing_minus)
            numbers[rows] = read
            bad[rows] = wrong

        for row in typed:  # typed cells in a text column are few; a loop is fine
            number = _typed_number(cells[row])
            if number is None:
                bad[row] = True
            else:
                numbers[row] = number

    # -0.0 + 0.0 is 0.0: "-0,00" is zero, and a report should never show "-0"
    numbers = numbers + 0.0
    return (
        pd.Series(numbers, index=values.index, name=values.name, dtype="float64"),
        pd.Series(bad, index=values.index, name=values.name, dtype=bool),
    )


def _read_number_text(
    stripped: np.ndarray, style: str, trailing_minus: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Numbers and the bad mask of stripped, non-empty text cells of one style."""
    text = pd.Series(stripped, dtype=object)
    ok = text.str.fullmatch(_number_pattern(style, trailing_minus)).to_numpy(dtype=bool)
    numbers = np.full(len(text), np.nan)
    if ok.any():
        valid = text[ok]
        # once the style is known the separators are unambiguous: drop the thousands
        # separator and write the decimal one as "." so that float() reads the rest
        if _THOUSANDS[style]:
            valid = valid.str.replace(_THOUSANDS[style], "", regex=False)
        if _DECIMAL[style] != ".":
            valid = valid.str.replace(_DECIMAL[style], ".", regex=False)
        negative = valid.str.endswith("-").to_numpy(dtype=bool)
        read = valid.str.removesuffix("-").astype("float64").to_numpy()
        read[negative] = -read[negative]
        numbers[ok] = read
    # hundreds of digits overflow to inf: no number an export means
    wrong = ~np.isfinite(numbers)
    numbers[wrong] = np.nan
    return numbers, wrong


def _typed_day(cell: object) -> datetime.date | None:
    """The calendar day of a typed date cell, or None when the cell is no date.

    Time of day and time zone are dropped: a cell is read as the wall-clock day it shows.
    """
    if isinstance(cell, np.datetime64):
        # .item() gives a datetime.date for the years 1 to 9999 and an int beyond
        cell = cell.astype("datetime64[D]").item()
    # pd.Timestamp is a datetime.datetime, and datetime.datetime is a datetime.date
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    return None


def _sort_days(days: pd.Series, open_ended: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split datetimes (any unit, NaT for none) into held days, open ends and bad days.

    Returns the days as datetime64[ns] (NaT where not held), which are open ends (year 9999,
    only when ``open_ended``) and which are out of range.
    """
    days = days.reset_index(drop=True)
    if isinstance(days.dtype, pd.DatetimeTZDtype):
        days = days.dt.tz_localize(None)  # keep the wall-clock day the cell shows
    found = days.notna().to_numpy(dtype=bool)
    open_end = found & (days.dt.year == _OPEN_END_YEAR).to_numpy(dtype=bool) & open_ended
    held = found & ((days >= _FIRST_DAY) & (days <= _LAST_DAY)).to_numpy(dtype=bool)
    out_of_range = found & ~held & ~open_end
    # out-of-range days go before the cast to nanoseconds, which could not hold them
    held_days = days.dt.normalize().where(held).astype("datetime64[ns]").to_numpy()
    return held_days, open_end, out_of_range


def parse_dates(
    values: pd.Series, formats: Sequence[str] = ("%Y-%m-%d",), open_ended: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Read a column of dates, refusing text that no declared format fits.

    Parameters
    ----------
    values : pd.Series
        Text cells, typed cells (``datetime.datetime``, ``datetime.date``, ``pd.Timestamp``,
        ``np.datetime64``), a datetime64 column or a mix.
    formats : Sequence[str]
        ``strptime`` formats the text cells are written in, such as ``"%d.%m.%Y"``. Each text
        cell must match a format as a whole (``2024-02-01`` does not fit ``%d.%m.%Y``). Two-digit
        years are read only under a format with ``%y`` (00-68 are 2000-2068, 69-99 are
        1969-1999, as in ``strptime``). A single string is taken as one format.
    open_ended : bool
        Whether a date in the year 9999 (``31.12.9999``) means "no end": it becomes NaT and is
        not bad. Otherwise such a date is bad, as a datetime64[ns] column cannot hold it.

    Returns
    -------
    dates : pd.Series
        datetime64[ns] at midnight (time of day and time zone dropped), NaT where a cell is
        missing, bad or an open end.
    bad : pd.Series
        bool, True where a present cell could not be read: text no format fits, text two
        formats read as different days (``01/02/2024`` under ``%d/%m/%Y`` and ``%m/%d/%Y``),
        numbers (an Excel serial number means the column was not formatted as dates), ``bool``
        cells, and days before 1900 or after 2262-04-11.

    Raises
    ------
    ValueError
        When ``formats`` is empty.
    """
    if isinstance(formats, str):
        formats = (formats,)
    if not formats:
        raise ValueError("parse_dates needs at least one date format, such as '%d.%m.%Y'")
    dates = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    bad = np.zeros(len(values), dtype=bool)

    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates, _, bad = _sort_days(values, open_ended)
    else:
        cells, typed, rows, stripped = _split_cells(values)
        if len(rows):
            read, wrong = _read_date_text(stripped, formats, open_ended)
            dates[rows] = read
            bad[rows] = wrong

        for row in typed:
            day = _typed_day(cells[row])
            if day is None:
                bad[row] = True
            elif open_ended and day.year == _OPEN_END_YEAR:
                pass  # no end: stays NaT
            elif _FIRST_DAY.date() <= day <= _LAST_DAY.date():
                dates[row] = np.datetime64(day, "ns")
            else:
                bad[row] = True

    return (
        pd.Series(dates, index=values.index, name=values.name, dtype="datetime64[ns]"),
        pd.Series(bad, index=values.index, name=values.name, dtype=bool),
    )


def _read_date_text(
    stripped: np.ndarray, formats: Sequence[str], open_ended: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Dates and the bad mask of stripped, non-empty text cells under ``formats``."""
    text = pd.Series(stripped, dtype=object)
    dates = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    # what the formats read so far: 0 nothing, 1 a held day, 2 an open end, 3 out of range
    state = np.zeros(len(text), dtype=np.int8)
    ambiguous = np.zeros(len(text), dtype=bool)
    for fmt in formats:
        # every format reads every cell, so that a cell two formats read differently is seen
        days, open_end, out_of_range = _sort_days(
            pd.to_datetime(text, format=fmt, errors="coerce"), open_ended
        )
        held = ~np.isnat(days)
        new = np.select([held, open_end, out_of_range], [1, 2, 3], 0).astype(np.int8)
        first = (state == 0) & (new > 0)
        again = (state > 0) & (new > 0)
        ambiguous |= again & ((new != state) | (held & (days != dates)))
        dates[first] = days[first]
        state[first] = new[first]

    if open_ended:
        # pandas turns a day it cannot hold into NaT, so an open end in 9999 comes back as no
        # match; strptime, which pandas follows, tells it apart from text no format fits
        for i in np.flatnonzero((state == 0) & text.str.contains("9999", regex=False).to_numpy()):
            years = set()
            for fmt in formats:
                try:
                    years.add(datetime.datetime.strptime(text.iat[i], fmt).year)
                except ValueError:
                    continue
            if years == {_OPEN_END_YEAR}:
                state[i] = 2

    wrong = (state == 0) | (state == 3) | ambiguous
    dates[wrong] = np.datetime64("NaT")
    return dates, wrong


def _typed_text(cell: object) -> str:
    """A typed cell in an id or text column as the text it shows, whole numbers without ".0"."""
    # a spreadsheet stores the id 12 as the float 12.0; the id is "12", not "12.0"
    if isinstance(cell, (float, np.floating, Decimal)):
        if math.isfinite(cell) and cell == int(cell):
            return str(int(cell))
    if isinstance(cell, np.integer):
        return str(int(cell))
    return str(cell).strip()


def parse_text(values: pd.Series) -> pd.Series:
    """Read a column of ids or text: stripped strings, NaN where empty.

    Parameters
    ----------
    values : pd.Series
        Text cells, typed cells or a mix.

    Returns
    -------
    pd.Series
        object dtype: ``str`` where a cell has text, NaN where it is missing, empty or only
        whitespace (non-breaking spaces included). Text is never read as a number, so ``007``
        stays ``"007"``. Typed integers stay exact (``7`` -> ``"7"``), and a whole float
        loses its ``.0`` (``12.0`` -> ``"12"``) because spreadsheets store whole ids as floats;
        other typed cells become ``str(cell)``.
    """
    cells = values.to_numpy(dtype=object)
    result = np.full(len(values), np.nan, dtype=object)
    present = ~pd.isna(cells)
    text = present & _is_str(cells)

    rows = np.flatnonzero(text)
    result[rows] = _stripped(cells[rows])
    for row in np.flatnonzero(present & ~text):
        result[row] = _typed_text(cells[row])

    # an empty or whitespace-only cell holds no text; compare only the strings, not the NaN
    empty = np.fromiter((v == "" for v in result), dtype=bool, count=len(result))
    result[empty] = np.nan
    return pd.Series(result, index=values.index, name=values.name, dtype=object)
