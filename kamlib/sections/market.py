"""The market section: the account's growth against its segment, share of wallet, whitespace.

Section contract: :func:`analyse` (frames, params) -> :class:`MarketAnalysis`, once per report;
:func:`findings` and :func:`sentences` read only that analysis; the remaining public functions
are the blocks a notebook cell shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlib import blocks
from kamlib import format as fmt
from kamlib.components import Finding
from kamlib.frames import AccountFrames
from kamlib.i18n import N_, translator
from kamlib.measures import growth, percentile
from kamlib.periods import window

__all__ = [
    "WHITESPACE_SHARE",
    "MarketAnalysis",
    "analyse",
    "findings",
    "growth_table",
    "indexed",
    "relative_growth",
    "sentences",
    "share_of_wallet",
    "summary",
    "whitespace",
    "whitespace_table",
]

WHITESPACE_SHARE = 0.5  # a product is whitespace when at least half the segment's peers buy it
#: the windows of :func:`relative_growth`, as the reader reads them
WINDOWS = {"last 12 months": N_("last 12 months"), "previous 12 months": N_("previous 12 months")}


def _growth(values: pd.Series, dates: pd.Series, as_of: pd.Timestamp, lag: int = 0) -> float:
    now = values[window(as_of, lag=lag).contains(dates)].sum()
    before = values[window(as_of, lag=lag + 12).contains(dates)].sum()
    return growth(now, before)


def relative_growth(sales: pd.DataFrame, market: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Account growth, market growth and their difference in percentage points, for the
    window and for the previous window (each against the 12 months before it).

    ``market`` holds the segment's ``market_volume`` rows.
    """
    rows = {}
    for label, lag in (("last 12 months", 0), ("previous 12 months", 12)):
        acc = _growth(sales["net_revenue"], sales["date"], as_of, lag)
        mkt = _growth(market["value"], market["date"], as_of, lag) if len(market) else float("nan")
        rows[label] = {"account_growth": acc, "market_growth": mkt, "difference_pp": acc - mkt}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("window")


def indexed(
    sales: pd.DataFrame, market: pd.DataFrame, as_of: pd.Timestamp, months: int = 36
) -> pd.DataFrame:
    """Moving annual totals of the account's revenue and the market volume, both indexed to 100
    at the first month shown (``months`` before ``as_of``)."""
    end = as_of.to_period("M").to_timestamp()
    start = end - pd.DateOffset(months=months - 1)
    span = pd.date_range(start - pd.DateOffset(months=11), end, freq="MS")

    def mat(values: pd.Series, dates: pd.Series) -> pd.Series:
        monthly = values.groupby(dates.dt.to_period("M").dt.to_timestamp()).sum()
        return monthly.reindex(span, fill_value=0.0).rolling(12).sum().loc[start:]

    out = pd.DataFrame(
        {
            "account": mat(sales["net_revenue"], sales["date"]),
            "market": mat(market["value"], market["date"]),
        }
    )
    base = out.iloc[0]
    return (out / base.where(base > 0) * 100).rename_axis("month")


