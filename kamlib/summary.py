"""The executive summary of an account report: header, KPI tiles, the most important findings,
the health score's make-up and its change since the previous reporting date.

It computes nothing of the sections again: the findings are those of the section analyses
already made (:data:`kamlib.sections.AREAS`), ranked by :func:`kamlib.components.rank`; the
KPI values, targets and traffic lights are the account's rows of the KPI tables. Nothing about
other customers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlib import blocks
from kamlib import format as fmt
from kamlib.components import (
    COMPONENTS,
    LOWER_IS_BETTER,
    MEASURES,
    TILES,
    Finding,
    light,
    rank,
    target_of,
)
from kamlib.frames import AccountFrames
from kamlib.health import breakdown as health_breakdown
from kamlib.health import change_explained
from kamlib.i18n import translator
from kamlib.params import Params
from kamlib.periods import previous_reporting_date

__all__ = [
    "DIGEST_MIMETYPE",
    "HEADLINE",
    "Digest",
    "Overview",
    "breakdown",
    "change",
    "digest",
    "findings",
    "header",
    "health_reason",
    "kpi_overview",
    "tile_items",
    "tiles",
    "top_findings",
]


def header(frames: AccountFrames, params: Params) -> blocks.Html:
    """The report's header: the account's name and facts, the dates, the health badge."""
    account, kpi, language = frames.account, frames.kpi, params.language
    _, n_ = translator(language)
    facts = [_("Account {account_id}").format(account_id=account.get("account_id"))]
    for key, label in (
        ("segment", _("Segment: {value}")),
        ("country", _("Country: {value}")),
        ("owner", _("Key account manager: {value}")),
    ):
        if not fmt.is_missing(account.get(key)):
            facts.append(label.format(value=account.get(key)))
    score = kpi["health_score"]
    return blocks.header(
        frames.name,
        facts,
        fmt.date(frames.as_of, language),
        fmt.window(frames.window, language),
        str(kpi["health_status"]),
        light(str(kpi["health_status"]), language),
        fmt.DASH if fmt.is_missing(score) else f"{score:.0f}/100",
        language,
        reason=_badge_reason(kpi, params),
    )


@dataclass(frozen=True)
class Overview:
    """The KPI table of the executive summary.

    Attributes
    ----------
    table : pd.DataFrame
        Indexed by KPI name: ``label``, ``value``, ``previous`` (the same KPI a year earlier,
        i.e. over the previous window), ``change`` (value - previous), ``target`` and ``status``
        (the health component's traffic light, where the KPI is one).
    """

    table: pd.DataFrame


def kpi_overview(now: pd.Series, year_ago: pd.Series, params: Params) -> Overview:
    """Each KPI of the tiles with its value a year ago, the change and the target.

    Parameters
    ----------
    now : pd.Series
        The account's row of the KPI table at ``as_of`` (with the health columns).
    year_ago : pd.Series
        The account's row at ``as_of - 12 months``: its windows are the previous windows.
    params : Params
        The account's parameters (targets).
    """
    rows = []
    for kpi in TILES:
        value, before = now.get(kpi, np.nan), year_ago.get(kpi, np.nan)
        value = np.nan if fmt.is_missing(value) else float(value)
        before = np.nan if fmt.is_missing(before) else float(before)
        if kpi in COMPONENTS:
            target = target_of(kpi, now, params)
        elif kpi == "contacts_12m":
            target = params.targets.contacts_per_month * 12
        else:
            target = np.nan
        status = now.get(f"status_{kpi}") if kpi in COMPONENTS else None
        rows.append(
            {
                "kpi": kpi,
                "label": MEASURES[kpi].label_for(params.language),
                "value": value,
                "previous": before,
                "change": value - before,
                "target": float(target),
                "status": None if fmt.is_missing(status) else status,
            }
        )
    return Overview(pd.DataFrame(rows).set_index("kpi"))


def tile_items(frames: AccountFrames, params: Params) -> list[dict[str, str]]:
    """A tile per KPI: ``key``, ``label``, ``value``, ``sub`` (change against the previous
    window and target) and ``status`` (traffic light, ``grey`` outside the health score)."""
    overview = kpi_overview(
        frames.kpi, frames.portfolio.kpis_year_ago.loc[frames.account_id], params
    )
    currency, language = params.currency, params.language
    _, n_ = translator(language)
    no_comparison = _("no comparison with the previous window")
    items = []
    for kpi, row in overview.table.iterrows():
        kind = MEASURES[kpi].kind
        value = fmt.value(kind, row["value"], currency, language)
        if fmt.is_missing(row["previous"]):
            change = None
        elif kind == "pct":
            change = fmt.pp(row["change"], 1, language)
        elif kind == "money":
            rel = row["change"] / abs(row["previous"]) if row["previous"] else np.nan
            change = None if fmt.is_missing(rel) else fmt.pct(rel, 1, language, signed=True)
        else:
            sign = "+" if row["change"] > 0 else ""
            change = f"{sign}{fmt.value(kind, row['change'], currency, language)}"
        change_text = (
            _("{change} vs previous window").format(change=change) if change else no_comparison
        )
        target = ""
        if not fmt.is_missing(row["target"]):
            shown = fmt.value(kind, row["target"], currency, language)
            target = (
                _("; at most {target}") if kpi in LOWER_IS_BETTER else _("; target {target}")
            ).format(target=shown)
        items.append(
            {
                "key": kpi,
                "label": row["label"],
                "value": value,
                "sub": change_text + target,
                "status": row["status"] or "grey",
            }
        )
    return items


def tiles(frames: AccountFrames, params: Params) -> blocks.Html:
    """The KPI tiles of the executive summary."""
    return blocks.tiles(tile_items(frames, params))


#: the tiles an e-mail summary shows
HEADLINE = ("revenue_12m", "revenue_growth", "forecast_12m", "nps", "otif_rate", "overdue_amount")
#: the mimetype of the digest in the executed notebook
DIGEST_MIMETYPE = "application/vnd.kam.digest+json"


class Digest(dict):
    """The executive summary as data, for the e-mail (``kam send``); in the executed notebook
    as :data:`DIGEST_MIMETYPE`, never shown in the report."""

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {DIGEST_MIMETYPE: dict(self), "text/plain": "executive summary for the e-mail"}, {}


def digest(frames: AccountFrames, analyses: Mapping[str, object], params: Params) -> Digest:
    """The executive summary as data: the account, its health, the headline tiles and the top
    findings, every value already formatted for the reader's language."""
    kpi = frames.kpi
    score = kpi["health_score"]
    tiles_by_key = {t["key"]: t for t in tile_items(frames, params)}
    return Digest(
        account_id=frames.account_id,
        name=frames.name,
        owner=None if fmt.is_missing(frames.account.get("owner")) else str(frames.account["owner"]),
        language=params.language,
        as_of=fmt.date(frames.as_of, params.language),
        window=fmt.window(frames.window, params.language),
        health={
            "status": str(kpi["health_status"]),
            "light": light(str(kpi["health_status"]), params.language),
            "score": None if fmt.is_missing(score) else round(float(score), 1),
            "text": fmt.DASH if fmt.is_missing(score) else f"{score:.0f}/100",
            "reason": _badge_reason(kpi, params),
        },
        tiles=[tiles_by_key[k] for k in HEADLINE],
        findings=[
            {"severity": f.severity, "light": light(f.severity, params.language), "text": f.text}
            for f in top_findings(analyses, params)
        ],
    )


def top_findings(analyses: Mapping[str, object], params: Params, n: int = 3) -> list[Finding]:
    """The ``n`` most important findings of the account's sections.

    Parameters
    ----------
    analyses : mapping of area -> analysis
        The analyses of the report's sections (``kamlib.sections.AREAS`` names), as made for
        the report; their findings are collected, not computed again.
    params : Params
    n : int, default 3

    Returns
    -------
    list of Finding
        In the order of :func:`kamlib.components.rank`: red before yellow before info before
        green; within a severity the facts that cost the most health points first; then the
        health components in their order, then the other facts in report order; each fact once.
    """
    from kamlib import sections  # here: the run's process writes digests, never findings

    collected: list[Finding] = []
    for position, (area, analysis) in enumerate(analyses.items()):
        for finding in sections.AREAS[area].findings(analysis, params):
            if finding.order >= 100:  # a fact that is no component: after them, in report order
                finding = dataclasses.replace(finding, order=100 + position)
            collected.append(finding)
    return rank(collected)[:n]


def findings(analyses: Mapping[str, object], params: Params, n: int = 3) -> blocks.Html:
    """The most important findings as a list."""
    return blocks.findings(
        [f.text for f in top_findings(analyses, params, n)], None, params.language
    )


def health_reason(kpi: pd.Series, params: Params) -> str:
    """The sentence saying what made the account's traffic light (``health_rule``): its score,
    an escalation rule (how many components are red, or which critical ones), the rules
    method, or no data at all.

    Parameters
    ----------
    kpi : pd.Series
        The account's row of the KPI table (with the health columns).
    params : Params
        The account's parameters (thresholds, escalation rules, language).
    """
    lang, health = params.language, params.health
    _, n_ = translator(lang)
    rule, status = str(kpi["health_rule"]), str(kpi["health_status"])
    score = kpi["health_score"]
    shown = fmt.DASH if fmt.is_missing(score) else f"{score:.0f}"
    table = health_breakdown(kpi, params)
    red = [k for k in table.index if table.at[k, "status"] == "red"]
    values = {
        "score": shown,
        "green": f"{health.green_from:.0f}",
        "yellow": f"{health.yellow_from:.0f}",
        "judged": int(table["status"].notna().sum()),
        "count": len(red),
    }
    if rule == "no_data":
        return _(
            "The account is yellow: no component of the health score has data, so its health "
            "cannot be judged."
        )
    if rule == "rules":
        return _(
            "The account is {light}: with the rules method, the worst component decides."
        ).format(light=light(status, lang))
    if rule == "red_components":
        return n_(
            "The account is red by escalation, although its score is {score}: {count} of the "
            "{judged} components with data is red, and {n} or more red components make an "
            "account red.",
            "The account is red by escalation, although its score is {score}: {count} of the "
            "{judged} components with data are red, and {n} or more red components make an "
            "account red.",
            len(red),
        ).format(n=health.escalation.red_components, **values)
    if rule.startswith("critical:"):
        critical = [k for k in red if k in health.escalation.critical]
        return n_(
            "The account is red by escalation, although its score is {score}: {count} critical "
            "component is red ({components}), and one red critical component makes an account "
            "red.",
            "The account is red by escalation, although its score is {score}: {count} critical "
            "components are red ({components}), and one red critical component makes an account "
            "red.",
            len(critical),
        ).format(
            components=", ".join(COMPONENTS[k].label_for(lang) for k in critical),
            **{**values, "count": len(critical)},
        )
    if rule == "yellow_components":
        return n_(
            "The account is yellow by escalation, although its score is {score}: {count} of the "
            "{judged} components with data is red, and {n} or more red components make an "
            "account at least yellow.",
            "The account is yellow by escalation, although its score is {score}: {count} of the "
            "{judged} components with data are red, and {n} or more red components make an "
            "account at least yellow.",
            len(red),
        ).format(n=health.escalation.yellow_components, **values)
    by_score = {
        "green": _(
            "The account is green: its score of {score} is in the green range (from {green}), "
            "and no escalation rule applies."
        ),
        "yellow": _(
            "The account is yellow: its score of {score} is in the yellow range ({yellow} to "
            "below {green}), and no escalation rule applies."
        ),
        "red": _("The account is red: its score of {score} is in the red range (below {yellow})."),
    }
    return by_score[status].format(**values)


def _badge_reason(kpi: pd.Series, params: Params) -> str:
    """What made the traffic light, where the score beside it does not tell (else empty)."""
    return "" if kpi["health_rule"] == "score" else health_reason(kpi, params)


def _rules_in_force(params: Params) -> str:
    """The method, the thresholds and the escalation rules of ``params``, in words."""
    health, lang = params.health, params.language
    _, n_ = translator(lang)
    rules = health.escalation
    escalating = health.method == "weighted" and rules.active
    if health.method == "rules":
        method = _("Method rules: any red component makes the account red, any yellow one yellow.")
    elif escalating:
        method = _(
            "Method weighted: the traffic light follows the score, unless an escalation rule "
            "makes it worse."
        )
    else:
        method = _("Method weighted: the traffic light follows the score.")
    sentences = [
        method,
        _(
            "Green from {green}, yellow from {yellow}, red below. Weights shown are rescaled over the "
            "components with data."
        ).format(green=f"{health.green_from:.0f}", yellow=f"{health.yellow_from:.0f}"),
    ]
    if not escalating:
        return " ".join(sentences)
    if rules.red_components is not None:
        sentences.append(
            n_(
                "An account with at least {n} red component is red.",
                "An account with at least {n} red components is red.",
                rules.red_components,
            ).format(n=rules.red_components)
        )
    if rules.yellow_components is not None:
        sentences.append(
            n_(
                "An account with at least {n} red component is at least yellow.",
                "An account with at least {n} red components is at least yellow.",
                rules.yellow_components,
            ).format(n=rules.yellow_components)
        )
    if rules.critical:
        sentences.append(
            n_(
                "A red light of this critical component alone makes the account red: {components}.",
                "A red light of any of these critical components alone makes the account red: "
                "{components}.",
                len(rules.critical),
            ).format(components=", ".join(COMPONENTS[k].label_for(lang) for k in rules.critical))
        )
    sentences.append(
        _(
            "Escalation only makes the traffic light worse, never better; a component counts as "
            "red only with data and a weight, and the score itself is unchanged."
        )
    )
    return " ".join(sentences)


def breakdown(frames: AccountFrames, params: Params) -> blocks.Html:
    """The health breakdown as a table: what made the traffic light first, then each
    component, with the method, the thresholds and the escalation rules stated."""
    lang, currency = params.language, params.currency
    _, n_ = translator(lang)
    rows = []
    for kpi, row in health_breakdown(frames.kpi, params).iterrows():
        kind = COMPONENTS[kpi].kind
        has = not fmt.is_missing(row["score"])
        rows.append(
            {
                "light": row["status"] if has else "grey",
                "label": row["component"],
                "value": fmt.value(kind, row["value"], currency, lang),
                "target": fmt.value(kind, row["target"], currency, lang),
                "red_at": fmt.value(kind, row["red_at"], currency, lang),
                "score": fmt.number(row["score"], 0, lang) if has else _("no data"),
                "weight": fmt.pct(row["weight"], 0, lang) if has else fmt.DASH,
                "points": fmt.number(row["contribution"], 1, lang) if has else fmt.DASH,
            }
        )
    return blocks.Html(
        blocks.paragraph(health_reason(frames.kpi, params))
        + blocks.breakdown(rows, _rules_in_force(params), lang)
    )


def change(frames: AccountFrames, params: Params) -> blocks.Html:
    """The health score's change since the previous reporting date, component by component."""
    now = frames.kpi
    before = frames.portfolio.kpis_prev.loc[frames.account_id]
    language = params.language
    _, n_ = translator(language)
    if fmt.is_missing(now.get("health_score")) or fmt.is_missing(before.get("health_score")):
        return blocks.paragraph(
            _("No health score to compare with the previous reporting date."), "missing"
        )
    table = change_explained(now, before)
    table.index = [COMPONENTS[k].label_for(language) for k in table.index]
    moved = table.loc[table["change"].abs() >= 0.05]
    text = _(
        "Since {date} the health score moved from {before} ({before_light}) to {now} ({now_light})."
    ).format(
        date=fmt.date(previous_reporting_date(frames.as_of), language),
        before=f"{before['health_score']:.0f}",
        before_light=light(str(before["health_status"]), language),
        now=f"{now['health_score']:.0f}",
        now_light=light(str(now["health_status"]), language),
    )
    if moved.empty:
        return blocks.paragraph(text + " " + _("No component changed."))
    return blocks.Html(
        blocks.paragraph(text)
        + blocks.table(
            moved.rename_axis("component").reset_index(),
            {"before": "num1", "now": "num1", "change": "num1"},
            caption=_("Points per component, before and now"),
            language=language,
        )
    )
