"""The communication section: how often and how recently the account was in touch, through which
channels, who started it, and which of the customer's roles were reached.

Section contract: :func:`analyse` (frames, params) -> :class:`CommunicationAnalysis`, once per
report; :func:`findings` and :func:`sentences` read only that analysis; the remaining public
functions are the blocks a notebook cell shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kamlib import blocks
from kamlib import format as fmt
from kamlib.components import Finding, component_findings
from kamlib.frames import AccountFrames
from kamlib.i18n import translator
from kamlib.measures import ROLE_GAP_DAYS, contact_roles, reached
from kamlib.periods import Window

__all__ = [
    "CommunicationAnalysis",
    "analyse",
    "channel_mix",
    "channels_table",
    "contacts_by_month",
    "findings",
    "initiated_share",
    "role_coverage",
    "roles_table",
    "sentences",
    "summary",
]


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
    counts = inside["channel"].fillna(fmt.NOT_STATED).value_counts()
    return pd.DataFrame({"contacts": counts, "share": counts / counts.sum()}).rename_axis("channel")


def initiated_share(interactions: pd.DataFrame, window: Window) -> float:
    """Share of the window's contacts with ``initiated_by`` stated that the customer started."""
    inside = interactions.loc[window.contains(interactions["date"])]
    if "initiated_by" not in inside:
        return float("nan")
    stated = inside["initiated_by"].dropna()
    return float((stated == "customer").mean()) if len(stated) else float("nan")


def role_coverage(
    interactions: pd.DataFrame,
    roles: list[str],
    as_of: pd.Timestamp,
    limit_days: int = ROLE_GAP_DAYS,
) -> pd.DataFrame:
    """For every role: the last contact up to ``as_of`` and the days since; ``gap`` when the
    role was not reached (:func:`kamlib.measures.reached`) in the last ``limit_days`` days."""
    past = interactions.loc[interactions["date"] <= as_of]
    with_role = past.dropna(subset=["contact_role"]) if "contact_role" in past else past.iloc[:0]
    last = with_role.groupby("contact_role")["date"].max() if len(with_role) else None
    recent = with_role.loc[reached(with_role, as_of, limit_days), "contact_role"]
    out = pd.DataFrame(index=pd.Index(roles, name="role"))
    out["last_contact"] = (
        last.reindex(out.index) if last is not None else pd.Series(pd.NaT, index=out.index)
    )
    out["days_since"] = (as_of - out["last_contact"]).dt.days
    out["gap"] = ~out.index.isin(set(recent))
    return out


@dataclass(frozen=True)
class CommunicationAnalysis:
    """Everything the communication part shows, for one account."""

    kpi: pd.Series
    recorded: bool  # whether the dataset has an interactions table
    monthly: pd.Series
    channels: pd.DataFrame
    customer_share: float
    roles: pd.DataFrame


def analyse(frames: AccountFrames, params) -> CommunicationAnalysis:
    """Communication figures of one account (empty when there is no interactions table)."""
    interactions = frames.table("interactions")
    recorded = interactions is not None
    if not recorded:
        interactions = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]")})
    return CommunicationAnalysis(
        kpi=frames.kpi,
        recorded=recorded,
        monthly=contacts_by_month(interactions, frames.window),
        channels=channel_mix(interactions, frames.window),
        customer_share=initiated_share(interactions, frames.window),
        roles=(
            role_coverage(
                interactions, contact_roles(frames.all_table("interactions")), frames.as_of
            )
            if recorded
            else pd.DataFrame()
        ),
    )


def findings(a: CommunicationAnalysis, params) -> list[Finding]:
    """Days since the last contact, contacts per month and the roles reached against their
    targets (health components)."""
    return component_findings(a.kpi, params, "communication")


def sentences(a: CommunicationAnalysis, params) -> list[str]:
    """The communication part's statements in words (none without contact records)."""
    if not a.recorded:
        return []
    language = params.language
    _, n_ = translator(language)
    total = int(a.monthly.sum())
    target, days = params.targets.contacts_per_month, params.targets.days_since_contact
    lines = [
        n_(
            "{n} contact in the last 12 months, {rate} a month (target {target} a month).",
            "{n} contacts in the last 12 months, {rate} a month (target {target} a month).",
            total,
        ).format(
            n=fmt.number(total, 0, language),
            rate=fmt.number(total / 12, 1, language),
            target=fmt.number(target, 1 if target % 1 else 0, language),
        )
    ]
    since = a.kpi["days_since_contact"]
    if pd.notna(since):
        text = (
            n_(
                "The last contact was {n} day ago (past the target of {days} days).",
                "The last contact was {n} days ago (past the target of {days} days).",
                int(since),
            )
            if since > days
            else n_(
                "The last contact was {n} day ago (within the target of {days} days).",
                "The last contact was {n} days ago (within the target of {days} days).",
                int(since),
            )
        )
        lines.append(
            text.format(n=fmt.number(since, 0, language), days=fmt.number(days, 0, language))
        )
    else:
        lines.append(_("This account has never been contacted."))
    if pd.notna(a.customer_share):
        lines.append(
            _("The customer started {share} of the contacts.").format(
                share=fmt.pct(a.customer_share, 0, language)
            )
        )
    return lines


def summary(a: CommunicationAnalysis, params) -> blocks.Html:
    """The communication statements, or why there are none."""
    _, n_ = translator(params.language)
    return blocks.paragraphs(sentences(a, params), _("No contact records in this dataset."))


def channels_table(a: CommunicationAnalysis, params) -> blocks.Html:
    """Contacts per channel in the window."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.channels.reset_index() if len(a.channels) else None,
        {"contacts": "int", "share": "pct0"},
        caption=_("Channels, last 12 months"),
        language=params.language,
        empty=_("No contacts in the last 12 months."),
    )


def roles_table(a: CommunicationAnalysis, params) -> blocks.Html:
    """Every contact role with its last contact and whether it is a gap."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.roles.reset_index() if len(a.roles) else None,
        {"last_contact": "date", "days_since": "int", "gap": "yesno"},
        caption=_("Roles reached (gap: never, or not for more than {days} days)").format(
            days=ROLE_GAP_DAYS
        ),
        language=params.language,
        empty=_("No contact records in this dataset."),
    )
