"""The portfolio report at scale: its cells on the real CDNOW purchase log (23,570 customers)
and on synthetic portfolios of 25,000 and 250,000 accounts, against the previous
implementation measured in the same run.

    .venv/bin/python benchmarks/portfolio_speed.py [--accounts 25000 250000] [--no-cdnow]

The cells are those of ``notebooks/portfolio.ipynb``, executed in this process (as
``tests/test_robustness.py`` does) with every output rendered as a report renders it: HTML for
the tables, SVG for the charts. The portfolio context (loading, validation and the KPI passes)
is built before the cells run, as ``kam report`` builds it once for every report, and is not
part of the figures.

The baseline is the previous implementation of the steps that were slow, kept below: the weight
sensitivity scoring every account anew for each weight change (one copy of the parameters per
account), the ranking naming each account's reasons account by account, the concentration
history grouping the sales by account_id in each window, and the Pareto chart with a marker
per account. They replace the current functions for a second run of the same cells (the tables
are rendered by the current code in both runs). Each step is also timed on its own, and its
figures compared with the previous ones. Where the previous sensitivity would run for many
minutes (more than ``--full-baseline`` accounts), it is timed on two of its 26 weight changes
and extrapolated. The CDNOW part is skipped, with a message, when ``../shared/data`` is absent.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from papermill.parameterize import parameterize_notebook

import kamlib.context
import kamlib.plots
from kamlib import format as fmt
from kamlib import health
from kamlib import kpis as kpi_module
from kamlib.components import COMPONENTS, HEALTH_KPIS, light
from kamlib.context import ParamsStore, PortfolioContext
from kamlib.data import from_frames
from kamlib.frames import PortfolioFrames
from kamlib.health import score, with_weights
from kamlib.i18n import translator
from kamlib.periods import previous_reporting_date, window
from kamlib.plots import PALETTE, NumberFormatter, figure
from kamlib.plots import portfolio as charts
from kamlib.run.compose import portfolio_notebook
from kamlib.sections import portfolio

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CDNOW = SHARED / "transactions" / "cdnow_master.txt"
#: the weight changes of the sensitivity check: 13 components, each weight down and up
MOVES = 2 * len(HEALTH_KPIS)


# --- the previous implementation (the baseline) ---------------------------------------------


def previous_weight_sensitivity(
    kpis: pd.DataFrame, params, change: float = 0.2, moves: int | None = None
) -> pd.DataFrame:
    """The sensitivity check as it was: every weight change scores all accounts anew, with a
    copy of the parameters per account. ``moves`` stops after that many weight changes."""
    agreed = kpis[["target_otif_rate"]].rename(columns={"target_otif_rate": "otif_rate"})
    base = score(kpis, params, agreed)
    base_rank = base["health_score"].rank(ascending=False)
    rows = []
    for k in HEALTH_KPIS:
        for factor in (1 - change, 1 + change):
            if moves is not None and len(rows) >= moves:
                return pd.DataFrame(rows)
            moved = {}
            for account_id, p in params.items():
                weights = dict(p.health.weights)
                if weights.get(k, 0) > 0:
                    weights[k] = weights[k] * factor
                moved[account_id] = with_weights(p, weights)
            alt = score(kpis, moved, agreed)
            rank = alt["health_score"].rank(ascending=False)
            both = pd.DataFrame({"a": base["health_score"], "b": alt["health_score"]}).dropna()
            rows.append(
                {
                    "component": k,
                    "factor": factor,
                    "spearman": float(both["a"].corr(both["b"], method="spearman")),
                    "status_changes": int((alt["health_status"] != base["health_status"]).sum()),
                    "max_rank_shift": float((rank - base_rank).abs().max()),
                }
            )
    return pd.DataFrame(rows)


def previous_ranking(kpis: pd.DataFrame, accounts: pd.DataFrame, language: str = "en"):
    """The ranking as it was: each account's reasons sorted and named one account at a time."""
    names = accounts.set_index("account_id")["name"]
    lost = pd.DataFrame({k: kpis[f"weight_{k}"] * (100 - kpis[f"score_{k}"]) for k in HEALTH_KPIS})
    status = pd.DataFrame({k: kpis[f"status_{k}"] for k in HEALTH_KPIS})

    def reasons(account_id: str) -> str:
        bad = [
            k
            for k in lost.loc[account_id].sort_values(ascending=False).index
            if status.at[account_id, k] in ("red", "yellow")
        ]
        return (
            ", ".join(
                f"{COMPONENTS[k].reason_for(language)} ({light(status.at[account_id, k], language)})"
                for k in bad
            )
            or fmt.DASH
        )

    out = pd.DataFrame(
        {
            "account": names.reindex(kpis.index),
            "key_account": accounts.set_index("account_id")["key_account"].reindex(kpis.index),
            "abc_class": kpis["abc_class"],
            "revenue_12m": kpis["revenue_12m"],
            "health_score": kpis["health_score"],
            "health_status": kpis["health_status"],
        }
    )
    out["reasons"] = [reasons(a) for a in kpis.index]
    return out.sort_values(
        ["health_score", "revenue_12m"], ascending=[True, False], na_position="last"
    )


