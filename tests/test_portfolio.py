"""Portfolio analytics beyond the KPI table: Gini, Pareto, history, candidates, groups."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
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
    assert groups.loc["k1", "group_name"] == _accounts().set_index("account_id").loc["k1", "name"]
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


# --- a large portfolio: the ranked table and the Pareto curve ------------------------------


def _large_portfolio(n: int = 5000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` accounts scored on revenue growth alone: every 200th (from A00001) a key account,
    every 100th (from A00000) red (growth at its red mark, 0 points), the others green (at
    target, 100 points); revenue falls with the number."""
    from kamlib import health

    ids = pd.Index([f"A{i:05d}" for i in range(n)], name="account_id")
    red = np.arange(n) % 100 == 0
    kpis = pd.DataFrame(
        {
            "revenue_growth": np.where(red, -0.10, 0.05),
            "revenue_12m": np.linspace(1e6, 1e3, n),
        },
        index=ids,
    )
    kpis["abc_class"] = measures.abc_class(kpis["revenue_12m"])
    kpis = kpis.join(health.score(kpis, Params()))
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "name": [f"Customer {i}" for i in ids],
            "key_account": np.arange(n) % 200 == 1,
        }
    )
    return kpis, accounts


def _rows(html: str) -> list[str]:
    """The first cell of every body row of a rendered table (the account_id, linked or not)."""
    return re.findall(r"<tr><td>(?:<a href=\"[^\"]*\">)?([^<]*)", html)


def test_a_large_ranking_lists_key_accounts_and_the_worst_at_risk_once():
    kpis, accounts = _large_portfolio()
    analysis = SimpleNamespace(ranking=portfolio.ranking(kpis, accounts))
    risk, green = (
        portfolio.at_risk_table(analysis, Params()),
        portfolio.ranking_table(analysis, Params()),
    )
    # 5,000 accounts: 50 red (A00000, A00100 ... A04900) and 25 key accounts (A00001,
    # A00201 ... A04801), all green; none both. At risk: the 50 red (no key account among
    # them, and 50 fit into 100 rows); in good health: the 25 green key accounts
    red = [f"A{i:05d}" for i in range(0, 5000, 100)]
    key = {f"A{i:05d}" for i in range(1, 5000, 200)}
    assert _rows(risk) == red  # worst first: all at 0 points, then by revenue
    assert set(_rows(green)) == key and len(_rows(green)) == 25
    assert not set(_rows(risk)) & set(_rows(green))  # no account in both tables
    # every key account links to its report, no other account does
    assert 'href="A00001.html"' in green and "href=" not in risk
    # 5,000 - 75 = 4,925 left out, said in the words of the report
    assert (
        "4,925 accounts that are no key accounts are left out; kpis.csv lists all 5,000 accounts."
    ) in green
    assert "Key accounts in good health (green)" in green
    german = portfolio.ranking_table(analysis, Params.model_validate({"language": "de"}))
    assert (
        "4.925 Kunden, die keine Key Accounts sind, sind hier nicht aufgeführt; kpis.csv "
        "enthält alle 5.000 Kunden."
    ) in german


def test_key_accounts_at_risk_are_listed_before_the_cut():
    # 300 accounts, every 2nd red (150 at risk), key accounts: the 10 smallest red ones (the
    # last rows of the ranking): all 10 are listed, with the 90 worst other red accounts
    kpis, accounts = _large_portfolio(300)
    red = np.arange(300) % 2 == 0
    kpis = kpis.assign(health_status=np.where(red, "red", "green"))
    key_ids = [f"A{i:05d}" for i in range(280, 300, 2)]
    accounts["key_account"] = accounts["account_id"].isin(key_ids)
    ranked = portfolio.ranking(kpis, accounts)
    at_risk, healthy = portfolio.listed(ranked)
    assert len(at_risk) == 100 and set(key_ids) <= set(at_risk.index)
    assert healthy.empty  # no key account is green


def test_the_ranked_tables_say_what_they_leave_out():
    # one account that is no key account of 101, and none of 101
    assert portfolio.omitted_sentence(1, 101) == (
        "1 account that is no key account is left out; kpis.csv lists all 101 accounts."
    )
    assert portfolio.omitted_sentence(0, 250_000) == (
        "Every account is listed; kpis.csv lists all 250,000 accounts too."
    )
    # up to 100 accounts: every account, each in one of the two tables
    kpis, accounts = _large_portfolio(100)
    ranked = portfolio.ranking(kpis, accounts)
    at_risk, healthy = portfolio.listed(ranked)
    assert len(at_risk) == 1 and len(healthy) == 99  # A00000 is red
    html = portfolio.ranking_table(SimpleNamespace(ranking=ranked), Params())
    assert len(_rows(html)) == 99 and "Accounts in good health" in html
    assert "kpis.csv" not in html


