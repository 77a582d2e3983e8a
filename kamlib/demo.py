"""The built-in demo dataset: a deterministic synthetic company that fills every contract table.

Five years of monthly history ending 31 October 2026 (a fixed date, so the same seed always gives
the same files), about 30 customers of which 25 are key accounts, with stories an analyst would
recognise (see :data:`DEMO_STORIES`). Numbers are invented; names are fictitious.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["DEMO_STORIES", "END", "make_demo", "write_demo"]

START = pd.Timestamp("2021-11-01")
END = pd.Timestamp("2026-10-31")
MIN_ACCOUNTS = 12

DEMO_STORIES = {
    "KA-001": "the top account the company depends on: about a quarter of all revenue, steady",
    "KA-002": "steady growth of about 12 % a year; an open-ended contract",
    "KA-003": "decline: revenue down about 20 % in the last 12 months",
    "KA-004": "a seasonal business with a summer peak",
    "KA-005": "a new account, first order in January 2026",
    "KA-006": "late deliveries (OTIF about 70 %) drag satisfaction down; delivery complaints",
    "KA-007": "pays 30-60 days late; several invoices unpaid",
    "KA-008": "gone quiet: no contact since May 2026, revenue falling",
    "KA-009": "notice deadline within 180 days; pays below the agreed price (price leakage)",
    "KA-010": "a key account that has fallen to class C",
    "KA-012": "a name with markup characters, to show that names are escaped",
    "KA-013": "parent of a group with KA-014 and KA-015",
    "CU-026": "not a key account, growing fast: a candidate for tomorrow's key accounts",
}

_NAMES = [
    "Hartmann Automotive GmbH",
    "Brightline Retail Ltd",
    "Vossberg Chemie AG",
    "Alpenmilch Genossenschaft",
    "Nordhafen Logistik GmbH",
    "Meridian Foods B.V.",
    "Kraus & Söhne Maschinenbau",
    "Pharmaco Lyon SA",
    "Westfield Packaging plc",
    "Baltic Motors Sp. z o.o.",
    "Rheintal Kunststoffe GmbH",
    'Ölwerk <Süd> & "Partner" KG',
    "Danube Holding AG",
    "Danube Pumps GmbH",
    "Danube Controls s.r.o.",
    "Ferroni Meccanica S.p.A.",
    "Clearwater Beverages Ltd",
    "Schäfer Pharma GmbH",
    "Van Dijk Techniek B.V.",
    "Helvetia Präzision AG",
    "Atlantic Retail Group",
    "Moravia Chemicals a.s.",
    "Bergmann Antriebe GmbH",
    "Lumière Cosmétiques SA",
    "Krone Brauerei KG",
    "Solberg Energy AS",
    "Tauern Holzbau GmbH",
    "Quayside Marine Ltd",
    "Zeller Elektro GmbH",
    "Oakridge Tools Inc.",
    "Pannonia Agrar Kft.",
    "Lisboa Têxteis Lda",
    "Fjord Seafood AS",
    "Castell Vins SL",
    "Ostsee Papier GmbH",
    "Hudson Medical Ltd",
    "Garonne Aéro SAS",
    "Tatra Steel a.s.",
    "Weserland Futtermittel",
    "Adriatic Foods d.o.o.",
]
_SEGMENTS = ["Automotive", "Chemicals", "Food & Beverage", "Machinery", "Retail", "Pharma"]
_SEGMENT_GROWTH = {
    "Automotive": 0.02,
    "Chemicals": 0.04,
    "Food & Beverage": 0.06,
    "Machinery": 0.08,
    "Retail": 0.01,
    "Pharma": 0.10,
}
_COUNTRIES = ["DE", "DE", "DE", "AT", "CH", "NL", "FR", "GB", "PL", "IT"]
_OWNERS = ["Anna Keller", "Ben Walsh", "Clara Neumann", "David Rossi", "Eva Lindqvist"]
_PRODUCTS = {
    "Valves DN50": 120.0,
    "Valves DN80": 180.0,
    "Pressure sensors": 95.0,
    "Flow meters": 640.0,
    "Actuators": 410.0,
    "Seal kits": 35.0,
    "Control units": 1250.0,
    "Service hours": 85.0,
}
_ROLES = ["decision maker", "purchasing", "user", "technical", "finance"]
_CHANNELS = ["meeting", "call", "email", "visit", "event"]
_COMMENTS = {
    ("en", "bad"): [
        "Deliveries keep arriving late, this hurts our production planning.",
        "Too many partial deliveries lately.",
        "Prices went up again, hard to justify.",
        "Invoice errors cost us time.",
        "Hard to reach anyone when there is a problem.",
    ],
    ("en", "mid"): [
        "Quality is fine, delivery could be faster.",
        "Solid partner, price is high.",
        "Good products, communication could be better.",
    ],
    ("en", "good"): [
        "Excellent quality and very reliable service.",
        "Great support from the team.",
        "Fast delivery and fair prices.",
    ],
    ("de", "bad"): [
        "Die Lieferung kommt ständig zu spät.",
        "Zu viele Teillieferungen.",
        "Preis ist zu hoch für die Qualität.",
        "Rechnung war wieder fehlerhaft.",
    ],
    ("de", "mid"): ["Qualität gut, Lieferzeit könnte kürzer sein.", "Service ok, Preis hoch."],
    ("de", "good"): ["Sehr gute Qualität und zuverlässiger Service.", "Kommunikation top."],
}


def _months() -> pd.DatetimeIndex:
    return pd.date_range(START, END, freq="MS")


def _profiles(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per account: name, segment, size and story parameters."""
    n_key = max(MIN_ACCOUNTS - 1, round(n * 25 / 30))
    ids = [f"KA-{i:03d}" for i in range(1, n_key + 1)] + [
        f"CU-{i:03d}" for i in range(n_key + 1, n + 1)
    ]
    if n > n_key and "CU-026" not in ids:  # keep the story account's id stable for small N
        ids[n_key] = "CU-026"
    names = [
        _NAMES[i % len(_NAMES)] + ("" if i < len(_NAMES) else f" {i // len(_NAMES) + 1}")
        for i in range(n)
    ]
    rows = []
    for i, account_id in enumerate(ids):
        key = account_id.startswith("KA-")
        size = float(rng.lognormal(np.log(1.2e6 if key else 1.5e5), 0.5))
        rows.append(
            {
                "account_id": account_id,
                "name": names[i],
                "key": key,
                "segment": _SEGMENTS[i % len(_SEGMENTS)],
                "country": _COUNTRIES[i % len(_COUNTRIES)],
                "owner": _OWNERS[i % len(_OWNERS)] if key else None,
                "size": size,
                "growth": float(rng.uniform(-0.04, 0.08)),
                "season": float(rng.uniform(0, 0.12)),
                "start": 0,
                "otif": 0.94,
                "pay_delay": (-3, 6),
                "satisfaction": float(rng.uniform(0.2, 0.6)),
            }
        )
    prof = pd.DataFrame(rows).set_index("account_id")
    stories = {
        "KA-001": {"size": 1.05e7, "growth": 0.03, "season": 0.05, "satisfaction": 0.55},
        "KA-002": {"size": 2.2e6, "growth": 0.12, "satisfaction": 0.7},
        "KA-003": {"size": 2.6e6, "growth": 0.0},
        "KA-004": {"size": 1.6e6, "season": 0.6, "growth": 0.04},
        "KA-005": {"size": 9.0e5, "start": 50, "growth": 0.0, "satisfaction": 0.6},
        "KA-006": {"size": 1.9e6, "otif": 0.70, "growth": 0.02, "satisfaction": 0.45},
        "KA-007": {"size": 1.3e6, "pay_delay": (30, 60)},
        "KA-008": {"size": 1.4e6},
        "KA-009": {"size": 1.5e6},
        "KA-010": {"size": 4.0e5, "growth": -0.35},
        "CU-026": {"size": 1.5e6, "growth": 1.1},
    }
    for account_id, values in stories.items():
        if account_id in prof.index:
            for key, value in values.items():
                prof.at[account_id, key] = value
    prof["parent_id"] = None
    for child in ("KA-014", "KA-015"):
        if child in prof.index and "KA-013" in prof.index:
            prof.at[child, "parent_id"] = "KA-013"
    return prof


