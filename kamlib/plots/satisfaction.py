"""Satisfaction charts."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import PALETTE, NumberFormatter, category_axis, figure, label_points, legend
from kamlib.sections.satisfaction import SatisfactionAnalysis, attribute_name

__all__ = ["nps_over_time", "importance_performance"]


def nps_over_time(a: SatisfactionAnalysis, params) -> Figure | None:
    """NPS per half-year with its 95 % interval against the target (None without answers)."""
    periods, target = a.periods, params.targets.nps
    if periods is None or periods.empty or periods["n"].sum() == 0:
        return None
    language = params.language
    _, n_ = translator(language)
    data = periods.loc[periods["n"] > 0]
    halves = [fmt.half_year(h, language) for h in data.index]
    fig, ax = figure(
        _("Net Promoter Score per half-year, with 95 % intervals: {nps} in {half}").format(
            nps=fmt.number(data["nps"].iloc[-1], 0, language), half=halves[-1]
        ),
        ylabel=_("NPS (-100 to 100)"),
        language=language,
    )
    x = np.arange(len(data))
    # the interval's ends are drawn as they are (not as error lengths around the score), so
    # that no interval can break the chart
    ax.vlines(
        x,
        data["nps_low"],
        data["nps_high"],
        color=PALETTE["peer"],
        lw=1.2,
        label=_("95 % interval of the NPS"),
    )
    ax.scatter(x, data["nps_low"], marker="_", s=60, color=PALETTE["peer"])
    ax.scatter(x, data["nps_high"], marker="_", s=60, color=PALETTE["peer"])
    ax.plot(x, data["nps"], "o-", color=PALETTE["account"], label=_("NPS"))
    if target is not None:
        ax.axhline(
            target,
            color=PALETTE["target"],
            ls="--",
            lw=1.2,
            label=_("target {target}").format(target=fmt.number(target, 0, language)),
        )
    # the number of answers behind each score, under its half-year
    answers = [
        # TRANSLATORS: the number of answers behind a score on a chart
        _("n={n}").format(n=fmt.number(n, 0, language))
        for n in data["n"]
    ]
    category_axis(ax, halves, notes=answers)
    ax.set_ylim(-105, 105)
    ax.set_yticks(range(-100, 101, 50))
    legend(ax)
    return fig


def importance_performance(a: SatisfactionAnalysis, params) -> Figure | None:
    """Importance (share of explained variance) against mean rating, quadrants at the means."""
    importance, performance = a.drivers, a.performance
    if importance is None or importance.empty:
        return None
    language = params.language
    _, n_ = translator(language)
    x = importance["share"] * 100
    y = performance.reindex(importance.index)
    top = x.idxmax()
    if fmt.is_missing(y[top]):
        title = _("Importance and performance of the rated attributes")
    else:
        title = _(
            "What matters most for the NPS: {attribute} ({share} of the explained variance), "
            "rated {rating} of 5"
        ).format(
            attribute=attribute_name(top, language),
            share=fmt.pct(importance["share"][top], 0, language),
            rating=fmt.number(y[top], 1, language),
        )
    fig, ax = figure(
        title,
        ylabel=_("mean rating (1-5)"),
        xlabel=_("importance (share of explained R², %)"),
        language=language,
        note=_("lower right: matters most, scores lowest - fix first"),
    )
    ax.xaxis.set_major_formatter(NumberFormatter(language))
    shown = y.notna() & x.notna()
    ax.scatter(x[shown], y[shown], color=PALETTE["account"], s=40, zorder=3)
    ax.axvline(x.mean(), color=PALETTE["peer"], ls=":", lw=1)
    ax.axhline(y.mean(), color=PALETTE["peer"], ls=":", lw=1)
    if shown.any():
        low, high = float(y[shown].min()), float(y[shown].max())
        spread = max(high - low, 0.4)
        ax.set_ylim(low - 0.12 * spread, high + 0.12 * spread)
        ax.set_xlim(0, max(float(x[shown].max()) * 1.08, 10))
        label_points(
            ax,
            x[shown].to_numpy(),
            y[shown].to_numpy(),
            [attribute_name(name, language) for name in x[shown].index],
        )
    return fig
