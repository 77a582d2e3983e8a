"""Monthly revenue forecasts with prediction intervals: one function hiding the model zoo.

Implementation details
----------------------
* Short (< 24 months), intermittent (>= 30 % zero months) or empty histories get the *recent
  mean*: the mean of the last ``min(n, 12)`` months, flat, with the prediction interval of a new
  observation around a sample mean (``mean +- z * s * sqrt(1 + 1/k)``). It is computed for
  thousands of accounts at once in :func:`forecast_totals`.
* Longer histories get the equal-weight combination of simple exponential smoothing, Holt's
  damped trend and the Theta method (statsmodels), fitted to the seasonally adjusted series
  and re-seasonalised. Seasonality is a classical multiplicative decomposition, used only with
  two full years of positive values and a significant lag-12 autocorrelation. Combinations of
  these three are the robust choice on monthly business series (M3: better than each member).
  Any fitting failure, warning or non-finite result falls back to the recent mean.
* Lower bounds are never above upper bounds; nothing returned is NaN.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["forecast", "forecast_totals", "is_simple"]

_MIN_MODEL = 24
_INTERMITTENT = 0.30
_RECENT = 12


def _as_monthly(y: pd.Series) -> pd.Series:
    if not isinstance(y, pd.Series):
        raise TypeError(f"'y' must be a pandas Series, got {type(y).__name__}.")
    if isinstance(y.index, pd.PeriodIndex):
        y = y.copy()
        y.index = y.index.to_timestamp()
    if len(y) and not isinstance(y.index, pd.DatetimeIndex):
        raise ValueError(
            f"'y' must be indexed by month (DatetimeIndex or PeriodIndex), got "
            f"{type(y.index).__name__}."
        )
    return y.astype(float).fillna(0.0)


def is_simple(y: pd.Series) -> bool:
    """Whether ``y`` gets the recent mean (short, intermittent or empty history)."""
    n = len(y)
    return n < _MIN_MODEL or float((y == 0).mean()) >= _INTERMITTENT


def _future_index(y: pd.Series, horizon: int) -> pd.DatetimeIndex:
    start = (
        (y.index[-1] + pd.offsets.MonthBegin(1))
        if len(y)
        else (
            pd.Timestamp.today().normalize().to_period("M").to_timestamp()
            + pd.offsets.MonthBegin(1)
        )
    )
    return pd.date_range(start, periods=horizon, freq="MS", name="month")


def _frame(index, mean, sd, levels) -> pd.DataFrame:
    out = pd.DataFrame({"mean": mean}, index=index)
    for level in levels:
        z = stats.norm.ppf(0.5 + level / 200)
        out[f"lower_{level}"] = mean - z * sd
        out[f"upper_{level}"] = mean + z * sd
    return out


def _recent_mean(y: pd.Series, index, levels) -> pd.DataFrame:
    recent = y.iloc[-_RECENT:]
    k = len(recent)
    mean = float(recent.mean()) if k else 0.0
    sd = float(recent.std(ddof=1)) * np.sqrt(1 + 1 / k) if k > 1 else 0.0
    return _frame(index, np.full(len(index), mean), np.full(len(index), sd), levels)


def seasonal_index(y: np.ndarray) -> np.ndarray | None:
    """Multiplicative seasonal index (12 values, mean 1) or None when there is no seasonality.

    Classical decomposition (centred 2x12 moving average) on at least two full years of strictly
    positive values, applied only when the lag-12 autocorrelation exceeds its 90 % limit
    (``1.645 * sqrt((1 + 2 * sum_{k<12} r_k^2) / n)``), as in the M3/M4 Theta benchmarks.
    """
    n = len(y)
    if n < 24 or (y <= 0).any():
        return None
    from statsmodels.tsa.stattools import acf

    r = acf(y, nlags=12, fft=True)
    if abs(r[12]) <= 1.645 * np.sqrt((1 + 2 * np.sum(r[1:12] ** 2)) / n):
        return None
    s = pd.Series(y)
    trend = s.rolling(12, center=True).mean().rolling(2, center=True).mean().shift(-1)
    index = (s / trend).groupby(np.arange(n) % 12).mean().to_numpy()
    return index / index.mean()


def _combination(y: pd.Series, index, levels) -> pd.DataFrame:
    """Mean of SES, damped Holt and Theta on the seasonally adjusted series, re-seasonalised.

    Interval: the SES forecast variance ``sigma^2 (1 + (h - 1) alpha^2)`` with ``sigma`` the
    standard deviation of the combination's in-sample one-step errors of SES, widened by the
    spread of the three methods' forecasts (their standard deviation, added in quadrature).
    """
    from statsmodels.tsa.forecasting.theta import ThetaModel
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    values = y.to_numpy(dtype=float)
    n, h = len(values), len(index)
    si = seasonal_index(values)
    season_in = si[np.arange(n) % 12] if si is not None else np.ones(n)
    season_out = si[np.arange(n, n + h) % 12] if si is not None else np.ones(h)
    adjusted = values / season_in
    ses = ExponentialSmoothing(adjusted).fit()
    damped = ExponentialSmoothing(adjusted, trend="add", damped_trend=True).fit()
    theta = ThetaModel(adjusted, period=12, deseasonalize=False).fit()
    paths = np.vstack([ses.forecast(h), damped.forecast(h), np.asarray(theta.forecast(h))])
    mean = paths.mean(axis=0) * season_out
    alpha = float(ses.params["smoothing_level"])
    sigma = float(np.std(ses.resid[1:], ddof=1))
    steps = np.arange(1, h + 1)
    sd = np.sqrt(sigma**2 * (1 + (steps - 1) * alpha**2) + paths.std(axis=0) ** 2) * season_out
    return _frame(index, mean, sd, levels)


def forecast(y: pd.Series, horizon: int = 12, levels: tuple[int, ...] = (80, 95)) -> pd.DataFrame:
    """Forecast the next ``horizon`` months of ``y``.

    Parameters
    ----------
    y : pd.Series
        Monthly values indexed by month (DatetimeIndex of month starts or a monthly PeriodIndex).
    horizon : int, default 12
        Months to forecast, 1..36.
    levels : tuple of int, default (80, 95)
        Prediction interval levels in percent.

    Returns
    -------
    pd.DataFrame
        Indexed by the next ``horizon`` month starts: ``mean``, ``lower_<l>``, ``upper_<l>``;
        the method in ``.attrs["model"]``.
    """
    if not 1 <= int(horizon) <= 36:
        raise ValueError(f"'horizon' must be between 1 and 36, got {horizon!r}.")
    if any(not 0 < lv < 100 for lv in levels):
        raise ValueError(f"'levels' must be percentages between 0 and 100, got {levels!r}.")
    y = _as_monthly(y)
    index = _future_index(y, int(horizon))
    model = "recent mean"
    out = None
    if not is_simple(y):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                out = _combination(y, index, levels)
            model = "combination of exponential smoothing, damped trend and Theta"
            if not np.isfinite(out.to_numpy()).all():
                out = None
        except Exception:  # noqa: BLE001 - any failure of the model means the fallback
            out = None
    if out is None:
        out = _recent_mean(y, index, levels)
        model = "recent mean"
    for level in levels:  # never an inverted interval
        lo, hi = out[f"lower_{level}"], out[f"upper_{level}"]
        out[f"lower_{level}"], out[f"upper_{level}"] = (
            np.minimum(lo, out["mean"]),
            np.maximum(hi, out["mean"]),
        )
    out.attrs["model"] = model
    return out


def forecast_totals(monthly: pd.DataFrame, horizon: int = 12) -> pd.Series:
    """Sum of the point forecasts per account, equal to ``forecast(y, horizon)["mean"].sum()``.

    Parameters
    ----------
    monthly : pd.DataFrame
        Wide monthly revenue (index month starts, columns account_id, NaN before an account's
        first month), as from :func:`kamlib.revenue.monthly_revenue`.
    horizon : int, default 12

    Returns
    -------
    pd.Series
        Indexed by account_id.
    """
    if monthly.empty:
        return pd.Series(0.0, index=monthly.columns, dtype=float)
    n = monthly.notna().sum()
    zero_share = (monthly == 0).sum() / n.where(n > 0)
    simple = (n < _MIN_MODEL) | (zero_share >= _INTERMITTENT) | (n == 0)
    # the recent mean, vectorized: all series end in the same month
    recent = monthly.iloc[-_RECENT:].mean().fillna(0.0) * horizon
    totals = recent.where(simple)
    for account_id in monthly.columns[~simple.to_numpy()]:
        y = monthly[account_id].dropna()
        totals[account_id] = float(forecast(y, horizon)["mean"].sum())
    return totals.astype(float)
