"""KPI definitions of the data contract, section 3, checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kamlib import kpis
from kamlib.data import from_frames
from kamlib.params import Params
from tests.conftest import frame

AS_OF = pd.Timestamp(
    "2025-06-30"
)  # window (2024-06-30, 2025-06-30], previous (2023-06-30, 2024-06-30]
NAN = None


def _accounts():
    return frame(
        [
            ("A1", "Alpha", True),
            ("A2", "Beta", True),
            ("A3", "Gamma", False),
            ("A4", "Delta", False),
        ],
        "account_id name key_account",
    )


def _sales():
    return frame(
        [
            ("2025-06-30", "A1", 100.0),  # window, last day included
            ("2024-07-01", "A1", 50.0),  # window, first day
            ("2024-06-30", "A1", 30.0),  # previous window, last day
            ("2023-07-01", "A1", 20.0),  # previous window
            ("2023-06-30", "A1", 999.0),  # before both windows
            ("2025-07-01", "A1", 777.0),  # after as_of: ignored
            ("2025-01-15", "A2", 300.0),
            ("2025-03-01", "A3", -10.0),  # a credit note
        ],
        "d:date account_id net_revenue",
    )


def _full_dataset():
    surveys = frame(
        [
            ("s1", "A1", "2025-01-01", 10, 5.0),
            ("s2", "A1", "2025-02-01", 9, 4.0),
            ("s3", "A1", "2025-03-01", 7, NAN),
            ("s4", "A1", "2025-04-01", 3, 2.0),
            ("s5", "A1", "2025-05-01", NAN, 3.0),
            ("s6", "A1", "2024-06-30", 0, 1.0),  # previous window
        ],
        "response_id account_id d:date nps csat",
    )
    deliveries = frame(
        [
            ("o1", "A1", "2025-01-10", "2025-01-10", 10.0, 10.0),  # on time, in full
            ("o2", "A1", "2025-02-10", "2025-02-12", 10.0, 10.0),  # late
            ("o3", "A1", "2025-03-10", "2025-03-01", 10.0, 8.0),  # short
            ("o4", "A1", "2025-04-10", "2025-04-10", NAN, 5.0),  # quantity missing: in full
            ("o5", "A1", "2025-06-20", NAN, 10.0, NAN),  # not delivered
            ("o6", "A1", "2025-06-25", "2025-07-02", 10.0, 10.0),  # delivered after as_of
            ("o7", "A1", "2024-06-30", "2024-06-30", 1.0, 1.0),  # previous window
        ],
        "order_id account_id d:promised_date d:delivered_date quantity_ordered quantity_delivered",
    )
    invoices = frame(
        [
            ("i1", "A1", "2025-05-01", "2025-05-31", NAN, 100.0),  # overdue, 30 days late
            ("i2", "A1", "2025-06-01", "2025-06-30", "2025-07-05", 200.0),  # paid after as_of
            ("i3", "A1", "2025-01-01", "2025-01-31", "2025-02-10", 50.0),  # 10 days late
            ("i4", "A1", "2025-06-15", "2025-07-15", NAN, 400.0),  # not yet due
            ("i5", "A1", "2024-05-15", "2024-06-15", NAN, 25.0),  # overdue, due before window
            ("i6", "A1", "2025-02-01", "2025-03-01", "2025-02-20", 10.0),  # paid early: 0
        ],
        "invoice_id account_id d:invoice_date d:due_date d:paid_date amount",
    )
    interactions = frame(
        [
            ("c1", "A1", "2025-06-01"),
            ("c2", "A1", "2024-07-01"),
            ("c3", "A1", "2024-06-30"),  # previous window
            ("c4", "A1", "2025-07-10"),  # after as_of
            ("c5", "A2", "2023-01-01"),
        ],
        "interaction_id account_id d:date",
    )
    complaints = frame(
        [
            ("k1", "A1", "2025-01-01", NAN),  # open, in window
            ("k2", "A1", "2024-05-01", "2025-07-01"),  # closed after as_of: open, not in window
            ("k3", "A1", "2025-02-01", "2025-02-10"),  # closed, in window
            ("k4", "A1", "2025-07-05", NAN),  # opened after as_of
        ],
        "complaint_id account_id d:opened_date d:closed_date",
    )
    return from_frames(
        {
            "accounts": _accounts(),
            "sales": _sales(),
            "surveys": surveys,
            "deliveries": deliveries,
            "invoices": invoices,
            "interactions": interactions,
            "complaints": complaints,
        }
    )


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return kpis.compute(_full_dataset(), AS_OF, Params())


def test_revenue_windows_and_growth(table):
    # A1: window 100 + 50 = 150, previous 30 + 20 = 50, growth 150 / 50 - 1 = 2.0
    assert table.loc["A1", "revenue_12m"] == 150.0
    assert table.loc["A1", "revenue_prev_12m"] == 50.0
    assert table.loc["A1", "revenue_growth"] == pytest.approx(2.0)
    # A2: previous window empty -> growth empty; A3 credit note only; A4 no sales at all
    assert table.loc["A2", "revenue_12m"] == 300.0 and math.isnan(table.loc["A2", "revenue_growth"])
    assert table.loc["A3", "revenue_12m"] == -10.0
    assert table.loc["A4", "revenue_12m"] == 0.0 and table.loc["A4", "forecast_12m"] == 0.0


def test_share_and_abc(table):
    # positive revenue 150 + 300 = 450: A1 1/3, A2 2/3; A3 (-10) and A4 (0) empty
    assert table.loc["A1", "revenue_share"] == pytest.approx(1 / 3)
    assert table.loc["A2", "revenue_share"] == pytest.approx(2 / 3)
    assert table[["revenue_share"]].loc[["A3", "A4"]].isna().all().all()
    # A2 first (nothing before it: 0 < 0.8 -> A), A1 (2/3 before it < 0.8 -> A), others <= 0 -> C
    assert table["abc_class"].to_dict() == {"A1": "A", "A2": "A", "A3": "C", "A4": "C"}


def test_survey_kpis(table):
    # A1 in window with nps: 10, 9, 7, 3 -> 2 promoters, 1 detractor of 4 -> 100 * (2 - 1) / 4
    assert table.loc["A1", "nps"] == pytest.approx(25.0)
    assert table.loc["A1", "nps_n"] == 4
    assert table.loc["A1", "csat"] == pytest.approx((5 + 4 + 2 + 3) / 4)
    # A2: the table exists but has no rows: count 0, score empty
    assert table.loc["A2", "nps_n"] == 0 and math.isnan(table.loc["A2", "nps"])


def test_otif(table):
    # o1 and o4 of the six promised in the window are on time and in full: 2 / 6
    assert table.loc["A1", "otif_rate"] == pytest.approx(2 / 6)
    assert math.isnan(table.loc["A2", "otif_rate"])


def test_invoices(table):
    # overdue: i1 100 + i2 200 (paid after as_of) + i5 25 = 325
    assert table.loc["A1", "overdue_amount"] == pytest.approx(325.0)
    # due in window: i1 30, i2 0 (due on as_of), i3 10, i6 0 -> 40 / 4
    assert table.loc["A1", "avg_days_late"] == pytest.approx(10.0)
    assert table.loc["A2", "overdue_amount"] == 0.0 and math.isnan(table.loc["A2", "avg_days_late"])


def test_interactions(table):
    assert table.loc["A1", "contacts_12m"] == 2
    assert table.loc["A1", "days_since_contact"] == 29  # 2025-06-01 -> 2025-06-30
    assert table.loc["A2", "contacts_12m"] == 0
    assert table.loc["A2", "days_since_contact"] == 731 + 180  # 2023-01-01 -> 2025-01-01 -> 06-30
    assert math.isnan(table.loc["A3", "days_since_contact"])


def test_complaints(table):
    assert table.loc["A1", "open_complaints"] == 2  # k1, and k2 closed only after as_of
    assert table.loc["A1", "complaints_12m"] == 2  # k1, k3
    assert table.loc["A2", "open_complaints"] == 0 and table.loc["A2", "complaints_12m"] == 0


def test_absent_tables_give_empty_kpis():
    dataset = from_frames({"accounts": _accounts(), "sales": _sales()})
    table = kpis.compute(dataset, AS_OF, Params())
    empty = [
        "nps",
        "nps_n",
        "csat",
        "otif_rate",
        "overdue_amount",
        "avg_days_late",
        "contacts_12m",
        "days_since_contact",
        "open_complaints",
        "complaints_12m",
    ]
    assert table[empty].isna().all().all()
    assert table.loc["A1", "revenue_12m"] == 150.0


def test_columns_follow_the_contract(table):
    assert list(table.columns[: len(kpis.KPI_COLUMNS) - 1]) == kpis.KPI_COLUMNS[1:]
    assert set(table["health_status"]) <= {"green", "yellow", "red"}


def test_contract_targets_take_the_active_contract():
    contracts = frame(
        [
            ("k1", "A1", "2020-01-01", "2024-12-31", 30, 0.90),  # ended before as_of
            ("k2", "A1", "2025-01-01", NAN, 45, 0.97),  # active, open-ended
            ("k3", "A2", "2025-07-01", NAN, 60, 0.80),  # starts after as_of
        ],
        "contract_id account_id d:start_date d:end_date payment_terms_days otif_target",
    )
    dataset = from_frames({"accounts": _accounts(), "sales": _sales(), "contracts": contracts})
    agreed = kpis.contract_targets(dataset, AS_OF)
    assert agreed.loc["A1", "otif_rate"] == pytest.approx(0.97)
    assert agreed.loc["A1", "payment_terms_days"] == 45
    assert "A2" not in agreed.index
    assert np.isclose(kpis.compute(dataset, AS_OF, Params()).loc["A1", "target_otif_rate"], 0.97)


def test_health_inputs_by_hand(table):
    # contacts: A1 had 2 in the window -> 2 / 12 per month; A2 none -> 0
    assert table.loc["A1", "contacts_per_month"] == pytest.approx(2 / 12)
    assert table.loc["A2", "contacts_per_month"] == 0
    # complaints closed in the window: only k3 (2025-02-01 -> 2025-02-10) = 9 days; k2 closed after
    # as_of does not count
    assert table.loc["A1", "complaint_resolution_days"] == 9
    assert math.isnan(table.loc["A2", "complaint_resolution_days"])
    # no prices and no contracts tables in this dataset: empty
    assert table[["price_realisation", "days_to_notice"]].isna().all().all()


def test_price_realisation_and_days_to_notice_by_hand():
    sales = frame(
        [
            ("2025-03-01", "A1", "P", 10.0, 90.0),  # agreed 10 (old list): 100 at agreed prices
            ("2025-05-01", "A1", "P", 10.0, 110.0),  # agreed 12 (new list from May): 120
            ("2025-05-01", "A1", "Q", 5.0, 50.0),  # no price for Q: left out
            ("2025-05-01", "A2", "P", 1.0, 20.0),  # A2's own list: 20 -> exactly as agreed
            ("2024-05-01", "A1", "P", 10.0, 1.0),  # before the window
        ],
        "d:date account_id product quantity net_revenue",
    )
    prices = frame(
        [
            ("A1", "P", "2024-01-01", "2025-04-30", 10.0),
            ("A1", "P", "2025-05-01", NAN, 12.0),
            ("A2", "P", "2024-01-01", NAN, 20.0),
        ],
        "account_id product d:valid_from d:valid_to agreed_unit_price",
    )
    contracts = frame(
        [
            ("c1", "A1", "2024-01-01", "2025-09-30", 90),  # deadline 2025-07-02: in 2 days
            ("c2", "A2", "2024-01-01", "2025-07-31", 60),  # deadline 2025-06-01: passed
            ("c3", "A2", "2025-08-01", "2027-07-31", 90),  # renewal signed: it decides
            ("c4", "A3", "2024-01-01", NAN, 90),  # open-ended: no notice risk
            ("c5", "A4", "2023-01-01", "2025-06-29", 30),  # ended before as_of
        ],
        "contract_id account_id d:start_date d:end_date notice_days",
    )
    dataset = from_frames(
        {"accounts": _accounts(), "sales": sales, "prices": prices, "contracts": contracts}
    )
    table = kpis.compute(dataset, AS_OF, Params())
    # A1: (90 + 110) / (10 * 10 + 10 * 12) = 200 / 220
    assert table.loc["A1", "price_realisation"] == pytest.approx(200 / 220)
    assert table.loc["A2", "price_realisation"] == pytest.approx(1.0)
    assert math.isnan(table.loc["A3", "price_realisation"])
    # A1: 2025-09-30 - 90 days = 2025-07-02, 2 days after 2025-06-30
    assert table.loc["A1", "days_to_notice"] == 2
    # A2: the renewal ends 2027-07-31: (2027-07-31 - 2025-06-30) = 761 days, - 90 = 671
    assert table.loc["A2", "days_to_notice"] == 671
    assert math.isnan(table.loc["A3", "days_to_notice"])
    assert math.isnan(table.loc["A4", "days_to_notice"])
    # and the score: A1 2 / 180 of the way from red (0) to target (180) -> 1.11 points
    assert table.loc["A1", "score_days_to_notice"] == pytest.approx(100 * 2 / 180)


def test_roles_covered_by_hand():
    # roles anywhere in the table: decision maker, purchasing, user (the usual ones in order),
    # then "board" (another role) -> 4 roles
    interactions = frame(
        [
            ("x1", "A1", "2025-06-01", "purchasing"),  # 29 days before as_of
            ("x2", "A1", "2025-01-01", "decision maker"),  # 180 days before: still reached
            ("x3", "A1", "2024-12-31", "user"),  # 181 days: a gap
            ("x4", "A1", "2025-07-01", "board"),  # after as_of: not yet
            ("x5", "A2", "2024-01-01", "board"),  # long ago
            ("x6", "A2", "2025-06-30", NAN),  # no role stated
        ],
        "interaction_id account_id d:date contact_role",
    )
    dataset = from_frames(
        {"accounts": _accounts(), "sales": _sales(), "interactions": interactions}
    )
    table = kpis.compute(dataset, AS_OF, Params())
    assert table.loc["A1", "roles_covered"] == pytest.approx(2 / 4)  # purchasing, decision maker
    assert table.loc["A2", "roles_covered"] == 0
    assert table.loc["A3", "roles_covered"] == 0  # no contact at all
    # score: target 1.0, red 0.0 -> 50 points for A1
    assert table.loc["A1", "score_roles_covered"] == pytest.approx(50)


def test_repeat_complaints_by_hand():
    complaints = frame(
        [
            ("k1", "A1", "2025-01-01", "delivery"),
            ("k2", "A1", "2025-03-01", "delivery"),
            ("k3", "A1", "2025-06-30", "delivery"),  # on as_of: inside the window
            ("k4", "A1", "2025-02-01", "invoice"),
            ("k5", "A1", "2024-06-30", "delivery"),  # window start is excluded
            ("k6", "A1", "2025-07-01", "delivery"),  # after as_of
            ("k7", "A2", "2025-01-01", "quality"),
            ("k8", "A2", "2025-02-01", NAN),  # no category: not a repeat of anything
            ("k9", "A2", "2025-03-01", NAN),
        ],
        "complaint_id account_id d:opened_date category",
    )
    dataset = from_frames({"accounts": _accounts(), "sales": _sales(), "complaints": complaints})
    table = kpis.compute(dataset, AS_OF, Params())
    assert table.loc["A1", "repeat_complaints"] == 3  # k1, k2, k3 about delivery
    assert table.loc["A2", "repeat_complaints"] == 1
    assert table.loc["A3", "repeat_complaints"] == 0  # no complaints at all
    # score: target 1, red at 4, lower is better -> 3 complaints = (4 - 3) / (4 - 1) = 33.3 points
    assert table.loc["A1", "score_repeat_complaints"] == pytest.approx(100 / 3)
    assert table.loc["A2", "score_repeat_complaints"] == 100
    # without a category column the component has no data
    plain = from_frames(
        {
            "accounts": _accounts(),
            "sales": _sales(),
            "complaints": complaints.drop(columns="category"),
        }
    )
    assert kpis.compute(plain, AS_OF, Params())["repeat_complaints"].isna().all()


def test_demo_kpis_csv_is_unchanged():
    # kpis.csv of the demo data, byte for byte as kam writes it: validation and forecasts may be
    # made faster, never different. Written with the per-value validation and the
    # single-process forecasts; a KPI definition changed on purpose means writing it again:
    # open("tests/data/demo_kpis.csv", "w").write(<the csv below>)
    # Written again for the health escalation rules (issue 17, part 3): only health_status of
    # KA-006 (six red components, score 51) and KA-008 (four red, score 57) changed, yellow ->
    # red by health.escalation.red_components = 4; every score and every other cell is the same.
    import io
    from pathlib import Path

    from kamlib.components import KPI_COLUMNS
    from kamlib.context import ParamsStore, resolve_as_of
    from kamlib.demo import make_demo

    dataset = from_frames(make_demo())
    table = kpis.compute(dataset, resolve_as_of(dataset, None), ParamsStore(None))
    csv = table.reset_index()[KPI_COLUMNS].to_csv(index=False, lineterminator="\n")
    stored = (Path(__file__).parent / "data" / "demo_kpis.csv").read_text()
    if csv != stored:
        now = pd.read_csv(io.StringIO(csv))
        before = pd.read_csv(io.StringIO(stored))
        changed = [c for c in before if not now[c].equals(before[c])]
        pytest.fail(f"kpis.csv of the demo changed in columns {changed}")


def test_month_starts_equal_the_month_periods():
    from kamlib.measures import _month_starts, monthly_revenue

    rng = np.random.default_rng(5)
    days = pd.Series(
        pd.Timestamp("1969-06-01") + pd.to_timedelta(rng.integers(0, 30000, 500), unit="h"),
        index=rng.permutation(500),
        name="date",
    )
    days.iloc[3] = pd.NaT
    expected = days.dt.to_period("M").dt.to_timestamp()
    got = _month_starts(days)
    assert got.index.equals(expected.index) and got.name == expected.name
    assert got.equals(expected) and got.dtype == expected.dtype
    # a reporting date within a month leaves that month out (the rows are dropped, not changed)
    sales = frame(
        [("2025-05-31", "A1", 1.0), ("2025-06-15", "A1", 2.0), ("2025-04-02", "A2", 4.0)],
        "d:date account_id net_revenue",
    )
    kept = sales.copy()
    wide = monthly_revenue(sales, pd.Timestamp("2025-06-20"))
    assert wide.index.max() == pd.Timestamp("2025-05-01")
    assert wide.loc["2025-05-01", "A1"] == 1.0 and wide.loc["2025-04-01", "A2"] == 4.0
    pd.testing.assert_frame_equal(sales, kept)
