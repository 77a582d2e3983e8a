"""Satisfaction scores, intervals, change test and key drivers, against hand computations."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlib import satisfaction as sat
from kamlib.periods import window
from tests.conftest import frame

Z = 1.959963984540054


def test_nps_adjusted_wald_by_hand():
    # 5 promoters, 3 passives, 2 detractors of 10: NPS = 100 * (5 - 2) / 10 = 30
    # Rocks (2016): n' = 13, p' = 5.75 / 13, d' = 2.75 / 13, nps' = 3 / 13
    # var = (p' + d' - nps'^2) / n' = (8.5/13 - 9/169) / 13
    score = sat.nps([10, 9, 9, 10, 9, 7, 8, 7, 0, 6])
    centre, var = 3 / 13, (8.5 / 13 - 9 / 169) / 13
    assert (score.score, score.n, score.promoters, score.passives, score.detractors) == (
        30,
        10,
        5,
        3,
        2,
    )
    assert score.ci_low == pytest.approx(100 * (centre - Z * math.sqrt(var)))
    assert score.ci_high == pytest.approx(100 * (centre + Z * math.sqrt(var)))
    assert score.ci_low == pytest.approx(-19.0506, abs=1e-4)


def test_nps_edge_cases():
    one = sat.nps([10])  # n' = 4, p' = 1.75/4, d' = 0.75/4, nps' = 0.25, var = (0.625 - 0.0625)/4
    assert one.score == 100 and one.ci_high == pytest.approx(100 * (0.25 + Z * math.sqrt(0.140625)))
    assert one.ci_high <= 100
    allpro = sat.nps([9] * 20)  # n' = 23, p' = 20.75/23, d' = .75/23
    c, v = 20 / 23, (21.5 / 23 - (20 / 23) ** 2) / 23
    assert allpro.score == 100 and allpro.ci_low == pytest.approx(100 * (c - Z * math.sqrt(v)))
    alldet = sat.nps([0] * 20)
    assert (
        alldet.score == -100
        and alldet.ci_low >= -100
        and alldet.ci_high == pytest.approx(-allpro.ci_low)
    )
    empty = sat.nps([])
    assert empty.empty and math.isnan(empty.score) and empty.describe() == "no answers"
    assert sat.nps([np.nan, 10]).n == 1


def test_csat_and_top2box():
    # mean 4, s = sqrt(((1 + 0 + 1 + 0)/3)) for 3, 4, 5, 4 -> s^2 = 2/3
    c = sat.csat([3, 4, 5, 4])
    half = 3.182446305284263 * math.sqrt(2 / 3) / 2  # t(0.975, 3) * s / sqrt(4)
    assert (
        c.score == 4
        and c.ci_low == pytest.approx(4 - half)
        and c.ci_high == pytest.approx(4 + half)
    )
    assert sat.csat([]).empty and sat.csat([2]).ci_low == 2
    t2b = sat.top2box([5, 4, 3, 2])  # 2 of 4 in the top two boxes
    assert t2b.score == 50


def test_change_test_words():
    before, after = sat.nps([10] * 20), sat.nps([0] * 20)
    p, text = sat.change_test(before, after)
    assert p < 0.001 and "a real drop" in text
    # 3 promoters of 4 (75) against 2 of 4 (50): tiny samples -> within the noise
    p, text = sat.change_test(sat.nps([10, 10, 10, 7]), sat.nps([10, 10, 7, 7]))
    assert p > 0.05 and "within the noise" in text
    assert math.isnan(sat.change_test(sat.nps([]), sat.nps([9]))[0])


def _shapley_by_permutations(df: pd.DataFrame, target: str, drivers: list[str]) -> dict[str, float]:
    """Independent reference: average R^2 gain over all orders, R^2 from least squares."""
    y = df[target].to_numpy()

    def r2(cols):
        if not cols:
            return 0.0
        x = np.column_stack([np.ones(len(df)), df[list(cols)].to_numpy()])
        resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
        return 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))

    gains = dict.fromkeys(drivers, 0.0)
    orders = list(itertools.permutations(drivers))
    for order in orders:
        for i, d in enumerate(order):
            gains[d] += r2(order[: i + 1]) - r2(order[:i])
    return {d: g / len(orders) for d, g in gains.items()}


@pytest.fixture
def swiss() -> pd.DataFrame:
    # R's datasets::swiss (47 provinces, 1888), copied from ../shared/data/reference
    return pd.read_csv(Path(__file__).parent / "data" / "swiss.csv")


SWISS_X = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


def test_lmg_equals_shapley_over_all_orders(swiss):
    lmg = sat.key_drivers(swiss, "Fertility", SWISS_X, "lmg")
    reference = _shapley_by_permutations(swiss, "Fertility", SWISS_X)
    for d in SWISS_X:
        assert lmg.loc[d, "importance"] == pytest.approx(reference[d], abs=1e-9)
    # R^2 of the full regression of Fertility on the five, as printed by summary(lm(...)): 0.7067
    assert lmg.attrs["r2"] == pytest.approx(0.7067, abs=5e-5)
    assert lmg["share"].sum() == pytest.approx(1)


def test_relative_weights_follow_johnson_step_by_step(swiss):
    rw = sat.key_drivers(swiss, "Fertility", SWISS_X, "relative_weights")
    # Johnson (2000): X = P D Q' (SVD of standardised X), Z = P Q' scaled to unit variance,
    # regress standardised y on Z (beta), Lambda = Q D Q' / sqrt(n - 1); weights = Lambda^2 beta^2
    x = swiss[SWISS_X].to_numpy()
    y = swiss["Fertility"].to_numpy()
    xs = (x - x.mean(0)) / x.std(0, ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    p_, d_, qt = np.linalg.svd(xs, full_matrices=False)
    z = p_ @ qt * math.sqrt(len(xs) - 1)
    beta = np.linalg.lstsq(z, ys, rcond=None)[0]
    lam = qt.T @ np.diag(d_) @ qt / math.sqrt(len(xs) - 1)
    expected = (lam**2) @ (beta**2)
    assert rw["importance"].to_numpy() == pytest.approx(expected, abs=1e-9)
    assert rw["importance"].sum() == pytest.approx(0.7067, abs=5e-5)


def test_key_drivers_missing_ratings_and_errors():
    df = pd.DataFrame(
        {"y": [1, 2, 3, 4, 5, 6, np.nan], "a": [1, 2, 2, 4, 5, 7, 1], "b": [2, 1, 4, 3, 6, 5, 1]}
    )
    out = sat.key_drivers(df, "y", ["a", "b"])
    assert out.attrs["n"] == 6  # the row with a missing target is left out
    with pytest.raises(ValueError, match="'method'"):
        sat.key_drivers(df, "y", ["a"], "shapley")
    with pytest.raises(ValueError, match="at least 4 complete answers"):
        sat.key_drivers(df.head(3), "y", ["a", "b"])


def test_by_period_percentile_and_themes():
    surveys = frame(
        [
            ("r1", "A", "2025-02-01", 10, 5.0, "decision maker"),
            ("r2", "A", "2025-03-01", 3, 2.0, "user"),
            ("r3", "A", "2025-08-01", 9, 4.0, "user"),
        ],
        "response_id account_id d:date nps csat respondent_role",
    )
    periods = sat.by_period(surveys)
    assert list(periods.index) == ["2025 H1", "2025 H2"]
    assert periods.loc["2025 H1", "nps"] == 0 and periods.loc["2025 H2", "nps"] == 100
    assert periods["indicative"].all()
    roles = sat.by_period(surveys, "role")
    assert roles.loc["user", "n"] == 2
    # 3 others: 10, 20, 30 -> value 20: one below plus half a tie -> 1.5 / 3 = 50
    assert sat.percentile(20, pd.Series([10, 20, 30])) == 50
    comments = pd.Series(["Lieferung kam zu spät", "The price is high", "Great", None])
    themes = sat.themes(comments, {"packaging": ["box"]})
    assert themes.loc["delivery", "comments"] == 1 and themes.loc["price", "comments"] == 1
    assert "packaging" not in themes.index  # no comment mentions it


def test_window_nps_matches_the_kpi_definition():
    # the KPI counts survey rows in the window with nps present: here 9, 10, 4 -> 100 * (2 - 1) / 3
    surveys = frame(
        [
            ("r1", "A", "2025-01-01", 9),
            ("r2", "A", "2025-02-01", 10),
            ("r3", "A", "2025-03-01", 4),
            ("r4", "A", "2024-01-01", 0),
        ],
        "response_id account_id d:date nps",
    )
    w = window(pd.Timestamp("2025-06-30"))
    assert sat.nps(surveys.loc[w.contains(surveys["date"]), "nps"]).score == pytest.approx(100 / 3)
