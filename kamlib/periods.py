"""Reporting date and windows, as defined in section 2 of the data contract.

``as_of`` defaults to the last day of the last calendar month that has sales rows. The 12-month
window is the half-open interval ``(as_of - 12 months, as_of]`` with calendar arithmetic
(``2025-06-30 -> 2024-06-30``; pandas clips ``2024-02-29 -> 2023-02-28``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "Window",
    "default_as_of",
    "half_year",
    "month_end",
    "previous_reporting_date",
    "previous_window",
    "window",
]


@dataclass(frozen=True)
class Window:
    """A half-open date interval ``(start, end]``.

    Attributes
    ----------
    start : pd.Timestamp
        Exclusive lower bound.
    end : pd.Timestamp
        Inclusive upper bound.
    """

    start: pd.Timestamp
    end: pd.Timestamp

    def contains(self, dates: pd.Series) -> pd.Series:
        """Boolean mask of ``dates`` inside ``(start, end]``; missing dates are outside."""
        return (dates > self.start) & (dates <= self.end)


def month_end(date: pd.Timestamp) -> pd.Timestamp:
    """Last day of the calendar month of ``date`` (time of day dropped)."""
    date = pd.Timestamp(date).normalize()
    return date + pd.offsets.MonthEnd(0)


def default_as_of(sales_dates: pd.Series) -> pd.Timestamp:
    """Last day of the last calendar month that has sales rows.

    Parameters
    ----------
    sales_dates : pd.Series
        The ``sales.date`` column.

    Returns
    -------
    pd.Timestamp

    Raises
    ------
    ValueError
        If there is no sales date at all.
    """
    dates = pd.to_datetime(sales_dates).dropna()
    if dates.empty:
        raise ValueError("'sales' has no dated rows, so no reporting date can be derived.")
    return month_end(dates.max())


def window(as_of: pd.Timestamp, months: int = 12, lag: int = 0) -> Window:
    """The window ``(as_of - (lag + months), as_of - lag]`` in calendar months.

    Parameters
    ----------
    as_of : pd.Timestamp
        Reporting date.
    months : int, default 12
        Length of the window in calendar months.
    lag : int, default 0
        How many months the window ends before ``as_of``.
    """
    if months < 1:
        raise ValueError(f"'months' must be at least 1, got {months!r}.")
    as_of = pd.Timestamp(as_of).normalize()
    end = as_of - pd.DateOffset(months=lag) if lag else as_of
    start = as_of - pd.DateOffset(months=lag + months)
    return Window(pd.Timestamp(start), pd.Timestamp(end))


def previous_window(as_of: pd.Timestamp, months: int = 12) -> Window:
    """The window of the same length right before :func:`window`: ``(as_of - 2m, as_of - m]``."""
    return window(as_of, months=months, lag=months)


def half_year(dates: pd.Series) -> pd.Series:
    """The half-year of each date as ``'2025 H1'`` (January to June) or ``'2025 H2'``."""
    return dates.dt.year.astype(str) + np.where(dates.dt.month <= 6, " H1", " H2")


def previous_reporting_date(as_of: pd.Timestamp) -> pd.Timestamp:
    """One month before ``as_of`` (a month end stays a month end): the date the executive
    summary compares the health score with."""
    before = pd.Timestamp(as_of) - pd.DateOffset(months=1)
    return month_end(before) if as_of == month_end(as_of) else pd.Timestamp(before)
