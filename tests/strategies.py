"""Hypothesis strategies: small, valid datasets in the data contract, full of edge cases.

Each account draws, table by table, one of the situations that real exports produce and that
an analysis must survive: a single month of sales, only credit notes, all zeros, intermittent
months, a history that ends months before the reporting date or starts one month before it;
one survey answer (NPS 0, 7 or 10), all promoters or detractors, constant or missing ratings,
answers only in the previous window, long / emoji / right-to-left / HTML comments; deliveries
all late or undelivered, zero quantities; invoices all unpaid or credit notes; expired and
overlapping contracts, notice deadlines in the past; overlapping or zero agreed prices; one
interaction or hundreds on one day; complaints all open; a segment missing from ``market``,
zero market volume, zero wallet. Names of accounts, segments, products, roles and categories
include ``$``, ``$$``, ``\\``, ``_``, ``^``, ``%`` and ``{}``, which matplotlib would read as
mathematics if it were allowed to.

The tables are built with plain Python values (text dates), as a CSV export would hold them,
and are valid by construction: ``kamlib.data.from_frames`` accepts every one.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

__all__ = ["END", "datasets", "UNTRUSTED"]

#: the last month any generated row can fall in (the reporting date is derived from the data)
END = pd.Timestamp("2026-06-30")

#: text that must reach tables and charts exactly as written
UNTRUSTED = [
    "$100",
    "$$ Segment $$",
    "A\\B",
    "snake_case_name",
    "x^2",
    "50% off",
    "{braces}",
    "$x_1^2$",
    '<script>alert("x")</script>',
    'Müller & Söhne "GmbH"',
    "שלום עולם",
    "شركة الأمل",
    "🚀 Rocket Ltd 🚀",
]
_PLAIN = ["Retail", "Automotive", "Chemicals", "Food & Beverage"]
_COMMENTS = [
    "Delivery was late again.",
    "Prices are too high; Preise zu hoch.",
    "Great service 👍🏽🎉",
    "التسليم متأخر دائما",
    "המשלוח הגיע באיחור",
    "<b>bold</b> <img src=x onerror=alert(1)> & 'quotes'",
    "Kommunikation schlecht, keine Rückmeldung. " * 40,
    "$5 discount $$ please",
    "",
]
_ROLES = ["decision maker", "purchasing", "user", "technical", "finance", "$role$", "r_&_d"]
_CHANNELS = ["meeting", "call", "email", "visit", "event", "{chat}"]
_IDS = ["KA-001", "KA-002", "a.b", "_x", "007", "X-Y_z", "k" * 64, "CU.9", "b-2", "Z"]


def _month(offset: int) -> pd.Timestamp:
    """The first day of the month ``offset`` months before the month of :data:`END`."""
    return (END - pd.DateOffset(months=offset)).to_period("M").to_timestamp()


def _day(offset: int, day: int = 15) -> str:
    return (_month(offset) + pd.Timedelta(days=day - 1)).strftime("%Y-%m-%d")


def _shift(date: str, days: int) -> str:
    return (pd.Timestamp(date) + pd.Timedelta(days=days)).strftime("%Y-%m-%d")


names = st.sampled_from(UNTRUSTED + _PLAIN)
amounts = st.floats(min_value=1, max_value=1e6, allow_nan=False).map(lambda v: round(v, 2))


@st.composite
def _sales(draw, account_id: str, products: list[str]) -> list[dict]:
    mode = draw(
        st.sampled_from(
            [
                "regular",
                "long",
                "single_month",
                "credit_notes",
                "zeros",
                "intermittent",
                "ends_early",
                "starts_late",
                "none",
            ]
        )
    )
    months = {
        "regular": range(0, 30),
        "long": range(0, 48),
        "single_month": [draw(st.integers(0, 30))],
        "credit_notes": range(0, draw(st.integers(1, 30))),
        "zeros": range(0, draw(st.integers(1, 30))),
        "intermittent": [m for m in range(0, 36) if m % draw(st.integers(2, 5)) == 0],
        "ends_early": range(draw(st.integers(2, 14)), 40),
        "starts_late": [0, 1],
        "none": [],
    }[mode]
    base = draw(amounts)
    with_quantity = draw(st.booleans())
    rows = []
    for m in months:
        value = {"credit_notes": -base, "zeros": 0.0}.get(
            mode, round(base * (1 + (m % 12) / 20), 2)
        )
        row = {
            "date": _day(m, draw(st.integers(1, 28))),
            "account_id": account_id,
            "net_revenue": value,
            "product": draw(st.sampled_from([*products, None])),
        }
        if with_quantity:
            row["quantity"] = draw(st.sampled_from([None, 0.0, 1.0, 10.0, 250.0]))
        rows.append(row)
    return rows


@st.composite
def _surveys(draw, account_id: str, ratings: list[str], with_nps: bool) -> list[dict]:
    mode = draw(
        st.sampled_from(
            [
                "one_answer",
                "all_promoters",
                "all_detractors",
                "constant_ratings",
                "ratings_missing",
                "previous_only",
                "mixed",
                "none",
            ]
        )
    )
    if mode == "none":
        return []
    n = 1 if mode == "one_answer" else draw(st.integers(2, 14))
    offsets = (
        [draw(st.integers(13, 23)) for _ in range(n)]
        if mode == "previous_only"
        else [draw(st.integers(0, 30)) for _ in range(n)]
    )
    rows = []
    for i, offset in enumerate(offsets):
        nps = {
            "one_answer": draw(st.sampled_from([0, 7, 10])),
            "all_promoters": draw(st.sampled_from([9, 10])),
            "all_detractors": draw(st.integers(0, 6)),
        }.get(mode, draw(st.integers(0, 10)))
        row = {
            "response_id": f"{account_id}-r{i}",
            "account_id": account_id,
            "date": _day(offset, draw(st.integers(1, 28))),
            "respondent_role": draw(st.sampled_from([*_ROLES, None])),
            "csat": draw(st.sampled_from([None, 1.0, 2.5, 3.0, 4.0, 5.0])),
            "comment": draw(st.sampled_from([*_COMMENTS, None])),
        }
        if with_nps:
            row["nps"] = nps
        for r in ratings:
            row[r] = {"constant_ratings": 3.0, "ratings_missing": None}.get(
                mode, draw(st.sampled_from([None, 1.0, 2.0, 3.0, 4.0, 5.0]))
            )
        rows.append(row)
    return rows


@st.composite
def _deliveries(draw, account_id: str) -> list[dict]:
    mode = draw(st.sampled_from(["all_late", "undelivered", "zero_quantities", "mixed", "none"]))
    if mode == "none":
        return []
    rows = []
    for i in range(draw(st.integers(1, 12))):
        promised = _day(draw(st.integers(0, 20)), draw(st.integers(1, 28)))
        late = {"all_late": draw(st.integers(1, 60)), "undelivered": None}.get(
            mode, draw(st.sampled_from([None, -3, 0, 2, 30]))
        )
        ordered = 0.0 if mode == "zero_quantities" else draw(st.sampled_from([None, 5.0, 100.0]))
        delivered_q = 0.0 if mode == "zero_quantities" else draw(st.sampled_from([None, 5.0, 80.0]))
        rows.append(
            {
                "order_id": f"{account_id}-o{i}",
                "account_id": account_id,
                "promised_date": promised,
                "delivered_date": None if late is None else _shift(promised, late),
                "quantity_ordered": ordered,
                "quantity_delivered": delivered_q,
            }
        )
    return rows


@st.composite
def _invoices(draw, account_id: str) -> list[dict]:
    mode = draw(st.sampled_from(["all_unpaid", "credit_notes", "mixed", "none"]))
    if mode == "none":
        return []
    rows = []
    for i in range(draw(st.integers(1, 10))):
        issued = _day(draw(st.integers(0, 26)), draw(st.integers(1, 28)))
        due = _shift(issued, draw(st.sampled_from([0, 14, 30, 60])))
        paid_after = None if mode == "all_unpaid" else draw(st.sampled_from([None, 0, 10, 45, 200]))
        amount = draw(amounts)
        rows.append(
            {
                "invoice_id": f"{account_id}-i{i}",
                "account_id": account_id,
                "invoice_date": issued,
                "due_date": due,
                "paid_date": None if paid_after is None else _shift(issued, paid_after),
                "amount": -amount if mode == "credit_notes" else amount,
            }
        )
    return rows


@st.composite
def _contracts(draw, account_id: str) -> list[dict]:
    mode = draw(
        st.sampled_from(["expired", "overlapping", "notice_past", "open_ended", "running", "none"])
    )
    if mode == "none":
        return []
    spans = {
        "expired": [(40, 20)],
        "overlapping": [(30, -6), (10, -20)],
        "notice_past": [(24, -1)],
        "open_ended": [(30, None)],
        "running": [(12, -draw(st.integers(1, 30)))],
    }[mode]
    rows = []
    for i, (start, end) in enumerate(spans):
        rows.append(
            {
                "contract_id": f"{account_id}-c{i}",
                "account_id": account_id,
                "start_date": _day(start, 1),
                "end_date": None if end is None else _day(end, 28),
                "payment_terms_days": draw(st.sampled_from([None, 0, 30, 90])),
                "otif_target": draw(st.sampled_from([None, 0.0, 0.9, 1.0])),
                "notice_days": draw(st.sampled_from([None, 0, 90, 365])),
            }
        )
    return rows


@st.composite
def _prices(draw, account_id: str, products: list[str]) -> list[dict]:
    mode = draw(st.sampled_from(["overlapping", "zero_price", "regular", "none"]))
    if mode == "none":
        return []
    rows = []
    for product in products:
        price = 0.0 if mode == "zero_price" else draw(st.sampled_from([0.5, 10.0, 99.99]))
        rows.append(
            {
                "account_id": account_id,
                "product": product,
                "valid_from": _day(40, 1),
                "valid_to": _day(5, 28) if mode == "overlapping" else None,
                "agreed_unit_price": price,
            }
        )
        if mode == "overlapping":
            rows.append({**rows[-1], "valid_from": _day(10, 1), "valid_to": None})
    return rows


@st.composite
def _interactions(draw, account_id: str) -> list[dict]:
    mode = draw(st.sampled_from(["one", "hundreds_one_day", "regular", "none"]))
    if mode == "none":
        return []
    if mode == "hundreds_one_day":
        day = _day(draw(st.integers(0, 14)))
        dates = [day] * draw(st.integers(100, 200))
    else:
        n = 1 if mode == "one" else draw(st.integers(2, 20))
        dates = [_day(draw(st.integers(0, 30)), draw(st.integers(1, 28))) for _ in range(n)]
    return [
        {
            "interaction_id": f"{account_id}-x{i}",
            "account_id": account_id,
            "date": d,
            "channel": draw(st.sampled_from([*_CHANNELS, None])),
            "contact_role": draw(st.sampled_from([*_ROLES, None])),
            "initiated_by": draw(st.sampled_from(["us", "customer", None])),
        }
        for i, d in enumerate(dates)
    ]


@st.composite
def _complaints(draw, account_id: str) -> list[dict]:
    mode = draw(st.sampled_from(["all_open", "mixed", "none"]))
    if mode == "none":
        return []
    rows = []
    for i in range(draw(st.integers(1, 8))):
        opened = _day(draw(st.integers(0, 20)), draw(st.integers(1, 28)))
        closed_after = None if mode == "all_open" else draw(st.sampled_from([None, 0, 5, 90]))
        rows.append(
            {
                "complaint_id": f"{account_id}-q{i}",
                "account_id": account_id,
                "opened_date": opened,
                "closed_date": None if closed_after is None else _shift(opened, closed_after),
                "category": draw(st.sampled_from([*UNTRUSTED[:7], "delivery", None])),
                "severity": draw(st.sampled_from(["low", "medium", "high", "critical", None])),
            }
        )
    return rows


@st.composite
def datasets(
    draw, min_accounts: int = 1, max_accounts: int = 3, key_odds: int = 1
) -> dict[str, pd.DataFrame]:
    """A valid dataset of ``min_accounts`` to ``max_accounts`` accounts, with every optional
    table present or absent at random; at least one account, and about ``key_odds`` in
    ``key_odds + 1``, are key accounts."""
    n = draw(st.integers(min_accounts, max_accounts))
    ids = list(draw(st.permutations(_IDS))[:n]) + [f"A{i:03d}" for i in range(n - len(_IDS))]
    products = draw(
        st.lists(st.sampled_from(["P1", "P2", *UNTRUSTED[:7]]), min_size=1, max_size=3, unique=True)
    )
    ratings = draw(
        st.lists(
            st.sampled_from(["rating_delivery", "rating_quality", "rating_price"]),
            max_size=3,
            unique=True,
        )
    )
    with_nps = draw(st.booleans()) or not ratings
    segments = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    accounts, tables = (
        [],
        {
            t: []
            for t in (
                "sales",
                "surveys",
                "deliveries",
                "invoices",
                "contracts",
                "prices",
                "interactions",
                "complaints",
                "potential",
            )
        },
    )
    weights = st.sampled_from([True] * key_odds + [False])
    key = draw(st.lists(weights, min_size=len(ids), max_size=len(ids)))
    key[draw(st.integers(0, len(ids) - 1))] = True  # at least one key account
    for account_id, is_key in zip(ids, key, strict=True):
        accounts.append(
            {
                "account_id": account_id,
                "name": draw(names),
                "segment": draw(st.sampled_from([*segments, None])),
                "owner": draw(st.sampled_from(["Anna Becker", None, "$boss$"])),
                "parent_id": draw(st.sampled_from([None, ids[0]]))
                if account_id != ids[0]
                else None,
                "key_account": "true" if is_key else "",
            }
        )
        tables["sales"] += draw(_sales(account_id, products))
        tables["surveys"] += draw(_surveys(account_id, ratings, with_nps))
        tables["deliveries"] += draw(_deliveries(account_id))
        tables["invoices"] += draw(_invoices(account_id))
        tables["contracts"] += draw(_contracts(account_id))
        tables["prices"] += draw(_prices(account_id, products))
        tables["interactions"] += draw(_interactions(account_id))
        tables["complaints"] += draw(_complaints(account_id))
        wallet = draw(st.sampled_from([None, 0.0, 1e5, 5e6]))
        if wallet is not None:
            tables["potential"] += [
                {"account_id": account_id, "year": year, "wallet": wallet}
                for year in range(END.year - 2, END.year + 1)
            ]
    if not tables["sales"]:  # the contract requires sales rows
        tables["sales"].append({"date": _day(0), "account_id": ids[0], "net_revenue": 0.0})
    market = []
    for segment in segments[: draw(st.integers(0, len(segments)))]:  # some segments missing
        volume = draw(st.sampled_from(["zero", "regular"]))
        market += [
            {
                "date": _month(m).strftime("%Y-%m-%d"),
                "segment": segment,
                "indicator": "market_volume",
                "value": 0.0 if volume == "zero" else 1e6 + 1e4 * m,
            }
            for m in range(0, 36)
        ]
    out = {"accounts": pd.DataFrame(accounts)}
    for name, rows in [*tables.items(), ("market", market)]:
        if rows and (name == "sales" or draw(st.integers(0, 9)) > 0):  # tables absent at times
            out[name] = pd.DataFrame(rows)
    return out
