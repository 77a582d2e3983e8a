"""Complaint charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib.i18n import translator
from kamlib.plots import PALETTE, figure, month_labels
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
        _("Complaints opened and closed per month"), ylabel=_("complaints"), language=language
    )
    labels = month_labels(monthly.index, language)
    x = range(len(labels))
    ax.bar(
        [i - 0.2 for i in x], monthly["opened"], width=0.4, color=PALETTE["warn"], label=_("opened")
    )
    ax.bar(
        [i + 0.2 for i in x],
        monthly["closed"],
        width=0.4,
        color=PALETTE["target"],
        label=_("closed"),
    )
    ax.set_xticks(list(x), labels, fontsize=7)
    ax.legend(fontsize=8, frameon=False)
    return fig
