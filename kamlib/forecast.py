"""Monthly revenue forecasts with prediction intervals: one function hiding the model zoo.

Modelling decisions
-------------------
* Short (< 24 months), intermittent (>= 30 % zero months) or empty histories get the *recent
  mean*: the mean of the last ``min(n, 12)`` months, flat, with the prediction interval of a new
  observation around a sample mean (``mean +- z * s * sqrt(1 + 1/k)``). It is computed for
  thousands of accounts at once in :func:`forecast_totals`.
* Longer histories get the equal-weight combination of Holt's damped trend and the Theta method
  (statsmodels), fitted to the seasonally adjusted series and re-seasonalised. Seasonality is a
  classical multiplicative decomposition, used only with two full years of positive values and
  a significant lag-12 autocorrelation (the 90 % test of the M3 Theta method).
* Strictly positive series are modelled on the log scale: growth is then proportional, the
  forecast can never turn negative and the interval widens with the level. Series with zero or
  negative months (credit notes) are modelled as they are.
* A level shift (business won or lost: the two sides of a split jump apart by more than six
  residual standard deviations, see :func:`level_shift`) cuts the history: only the months
  since describe the future, and with fewer than 24 of them the recent mean of those applies.
  Without this, trend models read a step as growth and extrapolate it.
* Why this pair: on the 1428 monthly M3 series (``benchmarks/forecast_m3.py``) the pair beats
  each member, the log scale beats the level scale for every member tried (SES, damped trend,
  Theta), and a third member (SES, ETS(M,Ad,N), ARIMA(0,1,1) or seasonal naive, as mean or
  median) made sMAPE worse by 0.04 to 0.26 points; larger medians gained at most 0.02 points,
  and only when picked on the test data itself. So the simple pair stays. The point forecast is the median of the predictive distribution on the
  log scale (a slight understatement of the mean, for a forecast that cannot turn negative).
* Interval: the ETS(A,Ad,N) forecast variance of the damped trend member (Hyndman et al.
  2008, class 1) with the standard deviation of its one-step errors, plus the disagreement of
  the two members (their spread, added in quadrature); transformed back from the log scale, so
  it is skewed upwards there. Not tuned: on M3 it covers 77 % (80 %) and 92 % (95 %).
* Any fitting failure, warning or non-finite result falls back to the recent mean. Lower bounds
  are never above the forecast, upper bounds never below; nothing returned is NaN.
* Many accounts (:func:`forecast_totals`): from :data:`PARALLEL_MIN` modelled histories on, the
  fits are spread over worker processes, one per core (the calling process fits too while they
  start); fewer are fitted in the calling process alone, so a report run never waits for
  workers to start. Either way each fit uses one BLAS thread: the fits are small, and BLAS
  threads competing with them for the same cores make them several times slower.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "MODEL_MODULES",
    "PARALLEL_MIN",
    "forecast",
    "forecast_totals",
    "is_simple",
    "level_shift",
    "seasonal_index",
]

_MIN_MODEL = 24
_INTERMITTENT = 0.30
_RECENT = 12
#: a level shift is a jump of more than this many residual standard deviations
SHIFT_SIGMAS = 6.0
#: from this many modelled histories on, :func:`forecast_totals` uses worker processes (some
#: 20 s of fitting on one core, against a second or two to start the workers)
PARALLEL_MIN = 2000
_CHUNK = 32  # histories per task: small enough to keep every worker busy to the end


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


def _columns(mean, sd, levels, back=None) -> dict[str, np.ndarray]:
    """``mean +- z * sd`` per level, each transformed by ``back`` (identity by default): the
    columns of a forecast, in order."""
    from scipy import stats  # here: a run that finds its forecasts cached never imports it

    back = back if back is not None else (lambda x: x)
    out = {"mean": back(mean)}
    for level in levels:
        z = stats.norm.ppf(0.5 + level / 200)
        out[f"lower_{level}"] = back(mean - z * sd)
        out[f"upper_{level}"] = back(mean + z * sd)
    return out


def _recent_mean(y: pd.Series, horizon: int, levels) -> dict[str, np.ndarray]:
    recent = y.iloc[-_RECENT:]
    k = len(recent)
    mean = float(recent.mean()) if k else 0.0
    sd = float(recent.std(ddof=1)) * np.sqrt(1 + 1 / k) if k > 1 else 0.0
    return _columns(np.full(horizon, mean), np.full(horizon, sd), levels)


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


def _segment_lines(t: np.ndarray, w: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Least-squares lines over the segments ``[lo, hi)`` of ``w``: (intercept, slope, SSE)."""
    c = [np.r_[0.0, np.cumsum(v)] for v in (np.ones_like(w), t, t * t, w, t * w, w * w)]
    m, st, stt, sw, stw, sww = (x[hi] - x[lo] for x in c)
    stt_c, stw_c = stt - st * st / m, stw - st * sw / m
    slope = stw_c / stt_c
    intercept = (sw - slope * st) / m
    sse = np.maximum(sww - sw * sw / m - slope * stw_c, 0.0)
    return intercept, slope, sse


