"""The measures a report shows and the health components, each described once.

Everything that names or describes a KPI or a health component reads it from here: the
executive summary's tiles and breakdown, the health chart, the portfolio ranking's reasons, the
parameters (which components exist, which are "lower is better") and every finding.

* :data:`MEASURES`: every KPI the reader sees with its label and format kind;
* :data:`COMPONENTS`: the 13 health components, each with its short label (charts), the
  reason it names in the portfolio ranking, its direction, the report section that owns it and
  the sentence that states its value against its target;
* :class:`Finding` and the severity order, and :func:`rank` (the order of the findings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kamlib import format as fmt
from kamlib.i18n import N_, translator
from kamlib.measures import ROLE_GAP_DAYS

__all__ = [
    "COMPONENTS",
    "HEALTH_KPIS",
    "KPI_COLUMNS",
    "LOWER_IS_BETTER",
    "MEASURES",
    "SEVERITIES",
    "TILES",
    "Component",
    "Finding",
    "Measure",
    "component_findings",
    "light",
    "rank",
    "target_of",
]

#: severities, the most urgent first: red (act now), yellow (watch), info, green (good news)
SEVERITIES = ("red", "yellow", "info", "green")
_ORDER = {s: i for i, s in enumerate(SEVERITIES)}
#: the traffic lights as a reader reads them
_LIGHTS = {
    "red": N_("red"),
    "yellow": N_("yellow"),
    "green": N_("green"),
    "info": N_("info"),
    "grey": N_("grey"),
}


def light(status: str, language: str = "en") -> str:
    """A traffic light's name in ``language`` (``red``, ``yellow``, ``green``)."""
    return translator(language)[0](_LIGHTS[status]) if status in _LIGHTS else str(status)


@dataclass(frozen=True)
class Finding:
    """One finding of a report section.

    Attributes
    ----------
    severity : str
        One of :data:`SEVERITIES`.
    area : str
        The report section it comes from.
    text : str
        One sentence for the reader (plain text; escaped when shown).
    points : float
        Health points the fact costs the account (0 for a fact that is no health component).
    order : int
        Tie-break within the same severity and points: the component's position in
        :data:`HEALTH_KPIS`, then the other facts in report order.
    fact : str
        What the finding is about (a component's key, or a name for another fact): one fact
        is stated once, whichever sections could state it.
    """

    severity: str
    area: str
    text: str
    points: float = 0.0
    order: int = 100
    fact: str = ""

    def __post_init__(self) -> None:
        if self.severity not in _ORDER:
            raise ValueError(
                f"'severity' must be one of {list(SEVERITIES)}, got {self.severity!r}."
            )


def rank(findings: Iterable[Finding]) -> list[Finding]:
    """The findings, most important first, each fact once.

    Red before yellow before info before green; within a severity, the facts that cost the
    health score most points first; then the health components in their order, then the other
    facts in report order. A fact (or a text) stated twice is kept once, where it ranks first.
    """
    ordered = sorted(findings, key=lambda f: (_ORDER[f.severity], -f.points, f.order))
    seen: set[str] = set()
    out = []
    for f in ordered:
        keys = {f"fact:{f.fact}", f"text:{f.text}"} if f.fact else {f"text:{f.text}"}
        if not keys & seen:
            out.append(f)
        seen |= keys
    return out


@dataclass(frozen=True)
class Measure:
    """A KPI as the reader sees it: its label (English, marked for translation) and how its
    values are formatted."""

    key: str
    label: str
    kind: str  # a kind of kamlib.format.value

    def label_for(self, language: str) -> str:
        """The label in ``language``."""
        return translator(language)[0](self.label).format(days=ROLE_GAP_DAYS)


@dataclass(frozen=True)
class Component(Measure):
    """A health component: a measure with a target, a red mark and a direction.

    Its target and red mark are ``params.targets.<key>`` and ``params.red_at.<key>`` (an OTIF
    target agreed in a contract replaces the parameter).
    """

    short: str = ""  # label on the health chart's axis
    reason: str = ""  # how the portfolio ranking names it as a reason
    area: str = ""  # the report section that owns it
    lower_is_better: bool = False
    sentence: Callable[[float, float, Mapping[str, Any], str], str] = field(
        default=lambda v, t, d, lang: "", repr=False
    )

    def short_for(self, language: str) -> str:
        """The short label (a chart's axis) in ``language``."""
        return translator(language)[0](self.short)

    def reason_for(self, language: str) -> str:
        """How the portfolio ranking names it, in ``language``."""
        return translator(language)[0](self.reason)

    def describe(self, value: float, target: float, language: str = "en", **details) -> str:
        """The sentence stating ``value`` against ``target``, in ``language``."""
        if fmt.is_missing(value):
            return ""
        return self.sentence(float(value), float(target), details, language)


def _n(value, digits=0, lang="en"):
    return fmt.number(value, digits, lang)


