"""The executive summary of an account report: KPI overview, health breakdown, top findings.

Everything here is computed from one account's rows of the KPI tables (now, and a year ago for
the change against the previous window) and its parameters; nothing about other customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlib import format as fmt
from kamlib.communication import ROLE_GAP_DAYS
from kamlib.params import HEALTH_KPIS, LOWER_IS_BETTER, Params

__all__ = [
    "KPI_LABELS",
    "Overview",
    "kpi_overview",
    "health_breakdown",
    "health_findings",
    "header_html",
    "tiles_html",
    "breakdown_html",
    "top_findings",
    "change_html",
]

KPI_LABELS = {
    "revenue_12m": "Revenue, last 12 months",
    "revenue_growth": "Revenue growth vs previous 12 months",
    "forecast_12m": "Forecast, next 12 months",
    "revenue_share": "Share of company revenue",
    "nps": "Net Promoter Score",
    "csat": "Customer satisfaction (1-5)",
    "otif_rate": "Deliveries on time in full",
    "overdue_amount": "Overdue receivables",
    "avg_days_late": "Average days paid late",
    "contacts_12m": "Contacts, last 12 months",
    "days_since_contact": "Days since last contact",
    "open_complaints": "Open complaints",
    "complaints_12m": "Complaints, last 12 months",
}
#: Labels of the health components that are not kpis.csv columns.
COMPONENT_LABELS = {
    **KPI_LABELS,
    "contacts_per_month": "Contacts per month",
    "roles_covered": f"Contact roles reached in {ROLE_GAP_DAYS} days",
    "complaint_resolution_days": "Median days to resolve a complaint",
    "repeat_complaints": "Most complaints about one category",
    "price_realisation": "Prices realised against the price list",
    "days_to_notice": "Days to the next notice deadline",
}
_KINDS = {
    "revenue_12m": "money",
    "revenue_growth": "pct",
    "forecast_12m": "money",
    "revenue_share": "pct",
    "nps": "num0",
    "csat": "num2",
    "otif_rate": "pct",
    "overdue_amount": "money",
    "avg_days_late": "num1",
    "contacts_12m": "int",
    "days_since_contact": "int",
    "open_complaints": "int",
    "complaints_12m": "int",
    "contacts_per_month": "num1",
    "roles_covered": "pct",
    "complaint_resolution_days": "int",
    "repeat_complaints": "int",
    "price_realisation": "pct",
    "days_to_notice": "int",
}


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


def _value(kind: str, v, currency: str, language: str) -> str:
    if kind == "money":
        return fmt.money(v, currency, language)
    if kind == "pct":
        return fmt.pct(v, 1, language)
    if kind == "num0":
        return fmt.number(v, 0, language)
    if kind == "num1":
        return fmt.number(v, 1, language)
    if kind == "num2":
        return fmt.number(v, 2, language)
    return fmt.number(v, 0, language)


def kpi_overview(now: pd.Series, year_ago: pd.Series, params: Params) -> Overview:
    """Each KPI of the contract with its value a year ago, the change and the target.

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
    for kpi, label in KPI_LABELS.items():
        value, before = now.get(kpi, np.nan), year_ago.get(kpi, np.nan)
        value = np.nan if fmt.is_missing(value) else float(value)
        before = np.nan if fmt.is_missing(before) else float(before)
        if kpi == "otif_rate" and not fmt.is_missing(now.get("target_otif_rate")):
            target = float(now["target_otif_rate"])
        elif kpi == "contacts_12m":
            target = params.targets.contacts_per_month * 12
        else:
            target = getattr(params.targets, kpi, None) if kpi in HEALTH_KPIS else None
        status = now.get(f"status_{kpi}") if kpi in HEALTH_KPIS else None
        rows.append(
            {
                "kpi": kpi,
                "label": label,
                "value": value,
                "previous": before,
                "change": value - before,
                "target": np.nan if target is None else float(target),
                "status": None if fmt.is_missing(status) else status,
            }
        )
    return Overview(pd.DataFrame(rows).set_index("kpi"))


