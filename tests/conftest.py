"""Shared test helpers: small datasets built in code, and the location of ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real public data beside the project; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA


def frame(rows: list[tuple], columns: str) -> pd.DataFrame:
    """A DataFrame from tuples and a space-separated column list; 'd:' columns become dates."""
    names = columns.split()
    df = pd.DataFrame(rows, columns=[n.removeprefix("d:") for n in names])
    for n in names:
        if n.startswith("d:"):
            df[n[2:]] = pd.to_datetime(df[n[2:]])
    return df


def frames_of(
    tables: dict[str, pd.DataFrame],
    account_id: str,
    as_of: str,
    kpis: pd.DataFrame | None = None,
    params=None,
):
    """The :class:`~kamlib.frames.AccountFrames` of ``account_id`` over typed tables built in a
    test: an ``accounts`` table is made from the ids when absent (every account a key account),
    and the KPI table is computed unless given."""
    from kamlib import kpis as kpi_module
    from kamlib.data import Dataset
    from kamlib.frames import PortfolioFrames
    from kamlib.params import Params

    tables = dict(tables)
    if "accounts" not in tables:
        ids = sorted({a for t in tables.values() if "account_id" in t for a in t["account_id"]})
        ids = ids or [account_id]
        tables["accounts"] = pd.DataFrame({"account_id": ids, "name": ids, "key_account": True})
    when = pd.Timestamp(as_of)
    dataset = Dataset(tables, "test", "test")
    if kpis is None:
        kpis = kpi_module.compute(dataset, when, params or Params())
    return PortfolioFrames(dataset, when, kpis, kpis, kpis).account(account_id)
