"""Revenue analytics: monthly series, growth figures, MAT, unusual months, target probability."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kamlib import measures
from kamlib.params import Params
from kamlib.sections import revenue
from tests.conftest import frame, frames_of


def _months(values, start="2022-01-01") -> pd.Series:
    return pd.Series(
        values, index=pd.date_range(start, periods=len(values), freq="MS"), dtype=float
    )


def test_monthly_revenue_uses_complete_months_only():
    sales = frame(
        [
            ("2025-01-15", "A", 10.0),
            ("2025-01-20", "A", 5.0),
            ("2025-03-02", "A", 7.0),
            ("2025-03-10", "B", 1.0),
            ("2025-04-15", "A", 99.0),
        ],
        "d:date account_id net_revenue",
    )
    # as_of 2025-04-20 is not a month end: April is partial and left out
    wide = measures.monthly_revenue(sales, pd.Timestamp("2025-04-20"))
    assert list(wide.index) == list(pd.date_range("2025-01-01", "2025-03-01", freq="MS"))
    assert wide["A"].tolist() == [15.0, 0.0, 7.0]
    assert math.isnan(wide.loc["2025-01-01", "B"]) and wide.loc["2025-03-01", "B"] == 1.0
    assert measures.last_complete_month(pd.Timestamp("2025-04-30")) == pd.Timestamp("2025-04-01")
    assert measures.account_monthly(sales.iloc[0:0], pd.Timestamp("2025-04-30")).empty


def test_growth_figures_by_hand():
    # 36 months: 100 a month in year 1, 110 in year 2, 121 in year 3 (+10 % a year)
    y = _months([100] * 12 + [110] * 12 + [121] * 11 + [132])
    g = revenue.growth_figures(y)
    assert g.yoy_month == pytest.approx(132 / 110 - 1)
    assert g.yoy_quarter == pytest.approx((121 + 121 + 132) / 330 - 1)
    # CAGR from the first 12 months (1200) to the last 12 (121 * 11 + 132 = 1463) over 2 years
    assert g.years == 2 and g.cagr == pytest.approx((1463 / 1200) ** 0.5 - 1)
    short = revenue.growth_figures(_months([5, 6, 7]))
    assert math.isnan(short.yoy_month) and math.isnan(short.cagr)
    zero_base = revenue.growth_figures(_months([0] * 12 + [5] * 12))
    assert math.isnan(zero_base.yoy_month) and math.isnan(zero_base.cagr)


def test_moving_annual_total_and_unusual_months():
    y = _months([10.0] * 24)
    assert revenue.moving_annual_total(y).tolist() == [120.0] * 13
    noisy = _months(100 + np.tile([1.0, -1.0, 2.0, -2.0], 6))
    noisy.iloc[10] = 400.0  # one spike
    unusual = revenue.unusual_months(noisy)
    assert list(unusual.index) == [noisy.index[10]]
    assert revenue.unusual_months(_months([1, 2, 3])).empty


def test_target_probability():
    fc = pd.DataFrame(
        {
            "mean": [100.0] * 12,
            "lower_95": [100 - 1.959964 * 10] * 12,
            "upper_95": [100 + 1.959964 * 10] * 12,
        }
    )
    # sum 1200, sd of the sum 12 * 10 = 120 (fully correlated): P(sum >= 1200) = 0.5,
    # P(sum >= 1320) = 1 - Phi(1) = 0.1587
    assert revenue.target_probability(fc, 1200) == pytest.approx(0.5, abs=1e-6)
    assert revenue.target_probability(fc, 1320) == pytest.approx(0.158655, abs=1e-5)
    assert revenue.target_probability(fc, 1080) == pytest.approx(1 - 0.158655, abs=1e-5)


def test_target_probability_keeps_a_skewed_interval():
    z80, z95 = 1.2815516, 1.959964
    # monthly quantiles (12 months): 95 % from 80 to 130, 80 % from 90 to 115, median 100;
    # sums: 960, 1080, 1200, 1380, 1560
    fc = pd.DataFrame(
        {
            "mean": [100.0] * 12,
            "lower_80": [90.0] * 12,
            "upper_80": [115.0] * 12,
            "lower_95": [80.0] * 12,
            "upper_95": [130.0] * 12,
        }
    )
    assert revenue.target_probability(fc, 1200) == pytest.approx(0.5)
    assert revenue.target_probability(fc, 1380) == pytest.approx(0.10, abs=1e-6)  # upper_80
    assert revenue.target_probability(fc, 1560) == pytest.approx(0.025, abs=1e-6)  # upper_95
    assert revenue.target_probability(fc, 1080) == pytest.approx(0.90, abs=1e-6)  # lower_80
    # halfway between the median and upper_80: score z80 / 2 -> 1 - Phi(0.6407758) = 0.260842
    assert revenue.target_probability(fc, 1290) == pytest.approx(0.260842, abs=1e-5)
    # beyond upper_95: extrapolated with the outer slope (1560 - 1380) / (z95 - z80) per unit
    score = z95 + 60 / (180 / (z95 - z80))
    from scipy import stats

    assert revenue.target_probability(fc, 1620) == pytest.approx(1 - stats.norm.cdf(score))
    # no spread at all: certain either way
    flat = pd.DataFrame({"mean": [1.0] * 12, "lower_95": [1.0] * 12, "upper_95": [1.0] * 12})
    assert revenue.target_probability(flat, 12) == 1.0
    assert revenue.target_probability(flat, 12.5) == 0.0


def test_backtest_mase_needs_three_years():
    assert revenue.backtest_mase(_months(range(30))) is None
    season = np.tile([10, 12, 14, 20, 25, 30, 28, 22, 18, 15, 12, 11], 4).astype(float)
    mase = revenue.backtest_mase(_months(season))
    # a perfectly repeating season: the seasonal naive scale is 0 -> None
    assert mase is None
    trend = _months(np.arange(48) * 2.0 + season)
    assert revenue.backtest_mase(trend) < 1  # a trend + season beats repeating last year


def test_forecast_feeds_the_kpi_total():
    # A: 36 months of a trend (the model), B: 6 months (the recent mean); as_of 2024-12-31
    rows = [(f"{2022 + i // 12}-{i % 12 + 1:02d}-15", "A", 100.0 + i) for i in range(36)]
    rows += [(f"2024-{m:02d}-15", "B", 10.0 * m) for m in range(7, 13)]
    sales = frame(rows, "d:date account_id net_revenue")
    for account_id in ("A", "B"):
        frames = frames_of({"sales": sales}, account_id, "2024-12-31")
        analysis = revenue.analyse(frames, Params())
        assert len(analysis.forecast) == 12
        assert analysis.forecast.index[0] == pd.Timestamp("2025-01-01")
        # kpis.csv's forecast_12m is the sum of the 12 monthly point forecasts the section shows
        total = analysis.forecast["mean"].sum()
        assert frames.kpi["forecast_12m"] == pytest.approx(total, rel=1e-12), account_id
    assert total == pytest.approx(12 * (70 + 80 + 90 + 100 + 110 + 120) / 6)  # B: the mean


def test_price_volume_mix_by_hand():
    # previous window: A 10 units at 10 = 100, B 10 at 20 = 200, C 50 (lost)
    # last window:     A 20 units at 11 = 220, B 10 at 20 = 200, D 30 (new), one row without product 5
    sales = frame(
        [
            ("2024-03-01", "X", 100.0, "A", 10.0),
            ("2024-03-01", "X", 200.0, "B", 10.0),
            ("2024-03-01", "X", 50.0, "C", 5.0),
            ("2025-03-01", "X", 220.0, "A", 20.0),
            ("2025-03-01", "X", 200.0, "B", 10.0),
            ("2025-03-01", "X", 30.0, "D", 1.0),
            ("2025-03-01", "X", 5.0, None, None),
        ],
        "d:date account_id net_revenue product quantity",
    )
    pvm = revenue.price_volume_mix(sales, pd.Timestamp("2025-06-30"))["amount"]
    # continuing A, B: Q0 = 20, Q1 = 30, R0 = 300 -> volume = 10 * 300 / 20 = 150
    assert pvm["volume"] == pytest.approx(150.0)
    # mix = 30 * ((20/30 - 10/20) * 10 + (10/30 - 10/20) * 20) = 30 * (1.6667 - 3.3333) = -50
    assert pvm["mix"] == pytest.approx(-50.0)
    # price = (11 - 10) * 20 + (20 - 20) * 10 = 20
    assert pvm["price"] == pytest.approx(20.0)
    assert pvm["new products"] == 30.0 and pvm["lost products"] == -50.0
    assert pvm["other"] == pytest.approx(5.0)
    # total 455 - 350 = 105 = 150 - 50 + 20 + 30 - 50 + 5
    assert pvm["total"] == pytest.approx(105.0)
    assert pvm.drop("total").sum() == pytest.approx(pvm["total"])
    assert (
        revenue.price_volume_mix(sales.drop(columns="quantity"), pd.Timestamp("2025-06-30")) is None
    )
