"""Revenue charts."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import PALETTE, AmountFormatter, category_axis, figure, legend, month_axis
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
    growth, ahead = a.kpi.get("revenue_growth"), a.kpi.get("forecast_12m")
    if fmt.is_missing(growth):
        title = _("Monthly revenue and forecast")
    elif fc is None or not len(fc) or fmt.is_missing(ahead):
        title = _("Monthly revenue: {growth} against the previous 12 months").format(
            growth=fmt.pct(growth, 1, language, signed=True)
        )
    else:
        title = _(
            "Monthly revenue: {growth} against the previous 12 months, "
            "{forecast} forecast for the next 12"
        ).format(
            growth=fmt.pct(growth, 1, language, signed=True),
            forecast=fmt.money(ahead, currency, language),
        )
    fig, ax = figure(
        title,
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
        ax.plot(fc.index, fc["mean"], color=PALETTE["forecast"], lw=1.6, label=_("forecast"))
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
    ax.yaxis.set_major_formatter(AmountFormatter(language))
    month_axis(ax, language)
    legend(ax)
    return fig


def seasonality(a: RevenueAnalysis, params) -> Figure | None:
    """Average seasonal effect per calendar month in % of the average month (None: no pattern)."""
    pattern = a.pattern
    if pattern is None:
        return None
    language = params.language
    _, n_ = translator(language)
    values = pattern.to_numpy(dtype=float)
    if not np.isfinite(values).any():
        return None
    names = [fmt.month_name(m, language) for m in pattern.index]
    best, worst = int(np.nanargmax(values)), int(np.nanargmin(values))
    fig, ax = figure(
        _(
            "Seasonal pattern: {best} strongest ({best_effect}), {worst} weakest ({worst_effect})"
        ).format(
            best=names[best],
            best_effect=fmt.pct(values[best], 0, language, signed=True),
            worst=names[worst],
            worst_effect=fmt.pct(values[worst], 0, language, signed=True),
        ),
        ylabel=_("effect (% of an average month)"),
        language=language,
    )
    colours = [PALETTE["account"] if v >= 0 else PALETTE["warn"] for v in values]
    ax.bar(range(len(names)), values * 100, color=colours, width=0.7)
    category_axis(ax, names)
    ax.axhline(0, color="#1c2833", lw=0.8)
    return fig
