"""Market charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib.plots import PALETTE, figure
from kamlib.sections.market import MarketAnalysis

__all__ = ["account_vs_market", "wallet_share"]


def account_vs_market(a: MarketAnalysis, params) -> Figure | None:
    """Moving annual totals of the account and its market, indexed to 100."""
    table, segment = a.indexed, a.segment or ""
    if table is None or table.dropna(how="all").empty:
        return None
    fig, ax = figure(
        f"Account against the {segment} market (moving annual totals)",
        ylabel="index (first month = 100)",
    )
    ax.plot(table.index, table["account"], color=PALETTE["account"], lw=1.8, label="account")
    ax.plot(table.index, table["market"], color=PALETTE["peer"], lw=1.8, ls="--", label="market")
    ax.axhline(100, color="black", lw=0.6)
    ax.legend(fontsize=8, frameon=False)
    return fig


def wallet_share(a: MarketAnalysis, params) -> Figure | None:
    """Share of wallet per year."""
    table = a.wallet
    if table is None or table.empty:
        return None
    fig, ax = figure("Share of wallet per year", ylabel="revenue / estimated wallet (%)")
    labels = [
        f"{y}{' (to date)' if p else ''}"
        for y, p in zip(table.index, table["partial"], strict=True)
    ]
    colours = [PALETTE["neutral"] if p else PALETTE["account"] for p in table["partial"]]
    ax.bar(labels, table["share"] * 100, color=colours)
    return fig
