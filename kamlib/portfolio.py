"""The portfolio: revenue shares, ABC (Pareto) classes and concentration.

Definitions follow section 3 of the data contract:

* ``revenue_share`` = revenue_12m / the sum over accounts with revenue_12m > 0; empty when <= 0;
* ``abc_class``: accounts sorted by revenue_12m descending, ties by account_id; ``A`` while the
  summed share of the accounts *before* it is < 0.80, ``B`` while < 0.95, else ``C``; revenue
  <= 0 is ``C``;
* ``hhi`` = 10000 * sum of share^2; ``top5_share`` = the five largest shares summed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib import format as fmt

__all__ = [
    "revenue_share",
    "abc_class",
    "hhi",
    "top5_share",
    "gini",
    "pareto",
    "concentration",
    "concentration_history",
    "alerts",
    "candidates",
    "fallen_key_accounts",
    "group_rollup",
    "ranking",
]


def revenue_share(revenue_12m: pd.Series) -> pd.Series:
    """Share of each account in the positive revenue of the portfolio; NaN where revenue <= 0.

    Parameters
    ----------
    revenue_12m : pd.Series
        Revenue per account (index account_id).
    """
    positive = revenue_12m.where(revenue_12m > 0)
    total = positive.sum()
    if not total > 0:
        return pd.Series(np.nan, index=revenue_12m.index, dtype=float)
    return (positive / total).astype(float)


def abc_class(revenue_12m: pd.Series) -> pd.Series:
    """ABC class of each account, vectorized (see the module docstring for the rule)."""
    share = revenue_share(revenue_12m)
    order = pd.DataFrame(
        {
            "key": revenue_12m.index.astype(str),
            "revenue": revenue_12m.to_numpy(dtype=float),
            "share": share.to_numpy(),
        },
        index=revenue_12m.index.rename(None),
    )
    # stable sort: revenue descending, then account_id ascending
    order = order.sort_values(
        ["revenue", "key"], ascending=[False, True], kind="mergesort", na_position="last"
    )
    # Compare summed revenue with 80 % / 95 % of the total rather than summed float shares, and
    # count a sum within 1e-9 of a limit as reaching it: an exact tie (0.5 + 0.3 of the revenue)
    # must give B, as it does by hand, whatever the rounding of the additions.
    positive = order["revenue"].clip(lower=0).fillna(0.0)
    total = positive.sum()
    before = positive.cumsum().shift(fill_value=0.0)
    tol = 1e-9 * total
    classes = np.where(
        before < 0.80 * total - tol, "A", np.where(before < 0.95 * total - tol, "B", "C")
    )
    classes = np.where(order["revenue"].fillna(0.0) > 0, classes, "C")
    out = pd.Series(classes, index=order.index, dtype=object).reindex(
        revenue_12m.index.rename(None)
    )
    return out.set_axis(revenue_12m.index)


def hhi(revenue_12m: pd.Series) -> float:
    """Herfindahl-Hirschman index of the revenue shares, 0..10000; NaN without revenue."""
    share = revenue_share(revenue_12m).dropna()
    return float(10000 * (share**2).sum()) if len(share) else float("nan")


def top5_share(revenue_12m: pd.Series) -> float:
    """Summed share of the five largest accounts; NaN without revenue."""
    share = revenue_share(revenue_12m).dropna()
    return float(share.nlargest(5).sum()) if len(share) else float("nan")


def gini(revenue_12m: pd.Series) -> float:
    """Gini coefficient of the positive revenues (0 = all equal, near 1 = one account has all).

    ``G = sum_i (2i - n - 1) x_i / (n sum x)`` with ``x`` sorted ascending, ``i = 1..n``.
    """
    x = np.sort(revenue_12m[revenue_12m > 0].to_numpy(dtype=float))
    n = len(x)
    if n == 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * x.sum()))


def pareto(revenue_12m: pd.Series) -> pd.DataFrame:
    """The Pareto table: accounts by revenue descending with cumulative shares and ABC class.

    Returns
    -------
    pd.DataFrame
        Indexed by account_id: ``revenue_12m``, ``revenue_share``, ``cumulative_share``,
        ``account_share`` (cumulative share of accounts), ``abc_class``.
    """
    classes = abc_class(revenue_12m)
    share = revenue_share(revenue_12m)
    order = pd.DataFrame(
        {
            "key": revenue_12m.index.astype(str),
            "revenue_12m": revenue_12m.to_numpy(),
            "revenue_share": share.to_numpy(),
            "abc_class": classes.to_numpy(),
        },
        index=revenue_12m.index,
    )
    order = order.sort_values(["revenue_12m", "key"], ascending=[False, True], kind="mergesort")
    order["cumulative_share"] = order["revenue_share"].fillna(0).cumsum()
    order["account_share"] = np.arange(1, len(order) + 1) / max(len(order), 1)
    return order.drop(columns="key")


def concentration(revenue_12m: pd.Series) -> dict[str, float]:
    """``hhi``, ``top5_share``, ``gini``, ``top1_share`` and the number of accounts with revenue."""
    share = revenue_share(revenue_12m).dropna()
    return {
        "hhi": hhi(revenue_12m),
        "top5_share": top5_share(revenue_12m),
        "gini": gini(revenue_12m),
        "top1_share": float(share.max()) if len(share) else float("nan"),
        "accounts": int(len(share)),
    }


def concentration_history(
    sales: pd.DataFrame, account_ids: pd.Index, as_of: pd.Timestamp, years: int = 3
) -> pd.DataFrame:
    """Concentration for the 12-month windows ending at ``as_of``, one, two ... years earlier.

    Returns
    -------
    pd.DataFrame
        Indexed by window end (oldest first): the keys of :func:`concentration`.
    """
    from kamlib.periods import window

    rows = {}
    for lag in range(years - 1, -1, -1):
        w = window(as_of, lag=12 * lag)
        part = sales.loc[w.contains(sales["date"])]
        revenue = (
            part.groupby("account_id")["net_revenue"].sum().reindex(account_ids, fill_value=0.0)
        )
        rows[w.end] = concentration(revenue)
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("window_end")


def alerts(kpis: pd.DataFrame, names: pd.Series, params) -> list[str]:
    """Dependency alerts against ``params.concentration`` and the revenue at risk."""
    out = []
    share = kpis["revenue_share"].dropna()
    if share.empty:
        return out
    top = share.idxmax()
    limit = params.concentration.single_account_share
    if share[top] > limit:
        out.append(
            f"{names.get(top, top)} alone brings {share[top]:.1%} of the revenue (alert "
            f"above {limit:.0%}): losing it would cost "
            f"{fmt.money(kpis.at[top, 'revenue_12m'], params.currency, params.language)} a year."
        )
    top5 = top5_share(kpis["revenue_12m"])
    if top5 > params.concentration.top5_share:
        out.append(
            f"The five largest accounts bring {top5:.1%} of the revenue (alert above "
            f"{params.concentration.top5_share:.0%})."
        )
    return out


def candidates(
    kpis: pd.DataFrame, accounts: pd.DataFrame, potential: pd.DataFrame | None, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Non-key accounts that could become key accounts, ranked by a documented score.

    Score (0..3) = 1 if class A + 1 if class B (0.5) + the account's growth percentile among
    non-key accounts + its wallet-gap percentile (wallet of the as_of year - revenue_12m),
    where ``potential`` exists. Accounts without positive revenue are left out.
    """
    key = accounts.set_index("account_id")["key_account"].reindex(kpis.index).fillna(False)
    pool = kpis.loc[~key.astype(bool) & (kpis["revenue_12m"] > 0)].copy()
    if pool.empty:
        return pool.assign(score=pd.Series(dtype=float))
    pool["class_points"] = pool["abc_class"].map({"A": 1.0, "B": 0.5, "C": 0.0})
    pool["growth_rank"] = pool["revenue_growth"].rank(pct=True).fillna(0.0)
    if potential is not None:
        wallet = potential.loc[potential["year"] == as_of.year].set_index("account_id")["wallet"]
        pool["wallet_gap"] = wallet.reindex(pool.index) - pool["revenue_12m"]
        pool["gap_rank"] = pool["wallet_gap"].rank(pct=True).fillna(0.0)
    else:
        pool["wallet_gap"], pool["gap_rank"] = np.nan, 0.0
    pool["score"] = pool["class_points"] + pool["growth_rank"] + pool["gap_rank"]
    pool["account"] = accounts.set_index("account_id")["name"].reindex(pool.index)
    return pool.sort_values("score", ascending=False)[
        ["account", "revenue_12m", "revenue_growth", "abc_class", "wallet_gap", "score"]
    ]


