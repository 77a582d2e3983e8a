"""Executive summary: KPI overview against the previous window and targets, findings in words,
ranked as documented, each fact once."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from kamlib import health, sections, summary
from kamlib.components import HEALTH_KPIS, Finding, component_findings
from kamlib.context import PortfolioContext, compute
from kamlib.demo import write_demo
from kamlib.params import Params
from kamlib.sections import AREAS
from tests.conftest import frame, frames_of


def _row(**values) -> pd.Series:
    base = dict.fromkeys(HEALTH_KPIS, np.nan)
    base.update(values)
    kpis = pd.DataFrame([base], index=pd.Index(["A1"], name="account_id"))
    scored = health.score(kpis, Params())
    return kpis.join(scored).iloc[0]


def _all_component_findings(now: pd.Series) -> list[Finding]:
    areas = {
        c for c in ("revenue", "satisfaction", "contract_terms", "communication", "complaints")
    }
    return [f for area in sorted(areas) for f in component_findings(now, Params(), area)]


def test_overview_change_and_targets():
    now = _row(revenue_growth=-0.2, otif_rate=0.9, contacts_12m=10)
    now["revenue_12m"] = 800.0
    before = pd.Series({"revenue_12m": 1000.0, "otif_rate": 0.95, "contacts_12m": 14})
    table = summary.kpi_overview(now, before, Params()).table
    assert table.loc["revenue_12m", "change"] == pytest.approx(-200.0)
    assert table.loc["otif_rate", "change"] == pytest.approx(-0.05)
    assert table.loc["otif_rate", "target"] == pytest.approx(0.95)
    assert table.loc["contacts_12m", "target"] == pytest.approx(24)  # 2 a month
    assert table.loc["contacts_12m", "change"] == -4
    assert math.isnan(table.loc["nps", "previous"])
    # growth -0.2 is below the red mark -0.10 -> score 0 -> red
    assert table.loc["revenue_growth", "status"] == "red"


def test_health_breakdown_adds_up_to_the_score():
    now = _row(revenue_growth=0.05, nps=10.0, days_since_contact=75.0)
    breakdown = health.breakdown(now, Params())
    # weights 0.25, 0.15, 0.15 -> rescaled /0.55; scores 100, 50, 50
    expected = (0.25 * 100 + 0.15 * 50 + 0.15 * 50) / 0.55
    assert breakdown["contribution"].sum() == pytest.approx(expected)
    assert now["health_score"] == pytest.approx(expected)


def test_component_findings_in_words_with_their_traffic_light():
    now = _row(revenue_growth=-0.2, otif_rate=0.93, nps=40.0, nps_n=8)
    findings = {f.text: f for f in _all_component_findings(now)}
    growth = findings["Revenue fell 20.0% against the previous 12 months (target +5.0%)."]
    # growth -0.2 is below the red mark: 0 points of 100 at the rescaled weight 0.25 / 0.55
    assert growth.severity == "red" and growth.points == pytest.approx(100 * 0.25 / 0.55)
    assert findings["Net Promoter Score is 40 from 8 answers (target 30)."].severity == "green"
    # OTIF 0.93: (0.93 - 0.80) / (0.95 - 0.80) = 86.7 points -> green
    assert findings["93% of deliveries were on time and in full (target 95%)."].severity == "green"


def test_contract_and_contact_findings_in_words():
    now = _row(
        price_realisation=0.929,
        days_to_notice=61.0,
        contacts_per_month=0.75,
        complaint_resolution_days=63.0,
    )
    texts = {f.text: f.severity for f in _all_component_findings(now)}
    # 0.929 -> (0.929 - 0.95) / 0.05 < 0 -> 0 points, red
    assert texts["Sales realised 92.9% of the agreed prices: 7.1% below the price list."] == "red"
    # 61 / 180 = 34 points -> red
    assert texts["The contract's notice deadline is in 61 days: renewal talks are due."] == "red"
    # (0.75 - 0.5) / 1.5 = 17 points -> red
    assert texts["0.8 contacts per month over the last 12 months (target 2.0)."] == "red"
    # 63 days is past the red mark 60 -> 0 points
    assert texts["Complaints took 63 days to resolve (median; target at most 14)."] == "red"
    breakdown = health.breakdown(now, Params())
    assert breakdown.loc["days_to_notice", "component"] == "Days to the next notice deadline"
    passed = _row(days_to_notice=-5.0, price_realisation=1.01)
    texts = [f.text for f in _all_component_findings(passed)]
    assert "The contract's notice deadline passed 5 days ago." in texts
    assert "Sales were at or above the agreed prices (101.0%)." in texts


@dataclass(frozen=True)
class _Stub:
    found: tuple


class _Area:
    @staticmethod
    def findings(analysis, params):
        return list(analysis.found)


def test_top_findings_rank_by_severity_points_and_order_each_fact_once(monkeypatch):
    monkeypatch.setattr(sections, "AREAS", {"one": _Area, "two": _Area})
    analyses = {
        "one": _Stub(
            (
                Finding("green", "one", "good news", 0.0, 3, "c3"),
                Finding("yellow", "one", "an extra fact of one"),
                Finding("yellow", "one", "component 5 costs 2", 2.0, 5, "c5"),
                Finding("red", "one", "component 7 costs 1", 1.0, 7, "c7"),
            )
        ),
        "two": _Stub(
            (
                Finding("yellow", "two", "an extra fact of two"),
                Finding("yellow", "two", "component 1 costs 2", 2.0, 1, "c1"),
                Finding("red", "two", "component 2 costs 9", 9.0, 2, "c2"),
                Finding(
                    "yellow", "two", "the same fact as component 5, in other words", 2.0, 6, "c5"
                ),
            )
        ),
    }
    ranked = [f.text for f in summary.top_findings(analyses, Params(), n=10)]
    assert ranked == [
        "component 2 costs 9",  # red, most points
        "component 7 costs 1",  # red
        "component 1 costs 2",  # yellow, 2 points: component order 1 before 5
        "component 5 costs 2",  # the second statement of fact c5 is left out
        "an extra fact of one",  # yellow, 0 points: other facts in report order
        "an extra fact of two",
        "good news",  # green last
    ]
    assert len(summary.top_findings(analyses, Params(), n=3)) == 3


@pytest.fixture(scope="module")
def demo_context(tmp_path_factory) -> PortfolioContext:
    data = tmp_path_factory.mktemp("demo")
    write_demo(data)
    return compute(str(data), "", "")


def test_no_fact_is_stated_twice_in_any_demo_report(demo_context):
    from kamlib.context import AccountContext

    for account_id in demo_context.frames.key_ids():
        ctx = AccountContext(account_id, demo_context)
        collected = [
            f for area, a in ctx.analyses().items() for f in AREAS[area].findings(a, ctx.params)
        ]
        facts = [f.fact for f in collected]
        assert len(facts) == len(set(facts)), (account_id, sorted(facts))
        assert all(facts), account_id  # every finding names its fact
    # the two findings of issue 12: stated once, with the component's traffic light
    ctx = AccountContext("KA-002", demo_context)
    top = summary.top_findings(ctx.analyses(), ctx.params)
    resolution = [f for f in top if f.fact == "complaint_resolution_days"]
    assert [f.text for f in resolution] == [
        "Complaints took 20 days to resolve (median; target at most 14)."
    ]


def test_header_and_tiles_escape_untrusted_text():
    accounts = pd.DataFrame(
        {
            "account_id": ["A1"],
            "name": ['<img src=x onerror="1">'],
            "segment": ["<b>Retail</b>"],
            "owner": ["O'Neil & Co"],
            "key_account": [True],
        }
    )
    sales = frame([("2025-06-15", "A1", 1_500_000.0)], "d:date account_id net_revenue")
    frames = frames_of({"accounts": accounts, "sales": sales}, "A1", "2025-06-30")
    html = summary.header(frames, Params())
    assert "<img" not in html and "&lt;img" in html and "O&#39;Neil &amp; Co" in html
    assert "&lt;b&gt;Retail" in html and "Reporting date 30 Jun 2025" in html
    tiles = summary.tiles(frames, Params())
    assert "1.5M EUR" in tiles and "no comparison with the previous window" in tiles
