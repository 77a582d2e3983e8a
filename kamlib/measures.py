"""Every measure of kam defined once, for the KPI pass over all accounts and for the report
sections of one account alike.

The functions work row by row (a flag or a value per delivery, invoice, complaint ...) or on
a whole table with an ``account_id`` column, so that the KPI pass aggregates them per account
with one group-by and a section aggregates one account's rows, and the two cannot disagree.
Definitions follow sections 2 and 3 of the data contract:

* an event dated after ``as_of`` has not happened yet: a payment, delivery or closing after
  ``as_of`` counts as outstanding (:func:`happened`);
* growth is ``now / before - 1``, empty when ``before <= 0`` (:func:`growth`);
* revenue shares, ABC classes, HHI and top-5 share as in section 3 (:func:`revenue_share` ...);
* NPS: promoters answer 9-10, detractors 0-6, ``100 x (promoters - detractors) / n``;
* on time: delivered by ``as_of`` and by the promised date; in full: ``quantity_delivered >=
  quantity_ordered``, in full where either is missing (:func:`delivery_flags`);
* days late of an invoice: ``max(0, (payment or as_of) - due date)``; overdue at a date ``d``:
  due by ``d`` and not paid by ``d`` (:func:`days_late`, :func:`overdue`);
* a contract is *in force* at ``as_of`` when it has started and not ended; it is *not ended*
  (a signed renewal counts) when its end date is missing or on or after ``as_of``;
* a contact role is *reached* when the account was in contact with it in the
  :data:`ROLE_GAP_DAYS` days up to ``as_of``;
* a complaint is open when opened by ``as_of`` and not closed by then; its resolution time is
  closing minus opening date, for complaints closed in the window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib.periods import Window, month_end

__all__ = [
    "DEFAULT_ROLES",
    "ROLE_GAP_DAYS",
    "abc_class",
    "account_monthly",
    "category_counts",
    "column",
    "contact_roles",
    "delivery_flags",
    "days_late",
    "gini",
    "growth",
    "happened",
    "hhi",
    "in_force",
    "is_open",
    "last_complete_month",
    "monthly_revenue",
    "not_ended",
    "notice_deadline",
    "nps_score",
    "overdue",
    "percentile",
    "price_check",
    "reached",
    "resolution_days",
    "revenue_share",
    "top5_share",
]

#: a contact role not reached for longer than this many days is a gap (report and health score)
ROLE_GAP_DAYS = 180
#: the contact roles every account is judged against when the data name none
DEFAULT_ROLES = ["decision maker", "purchasing", "user", "technical", "finance"]


def column(df: pd.DataFrame, name: str, missing=pd.NaT) -> pd.Series:
    """Column ``name`` of ``df``, or a column of ``missing`` values when it is optional and absent."""
    return df[name] if name in df else pd.Series(missing, index=df.index)


def happened(dates: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """The dates that have happened by ``as_of``; later ones become NaT."""
    return dates.where(dates <= as_of)


def growth(now, before):
    """``now / before - 1``; empty (NaN) where ``before <= 0``. Scalars or Series."""
    if isinstance(now, pd.Series) or isinstance(before, pd.Series):
        return (now / before - 1).where(before > 0)
    return float(now / before - 1) if before > 0 else float("nan")


# --- revenue ----------------------------------------------------------------------------------


def last_complete_month(as_of: pd.Timestamp) -> pd.Timestamp:
    """Start of the last calendar month that is complete at ``as_of``.

    The month of ``as_of`` counts only when ``as_of`` is its last day; otherwise the history
    ends with the month before, so a partial month never looks like a drop in revenue.
    """
    as_of = pd.Timestamp(as_of).normalize()
    last = as_of if as_of == month_end(as_of) else as_of - pd.offsets.MonthEnd(1)
    return last.to_period("M").to_timestamp()


def _month_starts(dates: pd.Series) -> pd.Series:
    """``dates.dt.to_period("M").dt.to_timestamp()``, worked out once per distinct date: a
    sales table holds millions of rows but a few thousand days."""
    codes, days = pd.factorize(dates, use_na_sentinel=False)
    starts = pd.Series(days).dt.to_period("M").dt.to_timestamp().to_numpy()
    return pd.Series(starts[codes], index=dates.index, name=dates.name)


def monthly_revenue(sales: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Monthly revenue of every account in ``sales``, wide.

    Parameters
    ----------
    sales : pd.DataFrame
        Columns ``date``, ``account_id``, ``net_revenue``.
    as_of : pd.Timestamp
        Reporting date; complete calendar months up to it are used
        (see :func:`last_complete_month`).

    Returns
    -------
    pd.DataFrame
        Index: month starts; columns: account_id; 0 for months without sales after an account's
        first month with a sale, NaN before it.
    """
    last = last_complete_month(as_of)
    complete = sales["date"] < last + pd.offsets.MonthBegin(1)
    rows = sales if complete.all() else sales.loc[complete]  # a copy only where rows drop
    if rows.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="month"), dtype=float)
    month = _month_starts(rows["date"])
    wide = rows.groupby([month.rename("month"), rows["account_id"]])["net_revenue"].sum().unstack()
    index = pd.date_range(wide.index.min(), last, freq="MS", name="month")
    wide = wide.reindex(index)
    started = wide.notna().cummax()
    return wide.fillna(0.0).where(started).astype(float)