def test_the_pareto_curve_of_many_accounts_is_drawn_through_quantile_points():
    from kamlib.plots import portfolio as charts

    kpis, _ = _large_portfolio()
    table = portfolio.pareto(kpis["revenue_12m"])
    drawn = charts.curve_points(table)
    assert len(drawn) <= 2 * charts.CURVE_POINTS + 6
    # the first and last account, and where each class begins and ends, are on the curve
    positions = pd.Series(np.arange(len(table)), index=table.index)
    ends = positions.groupby(table["abc_class"]).agg(["min", "max"]).to_numpy().ravel()
    assert set(table.index[ends]) <= set(drawn.index)
    assert drawn.index[0] == table.index[0] and drawn.index[-1] == table.index[-1]
    # evenly spaced: no gap wider than 1/300 of the accounts or of the revenue (+ rounding)
    assert drawn["account_share"].diff().max() <= 1 / (charts.CURVE_POINTS - 1) + 1 / 5000
    assert drawn["cumulative_share"].diff().max() <= 1 / (charts.CURVE_POINTS - 1) + 1e-3
    # a small portfolio keeps every account
    small = table.head(2 * charts.CURVE_POINTS)
    assert charts.curve_points(small) is small


def test_the_pareto_chart_counts_every_account_of_a_class():
    from matplotlib.collections import PathCollection

    from kamlib.plots import portfolio as charts

    kpis, _ = _large_portfolio()
    table = portfolio.pareto(kpis["revenue_12m"])
    fig = charts.pareto_curve(SimpleNamespace(pareto=table), Params())
    counts = table["abc_class"].value_counts()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"class A ({counts['A']:,})" in labels and f"class C ({counts['C']:,})" in labels
    markers = sum(len(c.get_offsets()) for c in fig.axes[0].findobj(PathCollection))
    assert markers <= 2 * charts.CURVE_POINTS + 6


def test_reasons_of_many_accounts_as_sorting_each_account():
    from kamlib import health
    from kamlib.components import COMPONENTS, HEALTH_KPIS, light

    # 400 accounts on six components, values that tie: two components at 0 points with equal
    # weights (0.05) lose the same points, and some accounts have no data on some components
    rng = np.random.default_rng(4)
    keys = [
        "nps",
        "days_since_contact",
        "contacts_per_month",
        "roles_covered",
        "repeat_complaints",
        "price_realisation",
    ]
    choices = {
        "nps": [-10.0, 10.0, 30.0, np.nan],
        "days_since_contact": [30.0, 75.0, 120.0, np.nan],
        "contacts_per_month": [0.5, 1.25, 2.0],
        "roles_covered": [0.0, 0.5, 1.0, np.nan],
        "repeat_complaints": [1.0, 3.0, 5.0],
        "price_realisation": [0.95, 0.97, 1.0],
    }
    ids = pd.Index([f"A{i:03d}" for i in range(400)], name="account_id")
    kpis = pd.DataFrame({k: rng.choice(choices[k], 400) for k in keys}, index=ids)
    kpis = kpis.assign(abc_class="C", revenue_12m=1.0).join(health.score(kpis, Params()))
    accounts = pd.DataFrame({"account_id": ids, "name": ids, "key_account": False})

    def by_hand(account_id: str) -> str:
        row = kpis.loc[account_id]
        lost = pd.Series({k: row[f"weight_{k}"] * (100 - row[f"score_{k}"]) for k in HEALTH_KPIS})
        bad = [
            k
            for k in lost.sort_values(ascending=False).index
            if row[f"status_{k}"] in ("red", "yellow")
        ]
        named = [f"{COMPONENTS[k].reason_for('en')} ({light(row[f'status_{k}'])})" for k in bad]
        return ", ".join(named) or "–"

    ranked = portfolio.ranking(kpis, accounts)
    assert ranked["reasons"].to_dict() == {a: by_hand(a) for a in ids}
    assert ranked["reasons"].str.count(",").max() >= 3  # several reasons, in some order
