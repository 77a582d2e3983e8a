"""Contract terms: delivery, prices, payments and dates, worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kamlib import measures
from kamlib.periods import window
from kamlib.sections import contract_terms as contracts
from tests.conftest import frame

AS_OF = pd.Timestamp("2025-06-30")
WIN = window(AS_OF)
NAN = None


def _deliveries():
    return frame(
        [
            ("o1", "A", "2025-01-10", "2025-01-10", 10.0, 10.0),  # OTIF
            ("o2", "A", "2025-01-20", "2025-01-25", 10.0, 10.0),  # 5 days late
            ("o3", "A", "2025-02-10", "2025-02-09", 10.0, 8.0),  # early, short
            ("o4", "A", "2025-06-20", NAN, 10.0, NAN),  # open, 10 days overdue at as_of
            ("o5", "A", "2025-06-25", "2025-07-03", 5.0, 5.0),  # delivered after as_of: open
        ],
        "order_id account_id d:promised_date d:delivered_date quantity_ordered quantity_delivered",
    )


def test_otif_by_month_and_lateness():
    monthly = contracts.otif_by_month(_deliveries(), AS_OF, WIN)
    # January: o1 OTIF, o2 late -> 1/2; February: o3 on time but short -> 0; June: none delivered
    assert monthly.loc["2025-01-01", "otif"] == 0.5
    assert monthly.loc["2025-02-01", ["on_time", "in_full", "otif"]].tolist() == [1.0, 0.0, 0.0]
    assert monthly.loc["2025-06-01", "orders"] == 2 and monthly.loc["2025-06-01", "otif"] == 0
    # the KPI over the window: 1 of 5
    flags = measures.delivery_flags(_deliveries(), AS_OF)
    assert flags["otif"].mean() == pytest.approx(1 / 5)
    dist = contracts.days_late_distribution(_deliveries(), AS_OF, WIN)["orders"]
    assert dist["on time"] == 2 and dist["3-7 days"] == 1 and dist.sum() == 3
    late = contracts.open_orders(_deliveries(), AS_OF)
    assert late["order_id"].tolist() == ["o4", "o5"] and late["days_overdue"].tolist() == [10, 5]


def test_no_deliveries():
    empty = _deliveries().iloc[0:0]
    assert contracts.otif_by_month(empty, AS_OF, WIN).empty
    assert contracts.open_orders(empty, AS_OF).empty


def test_price_list_that_changes_during_the_window():
    sales = frame(
        [
            ("2024-12-15", "A", 950.0, "P", 10.0),  # 95 per unit against 100 -> -50
            ("2025-03-15", "A", 1100.0, "P", 10.0),  # 110 against 105 (new list) -> +50
            ("2025-03-20", "A", 300.0, "Q", 3.0),  # no price for Q
            ("2025-04-01", "A", 100.0, "P", 0.0),  # no quantity: not comparable
        ],
        "d:date account_id net_revenue product quantity",
    )
    prices = frame(
        [("A", "P", "2024-01-01", "2024-12-31", 100.0), ("A", "P", "2025-01-01", NAN, 105.0)],
        "account_id product d:valid_from d:valid_to agreed_unit_price",
    )
    checked = measures.price_check(sales, prices, WIN)
    assert checked["agreed"].tolist()[:2] == [100.0, 105.0]
    assert checked["deviation"].tolist()[:2] == pytest.approx([-50.0, 50.0])
    leak = contracts.price_leakage(checked)
    assert leak.loc["P", "deviation"] == pytest.approx(0.0)
    assert leak.loc["Q", "unpriced_rows"] == 1 and leak.loc["Q", "deviation"] == 0
    assert measures.price_check(sales, None, WIN).empty  # no price list


def _invoices():
    return frame(
        [
            ("i1", "A", "2025-04-01", "2025-05-01", "2025-05-11", 100.0),  # paid 10 days late
            ("i2", "A", "2025-05-01", "2025-05-31", NAN, 200.0),  # 30 days past due
            ("i3", "A", "2025-01-15", "2025-02-14", NAN, 50.0),  # 136 days past due
            ("i4", "A", "2025-06-15", "2025-07-15", NAN, 400.0),  # not yet due
            (
                "i5",
                "A",
                "2025-05-15",
                "2025-06-14",
                "2025-07-01",
                80.0,
            ),  # paid after as_of: open, 16
        ],
        "invoice_id account_id d:invoice_date d:due_date d:paid_date amount",
    )


def test_payments_ageing_and_dso():
    pay = contracts.payments(_invoices(), AS_OF, WIN).set_index("invoice_id")
    assert pay.loc["i1", "days_late"] == 10 and pay.loc["i1", "days_to_pay"] == 40
    assert pay.loc["i2", "days_late"] == 30 and not pay.loc["i5", "paid"]
    # the KPI avg_days_late: due in the window i1 10, i2 30, i3 136, i5 16 -> 192 / 4
    assert pay["days_late"].mean() == pytest.approx(48.0)
    ageing = contracts.ageing(_invoices(), AS_OF)
    assert ageing.loc["current", "amount"] == 400.0
    assert ageing.loc["1-30", "amount"] == 280.0  # i2 (30 days) + i5 (16 days)
    assert ageing.loc["over 90", "amount"] == 50.0 and ageing["invoices"].sum() == 4
    # open receivables 200 + 50 + 400 + 80 = 730; invoiced in the last 90 days (after 2025-04-01):
    # i2 200 + i4 400 + i5 80 = 680 -> 730 / 680 * 90
    assert contracts.dso(_invoices(), AS_OF) == pytest.approx(730 / 680 * 90)


def test_invoices_never_paid():
    never = _invoices().assign(paid_date=pd.NaT)
    ageing = contracts.ageing(never, AS_OF)
    assert ageing["amount"].sum() == 830.0


def test_contract_dates_and_agreed_terms():
    c = frame(
        [
            ("k1", "A", "2023-01-01", "2025-12-31", 90, 30, 0.9),  # notice 2025-10-02: in 94 days
            ("k2", "A", "2024-01-01", NAN, 30, 45, 0.97),  # open-ended
            ("k3", "A", "2020-01-01", "2024-12-31", 90, 60, 0.8),  # ended
            ("k4", "A", "2024-01-01", "2025-08-31", 90, 30, 0.9),  # notice 2025-06-02: passed
        ],
        "contract_id account_id d:start_date d:end_date notice_days payment_terms_days otif_target",
    )
    dates = contracts.contract_dates(c, AS_OF, 180).set_index("contract_id")
    assert "k3" not in dates.index
    assert dates.loc["k1", "days_to_notice"] == 94 and dates.loc["k1", "flag"] == "notice due"
    assert dates.loc["k2", "flag"] == "open-ended"
    assert dates.loc["k4", "flag"] == "notice passed"
    assert contracts.contract_dates(c, AS_OF, 30).set_index("contract_id").loc["k1", "flag"] == ""
    # active at as_of: k1, k2, k4 started; the latest started (2024-01-01, k2 or k4) wins
    assert contracts.agreed_payment_days(c.iloc[[0, 1]], AS_OF, 30) == 45
    assert contracts.agreed_otif(None, AS_OF, 0.95) == 0.95
    assert math.isclose(contracts.agreed_otif(c.iloc[[0]], AS_OF, 0.95), 0.9)


def test_overdue_trend_by_hand():
    trend = contracts.overdue_trend(_invoices(), AS_OF, months=3)
    # month ends 2025-04-30, 05-31, 06-30
    # 04-30: i3 due 02-14 unpaid -> 50
    # 05-31: i3 50 + i1 (due 05-01, paid 05-11: paid) + i2 (due 05-31, unpaid) 200 -> 250
    # 06-30: i3 50 + i2 200 + i5 (due 06-14, paid 07-01 after) 80 -> 330
    assert trend.tolist() == [50.0, 250.0, 330.0]
    assert list(trend.index) == list(pd.to_datetime(["2025-04-30", "2025-05-31", "2025-06-30"]))


def test_delivery_rating_moves_with_otif():
    deliveries = frame(
        [
            (f"o{i}", "A", f"{y}-{m:02d}-10", f"{y}-{m:02d}-{10 + late:02d}", 1.0, 1.0)
            for i, (y, m, late) in enumerate(
                [(2023, 2, 0), (2023, 8, 5), (2024, 2, 0), (2024, 8, 5), (2023, 3, 0), (2024, 3, 0)]
            )
        ],
        "order_id account_id d:promised_date d:delivered_date quantity_ordered quantity_delivered",
    )
    surveys = frame(
        [
            ("r1", "A", "2023-03-01", 5.0),
            ("r2", "A", "2023-09-01", 2.0),
            ("r3", "A", "2024-03-01", 4.0),
            ("r4", "A", "2024-09-01", 1.0),
        ],
        "response_id account_id d:date rating_delivery",
    )
    table = contracts.delivery_and_satisfaction(deliveries, surveys, AS_OF)
    # H1s: all on time (OTIF 1), H2s: late (OTIF 0); ratings 5, 2, 4, 1
    assert table["otif"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert table["rating_delivery"].tolist() == [5.0, 2.0, 4.0, 1.0]
    # ranks of otif (3.5, 1.5, 3.5, 1.5) against ratings (4, 2, 3, 1): rho = 0.894
    assert "closely" in contracts.co_movement(table) and "0.89" in contracts.co_movement(table)
    assert contracts.delivery_and_satisfaction(deliveries, None, AS_OF).empty
