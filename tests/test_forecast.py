"""The forecast never fails: short, zero, negative, intermittent, shifted and outlier histories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlib.forecast import forecast, forecast_totals, is_simple


def _months(values, start="2021-01-01") -> pd.Series:
    return pd.Series(
        values, index=pd.date_range(start, periods=len(values), freq="MS"), dtype=float
    )


RNG = np.random.default_rng(3)
CASES = {
    "three months": _months([10, 12, 11]),
    "all zeros": _months([0.0] * 30),
    "credit notes": _months(np.r_[RNG.normal(100, 10, 30), [-50.0, 80.0, -20.0]]),
    "intermittent": _months(np.where(RNG.random(40) < 0.5, 0.0, RNG.gamma(2, 50, 40))),
    "level shift": _months(np.r_[np.full(24, 100.0), np.full(24, 300.0)] + RNG.normal(0, 5, 48)),
    "outlier": _months(np.r_[RNG.normal(100, 5, 40), [5000.0], RNG.normal(100, 5, 7)]),
    "seasonal": _months(100 + 30 * np.sin(np.arange(60) * 2 * np.pi / 12) + RNG.normal(0, 3, 60)),
    "period index": pd.Series(
        np.arange(30.0) + 1, index=pd.period_range("2022-01", periods=30, freq="M")
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_never_nan_never_inverted(name):
    fc = forecast(CASES[name], 12, levels=(80, 95))
    assert list(fc.columns) == ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert len(fc) == 12 and np.isfinite(fc.to_numpy()).all()
    assert (fc["lower_95"] <= fc["lower_80"]).all() and (fc["lower_80"] <= fc["mean"]).all()
    assert (fc["mean"] <= fc["upper_80"]).all() and (fc["upper_80"] <= fc["upper_95"]).all()
    assert fc.attrs["model"]


def test_recent_mean_by_hand():
    # 3 months: mean 11, s = 1, interval half width z * s * sqrt(1 + 1/3)
    fc = forecast(CASES["three months"], 3, levels=(95,))
    assert fc["mean"].tolist() == [11.0] * 3
    assert fc["upper_95"].iloc[0] == pytest.approx(11 + 1.959964 * np.sqrt(4 / 3), abs=1e-5)
    assert fc.attrs["model"] == "recent mean"
    assert is_simple(CASES["intermittent"]) and not is_simple(CASES["seasonal"])


def test_empty_history_and_argument_checks():
    fc = forecast(pd.Series([], dtype=float, index=pd.DatetimeIndex([])), 12)
    assert (fc.to_numpy() == 0).all()
    with pytest.raises(ValueError, match="'horizon' must be between 1 and 36"):
        forecast(CASES["seasonal"], 0)
    with pytest.raises(ValueError, match="'levels'"):
        forecast(CASES["seasonal"], 12, levels=(100,))
    with pytest.raises(TypeError, match="'y' must be a pandas Series"):
        forecast([1, 2, 3], 12)


def test_totals_equal_the_per_series_forecast():
    wide = pd.DataFrame(
        {
            "short": CASES["three months"].reindex(CASES["seasonal"].index),
            "seasonal": CASES["seasonal"],
            "zeros": 0.0,
        }
    )
    # "short" starts late in this frame: give it its own 3 months at the end
    wide["short"] = np.r_[np.full(57, np.nan), [10.0, 12.0, 11.0]]
    totals = forecast_totals(wide, 12)
    for col in wide:
        expected = forecast(wide[col].dropna(), 12)["mean"].sum()
        assert totals[col] == pytest.approx(expected)
    assert totals["zeros"] == 0 and totals["short"] == pytest.approx(132.0)
