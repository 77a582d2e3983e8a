"""Market context, worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.sections import market
from tests.conftest import frame

AS_OF = pd.Timestamp("2025-12-31")


def test_relative_growth_in_percentage_points():
    sales = frame(
        [("2024-06-01", "A", 100.0), ("2025-06-01", "A", 105.0), ("2023-06-01", "A", 80.0)],
        "d:date account_id net_revenue",
    )
    volume = frame(
        [("2023-06-01", 1000.0), ("2024-06-01", 1000.0), ("2025-06-01", 1150.0)], "d:date value"
    )
    table = market.relative_growth(sales, volume, AS_OF)
    # last 12 months: account +5 %, market +15 % -> -10 pp; previous: +25 % against 0 %
    assert table.loc["last 12 months", "account_growth"] == pytest.approx(0.05)
    assert table.loc["last 12 months", "market_growth"] == pytest.approx(0.15)
    assert table.loc["last 12 months", "difference_pp"] == pytest.approx(-0.10)
    assert table.loc["previous 12 months", "difference_pp"] == pytest.approx(0.25)


def test_share_of_wallet_marks_the_partial_year():
    sales = frame(
        [("2024-03-01", "A", 300.0), ("2025-02-01", "A", 100.0)], "d:date account_id net_revenue"
    )
    potential = frame(
        [("A", 2024, 1000.0), ("A", 2025, 800.0), ("A", 2026, 900.0)], "account_id year wallet"
    )
    wallet = market.share_of_wallet(sales, potential, pd.Timestamp("2025-06-30"))
    assert list(wallet.index) == [2024, 2025]
    assert wallet.loc[2024, "share"] == pytest.approx(0.3)
    assert wallet.loc[2025, "share"] == pytest.approx(0.125) and wallet.loc[2025, "partial"]


def test_whitespace_counts_peers_without_naming_them():
    own = frame([("2025-05-01", "A", 1.0, "P")], "d:date account_id net_revenue product")
    peers = frame(
        [
            ("2025-05-01", "B", 1.0, "P"),
            ("2025-05-01", "B", 1.0, "Q"),
            ("2025-05-01", "C", 1.0, "Q"),
            ("2025-05-01", "D", 1.0, "R"),
        ],
        "d:date account_id net_revenue product",
    )
    gap = market.whitespace(own, peers, AS_OF)
    # Q: bought by B and C of 3 peers (2/3 >= 1/2); R by 1/3; P is bought by the account itself
    assert list(gap.index) == ["Q"] and gap.loc["Q", "peers_buying"] == pytest.approx(2 / 3)
    assert "B" not in gap.to_string() and "C" not in gap.to_string()


def test_indexed_series_start_at_100():
    months = pd.date_range("2022-01-01", "2025-12-01", freq="MS")
    sales = pd.DataFrame({"date": months, "net_revenue": 10.0})
    volume = pd.DataFrame({"date": months, "value": [100.0 + i for i in range(len(months))]})
    table = market.indexed(sales, volume, AS_OF, months=24)
    assert table.iloc[0].tolist() == [100.0, 100.0]
    assert table["account"].iloc[-1] == pytest.approx(100.0)
    assert table["market"].iloc[-1] > 100


def test_ordinals_read_as_english():
    from kamlib.format import ordinal as _ordinal

    assert [_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 33, 100, 112)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "33rd",
        "100th",
        "112th",
    ]
