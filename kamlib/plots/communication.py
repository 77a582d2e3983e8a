"""Communication charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import PALETTE, figure, integer_axis, legend, month_bars
from kamlib.sections.communication import CommunicationAnalysis

__all__ = ["contacts"]


def contacts(a: CommunicationAnalysis, params) -> Figure | None:
    """Contacts per month against the cadence target (None without contact records)."""
    monthly, target = a.monthly, params.targets.contacts_per_month
    if not a.recorded or monthly.empty:
        return None
    language = params.language
    _, n_ = translator(language)
    goal = fmt.number(target, 1 if target % 1 else 0, language)
    below = int((monthly < target).sum())
    if below:
        title = n_(
            "Contacts per month: below the target of {target} in {n} of {months} month",
            "Contacts per month: below the target of {target} in {n} of {months} months",
            len(monthly),
        ).format(target=goal, n=below, months=len(monthly))
    else:
        title = _("Contacts per month: at or above the target of {target} in every month").format(
            target=goal
        )
    fig, ax = figure(title, ylabel=_("contacts"), language=language)
    x = month_bars(ax, monthly.index, language)
    ax.bar(x, monthly.to_numpy(), color=PALETTE["account"], width=0.7, label=_("contacts"))
    ax.axhline(
        target,
        color=PALETTE["target"],
        ls="--",
        lw=1.2,
        label=_("target {target} a month").format(target=goal),
    )
    integer_axis(ax)
    legend(ax)
    return fig
