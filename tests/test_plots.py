"""The charts' frame: no text overlaps another or leaves the chart (in English and in German),
the plot areas line up down the page, and the layout is fixed without a layout engine."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

import kamlib.context
from kamlib import plots
from kamlib.plots import (
    communication,
    complaints,
    contract_terms,
    health,
    market,
    portfolio,
    revenue,
    satisfaction,
)
from tests.conftest import ROOT

#: KA-006 is English, KA-001 German (params/), KA-007 has overdue invoices
ACCOUNTS = ["KA-006", "KA-001", "KA-007"]


def _charts(account_id: str) -> dict[str, object]:
    ctx = kamlib.context.account_context(account_id=account_id, params_dir=str(ROOT / "params"))
    p = ctx.params
    rev, sat = ctx.analysis("revenue"), ctx.analysis("satisfaction")
    terms, mkt = ctx.analysis("contract_terms"), ctx.analysis("market")
    made = {
        "health": health.contributions(ctx.frames.kpi, p),
        "trend": revenue.trend(rev, p),
        "seasonality": revenue.seasonality(rev, p),
        "nps": satisfaction.nps_over_time(sat, p),
        "importance": satisfaction.importance_performance(sat, p),
        "otif": contract_terms.otif_trend(terms, p),
        "ageing": contract_terms.receivables_ageing(terms, p),
        "overdue": contract_terms.overdue_trend(terms, p),
        "contacts": communication.contacts(ctx.analysis("communication"), p),
        "complaints": complaints.complaints_flow(ctx.analysis("complaints"), p),
        "market": market.account_vs_market(mkt, p),
        "wallet": market.wallet_share(mkt, p),
    }
    return {name: fig for name, fig in made.items() if fig is not None}


@pytest.fixture(scope="module")
def charts() -> dict[str, dict[str, object]]:
    made = {a: _charts(a) for a in ACCOUNTS}
    ctx = kamlib.context.portfolio_context(params_dir=str(ROOT / "params"))
    made["portfolio"] = {
        "pareto": portfolio.pareto_curve(ctx.analysis(), ctx.params),
        "concentration": portfolio.concentration_trend(ctx.analysis(), ctx.params),
    }
    return made


def _drawn_texts(fig) -> list[tuple[str, object]]:
    """Every text the chart draws, with its box in pixels."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    hidden = set()  # the labels of ticks outside the axis: not drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    hidden.update((id(tick.label1), id(tick.label2)))
    return [
        (text.get_text(), text.get_window_extent(renderer))
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip() and id(text) not in hidden
    ]


def test_every_account_chart_is_made(charts):
    # KA-007 has every chart, the overdue amounts and the receivables' ageing among them
    assert set(charts["KA-007"]) == {
        "health", "trend", "seasonality", "nps", "importance", "otif", "ageing", "overdue",
        "contacts", "complaints", "market", "wallet",
    }  # fmt: skip


def _problems(name: str, fig) -> list[str]:
    """Texts that overlap another or leave the chart."""
    problems = []
    texts = _drawn_texts(fig)
    width, height = fig.bbox.width, fig.bbox.height
    for text, box in texts:
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            problems.append(f"{name}: {text!r} leaves the chart")
    for (a, box_a), (b, box_b) in itertools.combinations(texts, 2):
        if box_a.shrunk(0.97, 0.9).overlaps(box_b.shrunk(0.97, 0.9)):
            problems.append(f"{name}: {a!r} overlaps {b!r}")
    return problems


@pytest.mark.parametrize("owner", [*ACCOUNTS, "portfolio"])
def test_no_text_overlaps_another_or_leaves_the_chart(charts, owner):
    assert [p for name, fig in charts[owner].items() for p in _problems(name, fig)] == []


def test_the_overlap_check_can_fail():
    fig, ax = plots.figure("Complaints", ylabel="complaints")
    ax.bar(range(3), [1, 2, 3])
    plots.category_axis(ax, ["Days late", "Last contact", "Complaints"])
    assert _problems("fine", fig) == []
    # the old health chart's fault: long names under narrow bars
    ax.set_xticks([0, 0.5, 1, 1.5, 2], ["Letzter_Kontakt_Letzter"] * 5)
    ax.text(-5, 0, "far out on the left")
    found = _problems("broken", fig)
    assert any("overlaps" in p for p in found) and any("leaves the chart" in p for p in found)


def test_the_plot_areas_line_up_down_the_page(charts):
    """Every chart is 8 inches wide and its plot area starts and ends at the same place, but
    for the health chart, whose component names take room of their own."""
    for owner, made in charts.items():
        for name, fig in made.items():
            assert fig.get_figwidth() == plots.WIDTH
            box = fig.axes[0].get_position()
            assert box.x1 * plots.WIDTH == pytest.approx(plots.WIDTH - plots.RIGHT), (owner, name)
            if name != "health":
                assert box.x0 * plots.WIDTH == pytest.approx(plots.LEFT), (owner, name)
            assert fig.get_layout_engine() is None


