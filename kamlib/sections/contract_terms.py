"""The contract-terms section: delivery against the agreed OTIF, prices against the price list,
payments against the payment terms, and contract dates.

As everywhere in kam, an event dated after ``as_of`` has not happened yet: a delivery or payment
after ``as_of`` counts as outstanding at ``as_of`` (the definitions are in
:mod:`kamlib.measures`). Section contract: :func:`analyse` (frames, params) ->
:class:`ContractAnalysis`, once per report; :func:`findings` and :func:`sentences` read only
that analysis; the remaining public functions are the blocks a notebook cell shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlib import blocks
from kamlib import format as fmt
from kamlib.components import Finding, component_findings
from kamlib.frames import AccountFrames
from kamlib.i18n import N_, translator
from kamlib.measures import (
    column,
    days_late,
    delivery_flags,
    happened,
    in_force,
    not_ended,
    notice_deadline,
    overdue,
    price_check,
)
from kamlib.periods import Window, half_year

__all__ = [
    "AGEING_BUCKETS",
    "ContractAnalysis",
    "active_contract",
    "ageing",
    "ageing_table",
    "agreed_otif",
    "agreed_payment_days",
    "analyse",
    "co_movement",
    "co_movement_note",
    "contract_dates",
    "dates_table",
    "days_late_distribution",
    "delivery_and_satisfaction",
    "delivery_sentences",
    "delivery_summary",
    "dso",
    "findings",
    "late_table",
    "leakage_table",
    "open_orders",
    "open_orders_table",
    "otif_by_month",
    "overdue_summary",
    "overdue_trend",
    "payment_sentences",
    "payments",
    "payments_summary",
    "price_leakage",
    "price_sentences",
    "prices_summary",
    "rating_table",
    "sentences",
]

AGEING_BUCKETS = ["current", "1-30", "31-60", "61-90", "over 90"]


def active_contract(contracts: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.Series | None:
    """The contract in force at ``as_of`` (start <= as_of <= end or open-ended; the latest
    started wins), or None."""
    if contracts is None or contracts.empty:
        return None
    active = contracts.loc[in_force(contracts, as_of)]
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
    delivered = happened(column(deliveries, "delivered_date"), as_of)
    late = deliveries.loc[(deliveries["promised_date"] <= as_of) & delivered.isna()].copy()
    late["days_overdue"] = (as_of - late["promised_date"]).dt.days
    return late[["order_id", "promised_date", "days_overdue"]].sort_values(
        "days_overdue", ascending=False
    )


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
    paid = happened(column(inv, "paid_date"), as_of)
    inv["paid"] = paid.notna()
    inv["days_to_pay"] = (paid.fillna(as_of) - inv["invoice_date"]).dt.days
    inv["days_late"] = days_late(inv, as_of).astype(int)
    return inv


def ageing(invoices: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open receivables at ``as_of`` by days past due: current (not yet due), 1-30, 31-60,
    61-90, over 90. Only invoices issued by ``as_of`` and not paid by then count."""
    inv = invoices.loc[invoices["invoice_date"] <= as_of]
    open_ = inv.loc[happened(column(inv, "paid_date"), as_of).isna()]
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
    receivables = issued.loc[happened(column(issued, "paid_date"), as_of).isna(), "amount"].sum()
    recent = issued.loc[issued["invoice_date"] > as_of - pd.Timedelta(days=days), "amount"].sum()
    return float(receivables / recent * days) if recent > 0 else float("nan")


def contract_dates(contracts: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int) -> pd.DataFrame:
    """Contracts not yet ended at ``as_of`` with end date, notice deadline and days remaining.

    Notice deadline = ``end_date - notice_days``. ``flag``: ``notice due`` when the deadline
    falls within ``horizon_days`` from ``as_of``, ``notice passed`` when it has passed while the
    contract still runs, ``open-ended`` without an end date.
    """
    c = contracts.loc[not_ended(contracts, as_of)].copy()
    end = column(c, "end_date")
    c["end_date"] = end
    c["notice_deadline"] = notice_deadline(c)
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

    kpi: pd.Series
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


