"""Reading datasets in the three forms of the contract, and refusing every kind of bad input."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from kamlib.data import load_dataset
from kamlib.errors import DataError

ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["001", "A.2", "b_3"],
        "name": ['Müller & Söhne <GmbH> "Nord"', "Beta", "Gamma"],
        "segment": ["Retail", None, "Pharma"],
        "key_account": ["true", "false", None],
        "notes": ["extra column", "ignored", "too"],
    }
)
SALES = pd.DataFrame(
    {
        "date": ["2025-01-15", "2025-02-15", "2025-03-15"],
        "account_id": ["001", "A.2", "b_3"],
        "net_revenue": ["100.5", "-20", "3e2"],
        "quantity": ["1", "", "2"],
    }
)


def _write(folder, tables: dict[str, pd.DataFrame], fmt: str = "csv"):
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        if fmt == "csv":
            df.to_csv(folder / f"{name}.csv", index=False)
        else:
            df.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def _check(ds):
    acc, sales = ds.get("accounts"), ds.get("sales")
    assert acc["account_id"].tolist() == ["001", "A.2", "b_3"]  # ids stay text, zeros kept
    assert acc["name"][0] == 'Müller & Söhne <GmbH> "Nord"'
    assert acc["key_account"].tolist() == [True, False, False]  # empty cell = not key
    assert "notes" not in acc.columns
    assert sales["net_revenue"].tolist() == [100.5, -20.0, 300.0]
    assert str(sales["date"].dtype) == "datetime64[ns]"
    assert sales["quantity"].isna().tolist() == [False, True, False]
    assert ds.account_ids(key_only=True) == ["001"]
    assert not ds.has("surveys") and ds.get("surveys") is None


def test_csv_folder(tmp_path):
    ds = load_dataset(_write(tmp_path / "d", {"accounts": ACCOUNTS, "sales": SALES}))
    _check(ds)
    assert len(ds.fingerprint) == 16


def test_parquet_folder_with_native_types(tmp_path):
    sales = SALES.assign(
        date=pd.to_datetime(SALES["date"]),
        net_revenue=pd.to_numeric(SALES["net_revenue"]),
        quantity=pd.to_numeric(SALES["quantity"]),
    )
    accounts = ACCOUNTS.assign(key_account=[True, False, None])
    _check(load_dataset(_write(tmp_path / "p", {"accounts": accounts, "sales": sales}, "parquet")))


def test_duckdb_file(tmp_path):
    path = tmp_path / "company.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table accounts as select * from ACCOUNTS")
    con.execute(
        "create table sales as select cast(date as date) as date, account_id, "
        "cast(net_revenue as double) as net_revenue, "
        "try_cast(quantity as double) as quantity from SALES"
    )
    con.close()
    _check(load_dataset(path))


def _problems(tmp_path, accounts=ACCOUNTS, sales=SALES, **others) -> str:
    tables = {"accounts": accounts, "sales": sales, **others}
    folder = _write(tmp_path / "bad", {k: v for k, v in tables.items() if v is not None})
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    return str(info.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s: s.drop(columns="net_revenue"),
            ["sales, column 'net_revenue'", "required column is missing"],
        ),
        (
            lambda s: s.assign(date=["2025-01-15", "15.02.2025", "2025-02-30"]),
            ["sales, column 'date'", "2 value(s) are not dates", "rows 2, 3", "'15.02.2025'"],
        ),
        (
            lambda s: s.assign(net_revenue=["1", "lots", "3"]),
            ["column 'net_revenue'", "row 2", "'lots'"],
        ),
        (
            lambda s: s.assign(account_id=["001", "ZZZ", "b_3"]),
            ["refer to accounts that do not exist", "row 2", "'ZZZ'"],
        ),
        (
            lambda s: s.assign(account_id=["001", None, "b_3"]),
            ["column 'account_id'", "required value(s) are missing", "row 2"],
        ),
    ],
)
def test_bad_sales(tmp_path, change, expected):
    message = _problems(tmp_path, sales=change(SALES.copy()))
    for part in expected:
        assert part in message, message


def test_duplicate_key_and_account_id_that_is_a_path(tmp_path):
    accounts = ACCOUNTS.assign(account_id=["001", "../etc/passwd", "001"])
    message = _problems(tmp_path, accounts=accounts)
    assert "accounts, column 'account_id'" in message
    assert "rows 1, 3" in message and "unique" in message
    assert "row 2: '../etc/passwd'" in message


def test_score_out_of_range_bad_enum_and_backward_interval(tmp_path):
    surveys = pd.DataFrame(
        {
            "response_id": ["r1", "r2", "r3"],
            "account_id": ["001"] * 3,
            "date": ["2025-01-01"] * 3,
            "nps": ["11", "5", "7.5"],
            "csat": ["0", "3", "5"],
            "rating_delivery": ["6", "", "2"],
        }
    )
    complaints = pd.DataFrame(
        {
            "complaint_id": ["k1", "k2"],
            "account_id": ["001", "A.2"],
            "opened_date": ["2025-02-01", "2025-02-01"],
            "closed_date": ["2025-01-01", ""],
            "severity": ["urgent", "High"],
        }
    )
    message = _problems(tmp_path, surveys=surveys, complaints=complaints)
    for part in [
        "surveys, column 'nps'",
        "between 0 and 10 (row 1: '11')",
        "not whole numbers (row 3: '7.5')",
        "surveys, column 'csat'",
        "surveys, column 'rating_delivery'",
        "complaints, column 'closed_date'",
        "lie before opened_date",
        "complaints, column 'severity'",
        "'urgent'",
    ]:
        assert part in message, (part, message)
    assert "'High'" not in message  # case-insensitive: high is allowed


def test_missing_and_empty_required_tables(tmp_path):
    message = _problems(tmp_path, sales=None)
    assert "sales: required table is missing" in message
    message = _problems(tmp_path / "2", sales=SALES.iloc[0:0])
    assert "sales: required table has no data rows" in message


def test_unreadable_inputs(tmp_path):
    folder = _write(tmp_path / "u", {"accounts": ACCOUNTS, "sales": SALES})
    (folder / "sales.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match="found both sales.csv and sales.parquet"):
        load_dataset(folder)
    (folder / "sales.parquet").unlink()
    (folder / "sales.csv").write_bytes(b"date,account_id,net_revenue\n\xff\xfe,001,1\n")
    with pytest.raises(DataError, match="sales"):
        load_dataset(folder)
    with pytest.raises(DataError, match="no such folder"):
        load_dataset(tmp_path / "nowhere")
    with pytest.raises(DataError, match="not a readable DuckDB"):
        bad = tmp_path / "x.duckdb"
        bad.write_text("hello")
        load_dataset(bad)


def test_every_problem_at_once(tmp_path):
    sales = SALES.assign(date=["x", "2025-01-01", "y"], account_id=["001", "nope", "b_3"])
    surveys = pd.DataFrame(
        {"response_id": ["r1"], "account_id": ["001"], "date": ["2025-01-01"], "csat": ["9"]}
    )
    message = _problems(tmp_path, sales=sales, surveys=surveys)
    assert message.count("\n  - ") == 3
    assert "rows 1, 3" in message and "'nope'" in message and "csat" in message