def _working_scale(values: np.ndarray) -> tuple[np.ndarray | None, np.ndarray, bool]:
    """The seasonal index (or None), the seasonally adjusted series on the scale the models see
    (its log when every month is positive) and whether that scale is the log."""
    n = len(values)
    si = seasonal_index(values)
    adjusted = values / si[np.arange(n) % 12] if si is not None else values
    log = bool((adjusted > 0).all())
    return si, (np.log(adjusted) if log else adjusted), log


def _shift_position(w: np.ndarray, min_before: int = 12, min_after: int = 6) -> int | None:
    """:func:`level_shift` on a series already on its working scale."""
    n = len(w)
    if n < min_before + min_after:
        return None
    t = np.arange(n, dtype=float)
    k = np.arange(min_before, n - min_after + 1)
    a1, b1, sse1 = _segment_lines(t, w, np.zeros_like(k), k)
    a2, b2, sse2 = _segment_lines(t, w, k, np.full_like(k, n))
    best = int(np.argmin(sse1 + sse2))
    sigma = np.sqrt((sse1[best] + sse2[best]) / (n - 4))
    jump = (a2[best] + b2[best] * k[best]) - (a1[best] + b1[best] * k[best])
    return int(k[best]) if abs(jump) > SHIFT_SIGMAS * sigma else None


def level_shift(y: np.ndarray, min_before: int = 12, min_after: int = 6) -> int | None:
    """Position of the first month of a new level (business won or lost), or None.

    Every split with at least ``min_before`` months before and ``min_after`` after gets a line
    on each side (on the log scale when all values are positive, seasonally adjusted where
    :func:`seasonal_index` finds seasonality); the split with the least squared error is a level
    shift when the two lines jump apart at it by more than :data:`SHIFT_SIGMAS` times the
    standard deviation of the residuals. A trend, however steep, has no jump; a single outlier
    has too large residuals.
    """
    values = np.asarray(y, dtype=float)
    if len(values) < min_before + min_after:
        return None
    return _shift_position(_working_scale(values)[1], min_before, min_after)


def _damped_variance(fit, h: int) -> np.ndarray:
    """ETS(A,Ad,N) forecast variance for steps 1..h: ``sigma^2 (1 + sum_{j<h} c_j^2)`` with
    ``c_j = alpha + beta phi (1 - phi^j) / (1 - phi)``, ``beta = alpha * beta*`` (statsmodels
    reports Holt's ``beta*``) and ``sigma`` from the in-sample one-step errors."""
    alpha = float(fit.params["smoothing_level"])
    beta = alpha * float(fit.params["smoothing_trend"])
    phi = float(fit.params["damping_trend"])
    sigma2 = float(np.var(np.asarray(fit.resid)[1:], ddof=1))
    j = np.arange(1, h)
    damp = j.astype(float) if phi >= 1 else phi * (1 - phi**j) / (1 - phi)
    c2 = (alpha + beta * damp) ** 2
    return sigma2 * (1 + np.concatenate([[0.0], np.cumsum(c2)]))


def _combination(
    y: pd.Series, horizon: int, levels, prepared: tuple | None = None
) -> tuple[dict[str, np.ndarray], dict, str]:
    """Mean of damped trend and Theta on the seasonally adjusted (log) series, re-seasonalised:
    the columns, the method as data and in words.

    ``prepared``: :func:`_working_scale` of ``y`` when the caller has it already.
    """
    from statsmodels.tsa.forecasting.theta import ThetaModel
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    values = y.to_numpy(dtype=float)
    n, h = len(values), horizon
    si, work, log = prepared if prepared is not None else _working_scale(values)
    season_out = si[np.arange(n, n + h) % 12] if si is not None else np.ones(h)
    damped = ExponentialSmoothing(work, trend="add", damped_trend=True).fit()
    theta = ThetaModel(work, period=12, deseasonalize=False).fit()
    paths = np.vstack([damped.forecast(h), np.asarray(theta.forecast(h))])
    sd = np.sqrt(_damped_variance(damped, h) + paths.var(axis=0))
    back = (lambda x: np.exp(x) * season_out) if log else (lambda x: x * season_out)
    columns = _columns(paths.mean(axis=0), sd, levels, back)
    method = {"kind": "combination", "log": log, "seasonal": si is not None}
    scale = "log scale" if log else "level scale"
    seasonal = ", seasonally adjusted" if si is not None else ""
    return columns, method, f"combination of damped trend and Theta on the {scale}{seasonal}"


