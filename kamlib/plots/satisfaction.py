"""Satisfaction charts."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import PALETTE, NumberFormatter, figure
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
    fig, ax = figure(
        _("Net Promoter Score per half-year, with 95 % intervals"),
        ylabel=_("NPS (-100 to 100)"),
        language=language,
    )
    x = np.arange(len(data))
    # the interval's ends are drawn as they are (not as error lengths around the score), so
    # that no interval can break the chart
    ax.vlines(x, data["nps_low"], data["nps_high"], color=PALETTE["peer"], lw=1.2)
    ax.scatter(x, data["nps_low"], marker="_", s=60, color=PALETTE["peer"])
    ax.scatter(x, data["nps_high"], marker="_", s=60, color=PALETTE["peer"])
    ax.plot(x, data["nps"], "o-", color=PALETTE["account"])
    for xi, (_i, row) in zip(x, data.iterrows(), strict=True):
        ax.annotate(
            # TRANSLATORS: the number of answers behind a score on a chart
            _("n={n}").format(n=fmt.number(row["n"], 0, language)),
            (xi, row["nps_high"]),
            textcoords="offset points",
            xytext=(0, 4),
            ha="center",
            fontsize=7,
            color=PALETTE["peer"],
        )
    if target is not None:
        ax.axhline(
            target,
            color=PALETTE["target"],
            ls="--",
            lw=1,
            label=_("target {target}").format(target=fmt.number(target, 0, language)),
        )
        ax.legend(fontsize=8, frameon=False)
    ax.set_xticks(x, [fmt.half_year(h, language) for h in data.index], fontsize=8)
    ax.set_ylim(-105, 105)
    return fig


def importance_performance(a: SatisfactionAnalysis, params) -> Figure | None:
    """Importance (share of explained variance) against mean rating, quadrants at the means."""
    importance, performance = a.drivers, a.performance
    if importance is None or importance.empty:
        return None
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Importance and performance of the rated attributes"),
        ylabel=_("mean rating (1-5)"),
        xlabel=_("importance (share of explained R², %)"),
        language=language,
    )
    ax.xaxis.set_major_formatter(NumberFormatter(language))
    x = importance["share"] * 100
    y = performance.reindex(importance.index)
    ax.scatter(x, y, color=PALETTE["account"], s=40, zorder=3)
    for name in importance.index:
        ax.annotate(
            attribute_name(name, language),
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
        _("lower right: matters most, scores lowest - fix first"),
        transform=ax.transAxes,
        ha="right",
        fontsize=7,
        color=PALETTE["warn"],
    )
    return fig
