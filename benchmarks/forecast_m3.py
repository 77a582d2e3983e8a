"""Forecast accuracy on the M3 competition's 1428 monthly series, against the published methods.

    .venv/bin/python benchmarks/forecast_m3.py [--sample N] [--seed S]

Fits ``kamlib.forecast.forecast`` on each series' ``train`` part, forecasts the 18 ``test``
months and prints, side by side in the same run: sMAPE (mean of 200|y - f| / (|y| + |f|), in %),
MASE (scaled by the in-sample seasonal naive MAE, m = 12; Hyndman & Koehler 2006), the coverage
of the 80 % and 95 % intervals, seconds per series, and the same accuracy figures for the
competition's own published forecasts (THETA, ForecastPro, DAMPEN, COMB S-H-D, NAIVE2), plus
statsforecast's AutoETS and AutoTheta when that optional package is installed
(``make bench`` installs it). Ratios are against THETA. Skips when the data are absent.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from kamlib.forecast import forecast

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "m3_monthly"
PUBLISHED = ["THETA", "ForecastPro", "DAMPEN", "COMB S-H-D", "NAIVE2"]
H = 18


def smape(y: np.ndarray, f: np.ndarray) -> float:
    return float(np.mean(200 * np.abs(y - f) / (np.abs(y) + np.abs(f))))


def mase(y: np.ndarray, f: np.ndarray, train: np.ndarray) -> float:
    scale = np.mean(np.abs(train[12:] - train[:-12]))
    return float(np.mean(np.abs(y - f)) / scale)


def load(sample: int | None, seed: int) -> tuple[dict, pd.DataFrame]:
    actuals = pd.read_csv(DATA / "actuals.csv")
    series = {}
    for sid, part in actuals.groupby("series_id", sort=False):
        train = part.loc[part["split"] == "train"]
        # some M3 series carry placeholder years (0001-01): only the monthly spacing matters
        index = pd.date_range("2000-01-01", periods=len(train), freq="MS")
        series[sid] = (
            pd.Series(train["value"].to_numpy(float), index=index),
            part.loc[part["split"] == "test", "value"].to_numpy(float),
        )
    if sample:
        rng = np.random.default_rng(seed)
        keep = sorted(rng.choice(sorted(series), size=sample, replace=False))
        series = {k: series[k] for k in keep}
    published = pd.read_csv(DATA / "published_forecasts.csv")
    return series, published


def score_points(name: str, forecasts: dict, series: dict, seconds: float | None) -> dict:
    s, m = [], []
    for sid, (train, test) in series.items():
        f = forecasts[sid]
        s.append(smape(test, f))
        m.append(mase(test, f, train.to_numpy()))
    return {
        "method": name,
        "sMAPE": np.mean(s),
        "MASE": np.mean(m),
        "cover80": np.nan,
        "cover95": np.nan,
        "s/series": seconds,
    }


def run_kam(series: dict) -> dict:
    s, m, c80, c95 = [], [], [], []
    start = time.process_time()
    for train, test in series.values():
        fc = forecast(train, H)
        f = fc["mean"].to_numpy()
        s.append(smape(test, f))
        m.append(mase(test, f, train.to_numpy()))
        c80.append(np.mean((test >= fc["lower_80"]) & (test <= fc["upper_80"])))
        c95.append(np.mean((test >= fc["lower_95"]) & (test <= fc["upper_95"])))
    seconds = (time.process_time() - start) / len(series)
    return {
        "method": "kam forecast()",
        "sMAPE": np.mean(s),
        "MASE": np.mean(m),
        "cover80": 100 * np.mean(c80),
        "cover95": 100 * np.mean(c95),
        "s/series": seconds,
    }


def run_statsforecast(series: dict) -> list[dict]:
    try:
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS, AutoTheta
    except ImportError:
        print("statsforecast not installed: its rows are skipped (make bench installs it)")
        return []
    frames = [
        pd.DataFrame({"unique_id": sid, "ds": train.index, "y": train.to_numpy()})
        for sid, (train, _) in series.items()
    ]
    df = pd.concat(frames, ignore_index=True)
    rows = []
    for model in (AutoETS(season_length=12), AutoTheta(season_length=12)):
        start = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = StatsForecast(models=[model], freq="MS", n_jobs=1).forecast(
                df=df, h=H, level=[80, 95]
            )
        seconds = (time.process_time() - start) / len(series)
        name = type(model).__name__
        s, m, c80, c95 = [], [], [], []
        for sid, (train, test) in series.items():
            part = out.loc[out["unique_id"] == sid]
            f = part[name].to_numpy()
            s.append(smape(test, f))
            m.append(mase(test, f, train.to_numpy()))
            c80.append(np.mean((test >= part[f"{name}-lo-80"]) & (test <= part[f"{name}-hi-80"])))
            c95.append(np.mean((test >= part[f"{name}-lo-95"]) & (test <= part[f"{name}-hi-95"])))
        rows.append(
            {
                "method": f"statsforecast {name}",
                "sMAPE": np.mean(s),
                "MASE": np.mean(m),
                "cover80": 100 * np.mean(c80),
                "cover95": 100 * np.mean(c95),
                "s/series": seconds,
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0, help="random subset of series (0 = all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-statsforecast", action="store_true")
    args = parser.parse_args()
    if not (DATA / "actuals.csv").is_file():
        print(f"M3 data not found at {DATA}: benchmark skipped")
        return 0
    series, published = load(args.sample or None, args.seed)
    rows = [run_kam(series)]
    for method in PUBLISHED:
        part = published.loc[published["method"] == method].set_index("series_id")
        forecasts = {
            sid: part.loc[sid, [f"h{i}" for i in range(1, H + 1)]].to_numpy(float) for sid in series
        }
        rows.append(score_points(f"M3 {method}", forecasts, series, None))
    if not args.no_statsforecast:
        rows.extend(run_statsforecast(series))
    table = pd.DataFrame(rows).set_index("method")
    theta = table.loc["M3 THETA"]
    table["sMAPE / THETA"] = table["sMAPE"] / theta["sMAPE"]
    table["MASE / THETA"] = table["MASE"] / theta["MASE"]
    print(f"M3 monthly, {len(series)} series, horizon {H}, one core")
    print(table.round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
