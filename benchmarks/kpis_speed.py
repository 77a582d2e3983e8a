"""The KPI pass at scale: 25,000 accounts and 100,000 sales rows (plus surveys, invoices,
interactions, complaints), against a per-account loop measured in the same run.

    .venv/bin/python benchmarks/kpis_speed.py [--accounts 25000] [--rows 100000]

Also reports, when ../shared/data is present, the real CDNOW purchase log (23,570 customers).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kamlib import kpis
from kamlib.data import from_frames
from kamlib.params import Params

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def synthetic(n_accounts: int, n_rows: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:06d}" for i in range(n_accounts)])
    start = np.datetime64("2023-01-01")
    days = lambda n: start + rng.integers(0, 1000, n).astype("timedelta64[D]")  # noqa: E731
    pick = lambda n: ids[rng.zipf(1.3, n) % n_accounts]  # noqa: E731
    n_small = n_rows // 5
    opened = days(n_small)
    return {
        "accounts": pd.DataFrame({"account_id": ids, "name": [f"Customer {i}" for i in ids]}),
        "sales": pd.DataFrame(
            {
                "date": days(n_rows),
                "account_id": pick(n_rows),
                "net_revenue": rng.gamma(2.0, 500.0, n_rows),
            }
        ),
        "surveys": pd.DataFrame(
            {
                "response_id": [f"R{i}" for i in range(n_small)],
                "account_id": pick(n_small),
                "date": days(n_small),
                "nps": rng.integers(0, 11, n_small),
            }
        ),
        "invoices": pd.DataFrame(
            {
                "invoice_id": [f"I{i}" for i in range(n_small)],
                "account_id": pick(n_small),
                "invoice_date": opened,
                "due_date": opened + np.timedelta64(30, "D"),
                "paid_date": opened + rng.integers(10, 90, n_small).astype("timedelta64[D]"),
                "amount": rng.gamma(2.0, 500.0, n_small),
            }
        ),
        "interactions": pd.DataFrame(
            {
                "interaction_id": [f"X{i}" for i in range(n_small)],
                "account_id": pick(n_small),
                "date": days(n_small),
            }
        ),
        "complaints": pd.DataFrame(
            {
                "complaint_id": [f"K{i}" for i in range(n_small)],
                "account_id": pick(n_small),
                "opened_date": opened,
            }
        ),
    }


def per_account_loop(dataset, as_of: pd.Timestamp, sample: list[str]) -> float:
    """Baseline: the same KPIs account by account (revenue, NPS, overdue), seconds per account."""
    sales, surveys = dataset.get("sales"), dataset.get("surveys")
    invoices = dataset.get("invoices")
    start = time.perf_counter()
    for account_id in sample:
        s = sales.loc[sales["account_id"] == account_id]
        s.loc[
            (s["date"] > as_of - pd.DateOffset(months=12)) & (s["date"] <= as_of), "net_revenue"
        ].sum()
        v = surveys.loc[surveys["account_id"] == account_id, "nps"]
        _ = ((v >= 9).mean() - (v <= 6).mean()) * 100 if len(v) else np.nan
        i = invoices.loc[invoices["account_id"] == account_id]
        i.loc[
            (i["due_date"] <= as_of) & (i["paid_date"].isna() | (i["paid_date"] > as_of)), "amount"
        ].sum()
    return (time.perf_counter() - start) / len(sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=25_000)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    dataset = from_frames(synthetic(args.accounts, args.rows))
    t_load = time.perf_counter() - t0
    as_of = pd.Timestamp("2025-09-30")
    t0 = time.perf_counter()
    table = kpis.compute(dataset, as_of, Params(), with_forecast=False)
    t_kpis = time.perf_counter() - t0
    t0 = time.perf_counter()
    kpis.compute(dataset, as_of, Params(), with_forecast=True)
    t_full = time.perf_counter() - t0
    loop = per_account_loop(dataset, as_of, list(table.index[:300]))
    print(f"{args.accounts} accounts, {args.rows} sales rows")
    print(f"  validate in-memory frames        {t_load:8.2f} s")
    print(f"  KPI pass without forecasts       {t_kpis:8.2f} s")
    print(f"  KPI pass with forecast_12m       {t_full:8.2f} s")
    print(
        f"  per-account loop (3 of 12 KPIs)  {loop * args.accounts:8.2f} s extrapolated "
        f"({loop * 1000:.2f} ms/account)"
    )
    print(f"  ratio loop / vectorized pass     {loop * args.accounts / t_kpis:8.1f}x")
    cdnow = SHARED / "transactions" / "cdnow_master.txt"
    if not cdnow.is_file():
        print(f"CDNOW purchase log not found at {cdnow}: skipped")
        return
    raw = pd.read_csv(cdnow, sep=r"\s+")
    frames = {
        "accounts": pd.DataFrame({"account_id": raw["customer_id"].astype(str).unique()}),
        "sales": pd.DataFrame(
            {
                "date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
                "account_id": raw["customer_id"].astype(str),
                "net_revenue": raw["dollar_value"].astype(float),
            }
        ),
    }
    frames["accounts"]["name"] = "Customer " + frames["accounts"]["account_id"]
    t0 = time.perf_counter()
    real = from_frames(frames)
    full = kpis.compute(real, pd.Timestamp("1998-06-30"), Params())
    print(
        f"CDNOW: {len(full)} customers, {len(frames['sales'])} rows: "
        f"validate + KPIs with forecasts {time.perf_counter() - t0:.2f} s"
    )


if __name__ == "__main__":
    main()
