"""The revenue section: monthly revenue, growth, seasonality, unusual months, the forecast with
its target probability and tested accuracy, and what changed the revenue.

The section contract (every section of ``kamlib.sections`` has it): :func:`analyse` makes the
frozen :class:`RevenueAnalysis` from the account's frames and parameters, once per report;
:func:`findings` and :func:`sentences` read only that analysis; the remaining functions are the
blocks a notebook cell shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from kamlib import blocks
from kamlib import format as fmt
from kamlib.components import Finding, component_findings
from kamlib.forecast import forecast
from kamlib.frames import AccountFrames
from kamlib.i18n import N_, translator
from kamlib.measures import account_monthly, growth
from kamlib.periods import previous_window, window

__all__ = [
    "Growth",
    "RevenueAnalysis",
    "analyse",
    "backtest_mase",
    "causes_table",
    "findings",
    "growth_figures",
    "moving_annual_total",
    "price_volume_mix",
    "seasonal_pattern",
    "sentences",
    "summary",
    "target_probability",
    "unusual_months",
    "unusual_table",
]


@dataclass(frozen=True)
class Growth:
    """Growth figures of one account's monthly revenue.

    Attributes
    ----------
    yoy_month : float
        Last complete month against the same month a year earlier, ``x / x_-12 - 1``.
    yoy_quarter : float
        Last three complete months against the same three months a year earlier.
    cagr : float
        Compound annual growth from the first 12 months of history to the last 12:
        ``(last12 / first12) ** (1 / years) - 1`` with ``years = (n - 12) / 12``; needs 24 months.
    years : float
        The years the CAGR spans.
    """

    yoy_month: float
    yoy_quarter: float
    cagr: float
    years: float


def growth_figures(y: pd.Series) -> Growth:
    """Year-over-year growth of the last month and quarter, and the CAGR of the history.

    Parameters
    ----------
    y : pd.Series
        Monthly revenue (see :func:`kamlib.measures.account_monthly`). Figures that the history is too short
        for, or whose base is <= 0, are NaN.
    """
    n = len(y)
    v = y.to_numpy(dtype=float)
    yoy_m = growth(v[-1], v[-13]) if n >= 13 else np.nan
    yoy_q = growth(v[-3:].sum(), v[-15:-12].sum()) if n >= 15 else np.nan
    if n >= 24:
        years = (n - 12) / 12
        first, last = v[:12].sum(), v[-12:].sum()
        cagr = (last / first) ** (1 / years) - 1 if first > 0 and last > 0 else np.nan
    else:
        years, cagr = np.nan, np.nan
    return Growth(float(yoy_m), float(yoy_q), float(cagr), float(years))


def moving_annual_total(y: pd.Series) -> pd.Series:
    """Sum of the last 12 months at every month (from the 12th month of history on)."""
    return y.rolling(12).sum().dropna().rename("mat")


def seasonal_pattern(y: pd.Series) -> pd.Series | None:
    """Average seasonal effect per calendar month from an STL decomposition, in % of the level.

    Only with at least two full years of history (None otherwise). The additive STL seasonal
    component is averaged per calendar month and divided by the mean revenue.
    """
    if len(y) < 24 or y.mean() <= 0:
        return None
    from statsmodels.tsa.seasonal import STL

    series = pd.Series(
        y.to_numpy(dtype=float), index=pd.date_range(y.index[0], periods=len(y), freq="MS")
    )
    seasonal = STL(series, period=12, robust=True).fit().seasonal
    pattern = seasonal.groupby(seasonal.index.month).mean() / series.mean()
    pattern.index = pd.Index(pattern.index.astype(int), name="month")  # 1 = January
    return pattern.rename("seasonal_effect")


def unusual_months(y: pd.Series, threshold: float = 3.5) -> pd.DataFrame:
    """Months far from their neighbours: robust z-score of the deviation from a centred
    13-month rolling median (1.4826 x median absolute deviation), ``|z| > threshold``.

    Returns
    -------
    pd.DataFrame
        Indexed by month: ``revenue``, ``expected`` (the rolling median), ``z``.
    """
    if len(y) < 13:
        return pd.DataFrame(columns=["revenue", "expected", "z"], dtype=float)
    expected = y.rolling(13, center=True, min_periods=7).median()
    deviation = y - expected
    mad = 1.4826 * (deviation - deviation.median()).abs().median()
    if not mad > 0:
        return pd.DataFrame(columns=["revenue", "expected", "z"], dtype=float)
    z = deviation / mad
    out = pd.DataFrame({"revenue": y, "expected": expected, "z": z})
    return out.loc[out["z"].abs() > threshold]


def target_probability(fc: pd.DataFrame, target: float, months: int = 12) -> float:
    """Probability that the next ``months`` of revenue sum to at least ``target``.

    Assumes, conservatively, that the forecast errors of the months are perfectly correlated:
    then every quantile of the sum is the sum of the months' quantiles. The forecast gives
    those at the standard normal scores of its levels (``mean`` at 0, ``lower_95`` at -1.96,
    ...); the target's score is interpolated linearly between them (extrapolated from the
    outermost pair) and the probability is ``1 - Phi(score)``. With symmetric intervals this is
    the normal distribution of the sum, with standard deviation the sum of the months' ones;
    the skewed intervals of log-scale forecasts keep their skew.
    """
    part = fc.iloc[:months]
    scores, sums = [0.0], [float(part["mean"].sum())]
    for col in part.columns:
        if col.startswith("lower_") and f"upper_{col[6:]}" in part:
            z = float(stats.norm.ppf(0.5 + float(col[6:]) / 200))
            scores += [-z, z]
            sums += [float(part[col].sum()), float(part[f"upper_{col[6:]}"].sum())]
    order = np.argsort(scores)
    z, q = np.asarray(scores)[order], np.asarray(sums)[order]
    if not q[-1] > q[0]:
        return 1.0 if sums[0] >= target else 0.0
    if target <= q[0] or target >= q[-1]:
        i = 0 if target <= q[0] else len(q) - 2
        slope = (q[i + 1] - q[i]) / (z[i + 1] - z[i])
        if slope <= 0:
            return 1.0 if target <= q[0] else 0.0
        score = z[i] + (target - q[i]) / slope
    else:
        i = int(np.searchsorted(q, target, side="right")) - 1
        i = min(i, len(q) - 2)
        step = q[i + 1] - q[i]
        score = z[i] + (target - q[i]) / step * (z[i + 1] - z[i]) if step > 0 else z[i]
    return float(1 - stats.norm.cdf(score))


def backtest_mase(y: pd.Series, horizon: int = 12) -> float | None:
    """MASE of the forecast on the account's own history, against the seasonal naive forecast.

    The last ``horizon`` months are held out, the forecast is fitted on the months before and
    its mean absolute error divided by the in-sample mean absolute error of the seasonal naive
    forecast (``y_t - y_{t-12}``; Hyndman & Koehler 2006). Below 1: better than repeating last
    year. None with fewer than ``horizon + 24`` months or a zero scale.
    """
    if len(y) < horizon + 24:
        return None
    train, test = y.iloc[:-horizon], y.iloc[-horizon:]
    values = train.to_numpy(dtype=float)
    scale = float(np.mean(np.abs(values[12:] - values[:-12])))
    if not scale > 0:
        return None
    fc = forecast(train, horizon)
    return float(np.mean(np.abs(test.to_numpy() - fc["mean"].to_numpy())) / scale)


@dataclass(frozen=True)
class RevenueAnalysis:
    """Everything the revenue section shows, for one account."""

    kpi: pd.Series
    monthly: pd.Series
    forecast: pd.DataFrame | None
    growth: Growth
    mat: pd.Series
    pattern: pd.Series | None
    unusual: pd.DataFrame
    target: float
    probability: float | None
    mase: float | None
    model: str
    causes: pd.DataFrame | None


def analyse(frames: AccountFrames, params) -> RevenueAnalysis:
    """Monthly series, forecast, growth, seasonality, unusual months, target, accuracy and the
    causes of the change of revenue.

    Parameters
    ----------
    frames : AccountFrames
        The account's rows (``sales``) and its KPI row (``revenue_12m``).
    params : Params
        ``forecast_horizon`` and ``targets.revenue_12m`` / ``targets.revenue_growth``.
    """
    sales, kpi, as_of = frames.table("sales"), frames.kpi, frames.as_of
    y = account_monthly(sales, as_of)
    fc = forecast(y, params.forecast_horizon) if len(y) else None
    target = params.targets.revenue_12m
    if target is None:
        target = float(kpi["revenue_12m"]) * (1 + params.targets.revenue_growth)
    probability = target_probability(fc, target) if fc is not None and len(fc) >= 12 else None
    return RevenueAnalysis(
        kpi=kpi,
        monthly=y,
        forecast=fc,
        growth=growth_figures(y),
        mat=moving_annual_total(y),
        pattern=seasonal_pattern(y),
        unusual=unusual_months(y),
        target=float(target),
        probability=probability,
        mase=backtest_mase(y),
        model=fc.attrs["model"] if fc is not None else "",
        causes=price_volume_mix(sales, as_of),
    )


def findings(a: RevenueAnalysis, params) -> list[Finding]:
    """Revenue growth against its target (a health component), and a forecast well below
    the last 12 months."""
    out = component_findings(a.kpi, params, "revenue")
    revenue, ahead = a.kpi["revenue_12m"], a.kpi["forecast_12m"]
    if revenue > 0 and ahead < 0.9 * revenue:
        out.append(
            Finding(
                "yellow",
                "revenue",
                translator(params.language)[0](
                    "The forecast for the next 12 months is {gap} below the last 12."
                ).format(gap=fmt.pct(1 - ahead / revenue, 0, params.language)),
                fact="forecast_below_last_12_months",
            )
        )
    return out


def model_words(method: dict, language: str) -> str:
    """The forecast's method in words (:func:`kamlib.forecast.forecast`'s ``method``)."""
    _, n_ = translator(language)
    if method.get("kind") == "combination":
        words = (
            _("combination of damped trend and Theta on the log scale")
            if method.get("log")
            else _("combination of damped trend and Theta on the level scale")
        )
        if method.get("seasonal"):
            words += _(", seasonally adjusted")
    else:
        words = _("recent mean")
    if method.get("since") is not None:
        words += _(", on the months since the level shift in {month}").format(
            month=fmt.month(method["since"], language)
        )
    return words


def sentences(a: RevenueAnalysis, params) -> list[str]:
    """The revenue section's key statements in words (none without sales)."""
    if a.monthly.empty:
        return []
    currency, language, kpi = params.currency, params.language, a.kpi
    _, n_ = translator(language)
    money = lambda v: fmt.money(v, currency, language)  # noqa: E731
    signed = lambda v: fmt.pct(v, 1, language, signed=True)  # noqa: E731
    lines = [
        _(
            "Revenue in the last 12 months: {revenue} (previous 12 months {previous}, "
            "growth {growth})."
        ).format(
            revenue=money(kpi["revenue_12m"]),
            previous=money(kpi["revenue_prev_12m"]),
            growth=signed(kpi["revenue_growth"]),
        )
    ]
    g = a.growth
    lines.append(
        _("Year over year: last month {month}, last quarter {quarter}.").format(
            month=signed(g.yoy_month), quarter=signed(g.yoy_quarter)
        )
    )
    if not np.isnan(g.cagr):
        lines.append(
            _("Compound annual growth over {years} years: {cagr} a year.").format(
                years=fmt.number(g.years, 1, language), cagr=signed(g.cagr)
            )
        )
    if a.forecast is not None:
        lines.append(
            _("Forecast for the next 12 months: {forecast} ({model}).").format(
                forecast=money(kpi["forecast_12m"]),
                model=model_words(a.forecast.attrs.get("method", {}), language),
            )
        )
        if a.probability is not None:
            lines.append(
                _(
                    "Target for the next 12 months: {target}; probability of reaching it: "
                    "{probability}."
                ).format(target=money(a.target), probability=fmt.pct(a.probability, 0, language))
            )
    if a.mase is None:
        lines.append(
            _(
                "The history is too short to test the forecast on the account's own past "
                "(it needs three years)."
            )
        )
    else:
        text = (
            _(
                "Tested on the last 12 months of history, the forecast was better than "
                "repeating last year's months (MASE {mase}; below 1 is better)."
            )
            if a.mase < 1
            else _(
                "Tested on the last 12 months of history, the forecast was no better than "
                "repeating last year's months (MASE {mase}; below 1 is better)."
            )
        )
        lines.append(text.format(mase=fmt.number(a.mase, 2, language)))
    return lines