def _check_arguments(horizon: int, levels: tuple[int, ...]) -> None:
    """The checks of :func:`forecast`'s arguments."""
    if not 1 <= int(horizon) <= 36:
        raise ValueError(f"'horizon' must be between 1 and 36, got {horizon!r}.")
    if any(not 0 < lv < 100 for lv in levels):
        raise ValueError(f"'levels' must be percentages between 0 and 100, got {levels!r}.")


def _predict(
    y: pd.Series, horizon: int, levels: tuple[int, ...]
) -> tuple[dict[str, np.ndarray], dict, str, pd.Series, int | None]:
    """The forecast of :func:`forecast` as arrays, before the intervals are put in order.

    Returns the columns, the method as data and in words, the history the forecast rests on
    (the months since a level shift, if there is one) and the position of the shift.
    """
    columns, shift = None, None
    if not is_simple(y):
        try:
            # the level-shift test decomposes the series too: its warnings are trapped as well
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                prepared = _working_scale(y.to_numpy(dtype=float))
                shift = _shift_position(prepared[1])
                if shift is not None:  # only the months since business was won or lost count
                    y, prepared = y.iloc[shift:], None
                if not is_simple(y):
                    columns, method, model = _combination(y, horizon, levels, prepared)
            if columns is not None and not all(np.isfinite(c).all() for c in columns.values()):
                columns = None
        except Exception:  # noqa: BLE001 - any failure of the model means the fallback
            columns = None
    if columns is None:
        columns = _recent_mean(y, horizon, levels)
        method = {"kind": "recent_mean", "log": False, "seasonal": False}
        model = "recent mean"
    return columns, method, model, y, shift


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
        the method in words in ``.attrs["model"]`` and as data in ``.attrs["method"]``
        (``kind``: ``combination`` or ``recent_mean``; ``log``, ``seasonal``; ``since``: the
        first month after a level shift, or None).
    """
    _check_arguments(horizon, levels)
    y = _as_monthly(y)
    index = _future_index(y, int(horizon))
    columns, method, model, y, shift = _predict(y, len(index), levels)
    out = pd.DataFrame(columns, index=index)
    for level in levels:  # never an inverted interval
        lo, hi = out[f"lower_{level}"], out[f"upper_{level}"]
        out[f"lower_{level}"], out[f"upper_{level}"] = (
            np.minimum(lo, out["mean"]),
            np.maximum(hi, out["mean"]),
        )
    method = dict(method, since=y.index[0] if shift is not None else None)
    if shift is not None:
        model += f", on the months since the level shift in {y.index[0]:%b %Y}"
    out.attrs["model"] = model
    out.attrs["method"] = method
    return out


def _total(y: pd.Series, horizon: int) -> float:
    """``forecast(y, horizon)["mean"].sum()``, without building the forecast's frame."""
    levels = (80, 95)  # forecast()'s default: a non-finite bound means the fallback there
    _check_arguments(horizon, levels)
    columns = _predict(_as_monthly(y), int(horizon), levels)[0]
    return float(pd.Series(columns["mean"]).sum())


def _blas_thread_setters() -> list[tuple[Callable[[], int], Callable[[int], None]]]:
    """(get, set) of the thread count of every OpenBLAS or MKL library loaded in this process
    (NumPy and SciPy each bring their own OpenBLAS); empty where they cannot be found."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:  # not Linux: leave the libraries as they are
        return []
    paths = sorted(
        {
            line.split(maxsplit=5)[-1]
            for line in maps.splitlines()
            if ("openblas" in line.lower() or "mkl_rt" in line.lower())
            and line.split(maxsplit=5)[-1].startswith("/")
        }
    )
    found = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get_name, set_name in (
            ("openblas_get_num_threads", "openblas_set_num_threads"),
            ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
            ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
            ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
            ("MKL_Get_Max_Threads", "MKL_Set_Num_Threads"),
        ):
            getter, setter = getattr(lib, get_name, None), getattr(lib, set_name, None)
            if getter is not None and setter is not None:
                getter.restype, setter.restype = ctypes.c_int, None
                setter.argtypes = [ctypes.c_int]
                found.append((getter, setter))
                break
    return found


_BLAS_LOCK = threading.Lock()
_blas_users = 0  # blocks of _one_blas_thread running now, in any thread
_blas_before: list[tuple[Callable[[int], None], int]] = []


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread inside the block; the thread counts are restored when the
    last such block (of any thread) ends."""
    global _blas_users
    with _BLAS_LOCK:
        if _blas_users == 0:
            _blas_before[:] = [(set_, get()) for get, set_ in _blas_thread_setters()]
            for set_, _ in _blas_before:
                set_(1)
        _blas_users += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _blas_users -= 1
            if _blas_users == 0:
                for set_, count in _blas_before:
                    set_(count)


