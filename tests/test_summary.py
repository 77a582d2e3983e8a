"""Executive summary: KPI overview against the previous window and targets, findings in words."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kamlib import health, summary
from kamlib.params import HEALTH_KPIS, Params


def _row(**values) -> pd.Series:
    base = dict.fromkeys(HEALTH_KPIS, np.nan)
    base.update(values)
    kpis = pd.DataFrame([base], index=pd.Index(["A1"], name="account_id"))
    scored = health.score(kpis, Params())
    return kpis.join(scored).iloc[0]


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
    breakdown = summary.health_breakdown(now, Params())
    # weights 0.25, 0.15, 0.15 -> rescaled /0.55; scores 100, 50, 50
    expected = (0.25 * 100 + 0.15 * 50 + 0.15 * 50) / 0.55
    assert breakdown["contribution"].sum() == pytest.approx(expected)
    assert now["health_score"] == pytest.approx(expected)


def test_findings_worst_first_in_words():
    now = _row(revenue_growth=-0.2, otif_rate=0.93, nps=40.0, nps_n=8)
    findings = summary.health_findings(now, Params())
    severities = [f[0] for f in findings]
    assert severities == sorted(severities, key=["red", "yellow", "green"].index)
    assert findings[0][2] == ("Revenue fell 20.0% against the previous 12 months (target +5.0%).")
    assert any("Net Promoter Score is 40 from 8 answers" in f[2] for f in findings)


def test_header_and_tiles_escape_untrusted_text():
    account = {"account_id": "A1", "segment": "<b>Retail</b>", "owner": "O'Neil & Co"}
    html = summary.header_html(
        '<img src=x onerror="1">',
        account,
        pd.Timestamp("2025-06-30"),
        "Jul 2024 - Jun 2025",
        55.0,
        "yellow",
    )
    assert "<img" not in html and "&lt;img" in html and "O&#x27;Neil &amp; Co" in html
    assert "55/100" in html
    now = _row(revenue_growth=0.1)
    now["revenue_12m"] = 1_500_000.0
    tiles = summary.tiles_html(summary.kpi_overview(now, pd.Series(dtype=float), Params()))
    assert "1.50m EUR" in tiles and "no comparison with the previous window" in tiles


def test_contract_and_contact_findings_in_words():
    now = _row(
        price_realisation=0.929,
        days_to_notice=61.0,
        contacts_per_month=0.75,
        complaint_resolution_days=63.0,
    )
    texts = {f[2]: f[0] for f in summary.health_findings(now, Params())}
    # 0.929 -> (0.929 - 0.95) / 0.05 < 0 -> 0 points, red
    assert texts["Sales realised 92.9% of the agreed prices: 7.1% below the price list."] == "red"
    # 61 / 180 = 34 points -> red
    assert texts["The contract's notice deadline is in 61 days: renewal talks are due."] == "red"
    # (0.75 - 0.5) / 1.5 = 17 points -> red
    assert texts["0.8 contacts per month over the last 12 months (target 2.0)."] == "red"
    # 63 days is past the red mark 60 -> 0 points
    assert texts["Complaints took 63 days to resolve (median; target at most 14)."] == "red"
    breakdown = summary.health_breakdown(now, Params())
    assert breakdown.loc["days_to_notice", "component"] == "Days to the next notice deadline"
    passed = _row(days_to_notice=-5.0, price_realisation=1.01)
    texts = [f[2] for f in summary.health_findings(passed, Params())]
    assert "The contract's notice deadline passed 5 days ago." in texts
    assert "Sales were at or above the agreed prices (101.0%)." in texts
