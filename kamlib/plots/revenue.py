"""Revenue charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import PALETTE, AmountFormatter, figure, month_axis
from kamlib.sections.revenue import RevenueAnalysis

__all__ = ["trend", "seasonality"]


def trend(a: RevenueAnalysis, params) -> Figure | None:
    """Monthly revenue with the forecast fan (80 % and 95 %) and the moving annual total / 12.

    None when there is no revenue history.
    """
    y, fc, mat, currency = a.monthly, a.forecast, a.mat, params.currency
    if y is None or len(y) == 0:
        return None
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Monthly revenue and forecast"),
        ylabel=_("revenue per month ({currency})").format(currency=currency),
        language=language,
    )
    ax.plot(y.index, y.to_numpy(), color=PALETTE["account"], lw=1.6, label=_("revenue"))
    if mat is not None and len(mat):
        ax.plot(
            mat.index,
            mat.to_numpy() / 12,
            color=PALETTE["peer"],
            lw=1.2,
            ls="--",
            label=_("moving annual total / 12"),
        )
    if fc is not None and len(fc):
        ax.fill_between(
            fc.index,
            fc["lower_95"],
            fc["upper_95"],
            color=PALETTE["band"],
            alpha=0.5,
            lw=0,
            label=_("95 % interval"),
        )
        ax.fill_between(
            fc.index,
            fc["lower_80"],
            fc["upper_80"],
            color=PALETTE["forecast"],
            alpha=0.35,
            lw=0,
            label=_("80 % interval"),
        )
        ax.plot(fc.index, fc["mean"], color=PALETTE["forecast"], lw=1.6, label=_("forecast"))
    ax.yaxis.set_major_formatter(AmountFormatter(language))
    month_axis(ax, language)
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=3)
    return fig


def seasonality(a: RevenueAnalysis, params) -> Figure | None:
    """Average seasonal effect per calendar month in % of the average month (None: no pattern)."""
    pattern = a.pattern
    if pattern is None:
        return None
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Seasonal pattern"), ylabel=_("effect (% of an average month)"), language=language
    )
    colours = [PALETTE["account"] if v >= 0 else PALETTE["warn"] for v in pattern.to_numpy()]
    names = [fmt.month_name(m, language) for m in pattern.index]
    ax.bar(names, pattern.to_numpy() * 100, color=colours)
    ax.axhline(0, color="black", lw=0.8)
    return fig