def account_monthly(sales: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """One account's monthly revenue from its first month with sales to the last complete month."""
    wide = monthly_revenue(sales, as_of)
    if wide.empty:
        return pd.Series(dtype=float, index=pd.DatetimeIndex([], name="month"), name="revenue")
    return wide.sum(axis=1, min_count=1).dropna().rename("revenue")


# --- the portfolio ----------------------------------------------------------------------------


def revenue_share(revenue_12m: pd.Series) -> pd.Series:
    """Share of each account in the positive revenue of the portfolio; NaN where revenue <= 0.

    Parameters
    ----------
    revenue_12m : pd.Series
        Revenue per account (index account_id).
    """
    positive = revenue_12m.where(revenue_12m > 0)
    total = positive.sum()
    if not total > 0:
        return pd.Series(np.nan, index=revenue_12m.index, dtype=float)
    return (positive / total).astype(float)


def abc_class(revenue_12m: pd.Series) -> pd.Series:
    """ABC class of each account: sorted by revenue descending (ties by account_id), ``A``
    while the summed share of the accounts *before* it is < 0.80, ``B`` while < 0.95, else
    ``C``; revenue <= 0 is ``C``."""
    share = revenue_share(revenue_12m)
    order = pd.DataFrame(
        {
            "key": revenue_12m.index.astype(str),
            "revenue": revenue_12m.to_numpy(dtype=float),
            "share": share.to_numpy(),
        },
        index=revenue_12m.index.rename(None),
    )
    # stable sort: revenue descending, then account_id ascending
    order = order.sort_values(
        ["revenue", "key"], ascending=[False, True], kind="mergesort", na_position="last"
    )
    # Compare summed revenue with 80 % / 95 % of the total rather than summed float shares, and
    # count a sum within 1e-9 of a limit as reaching it: an exact tie (0.5 + 0.3 of the revenue)
    # must give B, as it does by hand, whatever the rounding of the additions.
    positive = order["revenue"].clip(lower=0).fillna(0.0)
    total = positive.sum()
    before = positive.cumsum().shift(fill_value=0.0)
    tol = 1e-9 * total
    classes = np.where(
        before < 0.80 * total - tol, "A", np.where(before < 0.95 * total - tol, "B", "C")
    )
    classes = np.where(order["revenue"].fillna(0.0) > 0, classes, "C")
    out = pd.Series(classes, index=order.index, dtype=object).reindex(
        revenue_12m.index.rename(None)
    )
    return out.set_axis(revenue_12m.index)


def hhi(revenue_12m: pd.Series) -> float:
    """Herfindahl-Hirschman index of the revenue shares, 0..10000; NaN without revenue."""
    share = revenue_share(revenue_12m).dropna()
    return float(10000 * (share**2).sum()) if len(share) else float("nan")


def top5_share(revenue_12m: pd.Series) -> float:
    """Summed share of the five largest accounts; NaN without revenue."""
    share = revenue_share(revenue_12m).dropna()
    return float(share.nlargest(5).sum()) if len(share) else float("nan")


def gini(revenue_12m: pd.Series) -> float:
    """Gini coefficient of the positive revenues (0 = all equal, near 1 = one account has all).

    ``G = sum_i (2i - n - 1) x_i / (n sum x)`` with ``x`` sorted ascending, ``i = 1..n``.
    """
    x = np.sort(revenue_12m[revenue_12m > 0].to_numpy(dtype=float))
    n = len(x)
    if n == 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * x.sum()))


def percentile(value: float, others: pd.Series) -> float:
    """Percentile rank of ``value`` among ``others`` (share below plus half the ties), 0..100;
    NaN when ``value`` is missing or there are no others."""
    others = pd.Series(others, dtype=float).dropna()
    if pd.isna(value) or others.empty:
        return float("nan")
    return float(100 * ((others < value).sum() + 0.5 * (others == value).sum()) / len(others))


# --- satisfaction -----------------------------------------------------------------------------


def nps_score(answers: pd.Series, by: pd.Series | None = None):
    """Net Promoter Score of the answers present: ``100 x (share 9-10 - share 0-6)``.

    Parameters
    ----------
    answers : pd.Series
        Likelihood to recommend, 0..10; missing answers are left out.
    by : pd.Series, optional
        Group labels (e.g. ``account_id``): then a frame per group with ``nps``, ``n``,
        ``promoters`` and ``detractors`` (``nps`` empty where ``n`` is 0).

    Returns
    -------
    tuple (nps, n, promoters, detractors) without ``by``, else a pd.DataFrame.
    """
    rated = answers.notna()
    promoters, detractors = (answers >= 9) & rated, (answers <= 6) & rated
    if by is None:
        n, p, d = int(rated.sum()), int(promoters.sum()), int(detractors.sum())
        return (100 * (p - d) / n if n else float("nan")), n, p, d
    out = pd.DataFrame(
        {
            "n": rated.groupby(by).sum(),
            "promoters": promoters.groupby(by).sum(),
            "detractors": detractors.groupby(by).sum(),
        }
    )
    out["nps"] = 100 * (out["promoters"] - out["detractors"]) / out["n"].where(out["n"] > 0)
    return out


