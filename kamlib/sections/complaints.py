"""The complaints section: volume, open backlog and its age, resolution times, categories and
repeats.

Section contract: :func:`analyse` (frames, params) -> :class:`ComplaintAnalysis`, once per
report; :func:`findings` and :func:`sentences` read only that analysis; the remaining public
functions are the blocks a notebook cell shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlib import blocks
from kamlib import format as fmt
from kamlib.components import Finding, component_findings
from kamlib.frames import AccountFrames
from kamlib.i18n import translator
from kamlib.measures import category_counts, column, happened, is_open, resolution_days
from kamlib.periods import Window

__all__ = [
    "ComplaintAnalysis",
    "analyse",
    "backlog",
    "backlog_table",
    "categories",
    "categories_table",
    "findings",
    "opened_closed_by_month",
    "repeats",
    "resolution_times",
    "sentences",
    "summary",
]


def opened_closed_by_month(
    complaints: pd.DataFrame, window: Window, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Complaints opened and closed per month of the window."""
    months = pd.date_range(
        (window.start + pd.Timedelta(days=1)).to_period("M").to_timestamp(), window.end, freq="MS"
    )
    opened = complaints.loc[window.contains(complaints["opened_date"]), "opened_date"]
    closed = happened(column(complaints, "closed_date"), as_of)
    closed = closed[window.contains(closed)]

    def per_month(dates: pd.Series) -> pd.Series:
        return (
            dates.dt.to_period("M").dt.to_timestamp().value_counts().reindex(months, fill_value=0)
        )

    return pd.DataFrame({"opened": per_month(opened), "closed": per_month(closed)}).rename_axis(
        "month"
    )


