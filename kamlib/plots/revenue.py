"""Revenue charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib.plots import PALETTE, AmountFormatter, figure
from kamlib.sections.revenue import RevenueAnalysis

__all__ = ["trend", "seasonality"]


def trend(a: RevenueAnalysis, params) -> Figure | None:
    """Monthly revenue with the forecast fan (80 % and 95 %) and the moving annual total / 12.

    None when there is no revenue history.
    """
    y, fc, mat, currency = a.monthly, a.forecast, a.mat, params.currency
    if y is None or len(y) == 0:
        return None
    fig, ax = figure("Monthly revenue and forecast", ylabel=f"revenue per month ({currency})")
    ax.plot(y.index, y.to_numpy(), color=PALETTE["account"], lw=1.6, label="revenue")
    if mat is not None and len(mat):
        ax.plot(
            mat.index,
            mat.to_numpy() / 12,
            color=PALETTE["peer"],
            lw=1.2,
            ls="--",
            label="moving annual total / 12",
        )
    if fc is not None and len(fc):
        ax.fill_between(
            fc.index,
            fc["lower_95"],
            fc["upper_95"],
            color=PALETTE["band"],
            alpha=0.5,
            lw=0,
            label="95 % interval",
        )
        ax.fill_between(
            fc.index,
            fc["lower_80"],
            fc["upper_80"],
            color=PALETTE["forecast"],
            alpha=0.35,
            lw=0,
            label="80 % interval",
        )
        ax.plot(fc.index, fc["mean"], color=PALETTE["forecast"], lw=1.6, label="forecast")
    ax.yaxis.set_major_formatter(AmountFormatter())
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=3)
    return fig


def seasonality(a: RevenueAnalysis, params) -> Figure | None:
    """Average seasonal effect per calendar month in % of the average month (None: no pattern)."""
    pattern = a.pattern
    if pattern is None:
        return None
    fig, ax = figure("Seasonal pattern", ylabel="effect (% of an average month)")
    colours = [PALETTE["account"] if v >= 0 else PALETTE["warn"] for v in pattern.to_numpy()]
    ax.bar(pattern.index, pattern.to_numpy() * 100, color=colours)
    ax.axhline(0, color="black", lw=0.8)
    return fig
