"""Communication: how often and how recently the account was in touch, through which channels,
who started it, and which of the customer's roles were reached."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kamlib.periods import Window

__all__ = [
    "DEFAULT_ROLES",
    "contacts_by_month",
    "channel_mix",
    "initiated_share",
    "role_coverage",
    "portfolio_roles",
    "CommunicationAnalysis",
    "analyse",
    "summary_lines",
    "findings",
]

DEFAULT_ROLES = ["decision maker", "purchasing", "user", "technical", "finance"]


def contacts_by_month(interactions: pd.DataFrame, window: Window) -> pd.Series:
    """Contacts per calendar month of the window (months without contact are 0)."""
    first = (window.start + pd.Timedelta(days=1)).to_period("M").to_timestamp()
    months = pd.date_range(first, window.end, freq="MS")
    inside = interactions.loc[window.contains(interactions["date"])]
    counts = inside.groupby(inside["date"].dt.to_period("M").dt.to_timestamp()).size()
    return counts.reindex(months, fill_value=0).rename("contacts").rename_axis("month")


def channel_mix(interactions: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Contacts per channel in the window, with shares (missing channel = 'not stated')."""
    inside = interactions.loc[window.contains(interactions["date"])]
    if inside.empty or "channel" not in inside:
        return pd.DataFrame(columns=["contacts", "share"])
    counts = inside["channel"].fillna("not stated").value_counts()
    return pd.DataFrame({"contacts": counts, "share": counts / counts.sum()}).rename_axis("channel")


def initiated_share(interactions: pd.DataFrame, window: Window) -> float:
    """Share of the window's contacts with ``initiated_by`` stated that the customer started."""
    inside = interactions.loc[window.contains(interactions["date"])]
    if "initiated_by" not in inside:
        return float("nan")
    stated = inside["initiated_by"].dropna()
    return float((stated == "customer").mean()) if len(stated) else float("nan")


#: a contact role not reached for longer than this many days is a gap (report and health score)
ROLE_GAP_DAYS = 180


def portfolio_roles(everyone: pd.DataFrame | None) -> list[str]:
    """The contact roles every account is judged against: the usual roles that occur anywhere
    in ``interactions`` (all accounts), then any other role that occurs; the usual roles when
    the table has no ``contact_role``."""
    if everyone is None or "contact_role" not in everyone:
        return list(DEFAULT_ROLES)
    seen = everyone["contact_role"].dropna().unique().tolist()
    return [r for r in DEFAULT_ROLES if r in seen] + sorted(set(seen) - set(DEFAULT_ROLES))


def role_coverage(
    interactions: pd.DataFrame,
    roles: list[str],
    as_of: pd.Timestamp,
    limit_days: int = ROLE_GAP_DAYS,
) -> pd.DataFrame:
    """For every role: the last contact up to ``as_of`` and the days since; ``gap`` when never
    reached or not for more than ``limit_days`` days."""
    past = interactions.loc[interactions["date"] <= as_of]
    last = (
        past.dropna(subset=["contact_role"]).groupby("contact_role")["date"].max()
        if "contact_role" in past
        else pd.Series(dtype="datetime64[ns]")
    )
    out = pd.DataFrame(index=pd.Index(roles, name="role"))
    out["last_contact"] = last.reindex(out.index)
    out["days_since"] = (as_of - out["last_contact"]).dt.days
    out["gap"] = out["days_since"].isna() | (out["days_since"] > limit_days)
    return out


@dataclass(frozen=True)
class CommunicationAnalysis:
    """Everything the communication part shows, for one account."""

    monthly: pd.Series
    channels: pd.DataFrame
    customer_share: float
    roles: pd.DataFrame
    cadence_target: float


def analyse(ctx) -> CommunicationAnalysis | None:
    """Communication figures for one account (None when there is no interactions table)."""
    interactions = ctx.table("interactions")
    if interactions is None:
        return None
    roles = portfolio_roles(ctx.all_table("interactions"))
    return CommunicationAnalysis(
        monthly=contacts_by_month(interactions, ctx.window),
        channels=channel_mix(interactions, ctx.window),
        customer_share=initiated_share(interactions, ctx.window),
        roles=role_coverage(interactions, roles, ctx.as_of),
        cadence_target=ctx.params.targets.contacts_per_month,
    )


def summary_lines(a: CommunicationAnalysis | None, kpi: pd.Series, target_days: float) -> list[str]:
    """The communication part's statements in words."""
    if a is None:
        return []
    total = int(a.monthly.sum())
    lines = [
        f"{total} contacts in the last 12 months, {total / 12:.1f} a month (target "
        f"{a.cadence_target:g} a month)."
    ]
    if pd.notna(kpi["days_since_contact"]):
        verdict = "past" if kpi["days_since_contact"] > target_days else "within"
        lines.append(
            f"The last contact was {int(kpi['days_since_contact'])} days ago ({verdict} "
            f"the target of {target_days:.0f} days)."
        )
    else:
        lines.append("This account has never been contacted.")
    if pd.notna(a.customer_share):
        lines.append(f"The customer started {a.customer_share:.0%} of the contacts.")
    return lines


def findings(ctx) -> list:
    """Roles of the customer not reached for half a year."""
    from kamlib.findings import Finding

    a = analyse(ctx)
    if a is None or a.roles.empty:
        return []
    gaps = a.roles.index[a.roles["gap"]].tolist()
    if not gaps:
        return []
    return [
        Finding(
            "yellow",
            "communication",
            f"No contact for more than {ROLE_GAP_DAYS} days with: " + ", ".join(gaps) + ".",
        )
    ]
