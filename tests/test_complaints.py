"""Complaint figures, worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kamlib.periods import window
from kamlib.sections import complaints
from tests.conftest import frame

AS_OF = pd.Timestamp("2025-06-30")
WIN = window(AS_OF)
NAN = None


def _complaints():
    return frame(
        [
            ("k1", "A", "2025-01-01", "2025-01-11", "delivery", "high"),  # 10 days
            ("k2", "A", "2025-02-01", "2025-03-03", "delivery", "low"),  # 30 days
            ("k3", "A", "2025-03-01", "2025-03-03", "quality", "medium"),  # 2 days
            ("k4", "A", "2025-05-01", NAN, "delivery", "critical"),  # open, 60 days old
            ("k5", "A", "2024-12-20", "2025-07-05", "invoice", NAN),  # closed after as_of: open
        ],
        "complaint_id account_id d:opened_date d:closed_date category severity",
    )


def test_backlog_and_resolution_times():
    backlog = complaints.backlog(_complaints(), AS_OF)
    assert backlog["complaint_id"].tolist() == ["k5", "k4"]
    assert backlog["age_days"].tolist() == [192, 60]
    times = complaints.resolution_times(_complaints(), WIN, AS_OF)
    # closed in the window: 10, 30, 2 days -> median 10; p90 = 10 + 0.8 * (30 - 10) = 26
    assert times == {"n": 3, "median": 10.0, "p90": pytest.approx(26.0)}


def test_monthly_categories_and_repeats():
    monthly = complaints.opened_closed_by_month(_complaints(), WIN, AS_OF)
    assert monthly["opened"].sum() == 5 and monthly["closed"].sum() == 3
    assert monthly.loc["2025-03-01", "closed"] == 2
    cats = complaints.categories(_complaints(), WIN)
    assert cats.loc["delivery", "total"] == 3 and cats.loc["invoice", "not stated"] == 1
    assert complaints.repeats(_complaints(), WIN).to_dict() == {"delivery": 3}


def test_no_complaints():
    none = _complaints().iloc[0:0]
    assert complaints.backlog(none, AS_OF).empty
    assert math.isnan(complaints.resolution_times(none, WIN, AS_OF)["median"])
    assert complaints.categories(none, WIN).empty and complaints.repeats(none, WIN).empty
