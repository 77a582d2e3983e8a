"""The portfolio report: dependency on few customers, ABC classes, every account ranked by
health with the robustness of that ranking, tomorrow's key accounts and parent groups.

The measures (revenue shares, ABC classes, HHI, top-5 share, Gini) are those of section 3 of
the data contract, defined in :mod:`kamlib.measures`. Section contract: :func:`analyse`
(frames, params, params of every account) -> :class:`PortfolioAnalysis`, once per report;
:func:`findings` reads only that analysis; the remaining public functions are the blocks a
notebook cell shows. This report is internal: it names customers.

A portfolio of tens of thousands of accounts stays readable and quick: the ranked table of a
portfolio of more than :data:`RANKED_ROWS` accounts lists its key accounts and its accounts at
risk (``kpis.csv`` has every account), and the robustness check scores all accounts for each
weight change at once (:func:`kamlib.health.weight_sensitivity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

import numpy as np
import pandas as pd

from kamlib import blocks
from kamlib import format as fmt
from kamlib.components import COMPONENTS, HEALTH_KPIS, Finding, light
from kamlib.frames import PortfolioFrames
from kamlib.health import weight_sensitivity
from kamlib.i18n import translator
from kamlib.key_accounts import KeySelection, statement
from kamlib.measures import abc_class, gini, growth, hhi, revenue_share, top5_share
from kamlib.periods import window

__all__ = [
    "PortfolioAnalysis",
    "RANKED_ROWS",
    "alerts",
    "alerts_list",
    "analyse",
    "at_risk_table",
    "candidates",
    "candidates_table",
    "classes_table",
    "concentration",
    "concentration_history",
    "concentration_table",
    "fallen_key_accounts",
    "fallen_table",
    "findings",
    "group_rollup",
    "groups_table",
    "key_accounts_note",
    "listed",
    "omitted_sentence",
    "pareto",
    "ranking",
    "ranking_table",
    "sensitivity_note",
    "sensitivity_sentence",
    "sentences",
    "title",
]


def pareto(revenue_12m: pd.Series) -> pd.DataFrame:
    """The Pareto table: accounts by revenue descending with cumulative shares and ABC class.

    Returns
    -------
    pd.DataFrame
        Indexed by account_id: ``revenue_12m``, ``revenue_share``, ``cumulative_share``,
        ``account_share`` (cumulative share of accounts), ``abc_class``.
    """
    classes = abc_class(revenue_12m)
    share = revenue_share(revenue_12m)
    order = pd.DataFrame(
        {
            "key": revenue_12m.index.astype(str),
            "revenue_12m": revenue_12m.to_numpy(),
            "revenue_share": share.to_numpy(),
            "abc_class": classes.to_numpy(),
        },
        index=revenue_12m.index,
    )
    order = order.sort_values(["revenue_12m", "key"], ascending=[False, True], kind="mergesort")
    order["cumulative_share"] = order["revenue_share"].fillna(0).cumsum()
    order["account_share"] = np.arange(1, len(order) + 1) / max(len(order), 1)
    return order.drop(columns="key")


def concentration(revenue_12m: pd.Series) -> dict[str, float]:
    """``hhi``, ``top5_share``, ``gini``, ``top1_share`` and the number of accounts with revenue."""
    share = revenue_share(revenue_12m).dropna()
    return {
        "hhi": hhi(revenue_12m),
        "top5_share": top5_share(revenue_12m),
        "gini": gini(revenue_12m),
        "top1_share": float(share.max()) if len(share) else float("nan"),
        "accounts": int(len(share)),
    }


def concentration_history(
    sales: pd.DataFrame, account_ids: pd.Index, as_of: pd.Timestamp, years: int = 3
) -> pd.DataFrame:
    """Concentration for the 12-month windows ending at ``as_of``, one, two ... years earlier.

    Returns
    -------
    pd.DataFrame
        Indexed by window end (oldest first): the keys of :func:`concentration`.
    """
    # each sales row's account as a position in account_ids, looked up once for all windows:
    # summing by integer position is much cheaper than grouping the account_id texts again
    # for every window (the sums are the same: the rows of each account in the same order)
    position = account_ids.get_indexer(sales["account_id"])
    known = position >= 0
    revenue = sales["net_revenue"].to_numpy()
    rows = {}
    for lag in range(years - 1, -1, -1):
        w = window(as_of, lag=12 * lag)
        inside = w.contains(sales["date"]).to_numpy(dtype=bool) & known
        sums = pd.Series(revenue[inside]).groupby(position[inside]).sum()
        per_account = np.zeros(len(account_ids))
        per_account[sums.index.to_numpy()] = sums.to_numpy()
        rows[w.end] = concentration(pd.Series(per_account, index=account_ids))
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("window_end")


def alerts(kpis: pd.DataFrame, names: pd.Series, params) -> list[str]:
    """Dependency alerts against ``params.concentration`` and the revenue at risk."""
    language = params.language
    _, n_ = translator(language)
    out = []
    share = kpis["revenue_share"].dropna()
    if share.empty:
        return out
    top = share.idxmax()
    limit = params.concentration.single_account_share
    if share[top] > limit:
        out.append(
            _(
                "{account} alone brings {share} of the revenue (alert above {limit}): losing it "
                "would cost {amount} a year."
            ).format(
                account=names.get(top, top),
                share=fmt.pct(share[top], 1, language),
                limit=fmt.pct(limit, 0, language),
                amount=fmt.money(kpis.at[top, "revenue_12m"], params.currency, language),
            )
        )
    top5 = top5_share(kpis["revenue_12m"])
    if top5 > params.concentration.top5_share:
        out.append(
            _(
                "The five largest accounts bring {share} of the revenue (alert above {limit})."
            ).format(
                share=fmt.pct(top5, 1, language),
                limit=fmt.pct(params.concentration.top5_share, 0, language),
            )
        )
    return out


def candidates(
    kpis: pd.DataFrame, accounts: pd.DataFrame, potential: pd.DataFrame | None, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Non-key accounts that could become key accounts, ranked by a documented score.

    Score (0..3) = 1 if class A + 1 if class B (0.5) + the account's growth percentile among
    non-key accounts + its wallet-gap percentile (wallet of the as_of year - revenue_12m),
    where ``potential`` exists. Accounts without positive revenue are left out.
    """
    key = accounts.set_index("account_id")["key_account"].reindex(kpis.index).fillna(False)
    pool = kpis.loc[~key.astype(bool) & (kpis["revenue_12m"] > 0)].copy()
    if pool.empty:
        return pool.assign(score=pd.Series(dtype=float))
    pool["class_points"] = pool["abc_class"].map({"A": 1.0, "B": 0.5, "C": 0.0})
    pool["growth_rank"] = pool["revenue_growth"].rank(pct=True).fillna(0.0)
    if potential is not None:
        wallet = potential.loc[potential["year"] == as_of.year].set_index("account_id")["wallet"]
        pool["wallet_gap"] = wallet.reindex(pool.index) - pool["revenue_12m"]
        pool["gap_rank"] = pool["wallet_gap"].rank(pct=True).fillna(0.0)
    else:
        pool["wallet_gap"], pool["gap_rank"] = np.nan, 0.0
    pool["score"] = pool["class_points"] + pool["growth_rank"] + pool["gap_rank"]
    pool["account"] = accounts.set_index("account_id")["name"].reindex(pool.index)
    return pool.sort_values("score", ascending=False)[
        ["account", "revenue_12m", "revenue_growth", "abc_class", "wallet_gap", "score"]
    ]


