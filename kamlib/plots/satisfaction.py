"""Satisfaction charts."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from kamlib.plots import PALETTE, figure
from kamlib.sections.satisfaction import SatisfactionAnalysis

__all__ = ["nps_over_time", "importance_performance"]


def nps_over_time(a: SatisfactionAnalysis, params) -> Figure | None:
    """NPS per half-year with its 95 % interval against the target (None without answers)."""
    periods, target = a.periods, params.targets.nps
    if periods is None or periods.empty or periods["n"].sum() == 0:
        return None
    data = periods.loc[periods["n"] > 0]
    fig, ax = figure(
        "Net Promoter Score per half-year, with 95 % intervals", ylabel="NPS (-100 to 100)"
    )
    x = np.arange(len(data))
    # the interval's ends are drawn as they are (not as error lengths around the score), so
    # that no interval can break the chart
    ax.vlines(x, data["nps_low"], data["nps_high"], color=PALETTE["peer"], lw=1.2)
    ax.scatter(x, data["nps_low"], marker="_", s=60, color=PALETTE["peer"])
    ax.scatter(x, data["nps_high"], marker="_", s=60, color=PALETTE["peer"])
    ax.plot(x, data["nps"], "o-", color=PALETTE["account"])
    for xi, (_, row) in zip(x, data.iterrows(), strict=True):
        ax.annotate(
            f"n={int(row['n'])}",
            (xi, row["nps_high"]),
            textcoords="offset points",
            xytext=(0, 4),
            ha="center",
            fontsize=7,
            color=PALETTE["peer"],
        )
    if target is not None:
        ax.axhline(target, color=PALETTE["target"], ls="--", lw=1, label=f"target {target:.0f}")
        ax.legend(fontsize=8, frameon=False)
    ax.set_xticks(x, list(data.index), fontsize=8)
    ax.set_ylim(-105, 105)
    return fig


def importance_performance(a: SatisfactionAnalysis, params) -> Figure | None:
    """Importance (share of explained variance) against mean rating, quadrants at the means."""
    importance, performance = a.drivers, a.performance
    if importance is None or importance.empty:
        return None
    fig, ax = figure(
        "Importance and performance of the rated attributes",
        ylabel="mean rating (1-5)",
        xlabel="importance (share of explained R², %)",
    )
    x = importance["share"] * 100
    y = performance.reindex(importance.index)
    ax.scatter(x, y, color=PALETTE["account"], s=40, zorder=3)
    for name in importance.index:
        ax.annotate(
            str(name).removeprefix("rating_"),
            (x[name], y[name]),
            textcoords="offset points",
            xytext=(5, 4),
            fontsize=8,
        )
    ax.axvline(x.mean(), color=PALETTE["peer"], ls=":", lw=1)
    ax.axhline(y.mean(), color=PALETTE["peer"], ls=":", lw=1)
    ax.text(
        0.99,
        0.02,
        "lower right: matters most, scores lowest - fix first",
        transform=ax.transAxes,
        ha="right",
        fontsize=7,
        color=PALETTE["warn"],
    )
    return fig
