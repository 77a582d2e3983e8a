"""Market charts."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import NOTE_SIZE, PALETTE, category_axis, figure, legend, month_axis
from kamlib.sections.market import MarketAnalysis

__all__ = ["account_vs_market", "wallet_share"]


def account_vs_market(a: MarketAnalysis, params) -> Figure | None:
    """Moving annual totals of the account and its market, indexed to 100."""
    table, segment = a.indexed, a.segment or ""
    if table is None or table.dropna(how="all").empty:
        return None
    language = params.language
    _, n_ = translator(language)
    account, market = table["account"].dropna(), table["market"].dropna()
    if account.empty or market.empty:
        title = _("Account against the {segment} market (moving annual totals)").format(
            segment=segment
        )
    else:
        title = _(
            "Since {month}: the account {account}, the {segment} market {market} "
            "(moving annual totals)"
        ).format(
            month=fmt.month(table.index[0], language),
            account=fmt.pct(account.iloc[-1] / 100 - 1, 0, language, signed=True),
            segment=segment,
            market=fmt.pct(market.iloc[-1] / 100 - 1, 0, language, signed=True),
        )
    fig, ax = figure(title, ylabel=_("index (first month = 100)"), language=language)
    ax.plot(table.index, table["account"], color=PALETTE["account"], lw=1.8, label=_("account"))
    ax.plot(table.index, table["market"], color=PALETTE["peer"], lw=1.8, ls="--", label=_("market"))
    ax.axhline(100, color="#1c2833", lw=0.8)
    month_axis(ax, language)
    legend(ax)
    return fig


def wallet_share(a: MarketAnalysis, params) -> Figure | None:
    """Share of wallet per year."""
    table = a.wallet
    if table is None or table.empty:
        return None
    language = params.language
    _, n_ = translator(language)
    # whole years, whatever the index's type ("2022", never "2022.0")
    years = [str(int(y)) if float(y).is_integer() else str(y) for y in table.index]
    table = table.set_axis(years)
    shares = table["share"].dropna()
    full = table.loc[~table["partial"].astype(bool), "share"].dropna()
    latest = full if len(full) else shares
    title = (
        _("Share of wallet per year: {share} in {year}").format(
            share=fmt.pct(latest.iloc[-1], 0, language), year=latest.index[-1]
        )
        if len(latest)
        else _("Share of wallet per year")
    )
    fig, ax = figure(
        title, ylabel=_("revenue / estimated wallet (%)"), language=language, height=1.9
    )
    labels = [
        _("{year} (to date)").format(year=y) if p else str(y)
        for y, p in zip(table.index, table["partial"], strict=True)
    ]
    colours = [PALETTE["neutral"] if p else PALETTE["account"] for p in table["partial"]]
    values = table["share"].to_numpy(dtype=float) * 100
    ax.bar(range(len(labels)), np.where(np.isfinite(values), values, 0), color=colours, width=0.6)
    for i, (value, share) in enumerate(zip(values, table["share"], strict=True)):
        if np.isfinite(value):
            ax.text(
                i,
                value,
                fmt.pct(share, 0, language),
                ha="center",
                va="bottom",
                fontsize=NOTE_SIZE,
                color="#1c2833",
            )
    category_axis(ax, labels)
    finite = values[np.isfinite(values)]
    ax.set_ylim(0, max(float(finite.max()) * 1.15 if len(finite) else 0, 1))
    return fig
