"""The forecast never fails: short, zero, negative, intermittent, shifted and outlier histories."""

from __future__ import annotations

import concurrent.futures

import numpy as np
import pandas as pd
import pytest

from kamlib.forecast import (
    _damped_variance,
    _segment_lines,
    forecast,
    forecast_totals,
    is_simple,
    level_shift,
)


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


class _Fit:
    """Just what :func:`_damped_variance` reads from a fitted statsmodels model."""

    def __init__(self, alpha, beta_star, phi, resid):
        self.params = {"smoothing_level": alpha, "smoothing_trend": beta_star, "damping_trend": phi}
        self.resid = np.asarray(resid, dtype=float)


def test_damped_variance_by_hand():
    # alpha 0.5, Holt's beta* 0.2 -> beta = 0.1, phi 0.9; one-step errors 1, -1, 1, -1 after the
    # first: sigma^2 = 4 / 3 (ddof 1)
    # c_1 = 0.5 + 0.1 * 0.9 = 0.59, c_2 = 0.5 + 0.1 * (0.9 + 0.81) = 0.671
    # var = 4/3 * [1, 1 + 0.59^2, 1 + 0.59^2 + 0.671^2] = 4/3 * [1, 1.3481, 1.798341]
    var = _damped_variance(_Fit(0.5, 0.2, 0.9, [9.0, 1, -1, 1, -1]), 3)
    assert var == pytest.approx([4 / 3, 4 / 3 * 1.3481, 4 / 3 * 1.798341], rel=1e-12)


def test_damped_variance_matches_the_analytic_ets_interval():
    # statsmodels' ETSModel computes the ETS(A,Ad,N) interval analytically (Hyndman et al. 2008,
    # "Forecasting with Exponential Smoothing", Table 6.1, class 1); with the same smoothing
    # parameters the growth of the variance with the horizon must be the same
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = _months(np.cumsum(np.random.default_rng(0).normal(0.3, 2, 60)) + 50)
    fit = ExponentialSmoothing(y.to_numpy(), trend="add", damped_trend=True).fit()
    p = fit.params
    alpha = p["smoothing_level"]
    ets = ETSModel(y, error="add", trend="add", damped_trend=True).smooth(
        [
            alpha,
            alpha * p["smoothing_trend"],
            p["damping_trend"],
            p["initial_level"],
            p["initial_trend"],
        ]
    )
    assert np.allclose(ets.fittedvalues.to_numpy(), fit.fittedvalues)  # same model, same states
    frame = ets.get_prediction(start=60, end=65).summary_frame()
    width = (frame["pi_upper"] - frame["pi_lower"]).to_numpy()
    var = _damped_variance(fit, 6)
    assert var / var[0] == pytest.approx((width / width[0]) ** 2, rel=1e-9)


def test_positive_series_on_the_log_scale_others_as_they_are():
    fc = forecast(CASES["seasonal"], 12)
    assert fc.attrs["model"].startswith("combination of damped trend and Theta on the log scale")
    assert "seasonally adjusted" in fc.attrs["model"]
    # back from the log scale the interval is skewed upwards and stays positive
    assert ((fc["upper_95"] - fc["mean"]) > (fc["mean"] - fc["lower_95"])).all()
    assert (fc["lower_95"] > 0).all()
    credit = forecast(CASES["credit notes"], 12)
    assert "level scale" in credit.attrs["model"]


def test_statsmodels_warnings_become_the_fallback(monkeypatch):
    import warnings

    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    def warn(self, *args, **kwargs):
        warnings.warn("Optimization failed to converge", UserWarning, stacklevel=2)
        raise AssertionError("not reached: the warning is an error inside forecast()")

    monkeypatch.setattr(ExponentialSmoothing, "fit", warn)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fc = forecast(CASES["seasonal"], 12)
    assert fc.attrs["model"] == "recent mean" and not caught
    assert fc["mean"].iloc[0] == pytest.approx(CASES["seasonal"].iloc[-12:].mean())


def test_segment_lines_equal_least_squares():
    t = np.arange(10.0)
    w = np.array([3.0, 1, 4, 1, 5, 9, 2, 6, 5, 3])
    a, b, sse = _segment_lines(t, w, np.array([0, 4]), np.array([4, 10]))
    for i, (lo, hi) in enumerate([(0, 4), (4, 10)]):
        slope, intercept = np.polyfit(t[lo:hi], w[lo:hi], 1)
        resid = w[lo:hi] - (intercept + slope * t[lo:hi])
        assert (a[i], b[i], sse[i]) == pytest.approx((intercept, slope, resid @ resid))
    # by hand for the first segment: t 0..3, w 3 1 4 1 -> slope -0.3, intercept 2.7,
    # residuals 0.3 -1.4 1.9 -0.8 -> SSE 6.3
    assert (a[0], b[0], sse[0]) == pytest.approx((2.7, -0.3, 6.3))


