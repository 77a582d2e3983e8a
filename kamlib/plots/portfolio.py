"""Portfolio charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import PALETTE, NumberFormatter, category_axis, figure, legend
from kamlib.sections.portfolio import PortfolioAnalysis

__all__ = ["CURVE_POINTS", "concentration_trend", "curve_points", "pareto_curve"]

_CLASS_COLOURS = {"A": PALETTE["account"], "B": PALETTE["forecast"], "C": PALETTE["neutral"]}
#: the Pareto curve of a larger portfolio is drawn through this many quantile points along
#: each axis (at most twice as many in all), not through every account
CURVE_POINTS = 300


def curve_points(table: pd.DataFrame, points: int = CURVE_POINTS) -> pd.DataFrame:
    """The rows of the Pareto table the curve is drawn through.

    Every account up to ``2 * points`` accounts. Beyond, a chart cannot show single accounts
    (250,000 markers are a band a few pixels wide, and a file of many megabytes): the curve
    keeps the accounts at ``points`` evenly spaced shares of accounts, at ``points`` evenly
    spaced shares of revenue (where the curve is steep, at the largest accounts), and the
    first and last account of each class, so that the classes end where they end.

    Parameters
    ----------
    table : pd.DataFrame
        :func:`kamlib.sections.portfolio.pareto`: sorted by revenue, ``cumulative_share``
        non-decreasing.
    points : int
        Quantile points along each axis.
    """
    n = len(table)
    if n <= 2 * points:
        return table
    along_accounts = np.linspace(0, n - 1, points).round().astype(int)
    cumulative = table["cumulative_share"].to_numpy(dtype=float)
    levels = np.linspace(cumulative[0], cumulative[-1], points)
    along_revenue = np.searchsorted(cumulative, levels, side="left").clip(0, n - 1)
    position = pd.Series(np.arange(n), index=table.index)
    by_class = position.groupby(table["abc_class"].to_numpy()).agg(["min", "max"])
    keep = np.unique(np.concatenate([along_accounts, along_revenue, by_class.to_numpy().ravel()]))
    return table.iloc[keep]


def pareto_curve(a: PortfolioAnalysis, params) -> Figure:
    """Lorenz / Pareto curve: cumulative revenue share against the share of accounts."""
    table = a.pareto
    language = params.language
    _, n_ = translator(language)
    counts = table["abc_class"].value_counts()
    class_a = table.loc[table["abc_class"] == "A", "cumulative_share"]
    if len(class_a):
        title = n_(
            "{n} of {total} accounts (class A) brings {share} of the revenue",
            "{n} of {total} accounts (class A) bring {share} of the revenue",
            len(class_a),
        ).format(
            n=fmt.number(len(class_a), 0, language),
            total=fmt.number(len(table), 0, language),
            share=fmt.pct(class_a.max(), 0, language),
        )
    else:
        title = _("Pareto curve with ABC classes")
    fig, ax = figure(
        title,
        ylabel=_("cumulative share of revenue (%)"),
        xlabel=_("share of accounts, largest first (%)"),
        language=language,
    )
    ax.xaxis.set_major_formatter(NumberFormatter(language))
    drawn = curve_points(table)
    x = [0.0, *(drawn["account_share"] * 100)]
    y = [0.0, *(drawn["cumulative_share"] * 100)]
    ax.plot(x, y, color="#1c2833", lw=1)
    for cls, colour in _CLASS_COLOURS.items():
        part = drawn.loc[drawn["abc_class"] == cls]
        ax.scatter(
            part["account_share"] * 100,
            part["cumulative_share"] * 100,
            color=colour,
            s=18,
            label=_("class {cls} ({n})").format(
                cls=cls, n=fmt.number(int(counts.get(cls, 0)), 0, language)
            ),
            zorder=3,
        )
    for level in (80, 95):
        ax.axhline(level, color=PALETTE["peer"], lw=0.8, ls=":")
    ax.plot([0, 100], [0, 100], color=PALETTE["peer"], lw=0.8, ls="--", label=_("equal shares"))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 102)
    ax.set_yticks([0, 20, 40, 60, 80, 95])
    legend(ax)
    return fig


def concentration_trend(a: PortfolioAnalysis, params) -> Figure:
    """Top-1 and top-5 shares over the last windows."""
    history = a.history
    language = params.language
    _, n_ = translator(language)
    last = history.iloc[-1] if len(history) else None
    if last is None or fmt.is_missing(last["top5_share"]) or fmt.is_missing(last["top1_share"]):
        title = _("Dependency on the largest accounts")
    else:
        title = _(
            "The five largest accounts bring {top5} of the revenue, the largest alone {top1}"
        ).format(
            top5=fmt.pct(last["top5_share"], 0, language),
            top1=fmt.pct(last["top1_share"], 0, language),
        )
    fig, ax = figure(
        title,
        ylabel=_("share of revenue (%)"),
        xlabel=_("12 months ending"),
        language=language,
        height=1.9,
    )
    labels = [fmt.month(d, language) for d in history.index]
    x = range(len(labels))
    ax.plot(
        x,
        history["top5_share"] * 100,
        marker="o",
        color=PALETTE["account"],
        label=_("five largest accounts"),
    )
    ax.plot(
        x,
        history["top1_share"] * 100,
        marker="s",
        ls="--",
        color=PALETTE["warn"],
        label=_("largest account"),
    )
    category_axis(ax, labels)
    # the axis ends a step above the highest share: shares of a few per cent would lie flat
    # on an axis to 100
    highest = float(np.nanmax(history[["top5_share", "top1_share"]].to_numpy(), initial=0)) * 100
    ax.set_ylim(0, min(100, max(5, np.ceil(highest * 1.25 / 5) * 5)))
    legend(ax)
    return fig