def analyse(frames: AccountFrames, params) -> ContractAnalysis:
    """The contract-terms figures of one account (tables may be absent)."""
    as_of, win = frames.as_of, frames.window
    contracts, deliveries = frames.table("contracts"), frames.table("deliveries")
    invoices, sales = frames.table("invoices"), frames.table("sales")
    empty = pd.DataFrame()
    leak = price_leakage(price_check(sales, frames.table("prices"), win))
    return ContractAnalysis(
        kpi=frames.kpi,
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
        delivery_satisfaction=delivery_and_satisfaction(deliveries, frames.table("surveys"), as_of),
    )


def findings(a: ContractAnalysis, params) -> list[Finding]:
    """OTIF, days paid late, price realisation and the notice deadline against their targets
    (health components), and receivables more than 60 days past due."""
    out = component_findings(a.kpi, params, "contract_terms")
    if len(a.ageing) and a.ageing.loc[["61-90", "over 90"], "amount"].sum() > 0:
        over = a.ageing.loc[["31-60", "61-90", "over 90"], "amount"].sum()
        out.append(
            Finding(
                "red",
                "contract_terms",
                translator(params.language)[0](
                    "{amount} of invoices are more than 30 days overdue."
                ).format(amount=fmt.money(over, params.currency, params.language, compact=False)),
                fact="receivables_over_30_days",
            )
        )
    return out


def delivery_sentences(a: ContractAnalysis, params) -> list[str]:
    """What the delivery part says in words."""
    if not len(a.otif_monthly):
        return []
    language = params.language
    _, n_ = translator(language)
    otif, orders = a.kpi["otif_rate"], int(a.otif_monthly["orders"].sum())
    values = {
        "otif": fmt.pct(otif, 1, language),
        "orders": orders,
        "agreed": fmt.pct(a.otif_target, 0, language),
    }
    lines = [
        (
            n_(
                "{otif} of the {orders} order promised in the last 12 months were delivered on "
                "time and in full; this meets the agreed {agreed}.",
                "{otif} of the {orders} orders promised in the last 12 months were delivered on "
                "time and in full; this meets the agreed {agreed}.",
                orders,
            )
            if otif >= a.otif_target
            else n_(
                "{otif} of the {orders} order promised in the last 12 months were delivered on "
                "time and in full; this misses the agreed {agreed}.",
                "{otif} of the {orders} orders promised in the last 12 months were delivered on "
                "time and in full; this misses the agreed {agreed}.",
                orders,
            )
        ).format(**values)
    ]
    if len(a.open_orders):
        n = len(a.open_orders)
        lines.append(
            n_(
                "{n} order is past its promised date and not delivered, by {days} days.",
                "{n} orders are past their promised date and not delivered, the oldest by "
                "{days} days.",
                n,
            ).format(n=n, days=int(a.open_orders["days_overdue"].max()))
        )
    return lines


def price_sentences(a: ContractAnalysis, params) -> list[str]:
    """What the price part says in words."""
    if not len(a.leakage):
        return []
    language = params.language
    _, n_ = translator(language)
    amount = fmt.money(abs(a.leakage_total), params.currency, language, compact=False)
    lines = [
        (
            _("Against the agreed price list, {amount} were lost in the last 12 months.")
            if a.leakage_total < 0
            else _("Against the agreed price list, {amount} were gained in the last 12 months.")
        ).format(amount=amount)
    ]
    if a.unpriced_rows:
        lines.append(
            n_(
                "{n} sales row had no agreed price to compare with.",
                "{n} sales rows had no agreed price to compare with.",
                a.unpriced_rows,
            ).format(n=a.unpriced_rows)
        )
    return lines


def payment_sentences(a: ContractAnalysis, params) -> list[str]:
    """What the payment part says in words."""
    if not len(a.payments):
        return []
    language = params.language
    _, n_ = translator(language)
    dso_text = (
        _("DSO {days} days").format(days=fmt.number(a.dso, 0, language))
        if np.isfinite(a.dso)
        else _("no DSO, as nothing was invoiced in the last 90 days")
    )
    return [
        _(
            "Invoices due in the last 12 months were paid {days} days after invoicing on "
            "average (terms: {terms} days), {late} days late."
        ).format(
            days=fmt.number(a.payments["days_to_pay"].mean(), 0, language),
            terms=a.payment_days,
            late=fmt.number(a.kpi["avg_days_late"], 1, language),
        ),
        _("Overdue at the reporting date: {amount}; {dso}.").format(
            amount=fmt.money(a.kpi["overdue_amount"], params.currency, language, compact=False),
            dso=dso_text,
        ),
    ]


