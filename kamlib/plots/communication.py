"""Communication charts."""

from __future__ import annotations

from matplotlib.figure import Figure

from kamlib import format as fmt
from kamlib.i18n import translator
from kamlib.plots import PALETTE, figure, month_labels
from kamlib.sections.communication import CommunicationAnalysis

__all__ = ["contacts"]


def contacts(a: CommunicationAnalysis, params) -> Figure | None:
    """Contacts per month against the cadence target (None without contact records)."""
    monthly, target = a.monthly, params.targets.contacts_per_month
    if not a.recorded or monthly.empty:
        return None
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(_("Contacts per month"), ylabel=_("contacts"), language=language)
    ax.bar(month_labels(monthly.index, language), monthly.to_numpy(), color=PALETTE["account"])
    ax.axhline(
        target,
        color=PALETTE["target"],
        ls="--",
        lw=1.2,
        label=_("target {target} a month").format(
            target=fmt.number(target, 1 if target % 1 else 0, language)
        ),
    )
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=8, frameon=False)
    return fig
