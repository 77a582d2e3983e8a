"""Contract terms: delivery against the agreed OTIF, prices against the price list, payments
against the payment terms, and contract dates.

As everywhere in kam, an event dated after ``as_of`` has not happened yet: a delivery or payment
after ``as_of`` counts as outstanding at ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlib.periods import Window

__all__ = [
    "active_contract",
    "agreed_otif",
    "agreed_payment_days",
    "delivery_flags",
    "otif_by_month",
    "days_late_distribution",
    "open_orders",
    "price_check",
    "price_leakage",
    "payments",
    "ageing",
    "dso",
    "contract_dates",
    "findings",
    "summary_lines",
    "ContractAnalysis",
    "analyse",
    "AGEING_BUCKETS",
    "overdue_trend",
    "delivery_and_satisfaction",
    "co_movement",
]

AGEING_BUCKETS = ["current", "1-30", "31-60", "61-90", "over 90"]


def _happened(dates: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    return dates.where(dates <= as_of)


def active_contract(contracts: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.Series | None:
    """The contract in force at ``as_of`` (start <= as_of <= end or open-ended; the latest
    started wins), or None."""
    if contracts is None or contracts.empty:
        return None
    end = (
        contracts["end_date"]
        if "end_date" in contracts
        else pd.Series(pd.NaT, index=contracts.index)
    )
    active = contracts.loc[(contracts["start_date"] <= as_of) & (end.isna() | (end >= as_of))]
    if active.empty:
        return None
    return active.sort_values("start_date").iloc[-1]


def agreed_otif(contracts: pd.DataFrame | None, as_of: pd.Timestamp, default: float) -> float:
    """OTIF target of the active contract, else ``default`` (the parameter)."""
    c = active_contract(contracts, as_of)
    if c is not None and "otif_target" in c and pd.notna(c["otif_target"]):
        return float(c["otif_target"])
    return float(default)


def agreed_payment_days(contracts: pd.DataFrame | None, as_of: pd.Timestamp, default: int) -> int:
    """Payment terms of the active contract, else ``default``."""
    c = active_contract(contracts, as_of)
    if c is not None and "payment_terms_days" in c and pd.notna(c["payment_terms_days"]):
        return int(c["payment_terms_days"])
    return int(default)


def delivery_flags(deliveries: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per order: ``on_time``, ``in_full``, ``otif`` and ``days_late`` (NaN while open).

    On time: delivered by ``as_of`` and on or before the promised date. In full:
    ``quantity_delivered >= quantity_ordered``, counted as in full where either is missing
    (the data contract's definition).
    """
    d = deliveries.copy()
    delivered = (
        _happened(d["delivered_date"], as_of)
        if "delivered_date" in d
        else pd.Series(pd.NaT, index=d.index)
    )
    d["on_time"] = delivered.notna() & (delivered <= d["promised_date"])
    if {"quantity_ordered", "quantity_delivered"} <= set(d.columns):
        qo, qd = d["quantity_ordered"], d["quantity_delivered"]
        d["in_full"] = qo.isna() | qd.isna() | (qd >= qo)
    else:
        d["in_full"] = True
    d["otif"] = d["on_time"] & d["in_full"]
    d["days_late"] = (delivered - d["promised_date"]).dt.days.clip(lower=0).astype(float)
    return d


def otif_by_month(deliveries: pd.DataFrame, as_of: pd.Timestamp, window: Window) -> pd.DataFrame:
    """On-time, in-full and OTIF rates per month of promised date within ``window``."""
    d = delivery_flags(deliveries, as_of)
    d = d.loc[window.contains(d["promised_date"])]
    if d.empty:
        return pd.DataFrame(columns=["orders", "on_time", "in_full", "otif"])
    month = d["promised_date"].dt.to_period("M").dt.to_timestamp().rename("month")
    out = d.groupby(month).agg(
        orders=("otif", "size"),
        on_time=("on_time", "mean"),
        in_full=("in_full", "mean"),
        otif=("otif", "mean"),
    )
    return out