def test_level_shift_found_where_business_was_won_or_lost():
    assert level_shift(CASES["level shift"].to_numpy()) == 24
    lost = np.r_[np.full(30, 300.0), np.full(18, 100.0)] + RNG.normal(0, 5, 48)
    assert level_shift(lost) == 30
    # a steep trend, a single outlier, seasonality: no level shift
    assert level_shift(50 + 10 * np.arange(48.0) + RNG.normal(0, 5, 48)) is None
    assert level_shift(CASES["outlier"].to_numpy()) is None
    assert level_shift(CASES["seasonal"].to_numpy()) is None
    # fewer than 6 months on the new level: not yet a shift
    assert level_shift(np.r_[np.full(43, 100.0), np.full(5, 300.0)] + RNG.normal(0, 5, 48)) is None


def test_forecast_follows_the_new_level():
    won = forecast(CASES["level shift"], 12)
    # after winning business the forecast stays near the new level of 300, not the trend that
    # a model of the whole history would draw through the step
    assert won["mean"].between(280, 320).all()
    assert won.attrs["model"].endswith("on the months since the level shift in Jan 2023")
    lost = _months(np.r_[np.full(30, 300.0), np.full(18, 100.0)] + RNG.normal(0, 5, 48))
    fc = forecast(lost, 12)
    # 18 months on the new level: too short for a model, so their mean
    assert fc["mean"].iloc[0] == pytest.approx(lost.iloc[-12:].mean())
    assert fc.attrs["model"] == "recent mean, on the months since the level shift in Jul 2023"


def test_level_shift_test_prints_no_warning():
    # a constant history makes the autocorrelation of the seasonality test divide by zero: the
    # warning must become the fallback, not reach the report
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fc = forecast(_months([100.0] * 30), 12)
    assert not caught and fc.attrs["model"] == "recent mean" and (fc["mean"] == 100).all()


def _many_accounts(n: int = 12) -> pd.DataFrame:
    """Wide monthly revenue of ``n`` accounts of every kind, all modelled or some not."""
    kinds = [c for c in CASES.values() if isinstance(c.index, pd.DatetimeIndex)]
    index = pd.date_range("2019-01-01", periods=60, freq="MS")
    wide = {}
    for i in range(n):
        values = kinds[i % len(kinds)].to_numpy()
        wide[f"A{i:02d}"] = pd.Series(values * (1 + i / 10), index=index[-len(values) :])
    return pd.DataFrame(wide).reindex(index)


def test_totals_in_workers_equal_the_totals_here(monkeypatch):
    import kamlib.forecast as module

    wide = _many_accounts()
    here = forecast_totals(wide, 12, workers=1)
    for col in wide:  # what forecast() says, account by account: exactly where it fits models
        y = wide[col].dropna()
        expected = float(forecast(y, 12)["mean"].sum())
        assert here[col] == (expected if not is_simple(y) else pytest.approx(expected))
    assert sum(not is_simple(wide[col].dropna()) for col in wide) >= 6
    # workers from 3 modelled accounts on, 2 per task: this process takes tasks from the end
    # while the workers start
    monkeypatch.setattr(module, "PARALLEL_MIN", 3)
    monkeypatch.setattr(module, "_CHUNK", 2)
    spread = forecast_totals(wide, 12, workers=2)
    assert spread.index.equals(here.index)
    assert (spread.to_numpy() == here.to_numpy()).all()
    # every task left to the workers (no task can be taken back from the pool)
    monkeypatch.setattr(concurrent.futures.Future, "cancel", lambda self: False)
    in_workers = forecast_totals(wide, 12, workers=2)
    assert (in_workers.to_numpy() == here.to_numpy()).all()


def test_totals_without_worker_processes(monkeypatch):
    import kamlib.forecast as module

    def no_processes(*args, **kwargs):
        raise OSError("no semaphores here")

    wide = _many_accounts()
    here = forecast_totals(wide, 12, workers=1)
    monkeypatch.setattr(module, "PARALLEL_MIN", 3)
    monkeypatch.setattr(module, "ProcessPoolExecutor", no_processes)
    assert (forecast_totals(wide, 12, workers=2).to_numpy() == here.to_numpy()).all()


def test_one_blas_thread_is_restored():
    from kamlib.forecast import _blas_thread_setters, _one_blas_thread

    before = [get() for get, _ in _blas_thread_setters()]
    with _one_blas_thread():
        assert all(get() == 1 for get, _ in _blas_thread_setters())
    assert [get() for get, _ in _blas_thread_setters()] == before
