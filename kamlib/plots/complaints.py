"""Complaint charts."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import PALETTE, figure, integer_axis, legend, month_bars
from kamlib.sections.complaints import ComplaintAnalysis

__all__ = ["complaints_flow"]


def complaints_flow(a: ComplaintAnalysis, params) -> Figure | None:
    """Complaints opened and closed per month (None when there were none)."""
    monthly = a.monthly
    if monthly is None or monthly.empty or monthly.to_numpy().sum() == 0:
        return None
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Complaints per month: {opened} opened, {closed} closed").format(
            opened=fmt.number(monthly["opened"].sum(), 0, language),
            closed=fmt.number(monthly["closed"].sum(), 0, language),
        ),
        ylabel=_("complaints"),
        language=language,
    )
    x = np.array(month_bars(ax, monthly.index, language))
    # opened in red, closed in blue: told apart with red-green colour blindness too
    ax.bar(x - 0.19, monthly["opened"], width=0.38, color=PALETTE["warn"], label=_("opened"))
    ax.bar(x + 0.19, monthly["closed"], width=0.38, color=PALETTE["account"], label=_("closed"))
    integer_axis(ax)
    legend(ax)
    return fig
