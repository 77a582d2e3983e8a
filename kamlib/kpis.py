"""The KPI table of ``kpis.csv``, exactly as section 3 of the data contract defines it.

All accounts of ``accounts`` (key or not) in one vectorized pass per table: a group-by per
KPI, re-indexed to the full account list. Rules applied throughout:

* the 12-month window is ``(as_of - 12 months, as_of]``, the previous one the 12 months before;
* an event dated after ``as_of`` has not happened yet: a ``paid_date``, ``delivered_date`` or
  ``closed_date`` after ``as_of`` counts as missing (unpaid, not delivered, still open);
* a KPI whose table is absent is empty for every account; where the table exists but has no rows
  for an account, counts and sums are 0 and rates and means are empty.

Every measure is one of :mod:`kamlib.measures`, the definitions the report sections use too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from kamlib import forecast, health
from kamlib import measures as m
from kamlib.components import HEALTH_KPIS, KPI_COLUMNS
from kamlib.data import Dataset
from kamlib.params import Params
from kamlib.periods import Window, previous_window, window

__all__ = [
    "KPI_COLUMNS",
    "HEALTH_INPUTS",
    "compute",
    "rescore",
    "base_kpis",
    "forecast_12m",
    "contract_targets",
    "health_inputs",
]

#: Health components that are not kpis.csv columns (see :func:`health_inputs`).
HEALTH_INPUTS = [k for k in HEALTH_KPIS if k not in KPI_COLUMNS]
#: the kpis.csv columns the parameters decide (by the health score)
_SCORED = ("health_score", "health_status")


def _sum(df: pd.DataFrame, mask: pd.Series, col: str, ids: pd.Index) -> pd.Series:
    return df.loc[mask].groupby("account_id")[col].sum().reindex(ids, fill_value=0.0).astype(float)


def _count(df: pd.DataFrame, mask: pd.Series, ids: pd.Index) -> pd.Series:
    return df.loc[mask].groupby("account_id").size().reindex(ids, fill_value=0).astype("Int64")


def _mean(values: pd.Series, accounts: pd.Series, ids: pd.Index) -> pd.Series:
    return values.groupby(accounts).mean().reindex(ids).astype(float)


def _empty(ids: pd.Index, dtype: str = "float64") -> pd.Series:
    return pd.Series(pd.NA if dtype == "Int64" else np.nan, index=ids, dtype=dtype)


def base_kpis(dataset: Dataset, as_of: pd.Timestamp, with_forecast: bool = True) -> pd.DataFrame:
    """All KPIs of section 3 except the health score, one row per account.

    Parameters
    ----------
    dataset : Dataset
        A validated dataset.
    as_of : pd.Timestamp
        Reporting date.
    with_forecast : bool, default True
        Compute ``forecast_12m`` (the only costly KPI); ``False`` leaves it empty, for the
        comparisons with earlier reporting dates.

    Returns
    -------
    pd.DataFrame
        Indexed by ``account_id`` in the order of ``accounts``.
    """
    as_of = pd.Timestamp(as_of).normalize()
    ids = pd.Index(dataset.get("accounts")["account_id"], name="account_id")
    win, prev = window(as_of), previous_window(as_of)
    out = pd.DataFrame(index=ids)

    sales = dataset.get("sales")
    until = sales["date"] <= as_of
    sales = sales if until.all() else sales.loc[until]  # a copy only where rows drop
    out["revenue_12m"] = _sum(sales, win.contains(sales["date"]), "net_revenue", ids)
    out["revenue_prev_12m"] = _sum(sales, prev.contains(sales["date"]), "net_revenue", ids)
    out["revenue_growth"] = m.growth(out["revenue_12m"], out["revenue_prev_12m"])
    if with_forecast:
        out["forecast_12m"] = forecast_12m(sales, as_of, ids)
    else:
        out["forecast_12m"] = _empty(ids)
    out["revenue_share"] = m.revenue_share(out["revenue_12m"])
    out["abc_class"] = m.abc_class(out["revenue_12m"])

    out = out.join(_survey_kpis(dataset.get("surveys"), win, ids))
    out["otif_rate"] = _otif(dataset.get("deliveries"), win, as_of, ids)
    out = out.join(_invoice_kpis(dataset.get("invoices"), win, as_of, ids))
    out = out.join(_interaction_kpis(dataset.get("interactions"), win, as_of, ids))
    out = out.join(_complaint_kpis(dataset.get("complaints"), win, as_of, ids))
    return out


def forecast_12m(sales: pd.DataFrame, as_of: pd.Timestamp, ids: pd.Index) -> pd.Series:
    """``forecast_12m`` of every account: its point forecasts of the 12 months after the last
    complete month, summed (0 without sales).

    :func:`kamlib.forecast.forecast_totals` takes the short and intermittent histories (the
    recent mean) all at once and fits the models of the others, over all cores once there are
    :data:`kamlib.forecast.PARALLEL_MIN` of them.

    Parameters
    ----------
    sales : pd.DataFrame
        The sales rows up to ``as_of``.
    as_of : pd.Timestamp
    ids : pd.Index
        The accounts, in the order of the result.

    Returns
    -------
    pd.Series
        Indexed by ``ids``.
    """
    monthly = m.monthly_revenue(sales, as_of)
    totals = forecast.forecast_totals(monthly, horizon=12)
    return totals.reindex(ids, fill_value=0.0).astype(float)


def _survey_kpis(surveys: pd.DataFrame | None, win: Window, ids: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(index=ids)
    if surveys is None:
        out["nps"], out["nps_n"], out["csat"] = _empty(ids), _empty(ids, "Int64"), _empty(ids)
        return out
    in_win = surveys.loc[win.contains(surveys["date"])]
    if "nps" in in_win.columns:
        scores = m.nps_score(in_win["nps"], by=in_win["account_id"]).reindex(ids)
        out["nps"] = scores["nps"].astype(float)
        out["nps_n"] = scores["n"].fillna(0).astype("Int64")
    else:
        out["nps"], out["nps_n"] = _empty(ids), pd.Series(0, index=ids, dtype="Int64")
    if "csat" in in_win.columns:
        rated = in_win.loc[in_win["csat"].notna()]
        out["csat"] = _mean(rated["csat"], rated["account_id"], ids)
    else:
        out["csat"] = _empty(ids)
    return out


def _otif(
    deliveries: pd.DataFrame | None, win: Window, as_of: pd.Timestamp, ids: pd.Index
) -> pd.Series:
    if deliveries is None:
        return _empty(ids)
    d = m.delivery_flags(deliveries.loc[win.contains(deliveries["promised_date"])], as_of)
    return _mean(d["otif"].astype(float), d["account_id"], ids)


def _invoice_kpis(
    invoices: pd.DataFrame | None, win: Window, as_of: pd.Timestamp, ids: pd.Index
) -> pd.DataFrame:
    out = pd.DataFrame(index=ids)
    if invoices is None:
        out["overdue_amount"], out["avg_days_late"] = _empty(ids), _empty(ids)
        return out
    out["overdue_amount"] = _sum(invoices, m.overdue(invoices, as_of), "amount", ids)
    in_win = win.contains(invoices["due_date"])
    late = m.days_late(invoices, as_of)
    out["avg_days_late"] = _mean(late[in_win], invoices.loc[in_win, "account_id"], ids)
    return out


def _interaction_kpis(
    interactions: pd.DataFrame | None, win: Window, as_of: pd.Timestamp, ids: pd.Index
) -> pd.DataFrame:
    out = pd.DataFrame(index=ids)
    if interactions is None:
        out["contacts_12m"], out["days_since_contact"] = _empty(ids, "Int64"), _empty(ids)
        return out
    out["contacts_12m"] = _count(interactions, win.contains(interactions["date"]), ids)
    past = interactions.loc[interactions["date"] <= as_of]
    latest = past.groupby("account_id")["date"].max().reindex(ids)
    out["days_since_contact"] = (as_of - latest).dt.days.astype(float)
    return out


def _complaint_kpis(
    complaints: pd.DataFrame | None, win: Window, as_of: pd.Timestamp, ids: pd.Index
) -> pd.DataFrame:
    out = pd.DataFrame(index=ids)
    if complaints is None:
        out["open_complaints"], out["complaints_12m"] = _empty(ids, "Int64"), _empty(ids, "Int64")
        return out
    out["open_complaints"] = _count(complaints, m.is_open(complaints, as_of), ids)
    out["complaints_12m"] = _count(complaints, win.contains(complaints["opened_date"]), ids)
    return out


def health_inputs(dataset: Dataset, as_of: pd.Timestamp, base: pd.DataFrame) -> pd.DataFrame:
    """The health components that are not columns of ``kpis.csv``, one row per account.

    * ``contacts_per_month``: ``contacts_12m / 12``;
    * ``roles_covered``: the share of the portfolio's contact roles
      (:func:`kamlib.measures.contact_roles`) the account reached
      (:func:`kamlib.measures.reached`) in the 180 days up to ``as_of`` (a role not reached
      is a gap in the report);
    * ``complaint_resolution_days``: median days from ``opened_date`` to ``closed_date`` of the
      complaints closed in the window;
    * ``repeat_complaints``: the most complaints of one ``category`` opened in the window (0
      when none; empty without a ``category`` column);
    * ``price_realisation``: over the window's sales rows with a product, ``quantity > 0`` and an
      agreed price valid on the sale date (:func:`kamlib.measures.price_check`), the summed
      ``net_revenue`` divided by the summed ``agreed_unit_price * quantity`` (0.97 = 3 % below
      the price list);
    * ``days_to_notice``: of the contracts not ended at ``as_of`` (``end_date`` missing or on or
      after it, started or not, so that a signed renewal counts), the one ending last decides:
      ``end_date - notice_days - as_of`` in days, negative once the deadline has passed; empty
      when one of them is open-ended (no notice risk) or there is none.

    Each is empty where its table (or column) is absent or the account has no such rows.

    Parameters
    ----------
    dataset : Dataset
    as_of : pd.Timestamp
    base : pd.DataFrame
        From :func:`base_kpis` (for ``contacts_12m``).
    """
    ids = base.index
    win = window(as_of)
    out = pd.DataFrame(index=ids)
    out["contacts_per_month"] = base["contacts_12m"].astype(float) / 12

    interactions = dataset.get("interactions")
    out["roles_covered"] = _empty(ids)
    if interactions is not None and "contact_role" in interactions:
        roles = m.contact_roles(interactions)
        recent = interactions.loc[
            m.reached(interactions, as_of) & interactions["contact_role"].isin(roles)
        ]
        reached = recent.groupby("account_id")["contact_role"].nunique()
        out["roles_covered"] = (reached.reindex(ids, fill_value=0) / len(roles)).astype(float)

    complaints = dataset.get("complaints")
    out["complaint_resolution_days"] = _empty(ids)
    if complaints is not None and "closed_date" in complaints:
        days = m.resolution_days(complaints, win, as_of)
        by_account = complaints.loc[days.index, "account_id"]
        out["complaint_resolution_days"] = days.groupby(by_account).median().reindex(ids)
    out["repeat_complaints"] = _empty(ids)
    if complaints is not None and "category" in complaints:
        most = m.category_counts(complaints, win).groupby(level="account_id").max()
        out["repeat_complaints"] = most.reindex(ids, fill_value=0).astype(float)

    sales, prices = dataset.get("sales"), dataset.get("prices")
    out["price_realisation"] = _empty(ids)
    checked = m.price_check(sales.loc[sales["date"] <= as_of], prices, win)
    priced = checked.loc[checked["agreed"].notna()] if "account_id" in checked else checked.iloc[:0]
    if not priced.empty:
        g = priced.assign(at_agreed=priced["agreed"] * priced["quantity"]).groupby("account_id")
        at_agreed = g["at_agreed"].sum()
        ratio = g["net_revenue"].sum() / at_agreed.where(at_agreed > 0)
        out["price_realisation"] = ratio.reindex(ids).astype(float)

    table = dataset.get("contracts")
    out["days_to_notice"] = _empty(ids)
    if table is not None:
        # the contracts not ended, by end date: the last deadline is the contract ending last
        running = table.loc[m.not_ended(table, as_of)]
        days = (m.notice_deadline(running) - as_of).dt.days
        order = m.column(running, "end_date").sort_values(na_position="last").index
        account = running.loc[order, "account_id"]
        last = days.loc[order].groupby(account).last()
        open_ended = m.column(running, "end_date").loc[order].isna().groupby(account).any()
        last = last.where(~open_ended.reindex(last.index, fill_value=False))
        out["days_to_notice"] = last.reindex(ids).astype(float)
    return out


def contract_targets(dataset: Dataset, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per-account targets agreed in ``contracts``, for the contract active at ``as_of``.

    A contract is active when ``start_date <= as_of`` and ``end_date`` is missing or
    ``>= as_of``; of several active contracts the latest started wins.

    Returns
    -------
    pd.DataFrame
        Indexed by account_id, columns ``otif_rate`` (from ``otif_target``) and
        ``payment_terms_days`` where the contract states them; empty when no contracts table.
    """
    contracts = dataset.get("contracts")
    if contracts is None:
        return pd.DataFrame(columns=["otif_rate", "payment_terms_days"], dtype=float)
    active = contracts.loc[m.in_force(contracts, as_of)]
    active = active.sort_values(["account_id", "start_date"]).groupby("account_id").last()
    out = pd.DataFrame(index=active.index)
    for source, target in (
        ("otif_target", "otif_rate"),
        ("payment_terms_days", "payment_terms_days"),
    ):
        out[target] = active[source].astype(float) if source in active else np.nan
    return out