def fallen_key_accounts(kpis: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """Key accounts in class C."""
    acc = accounts.set_index("account_id")
    key = acc["key_account"].reindex(kpis.index).fillna(False)
    fallen = kpis.loc[
        key.astype(bool) & (kpis["abc_class"] == "C"),
        ["revenue_12m", "revenue_growth", "revenue_share"],
    ]
    return fallen.assign(account=acc["name"].reindex(fallen.index))[
        ["account", "revenue_12m", "revenue_growth", "revenue_share"]
    ]


def group_rollup(kpis: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """Revenue of parent groups: each parent (its name, or its id where the parent is no
    account of the data) with the accounts whose ``parent_id`` it is."""
    if "parent_id" not in accounts.columns or accounts["parent_id"].isna().all():
        return pd.DataFrame(
            columns=["group_name", "accounts", "revenue_12m", "revenue_prev_12m", "revenue_share"]
        )
    acc = accounts.set_index("account_id")
    group = acc["parent_id"].fillna(pd.Series(acc.index, index=acc.index))
    parents = set(acc["parent_id"].dropna())
    members = group[group.isin(parents)]
    table = kpis.loc[members.index, ["revenue_12m", "revenue_prev_12m", "revenue_share"]]
    out = table.groupby(members).sum()
    out.insert(0, "accounts", members.groupby(members).size())
    out["revenue_growth"] = growth(out["revenue_12m"], out["revenue_prev_12m"])
    # the group's name: the parent's own, where the parent is an account of the data
    out.insert(
        0, "group_name", acc["name"].reindex(out.index).fillna(pd.Series(out.index, out.index))
    )
    return out.rename_axis("parent_id")


def ranking(kpis: pd.DataFrame, accounts: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Accounts ranked by health score (worst first), with the components that cost most.

    ``reasons`` names the red and yellow components, worst first (by points lost), in
    ``language``.
    """
    acc = accounts.set_index("account_id")
    out = pd.DataFrame(
        {
            "account": acc["name"].reindex(kpis.index),
            "key_account": acc["key_account"].reindex(kpis.index),
            "abc_class": kpis["abc_class"],
            "revenue_12m": kpis["revenue_12m"],
            "health_score": kpis["health_score"],
            "health_status": kpis["health_status"],
        }
    )
    out["reasons"] = _reasons(kpis, language)
    return out.sort_values(
        ["health_score", "revenue_12m"], ascending=[True, False], na_position="last"
    )


def _reasons(kpis: pd.DataFrame, language: str) -> np.ndarray:
    """Per account, its red and yellow components, the most costly first, as one text.

    Accounts share few combinations of bad components: the components are ordered for all
    accounts at once, and each distinct combination is put into words once.
    """
    if kpis.empty:
        return np.array([], dtype=object)
    lost = np.column_stack(
        [
            (kpis[f"weight_{k}"] * (100 - kpis[f"score_{k}"])).to_numpy(dtype=float)
            for k in HEALTH_KPIS
        ]
    )
    status = np.column_stack([kpis[f"status_{k}"].to_numpy(dtype=object) for k in HEALTH_KPIS])
    light_code = np.select([status == "red", status == "yellow"], [1, 2], 0)
    # each row's components by points lost, then its bad ones first (keeping that order)
    order = _by_loss(lost)
    front = np.argsort(np.take_along_axis(light_code, order, axis=1) == 0, axis=1, kind="stable")
    order = np.take_along_axis(order, front, axis=1)
    ordered = np.take_along_axis(light_code, order, axis=1)
    # per position: 0 for no bad component, else 1 + 3 * component + light (below 64)
    codes = np.where(ordered > 0, 1 + order * 3 + ordered, 0)
    # number the distinct rows, one position at a time (a hash per step, no sorting of rows)
    which = np.zeros(len(codes), dtype=np.int64)
    for position in codes.T:
        which = pd.factorize(which * 64 + position)[0]
    # one row of each combination (any: the rows of one combination are equal)
    example = np.zeros(which.max() + 1, dtype=np.int64)
    example[which] = np.arange(len(which))
    lights = {1: light("red", language), 2: light("yellow", language)}
    texts = [
        ", ".join(
            f"{COMPONENTS[HEALTH_KPIS[(c - 1) // 3]].reason_for(language)} ({lights[(c - 1) % 3]})"
            for c in codes[row]
            if c > 0
        )
        or fmt.DASH
        for row in example
    ]
    return np.array(texts, dtype=object)[which]


def _by_loss(lost: np.ndarray) -> np.ndarray:
    """Per row, the columns of ``lost`` from the largest value down, empty values last.

    The order of pandas' ``Series.sort_values(ascending=False)`` on each row, equal values
    included (pandas' ``nargsort``: the filled values reversed, sorted ascending, the result
    reversed), as the reasons have always been ordered, so that no report changes. Rows with
    the same empty columns are sorted together, one numpy sort per such pattern.
    """
    empty = np.isnan(lost)
    pattern = (empty * (1 << np.arange(lost.shape[1]))).sum(axis=1)
    by_pattern = np.argsort(pattern, kind="stable")
    starts = np.flatnonzero(np.diff(pattern[by_pattern], prepend=-1))
    out = np.empty(lost.shape, dtype=np.intp)
    for rows in np.split(by_pattern, starts[1:]):
        filled = np.flatnonzero(~empty[rows[0]])[::-1]
        ascending = np.argsort(lost[np.ix_(rows, filled)], axis=1, kind="quicksort")
        out[rows, : len(filled)] = filled[ascending][:, ::-1]
        out[rows, len(filled) :] = np.flatnonzero(empty[rows[0]])
    return out


def sensitivity_sentence(table: pd.DataFrame, language: str = "en") -> str:
    """The robustness check of the ranking (:func:`kamlib.health.weight_sensitivity`) in one
    sentence."""
    _, n_ = translator(language)
    if table.empty or table["spearman"].isna().all():
        return _(
            "Fewer than two accounts have different health scores, so there is no ranking "
            "whose robustness could be tested."
        )
    table = table.dropna(subset=["spearman"])
    worst = table.loc[table["spearman"].idxmin()]
    component = COMPONENTS[worst["component"]].label_for(language)
    changes = int(table["status_changes"].max())
    if worst["spearman"] >= 0.9 and changes == 0:
        text = _(
            "Moving any single weight by 20 % keeps the ranking of the accounts nearly the same "
            "(lowest rank correlation {rho}, when the weight of “{component}” moves); no "
            "account changes its traffic light, and the largest shift in rank is {shift}."
        )
        digits = 3
    elif worst["spearman"] >= 0.9:
        text = n_(
            "Moving any single weight by 20 % keeps the ranking of the accounts nearly the same "
            "(lowest rank correlation {rho}, when the weight of “{component}” moves); at most "
            "{n} account changes its traffic light and no account moves more than {shift} ranks.",
            "Moving any single weight by 20 % keeps the ranking of the accounts nearly the same "
            "(lowest rank correlation {rho}, when the weight of “{component}” moves); at most "
            "{n} accounts change their traffic light and no account moves more than {shift} ranks.",
            changes,
        )
        digits = 3
    else:
        text = n_(
            "The ranking depends on the weights: moving the weight of “{component}” by 20 % "
            "lowers the rank correlation to {rho} and changes the traffic light of up to {n} "
            "account.",
            "The ranking depends on the weights: moving the weight of “{component}” by 20 % "
            "lowers the rank correlation to {rho} and changes the traffic light of up to {n} "
            "accounts.",
            changes,
        )
        digits = 2
    return text.format(
        rho=fmt.number(worst["spearman"], digits, language),
        component=component,
        n=changes,
        shift=int(table["max_rank_shift"].max()),
    )


@dataclass(frozen=True)
class PortfolioAnalysis:
    """Everything the portfolio report shows."""

    as_of: pd.Timestamp
    window: object  # the 12-month window (kamlib.periods.Window)
    concentration: dict
    history: pd.DataFrame
    alerts: list[str]
    pareto: pd.DataFrame
    classes: pd.DataFrame
    ranking: pd.DataFrame
    sensitivity: pd.DataFrame
    candidates: pd.DataFrame
    fallen: pd.DataFrame
    groups: pd.DataFrame
    keys: KeySelection  # which accounts are key accounts, and what decided it


def analyse(
    frames: PortfolioFrames, params, params_by_account: Mapping[str, object]
) -> PortfolioAnalysis:
    """Every figure of the portfolio report.

    Parameters
    ----------
    frames : PortfolioFrames
    params : Params
        The run's default parameters (concentration alerts, currency, language).
    params_by_account : mapping of account_id -> Params
        Every account's parameters, for the robustness check of the ranking.
    """
    kpis, accounts = frames.kpis, frames.accounts
    names = accounts.set_index("account_id")["name"]
    pareto_table = pareto(kpis["revenue_12m"])
    classes = (
        pareto_table.groupby("abc_class")
        .agg(
            accounts=("revenue_12m", "size"),
            revenue_12m=("revenue_12m", "sum"),
            revenue_share=("revenue_share", "sum"),
        )
        .reset_index()
    )
    return PortfolioAnalysis(
        as_of=frames.as_of,
        window=frames.window,
        concentration=concentration(kpis["revenue_12m"]),
        history=concentration_history(frames.all_table("sales"), kpis.index, frames.as_of),
        alerts=alerts(kpis, names, params),
        pareto=pareto_table,
        classes=classes,
        ranking=ranking(kpis, accounts, params.language),
        sensitivity=weight_sensitivity(kpis, params_by_account),
        candidates=candidates(kpis, accounts, frames.all_table("potential"), frames.as_of),
        fallen=fallen_key_accounts(kpis, accounts),
        groups=group_rollup(kpis, accounts),
        keys=frames.keys,
    )


def findings(a: PortfolioAnalysis, params) -> list[Finding]:
    """The dependency alerts."""
    return [
        Finding("yellow", "portfolio", text, fact=f"alert_{i}") for i, text in enumerate(a.alerts)
    ]


def sentences(a: PortfolioAnalysis, params) -> list[str]:
    """The portfolio report's statements in words: what makes an account a key account, the
    alerts and the ranking's robustness."""
    return [
        statement(a.keys, params.language),
        *a.alerts,
        sensitivity_sentence(a.sensitivity, params.language),
    ]


def title(a: PortfolioAnalysis, params) -> blocks.Html:
    """The report's title and its dates."""
    language = params.language
    _, n_ = translator(language)
    return blocks.title(
        _("Portfolio report"),
        _("Reporting date {date}").format(date=fmt.date(a.as_of, language)),
        _("; 12-month window {window}. Internal: this report names customers.").format(
            window=fmt.window(a.window, language)
        ),
    )


def key_accounts_note(a: PortfolioAnalysis, params) -> blocks.Html:
    """How many accounts are key accounts and what decided it (the data's ``key_account``
    column, or the parameters' rule), in one paragraph."""
    return blocks.paragraph(statement(a.keys, params.language))


def alerts_list(a: PortfolioAnalysis, params) -> blocks.Html:
    """The dependency alerts as a list."""
    _, n_ = translator(params.language)
    return blocks.findings(
        [f.text for f in findings(a, params)], _("Alerts"), language=params.language
    )


def concentration_table(a: PortfolioAnalysis, params) -> blocks.Html:
    """Concentration over the last three 12-month windows."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.history.reset_index(),
        {
            "window_end": "date",
            "hhi": "int",
            "top5_share": "pct",
            "gini": "num2",
            "top1_share": "pct",
            "accounts": "int",
        },
        caption=_("Concentration over the last three 12-month windows"),
        language=params.language,
    )


def classes_table(a: PortfolioAnalysis, params) -> blocks.Html:
    """Accounts and revenue per ABC class."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.classes,
        {"accounts": "int", "revenue_12m": "money", "revenue_share": "pct"},
        caption=_("Accounts and revenue per class"),
        currency=params.currency,
        language=params.language,
    )


def _lights(ranked: pd.DataFrame, language: str) -> pd.DataFrame:
    """The ranking with its traffic lights named in ``language``."""
    # a name per distinct light, not per account: a portfolio has three lights and many accounts
    names = {s: light(s, language) for s in ranked["health_status"].unique()}
    return ranked.assign(health_status=ranked["health_status"].map(names))


#: the rows a ranked table shows at most; a portfolio of more accounts lists its key accounts
#: (and, of the accounts at risk, as many more of the worst as fit): the full ranking is in
#: kpis.csv
RANKED_ROWS = 100


def listed(ranked: pd.DataFrame, rows: int = RANKED_ROWS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The accounts of the two ranked tables, worst first: those at risk (red or yellow) and
    those in good health (green); each account in one of them at most.

    A ranking of up to ``rows`` accounts is listed whole. Of a longer one, the accounts at
    risk are the key accounts at risk and, up to ``rows`` in all, the worst other accounts;
    those in good health are the key accounts: a table of every account would be cut after
    the ``rows`` worst and never show a key account in good health.
    """
    risk = (ranked["health_status"] != "green").to_numpy()
    if len(ranked) <= rows:
        return ranked.loc[risk], ranked.loc[~risk]
    key = ranked["key_account"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    others = np.flatnonzero(risk & ~key)[: max(0, rows - int((risk & key).sum()))]
    shown = risk & key
    shown[others] = True
    return ranked.loc[shown], ranked.loc[~risk & key]


def _ranked_table(a: PortfolioAnalysis, params, shown: pd.DataFrame, caption: str, empty: str):
    """A ranked table, each key account linked to its report (``<account_id>.html``)."""
    links = [
        f"{quote(account_id)}.html" if key is True else None
        for account_id, key in zip(shown.index, shown["key_account"], strict=True)
    ]
    return blocks.table(
        _lights(shown, params.language),
        {"revenue_12m": "money", "health_score": "int"},
        caption=caption,
        index=True,
        currency=params.currency,
        language=params.language,
        max_rows=RANKED_ROWS,
        empty=empty,
        links={"account_id": links},
    )


def at_risk_table(a: PortfolioAnalysis, params) -> blocks.Html:
    """The accounts at risk (red and yellow), worst first (:func:`listed`)."""
    _, n_ = translator(params.language)
    return _ranked_table(
        a,
        params,
        listed(a.ranking)[0],
        _("Accounts at risk (red and yellow)"),
        _("No account is red or yellow."),
    )


def ranking_table(a: PortfolioAnalysis, params) -> blocks.Html:
    """The accounts in good health (green), worst first; of a portfolio of more than
    :data:`RANKED_ROWS` accounts the key accounts, followed by a sentence saying how many
    accounts both tables leave out and that ``kpis.csv`` has them all."""
    language = params.language
    _, n_ = translator(language)
    at_risk, healthy = listed(a.ranking)
    if len(a.ranking) <= RANKED_ROWS:
        return _ranked_table(
            a,
            params,
            healthy,
            _("Accounts in good health (green)"),
            _("No account is green."),
        )
    table = _ranked_table(
        a,
        params,
        healthy,
        _("Key accounts in good health (green)"),
        _("No key account is green."),
    )
    omitted = len(a.ranking) - len(at_risk) - len(healthy)
    note = omitted_sentence(omitted, len(a.ranking), language)
    return blocks.Html(table + blocks.paragraph(note, "note"))


def omitted_sentence(omitted: int, total: int, language: str = "en") -> str:
    """What the ranked tables leave out of ``total`` accounts, and where the full ranking is."""
    _, n_ = translator(language)
    everyone = fmt.number(total, 0, language)
    if omitted == 0:
        return _("Every account is listed; kpis.csv lists all {total} accounts too.").format(
            total=everyone
        )
    return n_(
        "{n} account that is no key account is left out; kpis.csv lists all {total} accounts.",
        "{n} accounts that are no key accounts are left out; kpis.csv lists all {total} accounts.",
        omitted,
    ).format(n=fmt.number(omitted, 0, language), total=everyone)


def sensitivity_note(a: PortfolioAnalysis, params) -> blocks.Html:
    """How robust the ranking is to the weights, in one paragraph."""
    return blocks.paragraph(sensitivity_sentence(a.sensitivity, params.language))


def candidates_table(a: PortfolioAnalysis, params) -> blocks.Html:
    """The ten best candidates for tomorrow's key accounts."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.candidates.head(10).reset_index(),
        {"revenue_12m": "money", "revenue_growth": "pct", "wallet_gap": "money", "score": "num2"},
        caption=_("Candidates"),
        currency=params.currency,
        language=params.language,
        empty=_("No candidates: every account with revenue is a key account."),
    )


def fallen_table(a: PortfolioAnalysis, params) -> blocks.Html:
    """Key accounts that have fallen to class C."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.fallen.reset_index(),
        {"revenue_12m": "money", "revenue_growth": "pct", "revenue_share": "pct"},
        caption=_("Key accounts in class C"),
        currency=params.currency,
        language=params.language,
        empty=_("No key account is in class C."),
    )


def groups_table(a: PortfolioAnalysis, params) -> blocks.Html:
    """Parent groups rolled up with their members."""
    _, n_ = translator(params.language)
    return blocks.table(
        a.groups.reset_index(),
        {
            "accounts": "int",
            "revenue_12m": "money",
            "revenue_prev_12m": "money",
            "revenue_share": "pct",
            "revenue_growth": "pct",
        },
        caption=_("Parent groups"),
        currency=params.currency,
        language=params.language,
        empty=_("No account belongs to a parent company."),
    )
