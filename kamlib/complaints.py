"""Complaints: volume, open backlog and its age, resolution times, categories, repeats."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlib.periods import Window

__all__ = [
    "opened_closed_by_month",
    "backlog",
    "resolution_times",
    "categories",
    "repeats",
    "ComplaintAnalysis",
    "analyse",
    "summary_lines",
    "findings",
]


def _closed(complaints: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    if "closed_date" not in complaints:
        return pd.Series(pd.NaT, index=complaints.index)
    return complaints["closed_date"].where(complaints["closed_date"] <= as_of)


def opened_closed_by_month(
    complaints: pd.DataFrame, window: Window, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Complaints opened and closed per month of the window."""
    months = pd.date_range(
        (window.start + pd.Timedelta(days=1)).to_period("M").to_timestamp(), window.end, freq="MS"
    )
    opened = complaints.loc[window.contains(complaints["opened_date"]), "opened_date"]
    closed = _closed(complaints, as_of)
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
    open_ = complaints.loc[
        (complaints["opened_date"] <= as_of) & _closed(complaints, as_of).isna()
    ].copy()
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
    closed = _closed(complaints, as_of)
    done = window.contains(closed)
    days = (closed[done] - complaints.loc[done, "opened_date"]).dt.days.to_numpy(dtype=float)
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
    cat = (
        inside["category"].fillna("not stated")
        if "category" in inside
        else pd.Series("not stated", index=inside.index)
    )
    sev = (
        inside["severity"].fillna("not stated")
        if "severity" in inside
        else pd.Series("not stated", index=inside.index)
    )
    table = pd.crosstab(cat.rename("category"), sev.rename("severity"))
    order = [s for s in ("critical", "high", "medium", "low", "not stated") if s in table.columns]
    table = table[order]
    table["total"] = table.sum(axis=1)
    return table.sort_values("total", ascending=False)


def repeats(complaints: pd.DataFrame, window: Window) -> pd.Series:
    """Categories with two or more complaints opened in the window."""
    inside = complaints.loc[window.contains(complaints["opened_date"])]
    if inside.empty or "category" not in inside:
        return pd.Series(dtype=int)
    counts = inside["category"].dropna().value_counts()
    return counts[counts >= 2]


@dataclass(frozen=True)
class ComplaintAnalysis:
    """Everything the complaints part shows, for one account."""

    monthly: pd.DataFrame
    backlog: pd.DataFrame
    resolution: dict
    target_days: float
    categories: pd.DataFrame
    repeats: pd.Series


def analyse(ctx) -> ComplaintAnalysis | None:
    """Complaint figures for one account (None when there is no complaints table)."""
    complaints = ctx.table("complaints")
    if complaints is None:
        return None
    return ComplaintAnalysis(
        monthly=opened_closed_by_month(complaints, ctx.window, ctx.as_of),
        backlog=backlog(complaints, ctx.as_of),
        resolution=resolution_times(complaints, ctx.window, ctx.as_of),
        target_days=ctx.params.targets.complaint_resolution_days,
        categories=categories(complaints, ctx.window),
        repeats=repeats(complaints, ctx.window),
    )


def _count(n: int, noun: str) -> str:
    """``1 complaint``, ``2 complaints``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def summary_lines(a: ComplaintAnalysis | None) -> list[str]:
    """The complaints part's statements in words."""
    if a is None:
        return []
    opened = int(a.monthly["opened"].sum())
    lines = [
        f"{_count(opened, 'complaint')} opened in the last 12 months; {len(a.backlog)} open at the "
        "reporting date"
        + (f", the oldest {int(a.backlog['age_days'].max())} days old." if len(a.backlog) else ".")
    ]
    r = a.resolution
    if r["n"]:
        verdict = "within" if r["median"] <= a.target_days else "above"
        lines.append(
            f"Resolution time of the {_count(r['n'], 'complaint')} closed in the window: median "
            f"{r['median']:.0f} days, 90th percentile {r['p90']:.0f} days ({verdict} the "
            f"target of {a.target_days:.0f} days)."
        )
    if len(a.repeats):
        lines.append(
            "Repeated complaints: " + ", ".join(f"{k} ({v})" for k, v in a.repeats.items()) + "."
        )
    return lines


def findings(ctx) -> list:
    """Repeated complaints and slow resolution."""
    from kamlib.findings import Finding

    a = analyse(ctx)
    if a is None:
        return []
    out = []
    if len(a.repeats) and a.repeats.max() >= 3:
        cat = a.repeats.idxmax()
        out.append(
            Finding(
                "yellow",
                "complaints",
                f"{int(a.repeats.max())} complaints about {cat} in the last 12 months.",
            )
        )
    if a.resolution["n"] and a.resolution["median"] > a.target_days:
        out.append(
            Finding(
                "yellow",
                "complaints",
                f"Complaints took {a.resolution['median']:.0f} "
                f"days to resolve (median; target {a.target_days:.0f}).",
            )
        )
    return out