def _monthly_revenue(prof: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    months = _months()
    t = np.arange(len(months))
    years = t / 12
    summer = np.cos((months.month.to_numpy() - 7) / 12 * 2 * np.pi)
    out = {}
    for account_id, p in prof.iterrows():
        level = p["size"] / 12 * (1 + p["growth"]) ** (years - years[-1])
        level = level * (1 + p["season"] * summer)
        if account_id == "KA-003":  # flat, then a slide over the last 20 months
            level = p["size"] / 12 * np.where(t < 40, 1.0, 1 - 0.022 * (t - 40))
        if account_id == "KA-008":  # falling since spring 2026
            level = level * np.where(months >= pd.Timestamp("2026-04-01"), 0.6, 1.0)
        noise = rng.normal(1, 0.08, len(t))
        revenue = np.where(t >= p["start"], level * noise, 0.0)
        out[account_id] = np.round(np.maximum(revenue, 0), 2)
    return pd.DataFrame(out, index=months)


def _sales_and_prices(prof, monthly, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = list(_PRODUCTS)
    change = pd.Timestamp("2026-01-01")
    sales, prices = [], []
    for account_id in prof.index:
        k = int(rng.integers(3, 7))
        products = list(rng.choice(names, size=k, replace=False))
        weights = rng.dirichlet(np.ones(k))
        discount = float(rng.uniform(0.88, 1.0))
        for prod in products:
            agreed = round(_PRODUCTS[prod] * discount, 2)
            raised = round(agreed * 1.04, 2)
            prices.append((account_id, prod, START, change - pd.Timedelta(days=1), agreed))
            prices.append((account_id, prod, change, None, raised))
        for month, total in monthly[account_id].items():
            if total <= 0:
                continue
            day = month + pd.Timedelta(days=int(rng.integers(5, 26)))
            for prod, w in zip(products, weights, strict=True):
                agreed = round(_PRODUCTS[prod] * discount, 2) * (1.04 if month >= change else 1.0)
                leak = (
                    0.93 if account_id == "KA-009" and month >= pd.Timestamp("2025-11-01") else 1.0
                )
                unit = agreed * leak * float(rng.normal(1, 0.005))
                qty = max(1.0, round(total * w / unit))
                sales.append((day, account_id, round(qty * unit, 2), prod, qty))
    # two credit notes
    for account_id, when in (("KA-002", "2025-03-20"), ("KA-011", "2026-02-12")):
        if account_id in prof.index:
            sales.append((pd.Timestamp(when), account_id, -4800.0, "Service hours", -56.0))
    sales_df = pd.DataFrame(
        sales, columns=["date", "account_id", "net_revenue", "product", "quantity"]
    )
    prices_df = pd.DataFrame(
        prices, columns=["account_id", "product", "valid_from", "valid_to", "agreed_unit_price"]
    )
    return sales_df.sort_values(["date", "account_id"], kind="mergesort").reset_index(
        drop=True
    ), prices_df


def _surveys(prof, rng) -> pd.DataFrame:
    rows = []
    waves = [pd.Timestamp(f"{y}-{m:02d}-10") for y in range(2022, 2027) for m in (3, 9)]
    waves = [w for w in waves if w <= END]
    n = 0
    for account_id, p in prof.loc[prof["key"]].iterrows():
        lang = "de" if p["country"] in ("DE", "AT", "CH") else "en"
        for w, wave in enumerate(waves):
            if account_id == "KA-005" and wave < pd.Timestamp("2026-03-01"):
                continue
            for _ in range(int(rng.integers(3, 13))):
                late = account_id == "KA-006" and wave >= pd.Timestamp("2025-03-01")
                base = p["satisfaction"] - (0.15 * (w - 6) if late and w > 6 else 0)
                ratings = {
                    "rating_delivery": 4.2 - (1.8 if late else 0) + rng.normal(0, 0.6),
                    "rating_quality": 3.9 + rng.normal(0, 0.6),
                    "rating_price": 3.2 + rng.normal(0, 0.7),
                    "rating_service": 3.7 + rng.normal(0, 0.6),
                    "rating_communication": 3.6 + rng.normal(0, 0.7),
                }
                ratings = {k: float(np.clip(np.round(v), 1, 5)) for k, v in ratings.items()}
                latent = (
                    0.35 * ratings["rating_delivery"]
                    + 0.25 * ratings["rating_quality"]
                    + 0.15 * ratings["rating_price"]
                    + 0.15 * ratings["rating_service"]
                    + 0.10 * ratings["rating_communication"]
                )
                score = latent + 2.2 * base + rng.normal(0, 0.5)
                nps = int(np.clip(np.round((score - 1.5) * 2.5), 0, 10))
                csat = float(np.clip(np.round(1 + nps * 0.4 + rng.normal(0, 0.4)), 1, 5))
                mood = "bad" if nps <= 6 else ("mid" if nps <= 8 else "good")
                comment = str(rng.choice(_COMMENTS[(lang, mood)])) if rng.random() < 0.45 else None
                n += 1
                date = wave + pd.Timedelta(days=int(rng.integers(0, 20)))
                rows.append(
                    {
                        "response_id": f"R{n:05d}",
                        "account_id": account_id,
                        "date": date,
                        "respondent_role": str(rng.choice(_ROLES[:3])),
                        "nps": nps,
                        "csat": csat,
                        **ratings,
                        "comment": comment,
                    }
                )
    return pd.DataFrame(rows)


def _deliveries(prof, rng) -> pd.DataFrame:
    rows, n = [], 0
    first = pd.Timestamp("2023-11-01")
    for account_id, p in prof.loc[prof["key"]].iterrows():
        begin = max(first, START + pd.DateOffset(months=int(p["start"])))
        for month in pd.date_range(begin, END, freq="MS"):
            for _ in range(int(rng.integers(2, 6))):
                n += 1
                promised = month + pd.Timedelta(days=int(rng.integers(0, 28)))
                on_time = rng.random() < p["otif"] + 0.03
                delay = 0 if on_time else int(rng.integers(1, 12))
                delivered = (
                    promised - pd.Timedelta(days=int(rng.integers(0, 3))) + pd.Timedelta(days=delay)
                )
                ordered = float(rng.integers(10, 200))
                full = rng.random() > (0.12 if account_id == "KA-006" else 0.02)
                got = ordered if full else float(np.floor(ordered * rng.uniform(0.6, 0.95)))
                rows.append(
                    {
                        "order_id": f"O{n:06d}",
                        "account_id": account_id,
                        "promised_date": promised,
                        "delivered_date": delivered if delivered <= END else None,
                        "quantity_ordered": ordered,
                        "quantity_delivered": got if delivered <= END else None,
                    }
                )
    return pd.DataFrame(rows)


def _contracts(prof, rng) -> pd.DataFrame:
    rows = []
    for i, (account_id, p) in enumerate(prof.loc[prof["key"]].iterrows()):
        start = START + pd.DateOffset(months=int(p["start"]))
        end = pd.Timestamp(f"{2027 + i % 3}-12-31")
        notice = int(rng.choice([90, 180]))
        if account_id == "KA-002":
            end = None
        if account_id == "KA-009":
            end, notice = pd.Timestamp("2027-03-31"), 90  # notice deadline 31 Dec 2026
        if i % 4 == 0 and account_id != "KA-005":
            rows.append(
                {
                    "contract_id": f"C-{account_id}-0",
                    "account_id": account_id,
                    "start_date": start - pd.DateOffset(years=3),
                    "end_date": start - pd.Timedelta(days=1),
                    "payment_terms_days": 30,
                    "otif_target": 0.9,
                    "notice_days": 90,
                }
            )
        rows.append(
            {
                "contract_id": f"C-{account_id}-1",
                "account_id": account_id,
                "start_date": start,
                "end_date": end,
                "payment_terms_days": int(rng.choice([30, 45, 60])),
                "otif_target": 0.95 if i % 3 else 0.92,
                "notice_days": notice,
            }
        )
    return pd.DataFrame(rows)


def _invoices(prof, monthly, contracts, rng) -> pd.DataFrame:
    terms = contracts.groupby("account_id")["payment_terms_days"].last()
    rows, n = [], 0
    for account_id, p in prof.loc[prof["key"]].iterrows():
        for month, amount in monthly[account_id].items():
            if amount <= 0:
                continue
            n += 1
            invoice = month + pd.offsets.MonthEnd(0)
            due = invoice + pd.Timedelta(days=int(terms.get(account_id, 30)))
            low, high = p["pay_delay"]
            paid = due + pd.Timedelta(days=int(rng.integers(low, high + 1)))
            if account_id == "KA-007" and invoice >= pd.Timestamp("2026-06-30"):
                paid = None
            rows.append(
                {
                    "invoice_id": f"INV-{n:06d}",
                    "account_id": account_id,
                    "invoice_date": invoice,
                    "due_date": due,
                    "paid_date": paid if paid is not None and paid <= END else None,
                    "amount": round(float(amount), 2),
                }
            )
    return pd.DataFrame(rows)


def _interactions(prof, rng) -> pd.DataFrame:
    rows, n = [], 0
    for account_id, p in prof.iterrows():
        begin = max(pd.Timestamp("2023-11-01"), START + pd.DateOffset(months=int(p["start"])))
        stop = pd.Timestamp("2026-05-20") if account_id == "KA-008" else END
        rate = 3.0 if p["key"] else 0.4
        for month in pd.date_range(begin, stop, freq="MS"):
            for _ in range(int(rng.poisson(rate))):
                date = month + pd.Timedelta(days=int(rng.integers(0, 28)))
                if date > stop:
                    continue
                n += 1
                roles = _ROLES if account_id != "KA-003" else _ROLES[1:]  # decision maker not met
                rows.append(
                    {
                        "interaction_id": f"I{n:06d}",
                        "account_id": account_id,
                        "date": date,
                        "channel": str(rng.choice(_CHANNELS, p=[0.2, 0.35, 0.3, 0.1, 0.05])),
                        "contact_role": str(rng.choice(roles)),
                        "initiated_by": "customer" if rng.random() < 0.35 else "us",
                    }
                )
    return pd.DataFrame(rows)


def _complaints(prof, rng) -> pd.DataFrame:
    rows, n = [], 0
    categories = ["delivery", "quality", "invoice", "service"]
    for account_id, p in prof.loc[prof["key"]].iterrows():
        begin = max(pd.Timestamp("2023-11-01"), START + pd.DateOffset(months=int(p["start"])))
        rate = 0.9 if account_id == "KA-006" else 0.12
        for month in pd.date_range(begin, END, freq="MS"):
            for _ in range(int(rng.poisson(rate))):
                n += 1
                opened = month + pd.Timedelta(days=int(rng.integers(0, 28)))
                category = (
                    "delivery"
                    if account_id == "KA-006" and rng.random() < 0.7
                    else str(rng.choice(categories))
                )
                slow = 6.0 if account_id == "KA-006" else 1.0  # its complaints linger
                closed = opened + pd.Timedelta(days=int(rng.gamma(2.0, 7.0 * slow)) + 1)
                rows.append(
                    {
                        "complaint_id": f"K{n:05d}",
                        "account_id": account_id,
                        "opened_date": opened,
                        "closed_date": closed if closed <= END else None,
                        "category": category,
                        "severity": str(
                            rng.choice(
                                ["low", "medium", "high", "critical"], p=[0.4, 0.35, 0.2, 0.05]
                            )
                        ),
                    }
                )
    return pd.DataFrame(rows)


def _market(rng) -> pd.DataFrame:
    months = _months()
    years = np.arange(len(months)) / 12
    rows = []
    for segment, growth in _SEGMENT_GROWTH.items():
        volume = 5e8 * (1 + growth) ** years * rng.normal(1, 0.02, len(months))
        price = 100 * (1.025) ** years
        for month, v, pi in zip(months, volume, price, strict=True):
            rows.append(
                {
                    "date": month,
                    "segment": segment,
                    "indicator": "market_volume",
                    "value": round(float(v), 0),
                }
            )
            rows.append(
                {
                    "date": month,
                    "segment": segment,
                    "indicator": "price_index",
                    "value": round(float(pi), 2),
                }
            )
    return pd.DataFrame(rows)


def _potential(prof, monthly, rng) -> pd.DataFrame:
    rows = []
    yearly = monthly.groupby(monthly.index.year).sum()
    for account_id in prof.index:
        ratio = float(rng.uniform(1.3, 3.0))
        for year in range(2022, 2027):
            revenue = float(yearly.at[year, account_id]) if year in yearly.index else 0.0
            base = max(revenue, prof.at[account_id, "size"] * 0.5)
            rows.append(
                {
                    "account_id": account_id,
                    "year": year,
                    "wallet": round(base * ratio * (1.03 ** (year - 2022)), -2),
                }
            )
    return pd.DataFrame(rows)


def make_demo(accounts: int = 30, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Every table of the data contract, deterministic for a given ``seed``.

    Parameters
    ----------
    accounts : int, default 30
        Number of customers, at least 12 (the story accounts); about five in six are key accounts.
    seed : int, default 7
        Seed of the random generator.

    Returns
    -------
    dict of str -> pd.DataFrame
        ``accounts``, ``sales``, ``surveys``, ``deliveries``, ``invoices``, ``contracts``,
        ``prices``, ``interactions``, ``complaints``, ``market``, ``potential``.
    """
    if int(accounts) < MIN_ACCOUNTS:
        raise ValueError(
            f"'accounts' must be at least {MIN_ACCOUNTS} (the story accounts), got {accounts!r}."
        )
    rng = np.random.default_rng(seed)
    prof = _profiles(int(accounts), rng)
    monthly = _monthly_revenue(prof, rng)
    sales, prices = _sales_and_prices(prof, monthly, rng)
    contracts = _contracts(prof, rng)
    tables = {
        "accounts": pd.DataFrame(
            {
                "account_id": prof.index,
                "name": prof["name"].to_numpy(),
                "segment": prof["segment"].to_numpy(),
                "country": prof["country"].to_numpy(),
                "owner": prof["owner"].to_numpy(),
                "parent_id": prof["parent_id"].to_numpy(),
                "key_account": prof["key"].to_numpy(dtype=bool),
            }
        ),
        "sales": sales,
        "surveys": _surveys(prof, rng),
        "deliveries": _deliveries(prof, rng),
        "invoices": _invoices(prof, monthly, contracts, rng),
        "contracts": contracts,
        "prices": prices,
        "interactions": _interactions(prof, rng),
        "complaints": _complaints(prof, rng),
        "market": _market(rng),
        "potential": _potential(prof, monthly, rng),
    }
    for table in tables.values():
        for col in table.columns:
            if col.endswith("date") or col in ("valid_from", "valid_to"):
                table[col] = pd.to_datetime(table[col])
    return tables


def write_demo(out: str | Path, accounts: int = 30, seed: int = 7) -> list[Path]:
    """Write :func:`make_demo` as CSV files (dates ``YYYY-MM-DD``, empty cell = missing).

    Returns
    -------
    list of Path
        The files written.
    """
    tables = make_demo(accounts, seed)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        frame = table.copy()
        for col in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[col]):
                frame[col] = frame[col].dt.strftime("%Y-%m-%d")
            elif pd.api.types.is_bool_dtype(frame[col]):
                frame[col] = frame[col].map({True: "true", False: "false"})
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
        written.append(path)
    return written
