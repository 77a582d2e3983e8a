"""Communication and complaint charts."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from kamlib.plots import PALETTE, figure

__all__ = ["contacts", "complaints_flow"]


def contacts(monthly: pd.Series, target_per_month: float) -> Figure | None:
    """Contacts per month against the cadence target."""
    if monthly is None or monthly.empty:
        return None
    fig, ax = figure("Contacts per month", ylabel="contacts")
    labels = [d.strftime("%b %y") for d in monthly.index]
    ax.bar(labels, monthly.to_numpy(), color=PALETTE["account"])
    ax.axhline(
        target_per_month,
        color=PALETTE["target"],
        ls="--",
        lw=1.2,
        label=f"target {target_per_month:g} a month",
    )
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=8, frameon=False)
    return fig


def complaints_flow(monthly: pd.DataFrame) -> Figure | None:
    """Complaints opened and closed per month."""
    if monthly is None or monthly.empty or monthly.to_numpy().sum() == 0:
        return None
    fig, ax = figure("Complaints opened and closed per month", ylabel="complaints")
    labels = [d.strftime("%b %y") for d in monthly.index]
    x = range(len(labels))
    ax.bar(
        [i - 0.2 for i in x], monthly["opened"], width=0.4, color=PALETTE["warn"], label="opened"
    )
    ax.bar(
        [i + 0.2 for i in x], monthly["closed"], width=0.4, color=PALETTE["target"], label="closed"
    )
    ax.set_xticks(list(x), labels, fontsize=7)
    ax.legend(fontsize=8, frameon=False)
    return fig
