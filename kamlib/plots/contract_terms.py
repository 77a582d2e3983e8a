"""Contract-terms charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib.plots import PALETTE, figure
from kamlib.sections.contract_terms import ContractAnalysis

__all__ = ["otif_trend", "receivables_ageing"]


def otif_trend(a: ContractAnalysis, params) -> Figure | None:
    """OTIF per month against the agreed target (None without deliveries)."""
    monthly, target = a.otif_monthly, a.otif_target
    if monthly is None or monthly.empty:
        return None
    fig, ax = figure("Deliveries on time in full per month", ylabel="share of orders (%)")
    labels = [d.strftime("%b %y") for d in monthly.index]
    ax.bar(labels, monthly["otif"] * 100, color=PALETTE["account"], label="OTIF")
    ax.plot(
        labels, monthly["on_time"] * 100, color=PALETTE["accent"], marker=".", lw=1, label="on time"
    )
    ax.axhline(target * 100, color=PALETTE["target"], ls="--", lw=1.2, label=f"agreed {target:.0%}")
    ax.set_ylim(0, 105)
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    return fig


def receivables_ageing(a: ContractAnalysis, params) -> Figure | None:
    """Open receivables by days past due (None without invoices)."""
    ageing, currency = a.ageing, params.currency
    if ageing is None or ageing.empty or ageing["amount"].sum() == 0:
        return None
    fig, ax = figure(
        "Open receivables by days past due", ylabel=f"amount ({currency})", xlabel="days past due"
    )
    colours = [
        PALETTE["neutral"],
        PALETTE["accent"],
        PALETTE["warn"],
        PALETTE["warn"],
        PALETTE["warn"],
    ]
    ax.bar(ageing.index, ageing["amount"], color=colours)
    return fig