def previous_concentration_history(
    sales: pd.DataFrame, account_ids: pd.Index, as_of: pd.Timestamp, years: int = 3
) -> pd.DataFrame:
    """The concentration history as it was: the sales of each window grouped by account_id."""
    rows = {}
    for lag in range(years - 1, -1, -1):
        w = window(as_of, lag=12 * lag)
        part = sales.loc[w.contains(sales["date"])]
        revenue = (
            part.groupby("account_id")["net_revenue"].sum().reindex(account_ids, fill_value=0.0)
        )
        rows[w.end] = portfolio.concentration(revenue)
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("window_end")


def previous_pareto_curve(a: portfolio.PortfolioAnalysis, params) -> Figure:
    """The Pareto chart as it was: the curve and a marker through every account."""
    table = a.pareto
    language = params.language
    _, n_ = translator(language)
    fig, ax = figure(
        _("Pareto curve with ABC classes"),
        ylabel=_("cumulative share of revenue (%)"),
        xlabel=_("share of accounts, largest first (%)"),
        language=language,
    )
    ax.xaxis.set_major_formatter(NumberFormatter(language))
    x = [0.0, *(table["account_share"] * 100)]
    y = [0.0, *(table["cumulative_share"] * 100)]
    ax.plot(x, y, color="black", lw=1)
    colours = {"A": PALETTE["account"], "B": PALETTE["forecast"], "C": PALETTE["neutral"]}
    for cls, colour in colours.items():
        part = table.loc[table["abc_class"] == cls]
        ax.scatter(
            part["account_share"] * 100,
            part["cumulative_share"] * 100,
            color=colour,
            s=18,
            label=_("class {cls} ({n})").format(cls=cls, n=fmt.number(len(part), 0, language)),
            zorder=3,
        )
    for level in (80, 95):
        ax.axhline(level, color=PALETTE["peer"], lw=0.8, ls=":")
    ax.plot([0, 100], [0, 100], color=PALETTE["peer"], lw=0.8, ls="--", label=_("equal shares"))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 102)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig


# --- data ------------------------------------------------------------------------------------


def cdnow_frames() -> dict[str, pd.DataFrame]:
    """The CDNOW purchase log in the data contract's shape (as ``kpis_speed.py`` reads it)."""
    raw = pd.read_csv(CDNOW, sep=r"\s+")
    ids = raw["customer_id"].astype(str)
    accounts = pd.DataFrame({"account_id": ids.unique()})
    accounts["name"] = "Customer " + accounts["account_id"]
    sales = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
            "account_id": ids,
            "net_revenue": raw["dollar_value"].astype(float),
        }
    )
    return {"accounts": accounts, "sales": sales}


