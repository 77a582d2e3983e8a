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

__all__ = ["revenue_share", "abc_class", "hhi", "top5_share"]


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
