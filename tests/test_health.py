"""Health score: component scores and their weighted mean, worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kamlib import health
from kamlib.components import HEALTH_KPIS
from kamlib.params import Params
from kamlib.sections.portfolio import sensitivity_sentence


def _kpis(**values) -> pd.DataFrame:
    row = dict.fromkeys(HEALTH_KPIS, np.nan)
    row.update(values)
    return pd.DataFrame([row], index=pd.Index(["A1"], name="account_id"))


def test_weighted_mean_of_available_components():
    # defaults: revenue_growth target 0.05, red -0.10, weight 0.25; nps target 30, red -10, w 0.15
    # growth 0.05 -> 100; nps 10 -> (10 + 10) / (30 + 10) = 50
    # weights rescaled over the two: 0.25 / 0.40 = 0.625 and 0.375 -> 62.5 + 18.75 = 81.25
    out = health.score(_kpis(revenue_growth=0.05, nps=10.0), Params())
    assert out.loc["A1", "score_nps"] == pytest.approx(50.0)
    assert out.loc["A1", "weight_revenue_growth"] == pytest.approx(0.625)
    assert out.loc["A1", "health_score"] == pytest.approx(81.25)
    assert out.loc["A1", "contribution_nps"] == pytest.approx(18.75)
    assert out.loc["A1", "health_status"] == "green"
    assert math.isnan(out.loc["A1", "contribution_csat"])


def test_lower_is_better_and_clipping():
    # days since contact: target 30, red 120; 75 days -> (75 - 120) / (30 - 120) = 0.5 -> 50
    # open complaints: target 0, red 4; 9 open -> clipped at 0
    out = health.score(_kpis(days_since_contact=75.0, open_complaints=9.0), Params())
    assert out.loc["A1", "score_days_since_contact"] == pytest.approx(50.0)
    assert out.loc["A1", "score_open_complaints"] == 0.0
    # weights 0.15 and 0.10 -> (0.15 * 50 + 0.10 * 0) / 0.25 = 30 -> red (below 50)
    assert out.loc["A1", "health_score"] == pytest.approx(30.0)
    assert out.loc["A1", "health_status"] == "red"


def test_rules_method_takes_the_worst_component():
    params = Params.model_validate({"health": {"method": "rules"}})
    # growth 100 (green), nps 50 (yellow: 50 <= 50 < 80) -> weighted would be green (81.25)
    out = health.score(_kpis(revenue_growth=0.05, nps=10.0), params)
    assert out.loc["A1", "health_score"] == pytest.approx(81.25)
    assert out.loc["A1", "health_status"] == "yellow"


def test_no_data_at_all_is_yellow_with_empty_score():
    out = health.score(_kpis(), Params())
    assert math.isnan(out.loc["A1", "health_score"])
    assert out.loc["A1", "health_status"] == "yellow"


def test_agreed_otif_target_replaces_parameter():
    # otif 0.90: with the default target 0.95 (red 0.80) -> (0.90 - 0.80) / 0.15 = 66.7;
    # with an agreed target of 0.90 -> 100
    agreed = pd.DataFrame({"otif_rate": [0.90]}, index=pd.Index(["A1"], name="account_id"))
    plain = health.score(_kpis(otif_rate=0.90), Params())
    assert plain.loc["A1", "score_otif_rate"] == pytest.approx(200 / 3)
    out = health.score(_kpis(otif_rate=0.90), Params(), agreed_targets=agreed)
    assert out.loc["A1", "score_otif_rate"] == pytest.approx(100.0)


def test_per_account_parameters():
    kpis = pd.concat([_kpis(nps=10.0), _kpis(nps=10.0).rename(index={"A1": "A2"})])
    strict = Params.model_validate({"targets": {"nps": 50}})
    # A2 with target 50: (10 + 10) / (50 + 10) = 1/3 -> 33.3
    out = health.score(kpis, {"A1": Params(), "A2": strict})
    assert out.loc["A1", "score_nps"] == pytest.approx(50.0)
    assert out.loc["A2", "score_nps"] == pytest.approx(100 / 3)


def test_absent_component_column_counts_as_no_data():
    # only nps present (10 -> 50 points): the other components, columns absent, are left out
    out = health.score(pd.DataFrame({"nps": [10.0]}, index=["A1"]), Params())
    assert out.loc["A1", "health_score"] == pytest.approx(50.0)
    assert out.loc["A1", "weight_nps"] == pytest.approx(1.0)
    assert math.isnan(out.loc["A1", "score_days_to_notice"])


def test_contract_and_contact_terms_components_by_hand():
    # defaults (params/defaults.yaml): contacts_per_month target 2, red 0.5, weight 0.05;
    # complaint_resolution_days target 14, red 60 (lower is better), weight 0.05;
    # price_realisation target 1.0, red 0.95, weight 0.05; days_to_notice target 180, red 0,
    # weight 0.05.
    # contacts 1.25/month -> (1.25 - 0.5) / 1.5 = 50; resolution 37 days -> (37 - 60) / (14 - 60)
    # = 50; realisation 0.97 -> (0.97 - 0.95) / 0.05 = 40; notice in 45 days -> 45 / 180 = 25
    out = health.score(
        _kpis(
            contacts_per_month=1.25,
            complaint_resolution_days=37.0,
            price_realisation=0.97,
            days_to_notice=45.0,
        ),
        Params(),
    )
    row = out.loc["A1"]
    assert row["score_contacts_per_month"] == pytest.approx(50.0)
    assert row["score_complaint_resolution_days"] == pytest.approx(50.0)
    assert row["score_price_realisation"] == pytest.approx(40.0)
    assert row["score_days_to_notice"] == pytest.approx(25.0)
    # equal weights over the four: (50 + 50 + 40 + 25) / 4 = 41.25 -> red (below 50)
    assert row["health_score"] == pytest.approx(41.25)
    assert row["health_status"] == "red"
    # a passed notice deadline and prices above the list: 0 and 100 points
    out = health.score(_kpis(price_realisation=1.02, days_to_notice=-10.0), Params())
    assert out.loc["A1", "score_days_to_notice"] == 0
    assert out.loc["A1", "score_price_realisation"] == 100


def test_weight_sensitivity_on_a_clear_ranking():
    kpis = pd.concat(
        [
            _kpis(revenue_growth=0.05, nps=30.0).rename(index={"A1": "good"}),
            _kpis(revenue_growth=-0.10, nps=-10.0).rename(index={"A1": "bad"}),
            _kpis(revenue_growth=-0.025, nps=10.0).rename(index={"A1": "mid"}),
        ]
    )
    params = dict.fromkeys(kpis.index, Params())
    table = health.weight_sensitivity(kpis, params)
    # 7 components x 2 factors; scores 100, 0, 50 keep their order whatever the weights
    assert (
        len(table) == 26 and (table["spearman"] == 1).all() and (table["max_rank_shift"] == 0).all()
    )
    sentence = sensitivity_sentence(table)
    assert "nearly the same" in sentence and "at most 0 accounts change their" in sentence
    # the component is named as in the reports, not by its column name
    # (all correlations are 1 here: the first component, revenue growth, is reported)
    assert "weight of “Revenue growth vs previous 12 months” moves" in sentence


def test_change_explained_adds_up():
    before = health.score(_kpis(revenue_growth=0.05, nps=10.0), Params()).iloc[0]
    now = health.score(_kpis(revenue_growth=-0.025, nps=10.0), Params()).iloc[0]
    table = health.change_explained(now, before)
    # growth: 100 -> 50 at weight 0.625: 62.5 -> 31.25 points; nps unchanged at 18.75
    assert table.loc["revenue_growth", "change"] == pytest.approx(-31.25)
    assert table.loc["nps", "change"] == pytest.approx(0.0)
    assert table["change"].sum() == pytest.approx(now["health_score"] - before["health_score"])


def _per_account_sensitivity(kpis: pd.DataFrame, params: dict, change: float = 0.2):
    """The sensitivity check account by account, as it was first written: each weight change
    copies every account's parameters with the one weight moved and scores all accounts again
    with :func:`kamlib.health.score`."""
    base = health.score(kpis, params)
    base_rank = base["health_score"].rank(ascending=False)
    rows = []
    for k in HEALTH_KPIS:
        for factor in (1 - change, 1 + change):
            moved = {}
            for account_id, p in params.items():
                weights = dict(p.health.weights)
                if weights.get(k, 0) > 0:
                    weights[k] = weights[k] * factor
                moved[account_id] = health.with_weights(p, weights)
            alt = health.score(kpis, moved)
            both = pd.DataFrame({"a": base["health_score"], "b": alt["health_score"]}).dropna()
            rows.append(
                {
                    "component": k,
                    "factor": factor,
                    "spearman": float(both["a"].corr(both["b"], method="spearman")),
                    "status_changes": int((alt["health_status"] != base["health_status"]).sum()),
                    "max_rank_shift": float(
                        (alt["health_score"].rank(ascending=False) - base_rank).abs().max()
                    ),
                }
            )
    return pd.DataFrame(rows)


def _mixed_portfolio() -> tuple[pd.DataFrame, dict]:
    """Eight accounts, three parameter sets (one judged by rules, one with own weights), scores
    near the thresholds, equal scores, and one account without any data."""
    rows = [
        {"revenue_growth": 0.05, "nps": 10.0, "otif_rate": 0.90},
        {"revenue_growth": -0.02, "nps": 30.0, "days_since_contact": 75.0},
        {"revenue_growth": 0.01, "csat": 3.5, "open_complaints": 1.0},
        {"nps": -10.0, "otif_rate": 0.95, "avg_days_late": 12.0},
        {"revenue_growth": 0.05, "nps": 10.0, "otif_rate": 0.90},
        {"days_since_contact": 30.0, "price_realisation": 0.97},
        {"revenue_growth": -0.05, "contacts_per_month": 1.25, "days_to_notice": 45.0},
        {},
    ]
    kpis = pd.concat([_kpis(**r).rename(index={"A1": f"A{i}"}) for i, r in enumerate(rows)]).astype(
        float
    )
    own = health.with_weights(Params(), {"revenue_growth": 0.5, "nps": 0.3, "otif_rate": 0.2})
    rules = Params.model_validate({"health": {"method": "rules"}})
    sets = [Params(), own, rules]
    return kpis, {a: sets[i % 3] for i, a in enumerate(kpis.index)}


def test_weight_sensitivity_matches_scoring_every_account_per_weight_change():
    kpis, params = _mixed_portfolio()
    expected = _per_account_sensitivity(kpis, params)
    table = health.weight_sensitivity(kpis, params)
    pd.testing.assert_frame_equal(table, expected, check_exact=False, rtol=1e-12)
    # the figures are not all trivial: some weight changes move ranks and traffic lights
    assert (table["max_rank_shift"] > 0).any() and (table["spearman"] < 1).any()
    assert (table["status_changes"] > 0).any()
    # a weight down to nothing (a factor of 0) leaves accounts without any weighted component
    pd.testing.assert_frame_equal(
        health.weight_sensitivity(kpis, params, change=1.0),
        _per_account_sensitivity(kpis, params, change=1.0),
        check_exact=False,
        rtol=1e-12,
    )


def test_health_scores_in_numpy_are_the_scores_of_score():
    kpis, params = _mixed_portfolio()
    scored = health.score(kpis, params)
    comps = scored[[f"score_{k}" for k in HEALTH_KPIS]].to_numpy()
    weights = np.array(
        [[params[a].health.weights.get(k, 0.0) for k in HEALTH_KPIS] for a in kpis.index]
    )
    # by hand, A0: growth 100 (w 0.25), nps 50 (w 0.15), otif (0.90 - 0.80) / 0.15 = 66.7 (0.15)
    # -> (25 + 7.5 + 10) / 0.55 = 77.27
    assert scored.loc["A0", "health_score"] == pytest.approx(42.5 / 0.55)
    assert np.array_equal(
        health.health_scores(comps, weights), scored["health_score"].to_numpy(), equal_nan=True
    )