# --- deliveries and invoices ------------------------------------------------------------------


def delivery_flags(deliveries: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per order: ``on_time``, ``in_full``, ``otif`` and ``days_late`` (NaN while open).

    On time: delivered by ``as_of`` and on or before the promised date. In full:
    ``quantity_delivered >= quantity_ordered``, counted as in full where either is missing
    (the data contract's definition).
    """
    d = deliveries.copy()
    delivered = happened(column(d, "delivered_date"), as_of)
    d["on_time"] = delivered.notna() & (delivered <= d["promised_date"])
    if {"quantity_ordered", "quantity_delivered"} <= set(d.columns):
        qo, qd = d["quantity_ordered"], d["quantity_delivered"]
        d["in_full"] = qo.isna() | qd.isna() | (qd >= qo)
    else:
        d["in_full"] = True
    d["otif"] = d["on_time"] & d["in_full"]
    d["days_late"] = (delivered - d["promised_date"]).dt.days.clip(lower=0).astype(float)
    return d


def days_late(invoices: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Days each invoice was (or, unpaid, is at ``as_of``) paid after its due date, at least 0."""
    settled = happened(column(invoices, "paid_date"), as_of).fillna(as_of)
    return (settled - invoices["due_date"]).dt.days.clip(lower=0).astype(float)


def overdue(invoices: pd.DataFrame, at: pd.Timestamp) -> pd.Series:
    """Mask of the invoices overdue at ``at``: due by then and not paid by then."""
    paid = column(invoices, "paid_date")
    return (invoices["due_date"] <= at) & (paid.isna() | (paid > at))


# --- contracts and prices ---------------------------------------------------------------------


def in_force(contracts: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Mask of the contracts in force at ``as_of``: started, and not ended (or open-ended)."""
    end = column(contracts, "end_date")
    return (contracts["start_date"] <= as_of) & (end.isna() | (end >= as_of))


def not_ended(contracts: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Mask of the contracts not ended at ``as_of`` (started or not: a signed renewal counts)."""
    end = column(contracts, "end_date")
    return end.isna() | (end >= as_of)


def notice_deadline(contracts: pd.DataFrame) -> pd.Series:
    """``end_date - notice_days`` (no notice period: the end date itself)."""
    notice = column(contracts, "notice_days", np.nan)
    return column(contracts, "end_date") - pd.to_timedelta(notice.fillna(0), unit="D")


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


# --- contacts ---------------------------------------------------------------------------------


def contact_roles(everyone: pd.DataFrame | None) -> list[str]:
    """The contact roles every account is judged against: the usual roles that occur anywhere
    in ``interactions`` (all accounts), then any other role that occurs; the usual roles when
    the table has no ``contact_role``."""
    if everyone is None or "contact_role" not in everyone:
        return list(DEFAULT_ROLES)
    seen = everyone["contact_role"].dropna().unique().tolist()
    return [r for r in DEFAULT_ROLES if r in seen] + sorted(set(seen) - set(DEFAULT_ROLES))


def reached(
    interactions: pd.DataFrame, as_of: pd.Timestamp, days: int = ROLE_GAP_DAYS
) -> pd.Series:
    """Mask of the contacts in the ``days`` days up to ``as_of``: their roles are reached."""
    dates = interactions["date"]
    return (dates <= as_of) & ((as_of - dates).dt.days <= days)


# --- complaints -------------------------------------------------------------------------------


def is_open(complaints: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Mask of the complaints open at ``as_of``: opened by then and not closed by then."""
    closed = happened(column(complaints, "closed_date"), as_of)
    return (complaints["opened_date"] <= as_of) & closed.isna()


def resolution_days(complaints: pd.DataFrame, window: Window, as_of: pd.Timestamp) -> pd.Series:
    """Days from opening to closing of the complaints closed in ``window`` (by ``as_of``)."""
    closed = happened(column(complaints, "closed_date"), as_of)
    done = window.contains(closed)
    return (closed[done] - complaints.loc[done, "opened_date"]).dt.days.astype(float)


def category_counts(complaints: pd.DataFrame, window: Window) -> pd.Series:
    """Complaints opened in ``window`` per account and category (categories stated only)."""
    inside = complaints.loc[window.contains(complaints["opened_date"])]
    if "category" not in inside:
        return pd.Series(
            dtype=float, index=pd.MultiIndex.from_tuples([], names=["account_id", "category"])
        )
    inside = inside.dropna(subset=["category"])
    return inside.groupby(["account_id", "category"]).size()
