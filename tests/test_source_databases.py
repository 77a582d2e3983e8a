"""The demo data read from a real PostgreSQL server through a sources file gives exactly the
plain tables and ``kpis.csv``; a real Excel export of a wholesaler's invoice lines reads with a
sources file of a dozen lines; DuckDB never loads an extension on its own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa

from kamlib.data import DUCKDB_CONFIG, connect, from_frames
from kamlib.demo import make_demo
from kamlib.sources import load_sources
from kamlib.sources.exports import FILE_NAMES, GERMAN
from tests.test_source_exports import _kpis_csv

DATA = Path(__file__).parent / "data"
PASSWORD_ENV = "KAM_TEST_DB_PASSWORD"


@pytest.fixture(scope="module")
def erp(postgres):
    """The demo data as an ERP's tables: German table and column names, typed columns, "no
    end" as 9999-12-31 and a schema of its own."""
    engine = sa.create_engine(postgres.url)
    tables = make_demo()
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS erp CASCADE; CREATE SCHEMA erp")
        for name, table in tables.items():
            frame = table.rename(columns=GERMAN[name])
            types = {}
            for column, end in (("contracts", "end_date"), ("prices", "valid_to")):
                if name == column:
                    german = GERMAN[name][end]
                    frame[german] = [
                        dt.date(9999, 12, 31) if pd.isna(v) else v.date() for v in table[end]
                    ]
                    types[german] = sa.Date()
            frame.to_sql(FILE_NAMES[name], conn, schema="erp", index=False, dtype=types)
    engine.dispose()
    yield postgres
    engine = sa.create_engine(postgres.url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA erp CASCADE")
    engine.dispose()


def test_postgres_gives_exactly_the_plain_tables_and_kpis(erp, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "any-password")  # trust authentication: any is accepted
    lines = [
        "connections:",
        "  erp:",
        f"    url: {erp.url}",
        f"    password_env: {PASSWORD_ENV}",
        "tables:",
    ]
    for name in GERMAN:
        columns = ", ".join(f"{c}: {g!r}" for c, g in GERMAN[name].items())
        lines += [
            f"  {name}:",
            "    connection: erp",
            f"    table: erp.{FILE_NAMES[name]}",
            f"    columns: {{{columns}}}",
        ]
    sources = tmp_path / "kam-sources.yaml"
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dataset = load_sources(sources)
    plain = from_frames(make_demo())
    for name, table in plain.tables.items():
        # a database returns a table's rows in an order of its choosing (a parallel scan
        # mixes them): compare the rows, not their order
        columns = list(table.columns)
        pd.testing.assert_frame_equal(
            dataset.tables[name][columns].sort_values(columns, ignore_index=True),
            table.sort_values(columns, ignore_index=True),
            check_dtype=False,
            obj=name,
        )
    assert _kpis_csv(dataset) == _kpis_csv(plain)


WHOLESALER = """\
# UCI Online Retail II: a wholesaler's invoice lines, one sheet per year
tables:
  sales:
    file: online_retail_II_excerpt.xlsx
    sheets: [Year 2009-2010, Year 2010-2011]
    where: '"Customer ID" IS NOT NULL'
    columns:
      date: InvoiceDate
      account_id: Customer ID
      product: Description
      quantity: Quantity
      net_revenue: {expr: Quantity * Price}
  accounts:
    from: sales
    columns: {account_id: Customer ID, name: Customer ID, country: Country}
"""


def test_a_real_wholesalers_excel_export_reads_with_a_dozen_lines(tmp_path):
    """The first 499 invoice lines of each sheet of UCI's Online Retail II (Chen 2019, CC BY
    4.0): typed cells, customer numbers stored as numbers, times in the dates, cancellations
    with negative quantities, lines without a customer."""
    (tmp_path / "online_retail_II_excerpt.xlsx").write_bytes(
        (DATA / "online_retail_II_excerpt.xlsx").read_bytes()
    )
    sources = tmp_path / "kam-sources.yaml"
    sources.write_text(WHOLESALER, encoding="utf-8")
    dataset = load_sources(sources)
    sales, accounts = dataset.tables["sales"], dataset.tables["accounts"]
    # the sheet's first line: invoice 489434, 12 x 6.95 GBP for customer 13085 on 1 Dec 2009
    first = sales.iloc[0]
    assert (first["account_id"], first["quantity"]) == ("13085", 12.0)
    assert first["net_revenue"] == pytest.approx(83.4)  # 12 x 6.95
    assert first["date"] == pd.Timestamp("2009-12-01")  # 07:45 dropped: a day
    # recomputed from the workbook's cells, independently of kam
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(DATA / "online_retail_II_excerpt.xlsx"))
    rows = [
        r
        for sheet in book.sheet_names
        for r in book.get_sheet_by_name(sheet).to_python()[1:]
        if r[6] != ""
    ]
    assert len(sales) == len(rows)
    assert sales["net_revenue"].sum() == pytest.approx(sum(r[3] * r[5] for r in rows))
    customers = {str(int(r[6])) for r in rows}
    assert sorted(accounts["account_id"]) == sorted(customers)
    assert accounts.set_index("account_id").loc["13085", "country"] == "United Kingdom"
    assert (sales["net_revenue"] < 0).any()  # cancellations stay negative


def test_duckdb_never_installs_or_loads_an_extension_on_its_own():
    con = connect()
    settings = dict(
        con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('autoinstall_known_extensions', 'autoload_known_extensions')"
        ).fetchall()
    )
    assert settings == {
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }
    assert DUCKDB_CONFIG == {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    # a function of an extension that is not built in is refused, not fetched
    with pytest.raises(duckdb.Error, match="(?i)extension|not.*(found|exist)"):
        con.execute("SELECT * FROM read_xlsx('book.xlsx')")
    built_in = {
        r[0]
        for r in con.execute(
            "SELECT extension_name FROM duckdb_extensions() WHERE loaded"
        ).fetchall()
    }
    assert {"parquet"} <= built_in
    con.close()


def test_every_duckdb_connection_of_kam_is_made_by_connect():
    """No module opens DuckDB any other way (the settings above would be lost)."""
    root = Path(__file__).resolve().parents[1] / "kamlib"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "duckdb.connect(" in p.read_text(encoding="utf-8") and p.name != "data.py"
    ]
    assert offenders == []
