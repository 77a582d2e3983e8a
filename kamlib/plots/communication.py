"""Communication charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib.plots import PALETTE, figure
from kamlib.sections.communication import CommunicationAnalysis

__all__ = ["contacts"]


def contacts(a: CommunicationAnalysis, params) -> Figure | None:
    """Contacts per month against the cadence target (None without contact records)."""
    monthly, target_per_month = a.monthly, params.targets.contacts_per_month
    if not a.recorded or monthly.empty:
        return None
    fig, ax = figure("Contacts per month", ylabel="contacts")
    labels = [d.strftime("%b %y") for d in monthly.index]
    ax.bar(labels, monthly.to_numpy(), color=PALETTE["account"])
    ax.axhline(
        target_per_month,
        color=PALETTE["target"],
        ls="--",
        lw=1.2,
        label=f"target {target_per_month:g} a month",
    )
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=8, frameon=False)
    return fig
