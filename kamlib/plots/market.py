"""Market charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib.i18n import translator
from kamlib.plots import PALETTE, figure, month_axis
from kamlib.sections.market import MarketAnalysis

__all__ = ["account_vs_market", "wallet_share"]


def account_vs_market(a: MarketAnalysis, params) -> Figure | None:
    """Moving annual totals of the account and its market, indexed to 100."""
    table, segment = a.indexed, a.segment or ""
    if table is None or table.dropna(how="all").empty:
        return None
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Account against the {segment} market (moving annual totals)").format(segment=segment),
        ylabel=_("index (first month = 100)"),
        language=language,
    )
    ax.plot(table.index, table["account"], color=PALETTE["account"], lw=1.8, label=_("account"))
    ax.plot(table.index, table["market"], color=PALETTE["peer"], lw=1.8, ls="--", label=_("market"))
    ax.axhline(100, color="black", lw=0.6)
    month_axis(ax, language)
    ax.legend(fontsize=8, frameon=False)
    return fig


def wallet_share(a: MarketAnalysis, params) -> Figure | None:
    """Share of wallet per year."""
    table = a.wallet
    if table is None or table.empty:
        return None
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Share of wallet per year"),
        ylabel=_("revenue / estimated wallet (%)"),
        language=language,
    )
    labels = [
        _("{year} (to date)").format(year=y) if p else str(y)
        for y, p in zip(table.index, table["partial"], strict=True)
    ]
    colours = [PALETTE["neutral"] if p else PALETTE["account"] for p in table["partial"]]
    ax.bar(labels, table["share"] * 100, color=colours)
    return fig