def _growth(v, t, d, lang):
    _, n_ = translator(lang)
    values = {"change": fmt.pct(abs(v), 1, lang), "target": fmt.pct(t, 1, lang, signed=True)}
    if v >= 0:
        return _("Revenue grew {change} against the previous 12 months (target {target}).").format(
            **values
        )
    return _("Revenue fell {change} against the previous 12 months (target {target}).").format(
        **values
    )


def _nps(v, t, d, lang):
    _, n_ = translator(lang)
    values = {"nps": _n(v, 0, lang), "target": _n(t, 0, lang)}
    if fmt.is_missing(d.get("answers")):
        return _("Net Promoter Score is {nps} (target {target}).").format(**values)
    n = int(d["answers"])
    return n_(
        "Net Promoter Score is {nps} from {n} answer (target {target}).",
        "Net Promoter Score is {nps} from {n} answers (target {target}).",
        n,
    ).format(n=n, **values)


def _csat(v, t, d, lang):
    _, n_ = translator(lang)
    return _("Satisfaction averages {csat} of 5 (target {target}).").format(
        csat=_n(v, 2, lang), target=_n(t, 1, lang)
    )


def _otif(v, t, d, lang):
    _, n_ = translator(lang)
    return _("{share} of deliveries were on time and in full (target {target}).").format(
        share=fmt.pct(v, 0, lang), target=fmt.pct(t, 0, lang)
    )


def _days_late(v, t, d, lang):
    _, n_ = translator(lang)
    return _("Invoices were paid {days} days late on average (target at most {target}).").format(
        days=_n(v, 1, lang), target=_n(t, 0, lang)
    )


def _last_contact(v, t, d, lang):
    _, n_ = translator(lang)
    return n_(
        "The last contact was {days} day ago (target at most {target}).",
        "The last contact was {days} days ago (target at most {target}).",
        int(v),
    ).format(days=_n(v, 0, lang), target=_n(t, 0, lang))


def _open_complaints(v, t, d, lang):
    _, n_ = translator(lang)
    return n_(
        "{n} complaint is open (target {target}).",
        "{n} complaints are open (target {target}).",
        int(v),
    ).format(n=_n(v, 0, lang), target=_n(t, 0, lang))


def _cadence(v, t, d, lang):
    _, n_ = translator(lang)
    return _("{n} contacts per month over the last 12 months (target {target}).").format(
        n=_n(v, 1, lang), target=_n(t, 1, lang)
    )


def _roles(v, t, d, lang):
    _, n_ = translator(lang)
    return _(
        "{share} of the customer's contact roles were reached in the last {days} days "
        "(target {target})."
    ).format(share=fmt.pct(v, 0, lang), days=ROLE_GAP_DAYS, target=fmt.pct(t, 0, lang))


def _resolution(v, t, d, lang):
    _, n_ = translator(lang)
    return _("Complaints took {days} days to resolve (median; target at most {target}).").format(
        days=_n(v, 0, lang), target=_n(t, 0, lang)
    )


def _notice(v, t, d, lang):
    _, n_ = translator(lang)
    if v < 0:
        return n_(
            "The contract's notice deadline passed {days} day ago.",
            "The contract's notice deadline passed {days} days ago.",
            int(-v),
        ).format(days=_n(-v, 0, lang))
    if v <= t:
        return n_(
            "The contract's notice deadline is in {days} day: renewal talks are due.",
            "The contract's notice deadline is in {days} days: renewal talks are due.",
            int(v),
        ).format(days=_n(v, 0, lang))
    return _("The next notice deadline is {days} days away.").format(days=_n(v, 0, lang))


def _repeats(v, t, d, lang):
    _, n_ = translator(lang)
    if v < 2:
        return _("No category of complaint came up more than once in the last 12 months.")
    return _(
        "Up to {n} complaints about the same category in the last 12 months "
        "(target at most {target})."
    ).format(n=_n(v, 0, lang), target=_n(t, 0, lang))


def _prices(v, t, d, lang):
    _, n_ = translator(lang)
    if v < 1:
        return _("Sales realised {share} of the agreed prices: {gap} below the price list.").format(
            share=fmt.pct(v, 1, lang), gap=fmt.pct(1 - v, 1, lang)
        )
    return _("Sales were at or above the agreed prices ({share}).").format(
        share=fmt.pct(v, 1, lang)
    )