def synthetic(n_accounts: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """A portfolio of ``n_accounts``: 1 % key accounts, revenue concentrated on few accounts
    (Zipf), four sales rows per account over three years, and surveys, contacts and
    complaints for a fifth of them, so that several health components have data."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:06d}" for i in range(n_accounts)])
    start = np.datetime64("2023-01-01")

    def days(n: int) -> np.ndarray:
        return start + rng.integers(0, 1000, n).astype("timedelta64[D]")

    def pick(n: int) -> np.ndarray:
        return ids[(rng.zipf(1.2, n) - 1) % n_accounts]

    n_sales, n_small = 4 * n_accounts, n_accounts // 5
    opened = days(n_small)
    return {
        "accounts": pd.DataFrame(
            {
                "account_id": ids,
                "name": [f"Customer {i}" for i in ids],
                "key_account": rng.random(n_accounts) < 0.01,
            }
        ),
        "sales": pd.DataFrame(
            {
                "date": days(n_sales),
                # every account buys at least once, a few buy very often
                "account_id": np.concatenate([ids, pick(n_sales - n_accounts)]),
                "net_revenue": rng.gamma(2.0, 500.0, n_sales),
            }
        ),
        "surveys": pd.DataFrame(
            {
                "response_id": [f"R{i}" for i in range(n_small)],
                "account_id": pick(n_small),
                "date": days(n_small),
                "nps": rng.integers(0, 11, n_small),
            }
        ),
        "interactions": pd.DataFrame(
            {
                "interaction_id": [f"X{i}" for i in range(n_small)],
                "account_id": pick(n_small),
                "date": days(n_small),
            }
        ),
        "complaints": pd.DataFrame(
            {
                "complaint_id": [f"K{i}" for i in range(n_small)],
                "account_id": pick(n_small),
                "opened_date": opened,
            }
        ),
    }


def context_of(frames: dict[str, pd.DataFrame], with_forecast: bool) -> PortfolioContext:
    """The portfolio context of in-memory frames, as :func:`kamlib.context.compute` builds it
    from files (without the 12-month forecasts, which the portfolio report does not show, where
    ``with_forecast`` is False)."""
    dataset = from_frames(frames)
    store = ParamsStore(None)
    when = kamlib.context.resolve_as_of(dataset, None)
    kpis = kpi_module.compute(dataset, when, store, with_forecast=with_forecast)
    prev = kpi_module.compute(dataset, previous_reporting_date(when), store, with_forecast=False)
    year_ago = kpi_module.compute(
        dataset, when - pd.DateOffset(months=12), store, with_forecast=False
    )
    return PortfolioContext(PortfolioFrames(dataset, when, kpis, prev, year_ago), store)


# --- the cells -------------------------------------------------------------------------------


def run_cells(context: PortfolioContext) -> tuple[list[tuple[str, float, int]], object]:
    """Execute the portfolio notebook's code cells on ``context``, rendering every output.

    Returns
    -------
    list of (cell, seconds, bytes of output) and the analysis the cells made.
    """
    nb = parameterize_notebook(
        portfolio_notebook(), {"data": "", "as_of": "", "params_dir": ""}, report_mode=True
    )
    rendered: list[int] = []

    def display(*objects, **_) -> None:
        for obj in objects:
            rendered.append(len(obj._repr_html_() if hasattr(obj, "_repr_html_") else repr(obj)))

    def show(fig, mail=None) -> None:
        if fig is not None:
            rendered.append(len(kamlib.plots.svg_text(fig)))

    namespace = {"display": display, "__name__": "__main__"}
    timings = []
    # a context of its own: the analysis is made once per context, and each run makes it anew
    fresh = PortfolioContext(context.frames, context.params_store)
    with (
        _patched(kamlib.context, "portfolio_context", lambda **_: fresh),
        _patched(kamlib.plots, "show", show),
    ):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            code = compile(cell.source, f"<cell {index}>", "exec")
            before = len(rendered)
            start = time.perf_counter()
            exec(code, namespace)
            seconds = time.perf_counter() - start
            tags = cell.metadata.get("tags", [])
            parameters = [t for t in tags if t in ("parameters", "injected-parameters")]
            label = parameters[0] if parameters else cell.source.strip().splitlines()[-1]
            timings.append((label, seconds, sum(rendered[before:])))
    return timings, namespace["port"]


@contextmanager
def _patched(owner, name: str, value) -> Iterator[None]:
    saved = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, saved)


@contextmanager
def previous_implementation(sensitivity: Callable) -> Iterator[None]:
    """The cells with the previous sensitivity check, ranking, concentration history and Pareto
    chart."""
    with (
        _patched(portfolio, "weight_sensitivity", sensitivity),
        _patched(portfolio, "ranking", previous_ranking),
        _patched(portfolio, "concentration_history", previous_concentration_history),
        _patched(charts, "pareto_curve", previous_pareto_curve),
    ):
        yield


def _timed(fn: Callable, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def compare(name: str, context: PortfolioContext, full_baseline: int) -> None:
    """Print the cells' seconds, now and with the previous implementation, for one portfolio."""
    kpis, accounts = context.frames.kpis, context.frames.accounts
    by_account = context.params_by_account()
    n = len(kpis)
    print(f"\n{name}: {n:,} accounts, {len(context.frames.all_table('sales')):,} sales rows")

    # the analysis steps that changed, on their own, with their figures compared; the previous
    # sensitivity check in full where feasible, else on two of its 26 weight changes
    t_sens, table = _timed(health.weight_sensitivity, kpis, by_account)
    if n <= full_baseline:
        t_prev_sens, previous = _timed(previous_weight_sensitivity, kpis, by_account)
        same = previous.equals(table)
        note = "" if same else "  DIFFERENT FIGURES"
    else:
        t_base, _ = _timed(previous_weight_sensitivity, kpis, by_account, moves=0)
        t_two, _ = _timed(previous_weight_sensitivity, kpis, by_account, moves=2)
        t_prev_sens = t_base + (t_two - t_base) / 2 * MOVES
        note = "  (previous: extrapolated from 2 of 26 weight changes)"
    t_rank, ranked = _timed(portfolio.ranking, kpis, accounts, context.params.language)
    t_prev_rank, prev_ranked = _timed(previous_ranking, kpis, accounts, context.params.language)
    print(f"  {'step':<44}{'previous':>10}{'now':>10}{'ratio':>9}")
    _row("weight sensitivity (26 weight changes)", t_prev_sens, t_sens, note)
    same_ranking = "" if prev_ranked.equals(ranked) else "  DIFFERENT RANKING"
    _row("ranking with reasons", t_prev_rank, t_rank, same_ranking)
    sales, as_of = context.frames.all_table("sales"), context.frames.as_of
    t_hist, history = _timed(portfolio.concentration_history, sales, kpis.index, as_of)
    t_prev_hist, prev_history = _timed(previous_concentration_history, sales, kpis.index, as_of)
    same_history = "" if prev_history.equals(history) else "  DIFFERENT FIGURES"
    _row("concentration history (3 windows)", t_prev_hist, t_hist, same_history)

    # every cell, rendered; the previous cells with the previous functions patched in
    cells, _ = run_cells(context)
    if n <= full_baseline:
        with previous_implementation(previous_weight_sensitivity):
            previous_cells, _ = run_cells(context)
    else:
        # the previous sensitivity check was timed above (extrapolated): it is not run again
        # for minutes, its time replaces that of the current one in the setup cell
        with previous_implementation(health.weight_sensitivity):
            previous_cells, _ = run_cells(context)
        setup = next(i for i, c in enumerate(previous_cells) if c[0].startswith("port = "))
        label, seconds, size = previous_cells[setup]
        previous_cells[setup] = (label, seconds - t_sens + t_prev_sens, size)
    for (label, now, size), (_, before, before_size) in zip(cells, previous_cells, strict=True):
        sizes = f"  {before_size / 1e3:,.0f} -> {size / 1e3:,.0f} kB" if before_size else ""
        _row(_short(label), before, now, sizes)
    total_before = sum(c[1] for c in previous_cells)
    total_now = sum(c[1] for c in cells)
    _row("every cell of the report", total_before, total_now)


def _short(label: str, width: int = 42) -> str:
    label = label.replace("display(portfolio.", "").replace("plots.show(charts.", "chart ")
    label = label.replace("(port, ctx.params))", "").replace("port = ", "setup: ")
    return label if len(label) <= width else label[: width - 1] + "…"


def _row(label: str, before: float, now: float, note: str = "") -> None:
    # a ratio of two times below 10 ms is noise
    ratio = f"{before / now:>8.1f}x" if min(before, now) >= 0.01 else f"{'-':>9}"
    print(f"  {label:<44}{before:>9.2f}s{now:>9.2f}s{ratio}{note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="*", default=[25_000, 250_000])
    parser.add_argument("--no-cdnow", action="store_true", help="skip the CDNOW purchase log")
    parser.add_argument(
        "--full-baseline",
        type=int,
        default=30_000,
        help="largest portfolio on which the previous sensitivity check runs in full",
    )
    args = parser.parse_args()
    if args.no_cdnow:
        pass
    elif not CDNOW.is_file():
        print(f"CDNOW purchase log not found at {CDNOW}: skipped")
    else:
        t_context, context = _timed(context_of, cdnow_frames(), with_forecast=True)
        print(f"CDNOW context (validation, KPIs with forecasts): {t_context:.2f} s")
        compare("CDNOW purchase log", context, args.full_baseline)
    for n in args.accounts:
        t_context, context = _timed(context_of, synthetic(n), with_forecast=False)
        print(f"\nsynthetic context ({n:,} accounts, KPIs without forecasts): {t_context:.2f} s")
        compare(f"synthetic portfolio of {n:,} accounts", context, args.full_baseline)


if __name__ == "__main__":
    main()