def fallen_key_accounts(kpis: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """Key accounts in class C."""
    acc = accounts.set_index("account_id")
    key = acc["key_account"].reindex(kpis.index).fillna(False)
    fallen = kpis.loc[
        key.astype(bool) & (kpis["abc_class"] == "C"),
        ["revenue_12m", "revenue_growth", "revenue_share"],
    ]
    return fallen.assign(account=acc["name"].reindex(fallen.index))[
        ["account", "revenue_12m", "revenue_growth", "revenue_share"]
    ]


def group_rollup(kpis: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """Revenue of parent groups: each parent with the accounts whose ``parent_id`` it is."""
    if "parent_id" not in accounts.columns or accounts["parent_id"].isna().all():
        return pd.DataFrame(
            columns=["accounts", "revenue_12m", "revenue_prev_12m", "revenue_share"]
        )
    acc = accounts.set_index("account_id")
    group = acc["parent_id"].fillna(pd.Series(acc.index, index=acc.index))
    parents = set(acc["parent_id"].dropna())
    members = group[group.isin(parents)]
    table = kpis.loc[members.index, ["revenue_12m", "revenue_prev_12m", "revenue_share"]]
    out = table.groupby(members).sum()
    out.insert(0, "accounts", members.groupby(members).size())
    out["revenue_growth"] = (out["revenue_12m"] / out["revenue_prev_12m"] - 1).where(
        out["revenue_prev_12m"] > 0
    )
    return out.rename_axis("parent_id")


_LABELS = {
    "revenue_growth": "revenue growth",
    "nps": "NPS",
    "csat": "satisfaction",
    "otif_rate": "on-time delivery",
    "avg_days_late": "late payment",
    "days_since_contact": "no recent contact",
    "open_complaints": "open complaints",
    "contacts_per_month": "few contacts",
    "roles_covered": "contact roles not reached",
    "complaint_resolution_days": "slow complaint handling",
    "repeat_complaints": "repeated complaints",
    "price_realisation": "prices below the list",
    "days_to_notice": "notice deadline near",
}


def ranking(kpis: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """Accounts ranked by health score (worst first), with the components that cost most.

    ``reasons`` names the red and yellow components, worst first (by points lost).
    """
    from kamlib.params import HEALTH_KPIS

    names = accounts.set_index("account_id")["name"]
    lost = pd.DataFrame({k: kpis[f"weight_{k}"] * (100 - kpis[f"score_{k}"]) for k in HEALTH_KPIS})
    status = pd.DataFrame({k: kpis[f"status_{k}"] for k in HEALTH_KPIS})

    def reasons(account_id: str) -> str:
        bad = [
            k
            for k in lost.loc[account_id].sort_values(ascending=False).index
            if status.at[account_id, k] in ("red", "yellow")
        ]
        return ", ".join(f"{_LABELS[k]} ({status.at[account_id, k]})" for k in bad) or "-"

    out = pd.DataFrame(
        {
            "account": names.reindex(kpis.index),
            "key_account": accounts.set_index("account_id")["key_account"].reindex(kpis.index),
            "abc_class": kpis["abc_class"],
            "revenue_12m": kpis["revenue_12m"],
            "health_score": kpis["health_score"],
            "health_status": kpis["health_status"],
        }
    )
    out["reasons"] = [reasons(a) for a in kpis.index]
    return out.sort_values(
        ["health_score", "revenue_12m"], ascending=[True, False], na_position="last"
    )