def backlog(complaints: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Complaints open at ``as_of`` with their age in days, oldest first."""
    open_ = complaints.loc[is_open(complaints, as_of)].copy()
    open_["age_days"] = (as_of - open_["opened_date"]).dt.days
    cols = [
        c for c in ("complaint_id", "opened_date", "category", "severity", "age_days") if c in open_
    ]
    return open_[cols].sort_values("age_days", ascending=False)


def resolution_times(
    complaints: pd.DataFrame, window: Window, as_of: pd.Timestamp
) -> dict[str, float]:
    """Median and 90th percentile of days from opening to closing, for complaints closed in the
    window (linear interpolation between order statistics, as ``numpy.percentile``)."""
    days = resolution_days(complaints, window, as_of).to_numpy()
    if len(days) == 0:
        return {"n": 0, "median": float("nan"), "p90": float("nan")}
    return {
        "n": int(len(days)),
        "median": float(np.median(days)),
        "p90": float(np.percentile(days, 90)),
    }


def categories(complaints: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Complaints opened in the window by category and severity."""
    inside = complaints.loc[window.contains(complaints["opened_date"])]
    if inside.empty:
        return pd.DataFrame()
    cat = column(inside, "category", np.nan).fillna(fmt.NOT_STATED)
    sev = column(inside, "severity", np.nan).fillna(fmt.NOT_STATED)
    table = pd.crosstab(cat.rename("category"), sev.rename("severity"))
    order = [s for s in ("critical", "high", "medium", "low", fmt.NOT_STATED) if s in table.columns]
    table = table[order]
    table["total"] = table.sum(axis=1)
    return table.sort_values("total", ascending=False)


def repeats(complaints: pd.DataFrame, window: Window) -> pd.Series:
    """Categories with two or more complaints opened in the window, most first."""
    counts = category_counts(complaints, window)
    if counts.empty:
        return pd.Series(dtype=int)
    counts = counts.groupby(level="category").sum().sort_values(ascending=False, kind="stable")
    return counts[counts >= 2].rename("count")


@dataclass(frozen=True)
class ComplaintAnalysis:
    """Everything the complaints part shows, for one account."""

    kpi: pd.Series
    recorded: bool  # whether the dataset has a complaints table
    monthly: pd.DataFrame
    backlog: pd.DataFrame
    resolution: dict
    target_days: float
    categories: pd.DataFrame
    repeats: pd.Series


def analyse(frames: AccountFrames, params) -> ComplaintAnalysis:
    """Complaint figures of one account (empty when there is no complaints table)."""
    complaints = frames.table("complaints")
    recorded = complaints is not None
    if not recorded:
        complaints = pd.DataFrame({"complaint_id": [], "account_id": [], "opened_date": []})
        complaints["opened_date"] = pd.to_datetime(complaints["opened_date"])
    return ComplaintAnalysis(
        kpi=frames.kpi,
        recorded=recorded,
        monthly=opened_closed_by_month(complaints, frames.window, frames.as_of),
        backlog=backlog(complaints, frames.as_of),
        resolution=resolution_times(complaints, frames.window, frames.as_of),
        target_days=params.targets.complaint_resolution_days,
        categories=categories(complaints, frames.window),
        repeats=repeats(complaints, frames.window),
    )


def findings(a: ComplaintAnalysis, params) -> list[Finding]:
    """Open complaints, resolution days and repeated complaints against their targets (health
    components)."""
    return component_findings(a.kpi, params, "complaints")


def sentences(a: ComplaintAnalysis, params) -> list[str]:
    """The complaints part's statements in words (none without a complaints table)."""
    if not a.recorded:
        return []
    language = params.language
    _, n_ = translator(language)
    num = lambda v: fmt.number(v, 0, language)  # noqa: E731
    opened, still_open = int(a.monthly["opened"].sum()), len(a.backlog)
    lines = [
        n_(
            "{n} complaint opened in the last 12 months.",
            "{n} complaints opened in the last 12 months.",
            opened,
        ).format(n=num(opened))
    ]
    if still_open:
        oldest = int(a.backlog["age_days"].max())
        lines.append(
            n_(
                "{n} open at the reporting date, the oldest {days} days old.",
                "{n} open at the reporting date, the oldest {days} days old.",
                still_open,
            ).format(n=num(still_open), days=num(oldest))
        )
    else:
        lines.append(_("No complaint open at the reporting date."))
    r = a.resolution
    if r["n"]:
        text = (
            n_(
                "Resolution time of the {n} complaint closed in the window: median {median} "
                "days, 90th percentile {p90} days (within the target of {target} days).",
                "Resolution time of the {n} complaints closed in the window: median {median} "
                "days, 90th percentile {p90} days (within the target of {target} days).",
                r["n"],
            )
            if r["median"] <= a.target_days
            else n_(
                "Resolution time of the {n} complaint closed in the window: median {median} "
                "days, 90th percentile {p90} days (above the target of {target} days).",
                "Resolution time of the {n} complaints closed in the window: median {median} "
                "days, 90th percentile {p90} days (above the target of {target} days).",
                r["n"],
            )
        )
        lines.append(
            text.format(
                n=num(r["n"]), median=num(r["median"]), p90=num(r["p90"]), target=num(a.target_days)
            )
        )
    if len(a.repeats):
        lines.append(
            _("Repeated complaints: {categories}.").format(
                categories=", ".join(f"{k} ({num(v)})" for k, v in a.repeats.items())
            )
        )
    return lines


def summary(a: ComplaintAnalysis, params) -> blocks.Html:
    """The complaints statements, or why there are none."""
    _, n_ = translator(params.language)
    return blocks.paragraphs(sentences(a, params), _("No complaint records in this dataset."))


def backlog_table(a: ComplaintAnalysis, params) -> blocks.Html:
    """The open complaints, oldest first."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.backlog if a.recorded else None,
        {"opened_date": "date", "age_days": "int"},
        caption=_("Open complaints"),
        language=params.language,
        empty=_("No open complaints."),
    )


def categories_table(a: ComplaintAnalysis, params) -> blocks.Html:
    """Complaints of the window by category and severity."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.categories.reset_index() if len(a.categories) else None,
        {},
        caption=_("Complaints by category and severity, last 12 months"),
        language=params.language,
        empty=_("No complaints in the last 12 months."),
    )
