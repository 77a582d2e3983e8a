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
    "rank",
    "target_of",
]

#: severities, the most urgent first: red (act now), yellow (watch), info, green (good news)
SEVERITIES = ("red", "yellow", "info", "green")
_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


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
    """A KPI as the reader sees it: its label and how its values are formatted."""

    key: str
    label: str
    kind: str  # a kind of kamlib.format.value


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

    def describe(self, value: float, target: float, language: str = "en", **details) -> str:
        """The sentence stating ``value`` against ``target``."""
        if fmt.is_missing(value):
            return ""
        return self.sentence(float(value), float(target), details, language)


def _n(value, digits=0, lang="en"):
    return fmt.number(value, digits, lang)


def _growth(v, t, d, lang):
    verb = "grew" if v >= 0 else "fell"
    return (
        f"Revenue {verb} {fmt.pct(abs(v), 1, lang)} against the previous 12 months "
        f"(target {fmt.pct(t, 1, lang, signed=True)})."
    )


def _nps(v, t, d, lang):
    n = "" if fmt.is_missing(d.get("answers")) else f" from {int(d['answers'])} answers"
    return f"Net Promoter Score is {_n(v, 0, lang)}{n} (target {_n(t, 0, lang)})."


def _notice(v, t, d, lang):
    if v < 0:
        return f"The contract's notice deadline passed {_n(-v, 0, lang)} days ago."
    if v <= t:
        return f"The contract's notice deadline is in {_n(v, 0, lang)} days: renewal talks are due."
    return f"The next notice deadline is {_n(v, 0, lang)} days away."


def _repeats(v, t, d, lang):
    if v < 2:
        return "No category of complaint came up more than once in the last 12 months."
    return (
        f"Up to {_n(v, 0, lang)} complaints about the same category in the last 12 months "
        f"(target at most {_n(t, 0, lang)})."
    )


def _prices(v, t, d, lang):
    if v < 1:
        return (
            f"Sales realised {fmt.pct(v, 1, lang)} of the agreed prices: "
            f"{fmt.pct(1 - v, 1, lang)} below the price list."
        )
    return f"Sales were at or above the agreed prices ({fmt.pct(v, 1, lang)})."


_C = Component
#: the health components, in the order of the breakdown table and the health chart
COMPONENTS: dict[str, Component] = {
    c.key: c
    for c in (
        _C("revenue_growth", "Revenue growth vs previous 12 months", "pct", "Growth",
           "revenue growth", "revenue", sentence=_growth),
        _C("nps", "Net Promoter Score", "int", "NPS", "NPS", "satisfaction", sentence=_nps),
        _C("csat", "Customer satisfaction (1-5)", "num2", "CSAT", "satisfaction",
           "satisfaction",
           sentence=lambda v, t, d, lang: (
               f"Satisfaction averages {_n(v, 2, lang)} of 5 (target {_n(t, 1, lang)})."
           )),
        _C("otif_rate", "Deliveries on time in full", "pct", "OTIF", "on-time delivery",
           "contract_terms",
           sentence=lambda v, t, d, lang: (
               f"{fmt.pct(v, 0, lang)} of deliveries were on time and in full "
               f"(target {fmt.pct(t, 0, lang)})."
           )),
        _C("avg_days_late", "Average days paid late", "num1", "Days late", "late payment",
           "contract_terms", lower_is_better=True,
           sentence=lambda v, t, d, lang: (
               f"Invoices were paid {_n(v, 1, lang)} days late on average "
               f"(target at most {_n(t, 0, lang)})."
           )),
        _C("days_since_contact", "Days since last contact", "int", "Last contact",
           "no recent contact", "communication", lower_is_better=True,
           sentence=lambda v, t, d, lang: (
               f"The last contact was {_n(v, 0, lang)} days ago "
               f"(target at most {_n(t, 0, lang)})."
           )),
        _C("open_complaints", "Open complaints", "int", "Complaints", "open complaints",
           "complaints", lower_is_better=True,
           sentence=lambda v, t, d, lang: (
               f"{_n(v, 0, lang)} complaint(s) are open (target {_n(t, 0, lang)})."
           )),
        _C("contacts_per_month", "Contacts per month", "num1", "Cadence", "few contacts",
           "communication",
           sentence=lambda v, t, d, lang: (
               f"{_n(v, 1, lang)} contacts per month over the last 12 months "
               f"(target {_n(t, 1, lang)})."
           )),
        _C("roles_covered", f"Contact roles reached in {ROLE_GAP_DAYS} days", "pct", "Roles",
           "contact roles not reached", "communication",
           sentence=lambda v, t, d, lang: (
               f"{fmt.pct(v, 0, lang)} of the customer's contact roles were reached in the "
               f"last {ROLE_GAP_DAYS} days (target {fmt.pct(t, 0, lang)})."
           )),
        _C("complaint_resolution_days", "Median days to resolve a complaint", "int",
           "Resolution", "slow complaint handling", "complaints", lower_is_better=True,
           sentence=lambda v, t, d, lang: (
               f"Complaints took {_n(v, 0, lang)} days to resolve (median; target at most "
               f"{_n(t, 0, lang)})."
           )),
        _C("repeat_complaints", "Most complaints about one category", "int", "Repeats",
           "repeated complaints", "complaints", lower_is_better=True, sentence=_repeats),
        _C("price_realisation", "Prices realised against the price list", "pct", "Prices",
           "prices below the list", "contract_terms", sentence=_prices),
        _C("days_to_notice", "Days to the next notice deadline", "int", "Notice",
           "notice deadline near", "contract_terms", sentence=_notice),
    )
}  # fmt: skip
HEALTH_KPIS = tuple(COMPONENTS)
LOWER_IS_BETTER = frozenset(k for k, c in COMPONENTS.items() if c.lower_is_better)

#: every KPI the reader sees: the components and the other columns of kpis.csv that are shown
MEASURES: dict[str, Measure] = {
    **{
        m.key: m
        for m in (
            Measure("revenue_12m", "Revenue, last 12 months", "money"),
            Measure("forecast_12m", "Forecast, next 12 months", "money"),
            Measure("revenue_share", "Share of company revenue", "pct"),
            Measure("overdue_amount", "Overdue receivables", "money"),
            Measure("contacts_12m", "Contacts, last 12 months", "int"),
            Measure("complaints_12m", "Complaints, last 12 months", "int"),
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