def health_breakdown(now: pd.Series, params: Params) -> pd.DataFrame:
    """Per component: value, target, red mark, score, weight and contribution in points.

    The contributions add up to the health score (see :mod:`kamlib.health`).
    """
    rows = []
    for k in HEALTH_KPIS:
        target = now.get("target_otif_rate") if k == "otif_rate" else getattr(params.targets, k)
        rows.append(
            {
                "component": COMPONENT_LABELS.get(k, k),
                "kpi": k,
                "value": now.get(k),
                "target": target,
                "red_at": getattr(params.red_at, k),
                "score": now.get(f"score_{k}"),
                "weight": now.get(f"weight_{k}"),
                "contribution": now.get(f"contribution_{k}"),
                "status": now.get(f"status_{k}"),
            }
        )
    out = pd.DataFrame(rows).set_index("kpi")
    for col in ("value", "target", "red_at", "score", "weight", "contribution"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out


def _sentence(kpi: str, value: float, target: float, n_answers, currency: str, lang: str) -> str:
    if kpi == "revenue_growth":
        verb = "grew" if value >= 0 else "fell"
        return (
            f"Revenue {verb} {fmt.pct(abs(value), 1, lang)} against the previous 12 months "
            f"(target {fmt.pct(target, 1, lang, signed=True)})."
        )
    if kpi == "nps":
        n = "" if fmt.is_missing(n_answers) else f" from {int(n_answers)} answers"
        return f"Net Promoter Score is {fmt.number(value, 0, lang)}{n} (target {fmt.number(target, 0, lang)})."
    if kpi == "csat":
        return f"Satisfaction averages {fmt.number(value, 2, lang)} of 5 (target {fmt.number(target, 1, lang)})."
    if kpi == "otif_rate":
        return (
            f"{fmt.pct(value, 0, lang)} of deliveries were on time and in full "
            f"(target {fmt.pct(target, 0, lang)})."
        )
    if kpi == "avg_days_late":
        return (
            f"Invoices were paid {fmt.number(value, 1, lang)} days late on average "
            f"(target at most {fmt.number(target, 0, lang)})."
        )
    if kpi == "days_since_contact":
        return (
            f"The last contact was {fmt.number(value, 0, lang)} days ago "
            f"(target at most {fmt.number(target, 0, lang)})."
        )
    if kpi == "open_complaints":
        return f"{fmt.number(value, 0, lang)} complaint(s) are open (target {fmt.number(target, 0, lang)})."
    if kpi == "contacts_per_month":
        return (
            f"{fmt.number(value, 1, lang)} contacts per month over the last 12 months "
            f"(target {fmt.number(target, 1, lang)})."
        )
    if kpi == "roles_covered":
        return (
            f"{fmt.pct(value, 0, lang)} of the customer's contact roles were reached in the last "
            f"{ROLE_GAP_DAYS} days (target {fmt.pct(target, 0, lang)})."
        )
    if kpi == "complaint_resolution_days":
        return (
            f"Complaints took {fmt.number(value, 0, lang)} days to resolve (median; target at "
            f"most {fmt.number(target, 0, lang)})."
        )
    if kpi == "repeat_complaints":
        if value < 2:
            return "No category of complaint came up more than once in the last 12 months."
        return (
            f"Up to {fmt.number(value, 0, lang)} complaints about the same category in the last "
            f"12 months (target at most {fmt.number(target, 0, lang)})."
        )
    if kpi == "price_realisation":
        if value < 1:
            return (
                f"Sales realised {fmt.pct(value, 1, lang)} of the agreed prices: "
                f"{fmt.pct(1 - value, 1, lang)} below the price list."
            )
        return f"Sales were at or above the agreed prices ({fmt.pct(value, 1, lang)})."
    if kpi == "days_to_notice":
        if value < 0:
            return f"The contract's notice deadline passed {fmt.number(-value, 0, lang)} days ago."
        return (
            f"The contract's notice deadline is in {fmt.number(value, 0, lang)} days: renewal "
            "talks are due."
            if value <= target
            else f"The next notice deadline is {fmt.number(value, 0, lang)} days away."
        )
    return f"{COMPONENT_LABELS.get(kpi, kpi)}: {fmt.number(value, 1, lang)}."


def health_findings(now: pd.Series, params: Params) -> list[tuple[str, float, str]]:
    """Findings from the health components, worst first.

    Returns
    -------
    list of (severity, points_lost, text)
        ``severity`` is the component's traffic light (``red``, ``yellow``, ``green``);
        ``points_lost`` the health points the component costs (weight * (100 - score)).
    """
    breakdown = health_breakdown(now, params)
    out = []
    for kpi, row in breakdown.iterrows():
        if fmt.is_missing(row["score"]):
            continue
        lost = float(row["weight"] * (100 - row["score"]))
        text = _sentence(
            kpi, row["value"], row["target"], now.get("nps_n"), params.currency, params.language
        )
        out.append((str(row["status"]), lost, text))
    order = {"red": 0, "yellow": 1, "green": 2}
    return sorted(out, key=lambda f: (order.get(f[0], 3), -f[1]))


def header_html(
    name: str,
    account: dict,
    as_of: pd.Timestamp,
    window_label: str,
    health_score: float,
    health_status: str,
    language: str = "en",
) -> fmt.Html:
    """Report header: the account's name, facts and its health traffic light (all escaped)."""
    facts = [f"Account {fmt.esc(account.get('account_id'))}"]
    for key, label in (
        ("segment", "Segment"),
        ("country", "Country"),
        ("owner", "Key account manager"),
    ):
        if not fmt.is_missing(account.get(key)):
            facts.append(f"{label}: {fmt.esc(account.get(key))}")
    score = "–" if fmt.is_missing(health_score) else f"{health_score:.0f}/100"
    return fmt.Html(
        f'<div class="kam-header"><div><h1>{fmt.esc(name)}</h1>'
        f'<div class="kam-meta">{" · ".join(facts)}<br>Reporting date '
        f"{fmt.esc(fmt.date(as_of, language))}; 12-month window {fmt.esc(window_label)}</div></div>"
        f'<div><span class="kam-badge kam-{fmt.esc(health_status)}">Health: '
        f"{fmt.esc(health_status)} · {score}</span></div></div>"
    )


def tiles_html(overview: Overview, currency: str = "EUR", language: str = "en") -> fmt.Html:
    """KPI tiles: value, change against the previous window, target, traffic light."""
    tiles = []
    for kpi, row in overview.table.iterrows():
        kind = _KINDS[kpi]
        value = _value(kind, row["value"], currency, language)
        if fmt.is_missing(row["previous"]):
            change = "no comparison with the previous window"
        elif kind == "pct":
            change = f"{fmt.pp(row['change'], 1, language)} vs previous window"
        elif kind == "money":
            rel = row["change"] / abs(row["previous"]) if row["previous"] else np.nan
            change = (
                f"{fmt.pct(rel, 1, language, signed=True)} vs previous window"
                if not fmt.is_missing(rel)
                else "no comparison with the previous window"
            )
        else:
            sign = "+" if row["change"] > 0 else ""
            change = f"{sign}{_value(kind, row['change'], currency, language)} vs previous window"
        target = ""
        if not fmt.is_missing(row["target"]):
            word = "at most" if kpi in LOWER_IS_BETTER else "target"
            target = f"; {word} {_value(kind, row['target'], currency, language)}"
        status = row["status"] or "grey"
        tiles.append(
            f'<div class="kam-tile kam-{fmt.esc(status)}"><div class="kam-label">'
            f'{fmt.esc(row["label"])}</div><div class="kam-value">{fmt.esc(value)}</div>'
            f'<div class="kam-sub">{fmt.esc(change + target)}</div></div>'
        )
    return fmt.Html(f'<div class="kam-tiles">{"".join(tiles)}</div>')


def breakdown_html(breakdown: pd.DataFrame, params: Params) -> fmt.Html:
    """The health breakdown as a table with the method and thresholds stated."""
    lang = params.language
    rows = []
    for kpi, row in breakdown.iterrows():
        kind = _KINDS.get(kpi, "num1")
        has = not fmt.is_missing(row["score"])
        light = f'<span class="kam-light kam-{fmt.esc(row["status"]) if has else "grey"}"></span>'
        rows.append(
            f"<tr><td>{light}{fmt.esc(row['component'])}</td>"
            f'<td class="num">{fmt.esc(_value(kind, row["value"], params.currency, lang))}</td>'
            f'<td class="num">{fmt.esc(_value(kind, row["target"], params.currency, lang))}</td>'
            f'<td class="num">{fmt.esc(_value(kind, row["red_at"], params.currency, lang))}</td>'
            f'<td class="num">{fmt.esc(fmt.number(row["score"], 0, lang)) if has else "no data"}</td>'
            f'<td class="num">{fmt.esc(fmt.pct(row["weight"], 0, lang)) if has else "–"}</td>'
            f'<td class="num">{fmt.esc(fmt.number(row["contribution"], 1, lang)) if has else "–"}</td></tr>'
        )
    method = (
        "weighted: the traffic light follows the score"
        if params.health.method == "weighted"
        else "rules: any red component makes the account red, any yellow one yellow"
    )
    return fmt.Html(
        '<table class="kam-table"><thead><tr><th>Component</th><th>Value</th><th>Target</th>'
        "<th>Red mark</th><th>Score</th><th>Weight</th><th>Points</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="kam-note">Method {fmt.esc(method)}. Green from '
        f"{params.health.green_from:.0f}, yellow from {params.health.yellow_from:.0f}, red below. "
        "Weights shown are rescaled over the components with data.</p>"
    )


def top_findings(ctx, n: int = 3) -> list[str]:
    """The ``n`` most important findings of the account in words, worst first.

    Collects the health components' findings and every area's flags (red before yellow
    before information); when nothing is wrong, the strongest positive findings.
    """
    from kamlib import findings as area_findings

    collected = [(sev, lost, text) for sev, lost, text in health_findings(ctx.kpi, ctx.params)]
    for finding in area_findings.collect(ctx):
        collected.append((finding.severity, 0.0, finding.text))
    order = {"red": 0, "yellow": 1, "info": 2, "green": 3}
    collected.sort(key=lambda f: (order.get(f[0], 4), -f[1]))
    seen, out = set(), []
    for _, _, text in collected:
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out[:n]


def change_html(
    now: pd.Series, before: pd.Series, before_date: pd.Timestamp, language: str = "en"
) -> fmt.Html:
    """The health score's change since the previous reporting date, component by component."""
    from kamlib.health import change_explained

    if fmt.is_missing(now.get("health_score")) or fmt.is_missing(before.get("health_score")):
        return fmt.paragraph(
            "No health score to compare with the previous reporting date.", "missing"
        )
    table = change_explained(now, before)
    table.index = [COMPONENT_LABELS.get(k, k) for k in table.index]
    moved = table.loc[table["change"].abs() >= 0.05]
    text = (
        f"Since {fmt.date(before_date, language)} the health score moved from "
        f"{before['health_score']:.0f} ({before['health_status']}) to "
        f"{now['health_score']:.0f} ({now['health_status']})."
    )
    if moved.empty:
        return fmt.paragraph(text + " No component changed.")
    return fmt.Html(
        fmt.paragraph(text)
        + fmt.table_html(
            moved.rename_axis("component").reset_index(),
            {"before": "num1", "now": "num1", "change": "num1"},
            caption="Points per component, before and now",
            language=language,
        )
    )
