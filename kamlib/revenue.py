"""Revenue development: the monthly series every revenue figure and forecast is built from."""

from __future__ import annotations

import pandas as pd

from kamlib.periods import month_end

__all__ = ["monthly_revenue", "account_monthly", "last_complete_month"]


def last_complete_month(as_of: pd.Timestamp) -> pd.Timestamp:
    """Start of the last calendar month that is complete at ``as_of``.

    The month of ``as_of`` counts only when ``as_of`` is its last day; otherwise the history
    ends with the month before, so a partial month never looks like a drop in revenue.
    """
    as_of = pd.Timestamp(as_of).normalize()
    last = as_of if as_of == month_end(as_of) else as_of - pd.offsets.MonthEnd(1)
    return last.to_period("M").to_timestamp()


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
    rows = sales.loc[sales["date"] < last + pd.offsets.MonthBegin(1)]
    if rows.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="month"), dtype=float)
    month = rows["date"].dt.to_period("M").dt.to_timestamp()
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