_C = Component
#: the health components, in the order of the breakdown table and the health chart
COMPONENTS: dict[str, Component] = {
    c.key: c
    for c in (
        _C("revenue_growth", N_("Revenue growth vs previous 12 months"), "pct", N_("Growth"),
           N_("revenue growth"), "revenue", sentence=_growth),
        _C("nps", N_("Net Promoter Score"), "int", N_("NPS"), N_("NPS"), "satisfaction",
           sentence=_nps),
        _C("csat", N_("Customer satisfaction (1-5)"), "num2", N_("CSAT"), N_("satisfaction"),
           "satisfaction", sentence=_csat),
        _C("otif_rate", N_("Deliveries on time in full"), "pct", N_("OTIF"),
           N_("on-time delivery"), "contract_terms", sentence=_otif),
        _C("avg_days_late", N_("Average days paid late"), "num1", N_("Days late"),
           N_("late payment"), "contract_terms", lower_is_better=True, sentence=_days_late),
        _C("days_since_contact", N_("Days since last contact"), "int", N_("Last contact"),
           N_("no recent contact"), "communication", lower_is_better=True,
           sentence=_last_contact),
        _C("open_complaints", N_("Open complaints"), "int", N_("Complaints"),
           N_("open complaints"), "complaints", lower_is_better=True, sentence=_open_complaints),
        _C("contacts_per_month", N_("Contacts per month"), "num1", N_("Cadence"),
           N_("few contacts"), "communication", sentence=_cadence),
        _C("roles_covered", N_("Contact roles reached in {days} days"), "pct", N_("Roles"),
           N_("contact roles not reached"), "communication", sentence=_roles),
        _C("complaint_resolution_days", N_("Median days to resolve a complaint"), "int",
           N_("Resolution"), N_("slow complaint handling"), "complaints", lower_is_better=True,
           sentence=_resolution),
        _C("repeat_complaints", N_("Most complaints about one category"), "int", N_("Repeats"),
           N_("repeated complaints"), "complaints", lower_is_better=True, sentence=_repeats),
        _C("price_realisation", N_("Prices realised against the price list"), "pct",
           N_("Prices"), N_("prices below the list"), "contract_terms", sentence=_prices),
        _C("days_to_notice", N_("Days to the next notice deadline"), "int", N_("Notice"),
           N_("notice deadline near"), "contract_terms", sentence=_notice),
    )
}  # fmt: skip
HEALTH_KPIS = tuple(COMPONENTS)
LOWER_IS_BETTER = frozenset(k for k, c in COMPONENTS.items() if c.lower_is_better)

#: every KPI the reader sees: the components and the other columns of kpis.csv that are shown
MEASURES: dict[str, Measure] = {
    **{
        m.key: m
        for m in (
            Measure("revenue_12m", N_("Revenue, last 12 months"), "money"),
            Measure("forecast_12m", N_("Forecast, next 12 months"), "money"),
            Measure("revenue_share", N_("Share of company revenue"), "pct"),
            Measure("overdue_amount", N_("Overdue receivables"), "money"),
            Measure("contacts_12m", N_("Contacts, last 12 months"), "int"),
            Measure("complaints_12m", N_("Complaints, last 12 months"), "int"),
        )
    },
    **COMPONENTS,
}
#: the columns of kpis.csv, in order (data contract, section 3)
KPI_COLUMNS = [
    "account_id",
    "revenue_12m",
    "revenue_prev_12m",
    "revenue_growth",
    "forecast_12m",
    "revenue_share",
    "abc_class",
    "nps",
    "nps_n",
    "csat",
    "otif_rate",
    "overdue_amount",
    "avg_days_late",
    "contacts_12m",
    "days_since_contact",
    "open_complaints",
    "complaints_12m",
    "health_score",
    "health_status",
]
#: the tiles of the executive summary: the columns of kpis.csv a reader sees as measures
TILES = tuple(c for c in KPI_COLUMNS if c in MEASURES)


def target_of(key: str, kpi: Mapping[str, Any], params) -> float:
    """The target a component is judged by: the parameter, or the OTIF agreed in a contract."""
    agreed = kpi.get("target_otif_rate") if key == "otif_rate" else None
    return float(agreed) if not fmt.is_missing(agreed) else float(getattr(params.targets, key))


def component_findings(kpi: Mapping[str, Any], params, area: str) -> list[Finding]:
    """One finding per health component of ``area`` in the health score, from the account's
    row of the KPI table: the component's sentence, its traffic light as the severity, and the
    points it costs (rescaled weight x (100 - score)).

    Parameters
    ----------
    kpi : mapping
        The account's row of the KPI table (with ``score_*``, ``weight_*``, ``status_*``).
    params : Params
        The account's parameters (targets, language).
    area : str
        The report section whose components are wanted.
    """
    out = []
    for order, (key, component) in enumerate(COMPONENTS.items()):
        score, status = kpi.get(f"score_{key}"), kpi.get(f"status_{key}")
        if component.area != area or fmt.is_missing(score) or fmt.is_missing(status):
            continue
        text = component.describe(
            kpi.get(key), target_of(key, kpi, params), params.language, answers=kpi.get("nps_n")
        )
        points = float(kpi.get(f"weight_{key}")) * (100 - float(score))
        out.append(Finding(str(status), area, text, points, order, fact=key))
    return out
