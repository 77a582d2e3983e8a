"""Contract-terms charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import PALETTE, AmountFormatter, category_axis, figure, legend, month_bars
from kamlib.sections.contract_terms import ContractAnalysis, words

__all__ = ["otif_trend", "overdue_trend", "receivables_ageing"]


def otif_trend(a: ContractAnalysis, params) -> Figure | None:
    """OTIF per month against the agreed target (None without deliveries)."""
    monthly, target = a.otif_monthly, a.otif_target
    if monthly is None or monthly.empty:
        return None
    language = params.language
    _, n_ = translator(language)
    rates = monthly["otif"].dropna()
    below = int((rates < target).sum())
    agreed = fmt.pct(target, 0, language)
    if below:
        title = n_(
            "On time in full below the agreed {target} in {n} of {months} month",
            "On time in full below the agreed {target} in {n} of {months} months",
            len(rates),
        ).format(target=agreed, n=below, months=len(rates))
    else:
        title = _("On time in full at or above the agreed {target} in every month").format(
            target=agreed
        )
    fig, ax = figure(title, ylabel=_("share of orders (%)"), language=language)
    x = month_bars(ax, monthly.index, language)
    ax.bar(x, monthly["otif"] * 100, color=PALETTE["account"], width=0.7, label=_("OTIF"))
    ax.plot(
        x,
        monthly["on_time"] * 100,
        color=PALETTE["accent"],
        marker="o",
        ms=4,
        lw=1.2,
        label=_("on time"),
    )
    ax.axhline(
        target * 100,
        color=PALETTE["target"],
        ls="--",
        lw=1.2,
        label=_("agreed {target}").format(target=agreed),
    )
    ax.set_ylim(0, 105)
    ax.set_yticks(range(0, 101, 20))
    legend(ax)
    return fig


def receivables_ageing(a: ContractAnalysis, params) -> Figure | None:
    """Open receivables by days past due (None without invoices, and when none is overdue:
    one bar says nothing the table under it does not)."""
    ageing, currency = a.ageing, params.currency
    if ageing is None or ageing.empty:
        return None
    total = float(ageing["amount"].sum())
    overdue = float(ageing["amount"].drop(index="current", errors="ignore").sum())
    if overdue <= 0:
        return None
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Open receivables of {total}: {overdue} overdue").format(
            total=fmt.money(total, currency, language),
            overdue=fmt.money(overdue, currency, language),
        ),
        ylabel=_("amount ({currency})").format(currency=currency),
        xlabel=_("days past due"),
        language=language,
        height=1.9,
    )
    colours = [
        PALETTE["neutral"],
        PALETTE["accent"],
        PALETTE["warn"],
        PALETTE["warn"],
        PALETTE["warn"],
    ]
    ax.bar(range(len(ageing)), ageing["amount"], color=colours[: len(ageing)], width=0.6)
    category_axis(ax, [words(b, language) for b in ageing.index])
    ax.yaxis.set_major_formatter(AmountFormatter(language))
    return fig


def overdue_trend(a: ContractAnalysis, params) -> Figure | None:
    """The overdue amount at each of the last 12 month ends (None when it was always zero:
    :func:`kamlib.sections.contract_terms.overdue_summary` says so in a sentence)."""
    overdue, currency = a.overdue, params.currency
    if overdue is None or overdue.empty or not (overdue > 0).any():
        return None
    language = params.language
    _, n_ = translator(language)
    peak, last = overdue.idxmax(), overdue.index[-1]
    if overdue[peak] <= overdue[last]:
        title = _("Overdue at month end: {now} in {month}, the highest of the last {n} months")
    else:
        title = _("Overdue at month end: {now} in {month}, after a high of {peak} in {peak_month}")
    fig, ax = figure(
        title.format(
            now=fmt.money(overdue[last], currency, language),
            month=fmt.month(last, language),
            n=len(overdue),
            peak=fmt.money(overdue[peak], currency, language),
            peak_month=fmt.month(peak, language),
        ),
        ylabel=_("overdue amount ({currency})").format(currency=currency),
        language=language,
        height=1.6,
    )
    x = month_bars(ax, overdue.index, language)
    ax.bar(x, overdue.to_numpy(), color=PALETTE["warn"], width=0.7)
    ax.yaxis.set_major_formatter(AmountFormatter(language))
    return fig
