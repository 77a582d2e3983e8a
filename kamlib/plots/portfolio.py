"""Portfolio charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import PALETTE, NumberFormatter, figure
from kamlib.sections.portfolio import PortfolioAnalysis

__all__ = ["pareto_curve", "concentration_trend"]

_CLASS_COLOURS = {"A": PALETTE["account"], "B": PALETTE["forecast"], "C": PALETTE["neutral"]}


def pareto_curve(a: PortfolioAnalysis, params) -> Figure:
    """Lorenz / Pareto curve: cumulative revenue share against the share of accounts."""
    table = a.pareto
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Pareto curve with ABC classes"),
        ylabel=_("cumulative share of revenue (%)"),
        xlabel=_("share of accounts, largest first (%)"),
        language=language,
    )
    ax.xaxis.set_major_formatter(NumberFormatter(language))
    x = [0.0, *(table["account_share"] * 100)]
    y = [0.0, *(table["cumulative_share"] * 100)]
    ax.plot(x, y, color="black", lw=1)
    for cls, colour in _CLASS_COLOURS.items():
        part = table.loc[table["abc_class"] == cls]
        ax.scatter(
            part["account_share"] * 100,
            part["cumulative_share"] * 100,
            color=colour,
            s=18,
            label=_("class {cls} ({n})").format(cls=cls, n=fmt.number(len(part), 0, language)),
            zorder=3,
        )
    for level in (80, 95):
        ax.axhline(level, color=PALETTE["peer"], lw=0.8, ls=":")
    ax.plot([0, 100], [0, 100], color=PALETTE["peer"], lw=0.8, ls="--", label=_("equal shares"))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 102)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig


def concentration_trend(a: PortfolioAnalysis, params) -> Figure:
    """Top-1 and top-5 shares over the last windows."""
    history = a.history
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Dependency on the largest accounts"),
        ylabel=_("share of revenue (%)"),
        xlabel=_("12 months ending"),
        language=language,
    )
    labels = [fmt.month(d, language) for d in history.index]
    ax.plot(
        labels,
        history["top5_share"] * 100,
        marker="o",
        color=PALETTE["account"],
        label=_("five largest accounts"),
    )
    ax.plot(
        labels,
        history["top1_share"] * 100,
        marker="o",
        color=PALETTE["warn"],
        label=_("largest account"),
    )
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, frameon=False)
    return fig
