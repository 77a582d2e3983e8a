"""The measures of kam (kamlib.measures): revenue shares, ABC classes and concentration exactly
per the data contract (section 3)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kamlib import measures


def _rev(**values) -> pd.Series:
    return pd.Series(values, dtype=float)


def test_abc_counts_the_share_before_each_account():
    # total 100: a 50 (before 0 -> A), b 30 (before 0.50 -> A), c 15 (before 0.80: not < 0.80 -> B),
    # d 4 (before 0.95 -> C), e 1 (before 0.99 -> C)
    rev = _rev(c=15, a=50, e=1, b=30, d=4)
    assert measures.abc_class(rev).to_dict() == {"c": "B", "a": "A", "e": "C", "b": "A", "d": "C"}


def test_abc_exact_ties_at_the_limits_and_ties_by_id():
    # 0.1 + 0.2 + 0.5 is 0.8000000000000000444 in floating point: still exactly 80 % by hand
    rev = _rev(x1=10, x2=20, x3=50, x4=15, x5=5)
    # sorted: x3 50 (A), x2 20 (before .5, A), x4 15 (before .7, A), x1 10 (before .85, B), x5 (before .95, C)
    assert measures.abc_class(rev).to_dict() == {
        "x1": "B",
        "x2": "A",
        "x3": "A",
        "x4": "A",
        "x5": "C",
    }
    # equal revenue: the smaller account_id comes first
    tie = _rev(b=40, a=40, c=20)  # a before 0 -> A, b before .4 -> A, c before .8 -> B
    assert measures.abc_class(tie).to_dict() == {"b": "A", "a": "A", "c": "B"}


def test_non_positive_revenue_is_c_and_has_no_share():
    rev = _rev(a=100, b=0, c=-5)
    assert measures.abc_class(rev).to_dict() == {"a": "A", "b": "C", "c": "C"}
    share = measures.revenue_share(rev)
    assert share["a"] == 1.0 and math.isnan(share["b"]) and math.isnan(share["c"])


def test_hhi_and_top5():
    # shares 0.4, 0.3, 0.1, 0.1, 0.05, 0.05 -> hhi = 10000 * (.16+.09+.01+.01+.0025+.0025) = 2750
    rev = _rev(a=40, b=30, c=10, d=10, e=5, f=5, g=-3)
    assert measures.hhi(rev) == pytest.approx(2750)
    assert measures.top5_share(rev) == pytest.approx(0.95)


def test_empty_portfolio():
    rev = _rev(a=0, b=-1)
    assert math.isnan(measures.hhi(rev)) and math.isnan(measures.top5_share(rev))
    assert set(measures.abc_class(rev)) == {"C"}
