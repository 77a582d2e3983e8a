"""Satisfaction scores, intervals, change test and key drivers, against hand computations."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlib.measures import percentile
from kamlib.params import Params
from kamlib.sections import satisfaction as sat
from tests.conftest import frame, frames_of

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
    # adjusted Wald: 0.25 +- 1.96 * 0.375 = -48.5 to 98.5, which misses the observed 100: the
    # interval is widened to include it
    assert one.score == 100 and one.ci_low == pytest.approx(100 * (0.25 - Z * math.sqrt(0.140625)))
    assert one.ci_high == 100
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


def test_csat_interval_by_hand():
    # mean 4, s = sqrt(((1 + 0 + 1 + 0)/3)) for 3, 4, 5, 4 -> s^2 = 2/3
    c = sat.csat([3, 4, 5, 4])
    half = 3.182446305284263 * math.sqrt(2 / 3) / 2  # t(0.975, 3) * s / sqrt(4) = 1.299
    # 4 + 1.299 lies beyond the 1-5 scale: cut to 5
    assert c.score == 4 and c.ci_low == pytest.approx(4 - half) and c.ci_high == 5
    assert sat.csat([3, 4, 5, 4], scale=(0, 10)).ci_high == pytest.approx(4 + half)
    assert sat.csat([]).empty and sat.csat([2]).ci_low == 2
    # 4, 5, 5, 5, 5: mean 4.8, s^2 = 0.2, t(0.975, 4) = 2.776445 -> 4.8 +- 0.555289: the upper end
    # 5.36 lies beyond the scale and is cut to 5
    c = sat.csat([4, 5, 5, 5, 5])
    assert c.ci_low == pytest.approx(4.8 - 2.776445105 * math.sqrt(0.2 / 5)) and c.ci_high == 5


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


@pytest.fixture
def mtcars() -> pd.DataFrame:
    # R's datasets::mtcars (32 cars), copied from ../shared/data/reference
    return pd.read_csv(Path(__file__).parent / "data" / "mtcars.csv")


def test_relative_weights_reproduce_the_published_rwa_output(mtcars):
    # Published output of R package rwa, rwa_multiregress(mtcars, "mpg", c("cyl", "disp", "hp",
    # "wt")), in its vignette "Regression methods" (https://martinctc.github.io/rwa/articles/
    # regression-methods.html): Raw.RelWeight and Rescaled.RelWeight (percent).
    rw = sat.key_drivers(mtcars, "mpg", ["cyl", "disp", "hp", "wt"], "relative_weights")
    raw = {"cyl": 0.2096904, "disp": 0.1883043, "hp": 0.1799590, "wt": 0.2706812}
    rescaled = {"cyl": 24.70914, "disp": 22.18908, "hp": 21.20570, "wt": 31.89607}
    for driver in raw:
        assert rw.loc[driver, "importance"] == pytest.approx(raw[driver], abs=1e-6)
        assert rw.loc[driver, "share"] == pytest.approx(rescaled[driver] / 100, abs=1e-6)


def test_lmg_reproduces_the_published_dominance_output(mtcars):
    # LMG is the general dominance statistic of dominance analysis (both average the R^2 gain
    # over all orders; Groemping 2007, The American Statistician 61:139-147), which is what
    # relaimpo's calc.relimp(type = "lmg") prints. Published output of R package domir,
    # domir(mpg ~ am + vs + cyl, <lm R^2>, data = mtcars) in its README
    # (https://cran.r-project.org/web/packages/domir/readme/README.html):
    # Overall Value 0.7619773; General Dominance and Standardized values below.
    lmg = sat.key_drivers(mtcars, "mpg", ["am", "vs", "cyl"], "lmg")
    general = {"am": 0.1774892, "vs": 0.2027032, "cyl": 0.3817849}
    standardized = {"am": 0.2329324, "vs": 0.2660226, "cyl": 0.5010450}
    assert lmg.attrs["r2"] == pytest.approx(0.7619773, abs=1e-6)
    for driver in general:
        assert lmg.loc[driver, "importance"] == pytest.approx(general[driver], abs=1e-6)
        assert lmg.loc[driver, "share"] == pytest.approx(standardized[driver], abs=1e-6)


def test_bootstrap_intervals_are_percentiles_of_resampled_answers(swiss):
    out = sat.key_drivers(swiss, "Fertility", SWISS_X, "lmg", bootstrap=50, level=90, seed=3)
    # the same resamples, drawn and evaluated one by one without the batched code path
    rng = np.random.default_rng(3)
    draws = rng.integers(0, len(swiss), size=(50, len(swiss)))
    samples = np.array(
        [
            sat.key_drivers(swiss.iloc[rows], "Fertility", SWISS_X, "lmg")["importance"]
            for rows in draws
        ]
    )
    assert out["importance_low"].to_numpy() == pytest.approx(
        np.percentile(samples, 5, axis=0), abs=1e-12
    )
    assert out["importance_high"].to_numpy() == pytest.approx(
        np.percentile(samples, 95, axis=0), abs=1e-12
    )
    shares = samples / samples.sum(axis=1, keepdims=True)
    assert out["share_high"].to_numpy() == pytest.approx(
        np.percentile(shares, 95, axis=0), abs=1e-12
    )
    assert out.attrs["bootstrap"] == 50
    # point estimates are unchanged by asking for intervals, and a seed repeats the result
    plain = sat.key_drivers(swiss, "Fertility", SWISS_X, "lmg")
    assert out["importance"].to_numpy() == pytest.approx(plain["importance"].to_numpy())
    again = sat.key_drivers(swiss, "Fertility", SWISS_X, "lmg", bootstrap=50, level=90, seed=3)
    pd.testing.assert_frame_equal(out, again)


def test_bootstrap_skips_resamples_without_variation():
    # 6 answers, one of them the only one with a different rating of b: many resamples leave b
    # constant and cannot be used; the rest still give an interval
    df = pd.DataFrame({"y": [1, 2, 3, 4, 5, 6], "a": [1, 3, 2, 5, 4, 6], "b": [0, 0, 0, 0, 0, 1]})
    out = sat.key_drivers(df, "y", ["a", "b"], "relative_weights", bootstrap=200, seed=1)
    # P(b constant in a resample) = P(row 6 never drawn) + P(only row 6) = (5/6)^6 + (1/6)^6
    skipped = 200 - out.attrs["bootstrap"]
    assert 0.2 < skipped / 200 < 0.47  # expected share 0.335
    assert (out["importance_low"] <= out["importance_high"]).all()
    with pytest.raises(ValueError, match="'bootstrap'"):
        sat.key_drivers(df, "y", ["a", "b"], bootstrap=-1)


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
    assert percentile(20, pd.Series([10, 20, 30])) == 50
    comments = pd.Series(["Lieferung kam zu spät", "The price is high", "Great", None])
    themes = sat.themes(comments, {"packaging": ["box"]})
    assert themes.loc["delivery", "comments"] == 1 and themes.loc["price", "comments"] == 1
    assert "packaging" not in themes.index  # no comment mentions it


def test_window_nps_matches_the_kpi_definition():
    # the KPI counts survey rows in the window with nps present: here 9, 10, 4 (r4 is outside,
    # r5 has none) -> 100 * (2 - 1) / 3; the section's window NPS is the same number
    surveys = frame(
        [
            ("r1", "A", "2025-01-01", 9),
            ("r2", "A", "2025-02-01", 10),
            ("r3", "A", "2025-03-01", 4),
            ("r4", "A", "2024-01-01", 0),
            ("r5", "A", "2025-04-01", None),
        ],
        "response_id account_id d:date nps",
    )
    sales = frame([("2025-06-15", "A", 1.0)], "d:date account_id net_revenue")
    frames = frames_of({"surveys": surveys, "sales": sales}, "A", "2025-06-30")
    assert frames.kpi["nps"] == pytest.approx(100 / 3) and frames.kpi["nps_n"] == 3
    analysis = sat.analyse(frames, Params())
    assert analysis.window_nps.score == frames.kpi["nps"] and analysis.window_nps.n == 3


def test_analyse_pools_drivers_for_a_small_account_and_tables_them():
    # account A: 4 answers in the window (too few for its own drivers, fewer than 30);
    # account B: 40 answers in which nps = 2 * rating_delivery exactly and rating_price is noise
    rng = np.random.default_rng(0)
    delivery = rng.integers(1, 6, 40)
    b = pd.DataFrame(
        {
            "account_id": "B",
            "date": pd.Timestamp("2026-06-01"),
            "nps": 2 * delivery,
            "rating_delivery": delivery,
            "rating_price": rng.integers(1, 6, 40),
        }
    )
    a = pd.DataFrame(
        {
            "account_id": "A",
            "date": pd.to_datetime(["2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"]),
            "nps": [10, 2, 6, 8],
            "rating_delivery": [5, 1, 3, 4],
            "rating_price": [2, 2, 4, 4],
        }
    )
    everyone = pd.concat([a, b], ignore_index=True)
    kpis = pd.DataFrame({"nps": [0.0, 10.0], "csat": [np.nan, np.nan]}, index=["A", "B"])
    frames = frames_of({"surveys": everyone}, "A", "2026-10-31", kpis=kpis)
    result = sat.analyse(frames, Params())
    assert result.drivers_pooled
    assert result.drivers.attrs["n"] == 44
    # A's window NPS: 1 promoter (10) and 2 detractors (2, 6) of 4 -> -25, below B's 10
    assert result.window_nps.score == -25 and result.nps_percentile == 0
    table = sat.driver_shares(result)
    assert list(table["attribute"]) == ["delivery", "price"]  # delivery explains most
    assert table["share of explained variance"].sum() == pytest.approx(1)
    # A's own average ratings, not the pool's: delivery (5+1+3+4)/4, price (2+2+4+4)/4
    assert list(table["average rating"]) == [3.25, 3.0]
    assert (table["interval low"] <= table["share of explained variance"]).all()
    note = sat.drivers_note(result, Params())
    assert "pooled" in note and "500 resamples" in note
    shown = sat.drivers_table(result, Params())
    assert "delivery" in shown and "What drives the NPS" in shown


def test_report_drivers_are_computed_once_per_content(swiss, monkeypatch):
    drivers = SWISS_X
    calls = []
    real = sat.key_drivers
    monkeypatch.setattr(sat, "key_drivers", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(sat, "_DRIVERS", {})
    first = sat._report_drivers(swiss, "Fertility", drivers)
    first.loc[drivers[0], "share"] = -1.0  # a caller changing its copy changes nothing shared
    again = sat._report_drivers(swiss.copy(), "Fertility", drivers)
    assert len(calls) == 1 and again.loc[drivers[0], "share"] > 0
    assert again.attrs["bootstrap"] == sat.DRIVER_BOOTSTRAP
    # other answers (here: the same answers in another order) are analysed anew
    sat._report_drivers(swiss.iloc[::-1], "Fertility", drivers)
    assert len(calls) == 2
