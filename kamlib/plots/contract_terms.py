"""Contract-terms charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import PALETTE, AmountFormatter, figure, month_labels
from kamlib.sections.contract_terms import ContractAnalysis, words

__all__ = ["otif_trend", "receivables_ageing"]


def otif_trend(a: ContractAnalysis, params) -> Figure | None:
    """OTIF per month against the agreed target (None without deliveries)."""
    monthly, target = a.otif_monthly, a.otif_target
    if monthly is None or monthly.empty:
        return None
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Deliveries on time in full per month"),
        ylabel=_("share of orders (%)"),
        language=language,
    )
    labels = month_labels(monthly.index, language)
    ax.bar(labels, monthly["otif"] * 100, color=PALETTE["account"], label=_("OTIF"))
    ax.plot(
        labels,
        monthly["on_time"] * 100,
        color=PALETTE["accent"],
        marker=".",
        lw=1,
        label=_("on time"),
    )
    ax.axhline(
        target * 100,
        color=PALETTE["target"],
        ls="--",
        lw=1.2,
        label=_("agreed {target}").format(target=fmt.pct(target, 0, language)),
    )
    ax.set_ylim(0, 105)
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    return fig


def receivables_ageing(a: ContractAnalysis, params) -> Figure | None:
    """Open receivables by days past due (None without invoices)."""
    ageing, currency = a.ageing, params.currency
    if ageing is None or ageing.empty or ageing["amount"].sum() == 0:
        return None
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Open receivables by days past due"),
        ylabel=_("amount ({currency})").format(currency=currency),
        xlabel=_("days past due"),
        language=language,
    )
    colours = [
        PALETTE["neutral"],
        PALETTE["accent"],
        PALETTE["warn"],
        PALETTE["warn"],
        PALETTE["warn"],
    ]
    ax.bar([words(b, language) for b in ageing.index], ageing["amount"], color=colours)
    ax.yaxis.set_major_formatter(AmountFormatter(language))
    return fig