def _worker_start() -> None:
    """Initialiser of a forecast worker: the fits of a worker use one BLAS thread."""
    for _, set_ in _blas_thread_setters():
        set_(1)


def _totals(histories: list[pd.Series], horizon: int) -> list[float]:
    """``forecast(y, horizon)["mean"].sum()`` of each history (run in a worker or here)."""
    return [_total(y, horizon) for y in histories]


def forecast_totals(
    monthly: pd.DataFrame, horizon: int = 12, workers: int | None = None
) -> pd.Series:
    """Sum of the point forecasts per account, equal to ``forecast(y, horizon)["mean"].sum()``.

    Parameters
    ----------
    monthly : pd.DataFrame
        Wide monthly revenue (index month starts, columns account_id, NaN before an account's
        first month), as from :func:`kamlib.measures.monthly_revenue`.
    horizon : int, default 12
    workers : int, optional
        Worker processes for the modelled histories; default one per core
        (:func:`os.cpu_count`). They are used from :data:`PARALLEL_MIN` modelled histories on;
        with fewer, or ``workers=1``, every history is fitted in this process.

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
    modelled = monthly.columns[~simple.to_numpy()]
    histories = [monthly[account_id].dropna() for account_id in modelled]
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    if workers > 1 and len(histories) >= max(PARALLEL_MIN, 1):
        results = _parallel_totals(histories, horizon, workers)
    else:
        with _one_blas_thread():
            results = _totals(histories, horizon)
    totals[modelled] = results
    return totals.astype(float)


#: what fitting a forecast imports: once by the server forecast workers are forked from, and by
#: ``kam report``'s kernels while they warm up
MODEL_MODULES = (
    "kamlib.forecast",
    "statsmodels.tsa.holtwinters",
    "statsmodels.tsa.forecasting.theta",
    "statsmodels.tsa.stattools",
)


def _pool_context() -> multiprocessing.context.BaseContext:
    """How forecast workers start: forked from multiprocessing's fork server, which imports the
    models once and runs no threads of this process (POSIX); spawned elsewhere. Never forked
    from this process itself, whatever threads it runs."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(MODEL_MODULES))
        return context
    return multiprocessing.get_context("spawn")


def _parallel_totals(histories: list[pd.Series], horizon: int, workers: int) -> list[float]:
    """:func:`_totals` of ``histories`` on ``workers`` worker processes.

    The histories go out to the workers in chunks, in order. Until the first chunk comes back
    (the workers take a moment to start), this process fits chunks itself, from the last one
    backwards: a chunk still waiting in the pool is cancelled there and fitted here. So no core
    waits for the workers to start, and once they run, no more processes fit than there are
    cores.
    """
    chunks = [histories[i : i + _CHUNK] for i in range(0, len(histories), _CHUNK)]
    done: list[list[float] | None] = [None] * len(chunks)
    try:
        with ProcessPoolExecutor(
            max_workers=min(workers, len(chunks)),
            mp_context=_pool_context(),
            initializer=_worker_start,
        ) as pool:
            futures = [pool.submit(_totals, chunk, horizon) for chunk in chunks]
            with _one_blas_thread():
                for i in reversed(range(len(chunks))):
                    if any(f.done() for f in futures[:workers]):
                        break  # the workers run
                    if not futures[i].cancel():
                        break  # a worker has it: so it has every chunk before it too
                    done[i] = _totals(chunks[i], horizon)
            for i, future in enumerate(futures):
                if done[i] is None:
                    done[i] = future.result()
    except (BrokenProcessPool, NotImplementedError, OSError):
        # no worker processes to be had (a platform or sandbox without them, a worker killed):
        # what is left is fitted here
        with _one_blas_thread():
            for i, part in enumerate(done):
                if part is None:
                    done[i] = _totals(chunks[i], horizon)
    return [total for part in done for total in part]