def sentences(a: ContractAnalysis, params) -> list[str]:
    """Every statement of the section: delivery, prices, payments."""
    return [
        *delivery_sentences(a, params),
        *price_sentences(a, params),
        *payment_sentences(a, params),
    ]


#: kam's own words in the tables of the section, as the reader reads them
WORDS = {
    "current": N_("current"),
    "over 90": N_("over 90"),
    "on time": N_("on time"),
    "1-2 days": N_("1-2 days"),
    "3-7 days": N_("3-7 days"),
    "8-14 days": N_("8-14 days"),
    "over 14 days": N_("over 14 days"),
    "open-ended": N_("open-ended"),
    "notice passed": N_("notice passed"),
    "notice due": N_("notice due"),
}


def words(label: str, language: str) -> str:
    """A label the section wrote (an ageing bucket, a delay, a flag) in ``language``."""
    return translator(language)[0](WORDS[label]) if label in WORDS else label


def delivery_summary(a: ContractAnalysis, params) -> blocks.Html:
    """The delivery statements, or why there are none."""
    _, n_ = translator(params.language)
    return blocks.paragraphs(
        delivery_sentences(a, params),
        _("No deliveries recorded for this account in the last 12 months."),
    )


def late_table(a: ContractAnalysis, params) -> blocks.Html:
    """Delivered orders of the window by days late."""
    _, n_ = translator(params.language)
    table = a.late_distribution.rename(index=lambda x: words(x, params.language))
    return blocks.table(
        table.reset_index() if len(table) else None,
        {"orders": "int"},
        caption=_("Delivered orders by days late, last 12 months"),
        language=params.language,
        empty=_("No delivered orders in the last 12 months."),
    )


def open_orders_table(a: ContractAnalysis, params) -> blocks.Html:
    """The ten oldest orders past their promised date."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.open_orders.head(10),
        {"promised_date": "date", "days_overdue": "int"},
        caption=_("Open orders past their promised date"),
        language=params.language,
        empty=_("No open order is past its promised date."),
    )


def co_movement_note(a: ContractAnalysis, params) -> blocks.Html:
    """Whether the delivery rating moves with OTIF, in one sentence."""
    return blocks.paragraph(co_movement(a.delivery_satisfaction, params.language))


def rating_table(a: ContractAnalysis, params) -> blocks.Html:
    """OTIF and the delivery rating per half-year."""
    _, n_ = translator(params.language)
    table = a.delivery_satisfaction.rename(index=lambda h: fmt.half_year(h, params.language))
    return blocks.table(
        table.reset_index() if len(table) else None,
        {"otif": "pct", "rating_delivery": "num2", "answers": "int"},
        caption=_("OTIF and the customer's delivery rating (1-5) per half-year"),
        language=params.language,
        empty=_("No delivery ratings to set against OTIF."),
    )


def prices_summary(a: ContractAnalysis, params) -> blocks.Html:
    """The price statements, or why there are none."""
    _, n_ = translator(params.language)
    return blocks.paragraphs(
        price_sentences(a, params),
        _("No price list or no quantities for this account: prices cannot be checked."),
    )


def leakage_table(a: ContractAnalysis, params) -> blocks.Html:
    """Deviation from the agreed prices by product, largest loss first."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.leakage.reset_index() if len(a.leakage) else None,
        {
            "revenue": "money",
            "deviation": "money",
            "deviation_share": "pct",
            "unpriced_rows": "int",
        },
        caption=_(
            "Deviation from the agreed prices by product, last 12 months (largest loss first)"
        ),
        currency=params.currency,
        language=params.language,
        empty=_("No sales to compare with a price list."),
    )


def payments_summary(a: ContractAnalysis, params) -> blocks.Html:
    """The payment statements, or why there are none."""
    _, n_ = translator(params.language)
    return blocks.paragraphs(payment_sentences(a, params), _("No invoices for this account."))


