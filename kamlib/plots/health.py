"""Health score charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from kamlib import format as fmt
from kamlib.components import COMPONENTS
from kamlib.health import breakdown
from kamlib.i18n import translator
from kamlib.plots import (
    NOTE_SIZE,
    PAD,
    PALETTE,
    RIGHT,
    STATUS_COLORS,
    STATUS_MARKERS,
    TEXT_SIZE,
    figure,
    text_width,
)

__all__ = ["contributions"]

#: the height of one component's row, in inches
_ROW = 0.21


def contributions(kpi: pd.Series, params) -> Figure | None:
    """The health score as a waterfall, a component per row: each component's points (in its
    traffic light's colour and shape), the points it could have added in grey, the score last;
    None when no component has data.

    Parameters
    ----------
    kpi : pd.Series
        The account's row of the KPI table (health columns included).
    params : Params
        The account's parameters.
    """
    table = breakdown(kpi, params)
    health_score = kpi["health_score"]
    rows = table.loc[table["contribution"].notna()]
    if rows.empty:  # no component has data: the breakdown says the health cannot be judged
        return None
    language = params.language
    _, n_ = translator(language)
    names = [COMPONENTS[k].short_for(language) for k in rows.index]
    total_name = _("Health score")
    total = 0.0 if np.isnan(health_score) else float(health_score)
    lost = (rows["weight"] * 100 - rows["contribution"]).clip(lower=0)
    if np.isnan(health_score):
        title = _("How the health score is made up")
    elif round(lost.sum()) == 0:
        title = _("Health score {score} of 100: no points lost").format(
            score=fmt.number(total, 0, language)
        )
    else:
        worst = lost.index[int(np.argmax(lost.to_numpy()))]
        title = _("Health score {score} of 100: {lost} points lost, most on {component}").format(
            score=fmt.number(total, 0, language),
            lost=fmt.number(lost.sum(), 0, language),
            component=COMPONENTS[worst].short_for(language),
        )
    # the names beside the rows, then a traffic light's shape, then the plot
    left = PAD + max(text_width(n) for n in [*names, total_name]) + 0.38
    fig, ax = figure(
        title,
        xlabel=_("points of 100"),
        language=language,
        height=_ROW * (len(rows) + 1) + 0.1,
        left=left,
    )
    ax.grid(False)
    ax.grid(axis="x", color="#d5d8dc", lw=0.8)
    ax.tick_params(axis="y", length=0, pad=18)
    n = len(rows)
    status = [str(v) if str(v) in STATUS_COLORS else "grey" for v in rows["status"]]
    colours = [STATUS_COLORS[v] for v in status]
    points = rows["contribution"].to_numpy(dtype=float)
    possible = rows["weight"].to_numpy(dtype=float) * 100
    starts = np.concatenate([[0.0], np.cumsum(points)[:-1]])
    ys = np.arange(n)
    ax.barh(ys, points, left=starts, color=colours, height=0.62)
    # the grey part shows what the component could have added at full score
    ax.barh(
        ys,
        possible - points,
        left=starts + points,
        color=PALETTE["neutral"],
        alpha=0.45,
        height=0.62,
    )
    for y, start, got, could in zip(ys, starts, points, possible, strict=True):
        ax.text(
            start + max(got, could) + 0.8,
            y,
            fmt.number(got, 1, language),
            va="center",
            fontsize=NOTE_SIZE,
            color="#1c2833",
        )
    # each light's shape beside the component's name
    beside = blended_transform_factory(ax.transAxes, ax.transData)
    for light in dict.fromkeys(status):
        mine = [y for y, v in zip(ys, status, strict=True) if v == light]
        ax.scatter(
            [-0.025] * len(mine),
            mine,
            marker=STATUS_MARKERS[light],
            s=30,
            color=STATUS_COLORS[light],
            transform=beside,
            clip_on=False,
        )
    ax.barh(n, total, color=PALETTE["account"], height=0.62)
    ax.text(
        total + 0.8,
        n,
        fmt.number(total, 0, language),
        va="center",
        fontsize=TEXT_SIZE,
        fontweight="bold",
        color="#1c2833",
    )
    ax.set_yticks(range(n + 1), [*names, total_name])
    ax.get_yticklabels()[-1].set_fontweight("bold")
    ax.set_ylim(n + 0.6, -0.6)
    # room on the right for the points written beside a bar that ends at 100
    ax.set_xlim(0, 100 + 100 * (text_width("100.0") + 0.1) / (fig.get_figwidth() - left - RIGHT))
    ax.set_xticks(range(0, 101, 10))
    ax.spines["bottom"].set_bounds(0, 100)
    return fig
