"""Portfolio analytics beyond the KPI table: Gini, Pareto, history, candidates, groups."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib import measures
from kamlib.params import Params
from kamlib.sections import portfolio
from tests.conftest import frame


def test_gini_by_hand():
    # x = 1, 2, 3, 4 (sorted): sum (2i - n - 1) x_i = -3 - 2 + 3 + 12 = 10; / (n * sum) = 10 / 40
    assert measures.gini(pd.Series([4.0, 1.0, 3.0, 2.0, -5.0])) == pytest.approx(0.25)
    assert measures.gini(pd.Series([5.0, 5.0])) == 0


def test_pareto_and_concentration():
    rev = pd.Series({"a": 50.0, "b": 30.0, "c": 20.0})
    table = portfolio.pareto(rev)
    assert table["cumulative_share"].tolist() == pytest.approx([0.5, 0.8, 1.0])
    assert table["account_share"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    conc = portfolio.concentration(rev)
    assert conc["hhi"] == pytest.approx(3800) and conc["top1_share"] == 0.5


def test_concentration_history_windows():
    sales = frame(
        [
            ("2025-06-01", "a", 90.0),
            ("2025-06-01", "b", 10.0),
            ("2024-06-01", "a", 50.0),
            ("2024-06-01", "b", 50.0),
        ],
        "d:date account_id net_revenue",
    )
    hist = portfolio.concentration_history(
        sales, pd.Index(["a", "b"]), pd.Timestamp("2025-12-31"), 2
    )
    assert list(hist.index) == [pd.Timestamp("2024-12-31"), pd.Timestamp("2025-12-31")]
    assert hist["top1_share"].tolist() == [0.5, 0.9]
    assert hist["hhi"].tolist() == pytest.approx([5000, 8200])


def _kpis():
    return pd.DataFrame(
        {
            "revenue_12m": [700.0, 200.0, 80.0, 20.0],
            "revenue_prev_12m": [700.0, 100.0, 100.0, 20.0],
            "revenue_growth": [0.0, 1.0, -0.2, 0.0],
            "revenue_share": [0.7, 0.2, 0.08, 0.02],
            "abc_class": ["A", "B", "C", "C"],
        },
        index=pd.Index(["k1", "n1", "n2", "k2"], name="account_id"),
    )


def _accounts():
    return pd.DataFrame(
        {
            "account_id": ["k1", "n1", "n2", "k2"],
            "name": ["K1", "N1", "N2", "K2"],
            "key_account": [True, False, False, True],
            "parent_id": [None, "k1", None, None],
        }
    )


def test_alerts_name_the_dependency_and_its_revenue():
    alerts = portfolio.alerts(_kpis(), _accounts().set_index("account_id")["name"], Params())
    assert "K1 alone brings 70.0%" in alerts[0] and "700" in alerts[0]


def test_candidates_and_fallen_key_accounts():
    potential = frame([("n1", 2025, 1000.0), ("n2", 2025, 100.0)], "account_id year wallet")
    cand = portfolio.candidates(_kpis(), _accounts(), potential, pd.Timestamp("2025-12-31"))
    # n1: class B 0.5 + growth rank 1.0 + gap rank 1.0 = 2.5; n2: 0 + 0.5 + 0.5 = 1.0
    assert cand.index.tolist() == ["n1", "n2"]
    assert cand["score"].tolist() == pytest.approx([2.5, 1.0])
    assert cand.loc["n1", "wallet_gap"] == 800
    assert portfolio.fallen_key_accounts(_kpis(), _accounts()).index.tolist() == ["k2"]


def test_group_rollup():
    groups = portfolio.group_rollup(_kpis(), _accounts())
    assert groups.loc["k1", "accounts"] == 2 and groups.loc["k1", "revenue_12m"] == 900
    assert groups.loc["k1", "revenue_growth"] == pytest.approx(900 / 800 - 1)


def test_ranking_worst_first_with_reasons():
    from kamlib import health

    kpis = pd.DataFrame(
        {
            "revenue_growth": [0.05, -0.2],
            "nps": [30.0, 10.0],
            "csat": [float("nan")] * 2,
            "otif_rate": [float("nan")] * 2,
            "avg_days_late": [float("nan")] * 2,
            "days_since_contact": [float("nan")] * 2,
            "open_complaints": [float("nan")] * 2,
            "abc_class": ["A", "B"],
            "revenue_12m": [100.0, 50.0],
        },
        index=pd.Index(["k1", "k2"], name="account_id"),
    )
    kpis = kpis.join(health.score(kpis, Params()))
    ranked = portfolio.ranking(kpis, _accounts().iloc[[0, 3]].assign(account_id=["k1", "k2"]))
    # k2: growth 0 points (red), nps 50 (yellow) -> 0.375 * 50 = 18.75, red; k1 scores 100
    assert ranked.index.tolist() == ["k2", "k1"]
    assert ranked.loc["k2", "health_score"] == pytest.approx(18.75)
    assert ranked.loc["k2", "reasons"] == "revenue growth (red), NPS (yellow)"
    assert ranked.loc["k1", "reasons"] == "–"