def compute(
    dataset: Dataset,
    as_of: pd.Timestamp,
    params_for: Params | Mapping[str, Params] | Callable[[str], Params],
    with_forecast: bool = True,
) -> pd.DataFrame:
    """The full KPI table of ``kpis.csv``, health score included.

    Parameters
    ----------
    dataset : Dataset
        A validated dataset.
    as_of : pd.Timestamp
        Reporting date.
    params_for : Params, mapping or callable
        The parameters of each account (one set for all, a mapping by account_id, or a function).
    with_forecast : bool, default True
        See :func:`base_kpis`.

    Returns
    -------
    pd.DataFrame
        Indexed by ``account_id``; the columns of :data:`KPI_COLUMNS` (except the index) first,
        then :data:`HEALTH_INPUTS`, then the health components (``score_*``,
        ``contribution_*``, ``status_*``). ``kpis.csv`` holds the first part only.
    """
    kpis = base_kpis(dataset, as_of, with_forecast=with_forecast)
    kpis = kpis.join(health_inputs(dataset, as_of, kpis))
    return _scored(kpis, dataset, as_of, params_for)


def rescore(
    kpis: pd.DataFrame,
    dataset: Dataset,
    as_of: pd.Timestamp,
    params_for: Params | Mapping[str, Params] | Callable[[str], Params],
) -> pd.DataFrame:
    """A table of :func:`compute` with its health part made again for other parameters.

    The parameters decide only the health score (targets, red marks, weights, escalation):
    the KPIs and forecasts are kept, so a parameter change costs the scoring alone.
    """
    unscored = [c for c in [*KPI_COLUMNS[1:], *HEALTH_INPUTS] if c not in _SCORED]
    return _scored(kpis[unscored], dataset, as_of, params_for)


def _scored(
    kpis: pd.DataFrame,
    dataset: Dataset,
    as_of: pd.Timestamp,
    params_for: Params | Mapping[str, Params] | Callable[[str], Params],
) -> pd.DataFrame:
    if isinstance(params_for, Params):
        params = {a: params_for for a in kpis.index}
    elif callable(params_for):
        params = {a: params_for(a) for a in kpis.index}
    else:
        params = dict(params_for)
    agreed = contract_targets(dataset, as_of)
    scored = health.score(kpis, params, agreed_targets=agreed)
    out = kpis.join(scored)
    return out[
        [c for c in KPI_COLUMNS[1:]]
        + HEALTH_INPUTS
        + [c for c in scored.columns if c not in KPI_COLUMNS]
    ]
