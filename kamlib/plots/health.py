"""Health score charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.components import COMPONENTS
from kamlib.health import breakdown
from kamlib.i18n import translator
from kamlib.plots import PALETTE, STATUS_COLORS, figure

__all__ = ["contributions"]


def contributions(kpi: pd.Series, params) -> Figure:
    """Waterfall of the health score: each component's contribution in points.

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
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("How the health score is made up"), ylabel=_("points of 100"), language=language
    )
    bottom = 0.0
    labels = []
    for i, (kpi, row) in enumerate(rows.iterrows()):
        colour = STATUS_COLORS.get(str(row["status"]), STATUS_COLORS["grey"])
        ax.bar(i, row["contribution"], bottom=bottom, color=colour, width=0.6)
        # the grey part shows what the component could have contributed at full score
        ax.bar(
            i,
            row["weight"] * 100 - row["contribution"],
            bottom=bottom + row["contribution"],
            color=PALETTE["neutral"],
            alpha=0.35,
            width=0.6,
        )
        bottom += row["contribution"]
        labels.append(COMPONENTS[kpi].short_for(language))
    total = 0.0 if np.isnan(health_score) else health_score
    ax.bar(len(rows), total, color=PALETTE["account"], width=0.6)
    labels.append(_("Health score"))
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylim(0, 100)
    ax.text(len(rows), total + 2, fmt.number(total, 0, language), ha="center", fontsize=9)
    return fig