def ageing_table(a: ContractAnalysis, params) -> blocks.Html:
    """Open receivables by days past due."""
    _, n_ = translator(params.language)
    table = a.ageing.rename(index=lambda x: words(x, params.language))
    return blocks.table(
        table.reset_index() if len(table) else None,
        {"amount": "money", "invoices": "int"},
        caption=_("Open receivables at the reporting date by days past due"),
        currency=params.currency,
        language=params.language,
        empty=_("No invoices for this account."),
    )


def overdue_summary(a: ContractAnalysis, params) -> blocks.Html:
    """The overdue amount at the last 12 month ends, when it was zero at each: one sentence
    instead of twelve zeros. Otherwise nothing: the chart
    (:func:`kamlib.plots.contract_terms.overdue_trend`) shows the months; without invoices,
    the payment statements say so already."""
    _, n_ = translator(params.language)
    if a.overdue is None or a.overdue.empty or (a.overdue > 0).any():
        return blocks.Html("")
    return blocks.paragraph(
        _("No invoice was overdue at any of the last {n} month ends.").format(n=len(a.overdue)),
        "missing",
    )


def dates_table(a: ContractAnalysis, params) -> blocks.Html:
    """The contracts in force with their end and notice dates."""
    _, n_ = translator(params.language)
    dates = a.dates
    if len(dates):
        dates = dates.assign(flag=dates["flag"].map(lambda f: words(f, params.language)))
    return blocks.table(
        dates,
        {
            "start_date": "date",
            "end_date": "date",
            "notice_deadline": "date",
            "days_to_end": "int",
            "days_to_notice": "int",
        },
        caption=_("Contracts in force"),
        language=params.language,
        empty=_("No contract in force is recorded for this account."),
    )


def overdue_trend(invoices: pd.DataFrame, as_of: pd.Timestamp, months: int = 12) -> pd.Series:
    """Overdue amount at each of the last ``months`` month ends up to ``as_of``.

    At a date ``d``: invoices with ``due_date <= d`` and not paid by ``d`` (the KPI
    ``overdue_amount`` evaluated at ``d``).
    """
    last = as_of if as_of == as_of + pd.offsets.MonthEnd(0) else as_of - pd.offsets.MonthEnd(1)
    ends = pd.date_range(end=last, periods=months, freq="ME")
    values = {d: float(invoices.loc[overdue(invoices, d), "amount"].sum()) for d in ends}
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
    otif = d.groupby(half_year(d["promised_date"]))["otif"].mean()
    rated = surveys.dropna(subset=["rating_delivery"])
    rating = rated.groupby(half_year(rated["date"]))["rating_delivery"].agg(["mean", "size"])
    out = pd.DataFrame({"otif": otif}).join(
        rating.rename(columns={"mean": "rating_delivery", "size": "answers"}), how="inner"
    )
    return out.rename_axis("half_year")


def co_movement(table: pd.DataFrame, language: str = "en") -> str:
    """Whether delivery ratings move with OTIF, in words (Spearman correlation, 4+ periods)."""
    _, n_ = translator(language)
    if len(table) < 4:
        return _("Too few half-years with both deliveries and delivery ratings to compare them.")
    varies = table["otif"].nunique() > 1 and table["rating_delivery"].nunique() > 1
    rho = table["otif"].corr(table["rating_delivery"], method="spearman") if varies else np.nan
    if np.isnan(rho):
        return _("OTIF or the delivery rating did not vary, so they cannot be compared.")
    if abs(rho) >= 0.7:
        text = _(
            "The delivery rating moves closely with OTIF over {n} half-years "
            "(Spearman rank correlation {rho})."
        )
    elif abs(rho) >= 0.4:
        text = _(
            "The delivery rating moves somewhat with OTIF over {n} half-years "
            "(Spearman rank correlation {rho})."
        )
    else:
        text = _(
            "The delivery rating hardly moves with OTIF over {n} half-years "
            "(Spearman rank correlation {rho})."
        )
    return text.format(n=len(table), rho=fmt.number(rho, 2, language))