def test_years_are_whole_and_legends_stay_off_the_data(charts):
    wallet = charts["KA-006"]["wallet"].axes[0]
    labels = [t.get_text() for t in wallet.get_xticklabels()]
    assert labels[0] == "2022" and labels[-1] == "2026 (to date)"
    for owner, made in charts.items():
        for name, fig in made.items():
            legend = fig.axes[0].get_legend()
            if legend is None:
                continue
            renderer = FigureCanvasAgg(fig).get_renderer()
            fig.draw(renderer)
            plot = fig.axes[0].get_window_extent(renderer)
            assert legend.get_window_extent(renderer).y0 >= plot.y1, (owner, name)


def test_a_german_chart_is_german(charts):
    titles = {name: fig.axes[0].get_title(loc="left") for name, fig in charts["KA-001"].items()}
    assert titles["health"].startswith("Health Score 100 von 100")
    assert titles["otif"].startswith("Liefertreue")


def test_the_title_states_the_point(charts):
    def title(fig):
        return fig.axes[0].get_title(loc="left").replace("\n", " ")

    assert (
        title(charts["KA-006"]["otif"]) == "On time in full below the agreed 95% in 8 of 12 months"
    )
    health_title = title(charts["KA-006"]["health"])
    assert health_title.startswith("Health score ") and "points lost, most on " in health_title


def test_text_width_is_close_to_the_drawn_width():
    fig, ax = plots.figure("Bearbeitungsdauer der Reklamationen")
    renderer = FigureCanvasAgg(fig).get_renderer()
    drawn = ax.title.get_window_extent(renderer).width / fig.dpi
    measured = plots.text_width(ax.title.get_text(), plots.TITLE_SIZE, "bold")
    assert measured == pytest.approx(drawn, rel=0.08)


def test_a_long_title_is_wrapped_and_the_chart_grows_to_fit_it():
    short, _ = plots.figure("Revenue")
    long, _ = plots.figure("Revenue " * 30)
    assert "\n" in long.axes[0].get_title(loc="left")
    assert long.get_figheight() > short.get_figheight()

    # the plot area keeps its height
    def plot_height(fig):
        box = fig.axes[0].get_position()
        return (box.y1 - box.y0) * fig.get_figheight()

    assert plot_height(long) == pytest.approx(plot_height(short))


def test_overdue_months_all_zero_are_one_sentence():
    from types import SimpleNamespace

    from kamlib.params import Params
    from kamlib.sections import contract_terms as section

    months = pd.date_range("2025-11-30", periods=12, freq="ME")
    zero = SimpleNamespace(overdue=pd.Series(np.zeros(12), index=months))
    assert contract_terms.overdue_trend(zero, Params()) is None
    assert "any of the last 12 month ends" in section.overdue_summary(zero, Params())
    some = SimpleNamespace(overdue=pd.Series([0.0] * 11 + [5000.0], index=months))
    assert section.overdue_summary(some, Params()) == ""
    fig = contract_terms.overdue_trend(some, Params())
    title = fig.axes[0].get_title(loc="left")
    assert title.replace("\n", " ").startswith("Overdue at month end: 5,000 EUR in Oct 2026")
    assert "Oct\n2026" not in title and "5,000\nEUR" not in title  # never broken there


def test_years_are_whole_even_from_a_float_index():
    from types import SimpleNamespace

    from kamlib.params import Params

    wallet = pd.DataFrame(
        {"share": [0.5, 0.4], "partial": [False, True]}, index=pd.Index([2025.0, 2026.0])
    )
    fig = market.wallet_share(SimpleNamespace(wallet=wallet), Params())
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2025", "2026 (to date)"]
    assert fig.axes[0].get_title(loc="left").endswith("in 2025")


def _sales_only(tmp_path, account_id: str, sales: pd.DataFrame):
    """The context of ``account_id`` in a dataset of accounts and ``sales`` only."""
    (tmp_path / "data").mkdir()
    ids = sorted({account_id, *sales["account_id"]})
    pd.DataFrame({"account_id": ids, "name": [f"Customer {i}" for i in ids]}).to_csv(
        tmp_path / "data" / "accounts.csv", index=False
    )
    sales.to_csv(tmp_path / "data" / "sales.csv", index=False)
    return kamlib.context.account_context(data=str(tmp_path / "data"), account_id=account_id)


def test_a_full_score_from_one_component_keeps_its_points_inside_the_chart(tmp_path):
    """An account scored on revenue growth alone, at 100 points (as most accounts of a purchase
    log): the points written beside the bar that ends at 100 stay inside the chart."""
    months = pd.date_range("2023-01-15", periods=24, freq="MS") + pd.Timedelta(days=14)
    sales = {"date": months.strftime("%Y-%m-%d"), "net_revenue": [100.0] * 12 + [200.0] * 12}
    ctx = _sales_only(tmp_path, "C1", pd.DataFrame({**sales, "account_id": "C1"}))
    assert ctx.frames.kpi["health_score"] == 100
    fig = health.contributions(ctx.frames.kpi, ctx.params)
    assert _problems("health", fig) == []


def test_no_component_with_data_draws_no_health_chart(tmp_path):
    """An account without a row in any table: its health cannot be judged, and there is no
    chart of points (the report says so in words)."""
    sales = pd.DataFrame({"date": ["2025-01-15"], "account_id": ["A2"], "net_revenue": [100.0]})
    ctx = _sales_only(tmp_path, "A1", sales)
    assert np.isnan(ctx.frames.kpi["health_score"])
    assert health.contributions(ctx.frames.kpi, ctx.params) is None