def share_of_wallet(
    sales: pd.DataFrame, potential: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Revenue of each calendar year up to ``as_of`` against the estimated wallet of that year.

    The year of ``as_of`` counts revenue up to ``as_of`` only, so it is marked ``partial``.
    """
    if potential is None or potential.empty:
        return pd.DataFrame(columns=["revenue", "wallet", "share", "partial"])
    revenue = sales.groupby(sales["date"].dt.year)["net_revenue"].sum()
    out = potential.set_index("year")[["wallet"]].sort_index()
    out.index = out.index.astype(int)  # a year read next to empty cells arrives as a float
    out = out.loc[out.index <= as_of.year]
    out.insert(0, "revenue", revenue.reindex(out.index, fill_value=0.0))
    out["share"] = (out["revenue"] / out["wallet"]).where(out["wallet"] > 0)
    out["partial"] = out.index == as_of.year
    return out


def whitespace(sales: pd.DataFrame, peer_sales: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Products that at least ``WHITESPACE_SHARE`` of the peers bought in the window and this
    account did not. Named by product only; peers are counted, never named."""
    w = window(as_of)
    peers = peer_sales.loc[w.contains(peer_sales["date"])]
    own = set(sales.loc[w.contains(sales["date"]), "product"].dropna())
    if "product" not in peers or peers["account_id"].nunique() == 0:
        return pd.DataFrame(columns=["peers_buying"])
    n_peers = peers["account_id"].nunique()
    share = peers.dropna(subset=["product"]).groupby("product")["account_id"].nunique() / n_peers
    gap = share[(share >= WHITESPACE_SHARE) & ~share.index.isin(own)]
    return gap.sort_values(ascending=False).rename("peers_buying").to_frame()


@dataclass(frozen=True)
class MarketAnalysis:
    """Everything the market section shows, for one account."""

    segment: str | None
    growth: pd.DataFrame | None
    indexed: pd.DataFrame | None
    wallet: pd.DataFrame | None
    whitespace: pd.DataFrame | None
    peers: int
    growth_percentile: float


def analyse(frames: AccountFrames, params) -> MarketAnalysis:
    """Market figures of one account; parts without data are None."""
    segment = frames.account.get("segment")
    segment = None if pd.isna(segment) else str(segment)
    sales, as_of = frames.table("sales"), frames.as_of
    market = frames.all_table("market")
    volume = None
    if market is not None and segment is not None:
        volume = market.loc[
            (market["segment"] == segment) & (market["indicator"] == "market_volume")
        ]
        volume = volume if len(volume) else None
    accounts = frames.portfolio.accounts
    peers_ids = []
    if segment is not None and "segment" in accounts:
        same = accounts.loc[(accounts["segment"] == segment) & accounts["key_account"]]
        peers_ids = [a for a in same["account_id"] if a != frames.account_id]
    all_sales = frames.all_table("sales")
    peer_sales = all_sales.loc[all_sales["account_id"].isin(peers_ids)]
    potential = frames.table("potential")
    growth_pct = percentile(
        frames.kpi["revenue_growth"], frames.kpis.loc[peers_ids, "revenue_growth"]
    )
    return MarketAnalysis(
        segment=segment,
        growth=relative_growth(sales, volume, as_of) if volume is not None else None,
        indexed=indexed(sales, volume, as_of) if volume is not None else None,
        wallet=share_of_wallet(sales, potential, as_of)
        if potential is not None and len(potential)
        else None,
        whitespace=whitespace(sales, peer_sales, as_of)
        if peers_ids and "product" in sales
        else None,
        peers=len(peers_ids),
        growth_percentile=growth_pct,
    )


def sentences(a: MarketAnalysis, params) -> list[str]:
    """The market section's statements in words (amounts in the account's currency)."""
    currency, language = params.currency, params.language
    _, n_ = translator(language)
    lines = []
    if a.segment is None:
        return [
            _("No segment is recorded for this account, so it cannot be compared with a market.")
        ]
    if a.growth is None:
        lines.append(
            _("No market volume data for the segment {segment}.").format(segment=a.segment)
        )
    else:
        g = a.growth.loc["last 12 months"]
        if np.isnan(g["difference_pp"]):
            lines.append(_("Growth cannot be compared with the market: a window has no revenue."))
        else:
            text = (
                _(
                    "Over the last 12 months the account grew {account}, the {segment} market "
                    "{market}: it outperformed the market by {difference}."
                )
                if g["difference_pp"] >= 0
                else _(
                    "Over the last 12 months the account grew {account}, the {segment} market "
                    "{market}: it lost ground against the market by {difference}."
                )
            )
            lines.append(
                text.format(
                    account=fmt.pct(g["account_growth"], 1, language, signed=True),
                    market=fmt.pct(g["market_growth"], 1, language, signed=True),
                    segment=a.segment,
                    difference=fmt.pp(abs(g["difference_pp"]), 1, language).lstrip("+"),
                )
            )
    if not np.isnan(a.growth_percentile):
        lines.append(
            n_(
                "Its growth ranks at the {percentile} percentile of the {n} other key account in "
                "its segment.",
                "Its growth ranks at the {percentile} percentile of the {n} other key accounts in "
                "its segment.",
                a.peers,
            ).format(percentile=fmt.ordinal(round(a.growth_percentile), language), n=a.peers)
        )
    if a.wallet is not None and len(a.wallet):
        full = a.wallet.loc[~a.wallet["partial"]]
        if len(full):
            last = full.iloc[-1]
            lines.append(
                _("Share of wallet in {year}: {share} of an estimated wallet of {wallet}.").format(
                    year=int(full.index[-1]),
                    share=fmt.pct(last["share"], 0, language),
                    wallet=fmt.money(last["wallet"], currency, language),
                )
            )
    else:
        lines.append(_("No wallet estimate (potential) for this account."))
    return lines


def findings(a: MarketAnalysis, params) -> list[Finding]:
    """Losing ground against the market by more than 5 percentage points."""
    if a.growth is None:
        return []
    diff = a.growth.loc["last 12 months", "difference_pp"]
    if diff < -0.05:
        _, n_ = translator(params.language)
        return [
            Finding(
                "yellow",
                "market",
                _("The account grew {difference} slower than its market ({segment}).").format(
                    difference=fmt.pp(abs(diff), 1, params.language).lstrip("+"),
                    segment=a.segment,
                ),
                fact="growth_behind_market",
            )
        ]
    return []


def summary(a: MarketAnalysis, params) -> blocks.Html:
    """The market statements."""
    _, n_ = translator(params.language)
    return blocks.paragraphs(sentences(a, params), _("No market data."))


def growth_table(a: MarketAnalysis, params) -> blocks.Html:
    """The account's and the market's growth, and the difference in percentage points."""
    _, n_ = translator(params.language)
    growth = None
    if a.growth is not None:
        growth = a.growth.rename(index=lambda w: _(WINDOWS.get(w, w))).reset_index()
    return blocks.table(
        growth,
        {"account_growth": "pct", "market_growth": "pct", "difference_pp": "pp"},
        caption=_("Growth against the market"),
        language=params.language,
        empty=_("No market volume for the account's segment."),
    )


def whitespace_table(a: MarketAnalysis, params) -> blocks.Html:
    """Products most comparable key accounts buy and this account does not."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.whitespace.reset_index() if a.whitespace is not None else None,
        {"peers_buying": "pct0"},
        caption=_(
            "Whitespace: products most comparable key accounts buy and this account does not"
        ),
        language=params.language,
        empty=_("No whitespace found among the products of comparable key accounts."),
    )
