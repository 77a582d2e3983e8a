"""Reporting date and windows (data contract, section 2)."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib import format as fmt
from kamlib.periods import default_as_of, month_end, previous_window, window


def test_default_as_of_is_the_end_of_the_last_month_with_sales():
    dates = pd.Series(pd.to_datetime(["2024-01-03", "2025-06-11", "2025-02-28"]))
    assert default_as_of(dates) == pd.Timestamp("2025-06-30")


def test_default_as_of_needs_sales():
    with pytest.raises(ValueError, match="no dated rows"):
        default_as_of(pd.Series([], dtype="datetime64[ns]"))


def test_window_uses_calendar_months():
    # the contract's own example: 2025-06-30 -> 2024-06-30
    w = window(pd.Timestamp("2025-06-30"))
    assert (w.start, w.end) == (pd.Timestamp("2024-06-30"), pd.Timestamp("2025-06-30"))
    p = previous_window(pd.Timestamp("2025-06-30"))
    assert (p.start, p.end) == (pd.Timestamp("2023-06-30"), pd.Timestamp("2024-06-30"))
    # a leap day: 2024-02-29 minus 12 months is 2023-02-28
    assert window(pd.Timestamp("2024-02-29")).start == pd.Timestamp("2023-02-28")


def test_window_is_half_open():
    w = window(pd.Timestamp("2025-06-30"))
    dates = pd.Series(
        pd.to_datetime(["2024-06-30", "2024-07-01", "2025-06-30", "2025-07-01", None])
    )
    assert w.contains(dates).tolist() == [False, True, True, False, False]


def test_month_end_and_label():
    assert month_end(pd.Timestamp("2024-02-10 13:00")) == pd.Timestamp("2024-02-29")
    # the window by its months, as a reader reads it (kamlib.format.window)
    assert fmt.window(window(pd.Timestamp("2025-06-30"))) == "Jul 2024 – Jun 2025"
    assert fmt.window(window(pd.Timestamp("2025-06-30")), "de") == "Juli 2024 – Juni 2025"
    with pytest.raises(ValueError, match="'months' must be at least 1"):
        window(pd.Timestamp("2025-06-30"), months=0)
