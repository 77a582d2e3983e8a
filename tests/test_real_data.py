"""The KPI table on a real purchase log (CDNOW, 23,570 customers), recomputed independently.

Skips when ../shared/data is absent. The reference computation below follows the data
contract's words with plain pandas, one definition at a time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlib import kpis, measures
from kamlib.data import from_frames
from kamlib.params import Params

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cdnow(request):
    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / "transactions" / "cdnow_master.txt"
    if not path.is_file():
        pytest.skip(f"CDNOW purchase log not found at {path}")
    raw = pd.read_csv(path, sep=r"\s+")
    sales = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
            "account_id": raw["customer_id"].astype(str),
            "net_revenue": raw["dollar_value"].astype(float),
        }
    )
    ids = sales["account_id"].unique()
    accounts = pd.DataFrame({"account_id": ids, "name": [f"Customer {i}" for i in ids]})
    return sales, accounts


def test_kpis_match_the_contract_on_cdnow(cdnow):
    sales, accounts = cdnow
    as_of = pd.Timestamp("1998-06-30")  # the last day of the last month with sales
    table = kpis.compute(from_frames({"accounts": accounts, "sales": sales}), as_of, Params())
    assert len(table) == 23570

    # revenue in (1997-06-30, 1998-06-30] and (1996-06-30, 1997-06-30]
    in_win = sales[(sales["date"] > "1997-06-30") & (sales["date"] <= "1998-06-30")]
    in_prev = sales[(sales["date"] > "1996-06-30") & (sales["date"] <= "1997-06-30")]
    rev = in_win.groupby("account_id")["net_revenue"].sum().reindex(table.index, fill_value=0)
    prev = in_prev.groupby("account_id")["net_revenue"].sum().reindex(table.index, fill_value=0)
    np.testing.assert_allclose(table["revenue_12m"], rev, rtol=1e-12)
    np.testing.assert_allclose(table["revenue_prev_12m"], prev, rtol=1e-12)
    growth = np.where(prev > 0, rev / prev.where(prev > 0) - 1, np.nan)
    np.testing.assert_allclose(table["revenue_growth"], growth, rtol=1e-12)

    # shares over accounts with positive revenue; ABC by the share of the accounts before
    positive = rev[rev > 0]
    share = positive / positive.sum()
    np.testing.assert_allclose(
        table["revenue_share"].dropna(),
        share.reindex(table["revenue_share"].dropna().index),
        rtol=1e-12,
    )
    order = sorted(positive.index, key=lambda a: (-positive[a], a))
    before, expected = 0.0, {}
    for a in order:
        expected[a] = "A" if before < 0.8 else ("B" if before < 0.95 else "C")
        before += share[a]
    got = table["abc_class"]
    assert (got[rev <= 0] == "C").all()
    mismatch = [a for a in order if got[a] != expected[a]]
    assert not mismatch, mismatch[:5]
    assert measures.hhi(table["revenue_12m"]) == pytest.approx(10000 * (share**2).sum())
    assert measures.top5_share(table["revenue_12m"]) == pytest.approx(share.nlargest(5).sum())
    # forecasts exist for every customer and are never NaN
    assert table["forecast_12m"].notna().all()
    assert set(table["health_status"]) <= {"green", "yellow", "red"}