def summary(a: RevenueAnalysis, params) -> blocks.Html:
    """The section's statements, or why there are none."""
    _, n_ = translator(params.language)
    return blocks.paragraphs(
        sentences(a, params), _("No sales for this account up to the reporting date.")
    )


def unusual_table(a: RevenueAnalysis, params) -> blocks.Html:
    """The unusual months with their expected revenue and robust z-score."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.unusual.reset_index(),
        {"month": "date", "revenue": "money", "expected": "money", "z": "num1"},
        caption=_("Unusual months"),
        currency=params.currency,
        language=params.language,
        empty=_("No unusual months."),
    )


#: the parts of a change of revenue (:func:`price_volume_mix`), as the reader reads them
EFFECTS = {
    "volume": N_("volume"),
    "mix": N_("mix"),
    "price": N_("price"),
    "new products": N_("new products"),
    "lost products": N_("lost products"),
    "other": N_("other"),
    "total": N_("total"),
}


def causes_table(a: RevenueAnalysis, params) -> blocks.Html:
    """The change of revenue split into volume, mix, price, new and lost products."""
    _, n_ = translator(params.language)
    causes = None if a.causes is None else a.causes.rename(index=lambda e: _(EFFECTS[e]))
    return blocks.table(
        causes,
        {"amount": "money"},
        caption=_("Change of revenue by cause, last 12 months against the 12 before"),
        index=True,
        currency=params.currency,
        language=params.language,
        empty=_("Products and quantities are needed to split the change of revenue."),
    )


def price_volume_mix(sales: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame | None:
    """Decompose the change of revenue between the previous and the last 12 months.

    For products sold in both windows with positive quantities (prices ``P = revenue / quantity``
    per product, quantities ``Q``, ``s`` = a product's share of the total quantity):

    * volume = ``(Q1 - Q0) * R0 / Q0`` (the change of total quantity at the old average price);
    * mix = ``Q1 * sum_i (s1_i - s0_i) * P0_i`` (the shift between products at old prices);
    * price = ``sum_i (P1_i - P0_i) * Q1_i``;
    * new products = revenue of products sold only in the last window, lost products = minus
      the revenue of those sold only in the previous one; rows without product or quantity are
      "other".

    The effects add up exactly to the change of revenue. None without ``product`` and
    ``quantity`` columns.

    Returns
    -------
    pd.DataFrame
        Indexed by effect (``volume``, ``mix``, ``price``, ``new products``, ``lost products``,
        ``other``, ``total``), one column ``amount``.
    """
    if "product" not in sales or "quantity" not in sales:
        return None
    now_w, prev_w = window(as_of), previous_window(as_of)
    usable = sales["product"].notna() & sales["quantity"].notna()

    def per_product(w):
        part = sales.loc[w.contains(sales["date"]) & usable]
        return part.groupby("product")[["net_revenue", "quantity"]].sum()

    now, prev = per_product(now_w), per_product(prev_w)
    both = now.index.intersection(prev.index)
    both = [p for p in both if now.at[p, "quantity"] > 0 and prev.at[p, "quantity"] > 0]
    r1, r0 = now.loc[both, "net_revenue"], prev.loc[both, "net_revenue"]
    q1, q0 = now.loc[both, "quantity"], prev.loc[both, "quantity"]
    p1, p0 = r1 / q1, r0 / q0
    q1t, q0t = q1.sum(), q0.sum()
    volume = (q1t - q0t) * (r0.sum() / q0t) if q0t > 0 else 0.0
    mix = q1t * ((q1 / q1t - q0 / q0t) * p0).sum() if q1t > 0 and q0t > 0 else 0.0
    price = ((p1 - p0) * q1).sum()
    new = now.loc[now.index.difference(both), "net_revenue"].sum()
    lost = -prev.loc[prev.index.difference(both), "net_revenue"].sum()
    total = (
        sales.loc[now_w.contains(sales["date"]), "net_revenue"].sum()
        - sales.loc[prev_w.contains(sales["date"]), "net_revenue"].sum()
    )
    other = total - (volume + mix + price + new + lost)
    effects = {
        "volume": volume,
        "mix": mix,
        "price": price,
        "new products": new,
        "lost products": lost,
        "other": other,
        "total": total,
    }
    return pd.DataFrame({"amount": pd.Series(effects, dtype=float)}).rename_axis("effect")