def days_late_distribution(
    deliveries: pd.DataFrame, as_of: pd.Timestamp, window: Window
) -> pd.DataFrame:
    """Delivered orders of the window by days late: on time, 1-2, 3-7, 8-14, over 14."""
    d = delivery_flags(deliveries, as_of)
    d = d.loc[window.contains(d["promised_date"]) & d["days_late"].notna()]
    bins = [-1, 0, 2, 7, 14, np.inf]
    labels = ["on time", "1-2 days", "3-7 days", "8-14 days", "over 14 days"]
    counts = (
        pd.cut(d["days_late"], bins=bins, labels=labels)
        .value_counts()
        .reindex(labels, fill_value=0)
    )
    return counts.rename("orders").to_frame()


def open_orders(deliveries: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Orders promised by ``as_of`` and not delivered by then, with days overdue."""
    d = delivery_flags(deliveries, as_of)
    delivered = (
        _happened(d["delivered_date"], as_of)
        if "delivered_date" in d
        else pd.Series(pd.NaT, index=d.index)
    )
    late = d.loc[(d["promised_date"] <= as_of) & delivered.isna()].copy()
    late["days_overdue"] = (as_of - late["promised_date"]).dt.days
    return late[["order_id", "promised_date", "days_overdue"]].sort_values(
        "days_overdue", ascending=False
    )


def price_check(sales: pd.DataFrame, prices: pd.DataFrame | None, window: Window) -> pd.DataFrame:
    """Sales rows of the window with their agreed unit price.

    Realised unit price = ``net_revenue / quantity`` for rows with ``quantity > 0`` and a product;
    the agreed price is the price-list row of the product valid on the sale date
    (``valid_from <= date`` and ``valid_to`` missing or ``>= date``; the latest ``valid_from`` wins
    if rows overlap). ``deviation`` = (realised - agreed) x quantity: negative is revenue lost.
    Rows without a matching price keep ``agreed`` NaN.
    """
    cols = ["date", "product", "quantity", "net_revenue", "realised", "agreed", "deviation"]
    if "account_id" in sales:
        cols.insert(0, "account_id")
    if prices is None or "product" not in sales or "quantity" not in sales:
        return pd.DataFrame(columns=cols)
    s = sales.loc[
        window.contains(sales["date"]) & (sales["quantity"] > 0) & sales["product"].notna()
    ].copy()
    if s.empty:
        return pd.DataFrame(columns=cols)
    s["realised"] = s["net_revenue"] / s["quantity"]
    s["row"] = np.arange(len(s))
    # price lists are per account: match on the account too where both tables carry it
    keys = (
        ["account_id", "product"] if "account_id" in s and "account_id" in prices else ["product"]
    )
    merged = s.merge(
        prices[[*keys, "valid_from", "valid_to", "agreed_unit_price"]], on=keys, how="left"
    )
    valid_to = merged["valid_to"].fillna(pd.Timestamp.max)
    valid = (merged["valid_from"] <= merged["date"]) & (merged["date"] <= valid_to)
    matched = merged.loc[valid].sort_values("valid_from").groupby("row").last()
    s["agreed"] = matched["agreed_unit_price"].reindex(s["row"]).to_numpy()
    s["deviation"] = (s["realised"] - s["agreed"]) * s["quantity"]
    return s[cols]


def price_leakage(checked: pd.DataFrame) -> pd.DataFrame:
    """Per product: revenue, the deviation from the agreed prices, and rows without a price.

    Sorted with the largest loss first.
    """
    if checked.empty:
        return pd.DataFrame(columns=["revenue", "deviation", "deviation_share", "unpriced_rows"])
    g = checked.groupby("product")
    out = pd.DataFrame(
        {
            "revenue": g["net_revenue"].sum(),
            "deviation": g["deviation"].sum(min_count=1).fillna(0.0),
            "unpriced_rows": g["agreed"].apply(lambda a: int(a.isna().sum())),
        }
    )
    at_agreed = out["revenue"] - out["deviation"]  # the same quantities at the agreed prices
    out["deviation_share"] = (out["deviation"] / at_agreed).where(at_agreed > 0)
    return out.sort_values("deviation")[
        ["revenue", "deviation", "deviation_share", "unpriced_rows"]
    ]


def payments(invoices: pd.DataFrame, as_of: pd.Timestamp, window: Window) -> pd.DataFrame:
    """Invoices due in the window with ``days_to_pay`` (invoice to payment or as_of) and
    ``days_late`` (max(0, payment or as_of - due)), as in the KPI ``avg_days_late``."""
    inv = invoices.loc[window.contains(invoices["due_date"])].copy()
    paid = (
        _happened(inv["paid_date"], as_of)
        if "paid_date" in inv
        else pd.Series(pd.NaT, index=inv.index)
    )
    settled = paid.fillna(as_of)
    inv["paid"] = paid.notna()
    inv["days_to_pay"] = (settled - inv["invoice_date"]).dt.days
    inv["days_late"] = (settled - inv["due_date"]).dt.days.clip(lower=0)
    return inv


def ageing(invoices: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open receivables at ``as_of`` by days past due: current (not yet due), 1-30, 31-60,
    61-90, over 90. Only invoices issued by ``as_of`` and not paid by then count."""
    inv = invoices.loc[invoices["invoice_date"] <= as_of]
    paid = (
        _happened(inv["paid_date"], as_of)
        if "paid_date" in inv
        else pd.Series(pd.NaT, index=inv.index)
    )
    open_ = inv.loc[paid.isna()]
    past = (as_of - open_["due_date"]).dt.days
    bucket = pd.cut(past, bins=[-np.inf, 0, 30, 60, 90, np.inf], labels=AGEING_BUCKETS)
    out = open_.groupby(bucket, observed=False)["amount"].agg(["sum", "size"])
    out = out.reindex(AGEING_BUCKETS, fill_value=0).rename(
        columns={"sum": "amount", "size": "invoices"}
    )
    return out.rename_axis("days_past_due")


def dso(invoices: pd.DataFrame, as_of: pd.Timestamp, days: int = 90) -> float:
    """Days sales outstanding: open receivables at ``as_of`` / invoiced in the last ``days``
    days x ``days`` (the simple method). NaN when nothing was invoiced in those days."""
    issued = invoices.loc[invoices["invoice_date"] <= as_of]
    paid = (
        _happened(issued["paid_date"], as_of)
        if "paid_date" in issued
        else pd.Series(pd.NaT, index=issued.index)
    )
    receivables = issued.loc[paid.isna(), "amount"].sum()
    recent = issued.loc[issued["invoice_date"] > as_of - pd.Timedelta(days=days), "amount"].sum()
    return float(receivables / recent * days) if recent > 0 else float("nan")


def contract_dates(contracts: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int) -> pd.DataFrame:
    """Contracts not yet ended at ``as_of`` with end date, notice deadline and days remaining.

    Notice deadline = ``end_date - notice_days``. ``flag``: ``notice due`` when the deadline
    falls within ``horizon_days`` from ``as_of``, ``notice passed`` when it has passed while the
    contract still runs, ``open-ended`` without an end date.
    """
    c = contracts.copy()
    end = c["end_date"] if "end_date" in c else pd.Series(pd.NaT, index=c.index)
    c = c.loc[end.isna() | (end >= as_of)].copy()
    end = end.loc[c.index]
    notice = c["notice_days"] if "notice_days" in c else pd.Series(np.nan, index=c.index)
    c["end_date"] = end
    c["notice_deadline"] = end - pd.to_timedelta(notice.fillna(0), unit="D")
    c["days_to_end"] = (end - as_of).dt.days
    c["days_to_notice"] = (c["notice_deadline"] - as_of).dt.days
    c["flag"] = np.select(
        [end.isna(), c["days_to_notice"] < 0, c["days_to_notice"] <= horizon_days],
        ["open-ended", "notice passed", "notice due"],
        default="",
    )
    cols = [
        "contract_id",
        "start_date",
        "end_date",
        "notice_deadline",
        "days_to_end",
        "days_to_notice",
        "flag",
    ]
    return c[cols].sort_values("end_date", na_position="last")


@dataclass(frozen=True)
class ContractAnalysis:
    """Everything the contract-terms section shows, for one account."""

    otif_target: float
    otif_monthly: pd.DataFrame
    late_distribution: pd.DataFrame
    open_orders: pd.DataFrame
    leakage: pd.DataFrame
    leakage_total: float
    unpriced_rows: int
    payment_days: int
    payments: pd.DataFrame
    ageing: pd.DataFrame
    dso: float
    dates: pd.DataFrame
    overdue: pd.Series
    delivery_satisfaction: pd.DataFrame


def analyse(ctx) -> ContractAnalysis:
    """The contract-terms figures for one account context (tables may be absent)."""
    as_of, win, params = ctx.as_of, ctx.window, ctx.params
    contracts, deliveries = ctx.table("contracts"), ctx.table("deliveries")
    invoices, sales = ctx.table("invoices"), ctx.table("sales")
    empty = pd.DataFrame()
    checked = price_check(sales, ctx.table("prices"), win)
    leak = price_leakage(checked)
    return ContractAnalysis(
        otif_target=agreed_otif(contracts, as_of, params.targets.otif_rate),
        otif_monthly=otif_by_month(deliveries, as_of, win) if deliveries is not None else empty,
        late_distribution=(
            days_late_distribution(deliveries, as_of, win) if deliveries is not None else empty
        ),
        open_orders=open_orders(deliveries, as_of) if deliveries is not None else empty,
        leakage=leak,
        leakage_total=float(leak["deviation"].sum()) if len(leak) else 0.0,
        unpriced_rows=int(leak["unpriced_rows"].sum()) if len(leak) else 0,
        payment_days=agreed_payment_days(contracts, as_of, params.targets.payment_terms_days),
        payments=payments(invoices, as_of, win) if invoices is not None else empty,
        ageing=ageing(invoices, as_of) if invoices is not None else empty,
        dso=dso(invoices, as_of) if invoices is not None else float("nan"),
        dates=(
            contract_dates(contracts, as_of, params.notice_horizon_days)
            if contracts is not None
            else empty
        ),
        overdue=overdue_trend(invoices, as_of) if invoices is not None else pd.Series(dtype=float),
        delivery_satisfaction=delivery_and_satisfaction(deliveries, ctx.table("surveys"), as_of),
    )


def summary_lines(
    a: ContractAnalysis, kpi: pd.Series, currency: str = "EUR"
) -> dict[str, list[str]]:
    """The contract-terms statements in words, per part (delivery, prices, payments)."""
    out: dict[str, list[str]] = {"delivery": [], "prices": [], "payments": []}
    if len(a.otif_monthly):
        orders = int(a.otif_monthly["orders"].sum())
        verdict = "meets" if kpi["otif_rate"] >= a.otif_target else "misses"
        out["delivery"].append(
            f"{kpi['otif_rate']:.1%} of the {orders} orders promised in the last "
            f"12 months were delivered on time and in full; this {verdict} the "
            f"agreed {a.otif_target:.0%}."
        )
        if len(a.open_orders):
            out["delivery"].append(
                f"{len(a.open_orders)} order(s) are past their promised date and "
                f"not delivered, the oldest by {int(a.open_orders['days_overdue'].max())} days."
            )
    if len(a.leakage):
        word = "lost" if a.leakage_total < 0 else "gained"
        out["prices"].append(
            f"Against the agreed price list, {abs(a.leakage_total):,.0f} {currency} "
            f"were {word} in the last 12 months."
        )
        if a.unpriced_rows:
            out["prices"].append(
                f"{a.unpriced_rows} sales row(s) had no agreed price to compare with."
            )
    if len(a.payments):
        out["payments"].append(
            f"Invoices due in the last 12 months were paid "
            f"{a.payments['days_to_pay'].mean():.0f} days after invoicing on average "
            f"(terms: {a.payment_days} days), {kpi['avg_days_late']:.1f} days late."
        )
        dso = (
            f"DSO {a.dso:.0f} days"
            if np.isfinite(a.dso)
            else "no DSO, as nothing was invoiced in the last 90 days"
        )
        out["payments"].append(
            f"Overdue at the reporting date: {kpi['overdue_amount']:,.0f} {currency}; {dso}."
        )
    return out


def findings(ctx) -> list:
    """Contract findings: notice deadlines, price leakage, receivables over 60 days past due."""
    from kamlib.findings import Finding

    a = analyse(ctx)
    out = []
    for _, row in a.dates.iterrows() if len(a.dates) else []:
        if row["flag"] == "notice due":
            out.append(
                Finding(
                    "red",
                    "contracts",
                    f"The notice deadline of contract "
                    f"{row['contract_id']} is {row['notice_deadline']:%d %b %Y}, in "
                    f"{int(row['days_to_notice'])} days.",
                )
            )
        elif row["flag"] == "notice passed":
            out.append(
                Finding(
                    "yellow",
                    "contracts",
                    f"The notice deadline of contract "
                    f"{row['contract_id']} has passed; it ends {row['end_date']:%d %b %Y}.",
                )
            )
    if a.leakage_total < 0:
        at_agreed = float(a.leakage["revenue"].sum()) - a.leakage_total
        share = -a.leakage_total / at_agreed if at_agreed > 0 else 0.0
        if share > 0.01:
            out.append(
                Finding(
                    "yellow",
                    "contracts",
                    f"Realised prices were {share:.1%} below "
                    f"the agreed prices: {-a.leakage_total:,.0f} "
                    f"{ctx.params.currency} lost in the last 12 months.",
                )
            )
    if len(a.ageing) and a.ageing.loc[["61-90", "over 90"], "amount"].sum() > 0:
        over = a.ageing.loc[["31-60", "61-90", "over 90"], "amount"].sum()
        out.append(
            Finding(
                "red",
                "contracts",
                f"{over:,.0f} {ctx.params.currency} of invoices are more than 30 days overdue.",
            )
        )
    return out


def overdue_trend(invoices: pd.DataFrame, as_of: pd.Timestamp, months: int = 12) -> pd.Series:
    """Overdue amount at each of the last ``months`` month ends up to ``as_of``.

    At a date ``d``: invoices with ``due_date <= d`` and not paid by ``d`` (the KPI
    ``overdue_amount`` evaluated at ``d``).
    """
    last = as_of if as_of == as_of + pd.offsets.MonthEnd(0) else as_of - pd.offsets.MonthEnd(1)
    ends = pd.date_range(end=last, periods=months, freq="ME")
    paid = (
        invoices["paid_date"]
        if "paid_date" in invoices
        else pd.Series(pd.NaT, index=invoices.index)
    )
    values = {
        d: float(
            invoices.loc[(invoices["due_date"] <= d) & (paid.isna() | (paid > d)), "amount"].sum()
        )
        for d in ends
    }
    return pd.Series(values, name="overdue").rename_axis("month_end")


def delivery_and_satisfaction(
    deliveries: pd.DataFrame, surveys: pd.DataFrame | None, as_of: pd.Timestamp
) -> pd.DataFrame:
    """OTIF and the mean ``rating_delivery`` per half-year, side by side.

    Half-years with both deliveries and delivery ratings only; empty without ratings.
    """
    if surveys is None or "rating_delivery" not in surveys or deliveries is None:
        return pd.DataFrame(columns=["otif", "rating_delivery", "answers"])
    d = delivery_flags(deliveries.loc[deliveries["promised_date"] <= as_of], as_of)
    half = lambda s: s.dt.year.astype(str) + np.where(s.dt.month <= 6, " H1", " H2")  # noqa: E731
    otif = d.groupby(half(d["promised_date"]))["otif"].mean()
    rated = surveys.dropna(subset=["rating_delivery"])
    rating = rated.groupby(half(rated["date"]))["rating_delivery"].agg(["mean", "size"])
    out = pd.DataFrame({"otif": otif}).join(
        rating.rename(columns={"mean": "rating_delivery", "size": "answers"}), how="inner"
    )
    return out.rename_axis("half_year")


def co_movement(table: pd.DataFrame) -> str:
    """Whether delivery ratings move with OTIF, in words (Spearman correlation, 4+ periods)."""
    if len(table) < 4:
        return "Too few half-years with both deliveries and delivery ratings to compare them."
    varies = table["otif"].nunique() > 1 and table["rating_delivery"].nunique() > 1
    rho = table["otif"].corr(table["rating_delivery"], method="spearman") if varies else np.nan
    if np.isnan(rho):
        return "OTIF or the delivery rating did not vary, so they cannot be compared."
    strength = "closely" if abs(rho) >= 0.7 else ("somewhat" if abs(rho) >= 0.4 else "hardly")
    return (
        f"The delivery rating moves {strength} with OTIF over {len(table)} half-years "
        f"(Spearman rank correlation {rho:.2f})."
    )
