"""Health score charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kamlib.plots import PALETTE, STATUS_COLORS, figure

__all__ = ["contributions"]

_SHORT = {
    "revenue_growth": "Growth",
    "nps": "NPS",
    "csat": "CSAT",
    "otif_rate": "OTIF",
    "avg_days_late": "Days late",
    "days_since_contact": "Last contact",
    "open_complaints": "Complaints",
    "contacts_per_month": "Cadence",
    "roles_covered": "Roles",
    "complaint_resolution_days": "Resolution",
    "repeat_complaints": "Repeats",
    "price_realisation": "Prices",
    "days_to_notice": "Notice",
}


def contributions(breakdown: pd.DataFrame, health_score: float) -> Figure:
    """Waterfall of the health score: each component's contribution in points.

    Parameters
    ----------
    breakdown : pd.DataFrame
        From :func:`kamlib.summary.health_breakdown` (columns ``component``, ``contribution``,
        ``weight``, ``status``).
    health_score : float
        The total, drawn as the last bar.
    """
    rows = breakdown.loc[breakdown["contribution"].notna()]
    fig, ax = figure("How the health score is made up", ylabel="points of 100")
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
        labels.append(_SHORT.get(kpi, kpi))
    total = 0.0 if np.isnan(health_score) else health_score
    ax.bar(len(rows), total, color=PALETTE["account"], width=0.6)
    labels.append("Health score")
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylim(0, 100)
    ax.text(len(rows), total + 2, f"{total:.0f}", ha="center", fontsize=9)
    return fig
