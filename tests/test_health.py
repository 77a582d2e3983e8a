"""Health score: component scores and their weighted mean, worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from kamlib import health
from kamlib.components import HEALTH_KPIS
from kamlib.errors import ParamsError
from kamlib.params import Params, load_params
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
    assert (
        "nearly the same" in sentence
        and "no account changes its traffic light, and the largest shift in rank is 0" in sentence
    )
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


# --- escalation: rules beside the weighted score --------------------------------------------


def _escalating(**rules) -> Params:
    return Params.model_validate({"health": {"escalation": rules}})


def _ladder(reds: int) -> pd.DataFrame:
    """Four components at their targets (100 points; weights 0.25, 0.15, 0.15, 0.15) and
    ``reds`` of four small ones at their red marks (0 points, weight 0.05 each)."""
    green = {"revenue_growth": 0.05, "nps": 30.0, "otif_rate": 0.95, "days_since_contact": 30.0}
    red = {
        "contacts_per_month": 0.5,
        "roles_covered": 0.0,
        "price_realisation": 0.95,
        "days_to_notice": 0.0,
    }
    return _kpis(**green, **dict(list(red.items())[:reds]))


def test_red_components_escalate_at_their_threshold_and_not_one_below():
    # 70 points of weight at 100 over 0.70 + 0.05 x reds of weight:
    # 1 red: 70 / 0.75 = 93.3 green; 2 red: 70 / 0.80 = 87.5 green; 3 red: 70 / 0.85 = 82.4
    # green; 4 red: 70 / 0.90 = 77.8 yellow. Rules: red from 4 red, at least yellow from 2.
    params = _escalating(red_components=4, yellow_components=2)
    expected = {
        1: (70 / 0.75, "green", "score"),  # one below the yellow rule
        2: (70 / 0.80, "yellow", "yellow_components"),  # at the yellow rule
        3: (70 / 0.85, "yellow", "yellow_components"),  # one below the red rule
        4: (70 / 0.90, "red", "red_components"),  # at the red rule (the score alone: yellow)
    }
    for reds, (points, status, rule) in expected.items():
        row = health.score(_ladder(reds), params).loc["A1"]
        assert row["health_score"] == pytest.approx(points), reds
        assert (row["health_status"], row["health_rule"]) == (status, rule), reds
    # without the rules the score alone decides: green, green, green, yellow
    off = _escalating(red_components=None, yellow_components=None)
    lights = [health.score(_ladder(r), off).loc["A1", "health_status"] for r in (1, 2, 3, 4)]
    assert lights == ["green", "green", "green", "yellow"]


def test_a_component_is_red_by_its_own_score_below_the_yellow_threshold():
    # notice deadline in 72 days: 72 / 180 = 40 points < 50, red; in 90 days: 50 points, yellow
    # (50 is the yellow threshold: yellow, not red). With red_components 1, only the first
    # escalates: growth 100 (w 0.25) and notice 40 (w 0.05) -> (25 + 2) / 0.30 = 90, green.
    params = _escalating(red_components=1, yellow_components=None)
    red = health.score(_kpis(revenue_growth=0.05, days_to_notice=72.0), params).loc["A1"]
    assert red["health_score"] == pytest.approx(90.0)
    assert (red["health_status"], red["health_rule"]) == ("red", "red_components")
    yellow = health.score(_kpis(revenue_growth=0.05, days_to_notice=90.0), params).loc["A1"]
    assert (yellow["health_status"], yellow["health_rule"]) == ("green", "score")


def test_a_red_critical_component_makes_the_account_red_on_its_own():
    # OTIF 0.85 against 0.95 (red mark 0.80): (0.85 - 0.80) / 0.15 = 33.3 points, red.
    # Growth and NPS at target: (25 + 15 + 0.15 x 33.3) / 0.55 = 45 / 0.55 = 81.8, green.
    kpis = _kpis(revenue_growth=0.05, nps=30.0, otif_rate=0.85)
    critical = _escalating(critical=["otif_rate", "nps"])
    row = health.score(kpis, critical).loc["A1"]
    assert row["health_score"] == pytest.approx(45 / 0.55)
    assert (row["health_status"], row["health_rule"]) == ("red", "critical:otif_rate")
    # not critical: one red component is below every count rule, green stays green
    plain = health.score(kpis, _escalating(critical=[])).loc["A1"]
    assert (plain["health_status"], plain["health_rule"]) == ("green", "score")
    assert plain["health_score"] == row["health_score"]
    # OTIF 0.875: (0.875 - 0.80) / 0.15 = 50 points, yellow, so not a red critical component
    on_mark = health.score(_kpis(revenue_growth=0.05, otif_rate=0.875), critical).loc["A1"]
    assert (on_mark["health_status"], on_mark["health_rule"]) == ("green", "score")


def test_the_count_rule_is_named_before_the_critical_one_and_a_red_score_before_both():
    # prices critical: with four red components both rules hold and the count is named; with
    # three (prices among them) only the critical rule does
    params = _escalating(red_components=4, critical=["price_realisation"])
    assert health.score(_ladder(4), params).loc["A1", "health_rule"] == "red_components"
    three = health.score(_ladder(3), params).loc["A1"]
    assert (three["health_status"], three["health_rule"]) == ("red", "critical:price_realisation")
    # a red score needs no rule: growth -0.10 and NPS -10 score 0 -> 0 points, red by score
    red = health.score(_kpis(revenue_growth=-0.10, nps=-10.0), _escalating(red_components=1))
    assert (red.loc["A1", "health_status"], red.loc["A1", "health_rule"]) == ("red", "score")


def test_missing_or_unweighted_components_never_count_as_red():
    # the critical OTIF without data: growth and NPS at target, 100 points, green by the score
    params = _escalating(red_components=2, critical=["otif_rate"])
    row = health.score(_kpis(revenue_growth=0.05, nps=30.0), params).loc["A1"]
    assert (row["health_status"], row["health_rule"]) == ("green", "score")
    # NPS -10 and CSAT 3.0 score 0 (red) but weigh nothing: not counted, not judged
    unweighted = health.with_weights(params, {"revenue_growth": 1.0, "otif_rate": 1.0})
    row = health.score(
        _kpis(revenue_growth=0.05, otif_rate=0.95, nps=-10.0, csat=3.0), unweighted
    ).loc["A1"]
    assert row["health_score"] == pytest.approx(100.0)
    assert (row["health_status"], row["health_rule"]) == ("green", "score")
    # no data at all: yellow, "cannot be judged"
    empty = health.score(_kpis(), params).loc["A1"]
    assert (empty["health_status"], empty["health_rule"]) == ("yellow", "no_data")


def test_escalation_never_improves_the_light_and_leaves_the_score():
    rng = np.random.default_rng(17)
    n = 400
    values = {
        "revenue_growth": rng.uniform(-0.2, 0.1, n),
        "nps": rng.uniform(-40, 50, n),
        "csat": rng.uniform(2.5, 5, n),
        "otif_rate": rng.uniform(0.7, 1, n),
        "avg_days_late": rng.uniform(0, 40, n),
        "days_since_contact": rng.uniform(0, 150, n),
        "open_complaints": rng.integers(0, 6, n).astype(float),
        "contacts_per_month": rng.uniform(0, 3, n),
        "roles_covered": rng.uniform(0, 1, n),
        "complaint_resolution_days": rng.uniform(0, 80, n),
        "repeat_complaints": rng.integers(0, 6, n).astype(float),
        "price_realisation": rng.uniform(0.9, 1.05, n),
        "days_to_notice": rng.uniform(-30, 400, n),
    }
    kpis = pd.DataFrame(values, index=[f"A{i}" for i in range(n)])
    kpis = kpis.mask(rng.random(kpis.shape) < 0.3)  # a third of the components without data
    off = health.score(kpis, _escalating(red_components=None, yellow_components=None))
    for rules in (
        {"red_components": 4, "yellow_components": 2},
        {"red_components": 2, "critical": ["nps", "otif_rate"]},
        {"red_components": None, "yellow_components": 1, "critical": ["days_to_notice"]},
    ):
        on = health.score(kpis, _escalating(**rules))
        urgency = {"red": 0, "yellow": 1, "green": 2}
        assert (on["health_status"].map(urgency) <= off["health_status"].map(urgency)).all()
        pd.testing.assert_series_equal(on["health_score"], off["health_score"])
        changed = on["health_status"] != off["health_status"]
        assert changed.any(), rules  # the rules did something ...
        assert (on.loc[changed, "health_rule"] != "score").all()  # ... and say so
        assert (on.loc[~changed, "health_rule"].isin(["score", "no_data"])).all()
    assert (off["health_rule"].isin(["score", "no_data"])).all()


def test_the_rules_method_is_not_changed_by_escalation():
    # rules: the worst component decides; growth 100 (green), NPS 10 -> 50 (yellow): yellow,
    # as without escalation, even with NPS critical and red_components 1 (no red component)
    rules = Params.model_validate(
        {"health": {"method": "rules", "escalation": {"red_components": 1, "critical": ["nps"]}}}
    )
    row = health.score(_kpis(revenue_growth=0.05, nps=10.0), rules).loc["A1"]
    assert (row["health_status"], row["health_rule"]) == ("yellow", "rules")
    # one red component: red, by the rules method itself
    row = health.score(_kpis(revenue_growth=0.05, nps=-10.0), rules).loc["A1"]
    assert (row["health_status"], row["health_rule"]) == ("red", "rules")
    assert health.score(_kpis(), rules).loc["A1", "health_rule"] == "no_data"


def test_weight_sensitivity_applies_the_same_escalation():
    # growth 100 (w 0.25), NPS -10 and OTIF 0.80 at their red marks (0 points, w 0.15 each),
    # days late 8: (8 - 30) / (5 - 30) = 88 points (w 0.10)
    # -> (25 + 8.8) / 0.65 = 52.0, yellow; growth's weight x 0.8: (20 + 8.8) / 0.60 = 48.0, red
    kpis = pd.concat(
        [
            _kpis(revenue_growth=0.05, nps=-10.0, otif_rate=0.80, avg_days_late=8.0),
            _kpis(revenue_growth=0.05, nps=30.0).rename(index={"A1": "A2"}),
        ]
    )
    plain = _escalating(red_components=None, yellow_components=None)
    assert health.score(kpis, plain).loc["A1", "health_score"] == pytest.approx(52.0)
    table = health.weight_sensitivity(kpis, dict.fromkeys(kpis.index, plain))
    growth_down = table.loc[(table["component"] == "revenue_growth") & (table["factor"] == 0.8)]
    assert growth_down["status_changes"].item() == 1
    # two red components make A1 red whatever the weights: no light changes any more
    two = _escalating(red_components=2, yellow_components=None)
    assert health.score(kpis, two).loc["A1", "health_rule"] == "red_components"
    table = health.weight_sensitivity(kpis, dict.fromkeys(kpis.index, two))
    assert (table["status_changes"] == 0).all()
    # and a portfolio mixing every rule gives the figures of scoring every account anew
    mixed, params = _mixed_portfolio()
    escalating = {
        a: _escalating(red_components=2, yellow_components=1, critical=["otif_rate"])
        if i % 2
        else p
        for i, (a, p) in enumerate(params.items())
    }
    pd.testing.assert_frame_equal(
        health.weight_sensitivity(mixed, escalating),
        _per_account_sensitivity(mixed, escalating),
        check_exact=False,
        rtol=1e-12,
    )
    assert (health.score(mixed, escalating)["health_rule"] != "score").sum() >= 2


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ({"critical": ["otif", "nps"]}, "unknown critical components ['otif']; expected some of"),
        ({"critical": ["nps", "nps"]}, "listed twice"),
        ({"red_components": 0}, "greater than or equal to 1"),
        ({"yellow_components": 14}, "less than or equal to 13"),
        ({"colour": 1}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_escalation_rules_are_refused(rules, expected):
    with pytest.raises(ValidationError) as info:
        _escalating(**rules)
    assert expected in str(info.value)
    if "unknown" in expected:
        assert "'days_to_notice'" in str(info.value)  # the known components are listed


def test_a_critical_component_without_weight_is_refused(tmp_path):
    (tmp_path / "KA-1.yaml").write_text(
        "health:\n  weights:\n    otif_rate: 0\n  escalation:\n    critical: [otif_rate]\n"
    )
    with pytest.raises(ParamsError, match=r"critical components \['otif_rate'\] have no weight"):
        load_params(tmp_path, "KA-1")
    # null switches a rule off
    (tmp_path / "KA-2.yaml").write_text("health:\n  escalation:\n    red_components: null\n")
    assert load_params(tmp_path, "KA-2").health.escalation.red_components is None


def test_the_demo_account_in_collapse_is_red_and_its_report_says_why(tmp_path):
    from kamlib import run as runner
    from kamlib.context import ParamsStore, resolve_as_of
    from kamlib.data import from_frames
    from kamlib.demo import make_demo, write_demo
    from kamlib.kpis import compute
    from tests.conftest import ROOT
    from tests.report_text import visible_texts

    # KA-006: six red components (NPS, CSAT, OTIF, open complaints, resolution, repeats) and a
    # score of 51; KA-008 (gone quiet) four: both red by the count; no other account changes
    dataset = from_frames(make_demo())
    table = compute(dataset, resolve_as_of(dataset, None), ParamsStore(ROOT / "params"))
    assert table.loc["KA-006", "health_score"] == pytest.approx(50.528, abs=1e-3)
    escalated = table.loc[table["health_rule"] != "score"]
    assert escalated["health_rule"].to_dict() == {
        "KA-006": "red_components",
        "KA-008": "red_components",
    }
    assert (escalated["health_status"] == "red").all()
    assert (table["health_status"] == "red").sum() == 2  # the demo does not turn red

    write_demo(tmp_path / "data")
    result = runner.run(
        tmp_path / "data", tmp_path / "out", ROOT / "params", account_ids=["KA-006"]
    )
    assert result.exit_code == 0, [r.error for r in result.failed + result.partial]
    texts = visible_texts((tmp_path / "out" / "KA-006.html").read_text(encoding="utf-8"))
    reason = (
        "The account is red by escalation, although its score is 51: 6 of the 13 components "
        "with data are red, and 4 or more red components make an account red."
    )
    assert "Health: red · 51/100" in texts
    assert texts.count(reason) == 2  # in the header and above the health breakdown
    rules = next(t for t in texts if t.startswith("Method weighted"))
    assert "An account with at least 4 red components is red." in rules
    assert "An account with at least 2 red components is at least yellow." in rules


def test_the_reason_in_german():
    from kamlib import summary

    row = health.score(_ladder(4), _escalating(red_components=4)).iloc[0]
    german = Params.model_validate(
        {"language": "de", "health": {"escalation": {"red_components": 4}}}
    )
    assert summary.health_reason(row, german) == (
        "Der Kunde ist durch Eskalation rot, obwohl sein Score 78 beträgt: 4 der 8 Komponenten "
        "mit Daten sind rot, und ab 4 roten Komponenten ist ein Kunde rot."
    )
    critical = Params.model_validate(
        {"language": "de", "health": {"escalation": {"critical": ["days_to_notice"]}}}
    )
    row = health.score(_ladder(1).assign(days_to_notice=0.0), critical).iloc[0]
    assert row["health_rule"] == "critical:days_to_notice"
    assert summary.health_reason(row, critical) == (
        "Der Kunde ist durch Eskalation rot, obwohl sein Score 88 beträgt: 1 kritische "
        "Komponente ist rot (Tage bis zum nächsten Kündigungstermin), und schon eine rote "
        "kritische Komponente macht einen Kunden rot."
    )
