"""Seconds to read 1,000,000 sales lines through a sources file, from a German CSV export, an
Excel workbook and a PostgreSQL table, against DuckDB's plain CSV reader (``--data``) in the same
run.

    .venv/bin/python benchmarks/sources_speed.py [--rows 1000000]

Every run reads and validates the whole dataset (1,000 accounts and the sales lines); the
baseline is the same data as the contract's plain CSV read by ``kam validate --data``
(DuckDB, all columns as text, then the contract's checks). The PostgreSQL line needs Debian's
PostgreSQL server programs (a throwaway server is started on 127.0.0.1) and is skipped with a
message without them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kamlib.data import load_dataset
from kamlib.sources import load_sources
from kamlib.sources.exports import _german_frame, _write_csv

ACCOUNTS = 1000


def tables(rows: int) -> dict[str, pd.DataFrame]:
    """1,000 accounts and ``rows`` sales lines over five years (seeded)."""
    rng = np.random.default_rng(7)
    ids = [f"K{i:05d}" for i in range(ACCOUNTS)]
    accounts = pd.DataFrame({"account_id": ids, "name": [f"Kunde {i}" for i in range(ACCOUNTS)]})
    days = pd.Timestamp("2021-11-01") + pd.to_timedelta(rng.integers(0, 1826, rows), unit="D")
    sales = pd.DataFrame(
        {
            "date": days.sort_values(),
            "account_id": rng.choice(ids, rows),
            "net_revenue": np.round(rng.lognormal(7, 1.2, rows), 2),
            "product": rng.choice([f"Artikel {i}" for i in range(200)], rows),
            "quantity": rng.integers(1, 500, rows),
        }
    )
    return {"accounts": accounts, "sales": sales}


SPEC = """\
tables:
  accounts:
    {accounts}
    columns: {{account_id: Kundennummer, name: Kundenname}}
  sales:
    {sales}
    columns:
      date: Belegdatum
      account_id: Kundennummer
      net_revenue: Umsatz netto
      product: Artikel
      quantity: Menge
"""


def timed(label: str, load, baseline: float | None) -> float:
    start = time.perf_counter()
    dataset = load()
    seconds = time.perf_counter() - start
    ratio = "" if baseline is None else f"{seconds / baseline:8.2f}"
    rows = len(dataset.tables["sales"])
    print(f"{label:<44}{seconds:8.2f}{ratio:>10}   ({rows:,} sales lines)")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="sales lines")
    args = parser.parse_args()
    data = tables(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        plain = base / "plain"
        plain.mkdir()
        for name, table in data.items():
            frame = table.copy()
            if "date" in frame:
                frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
            frame.to_csv(plain / f"{name}.csv", index=False)
        german = base / "german"
        german.mkdir()
        for name, table in data.items():
            _write_csv(german / f"{name}.csv", _german_frame(name, table))
        (german / "kam-sources.yaml").write_text(
            "defaults: {delimiter: ';', encoding: cp1252, numbers: de, dates: ['%d.%m.%Y']}\n"
            + SPEC.format(accounts="file: accounts.csv", sales="file: sales.csv"),
            encoding="utf-8",
        )
        excel = base / "excel"
        excel.mkdir()
        start = time.perf_counter()
        write_workbook(excel / "export.xlsx", data)
        written = time.perf_counter() - start
        (excel / "kam-sources.yaml").write_text(
            SPEC.format(
                accounts="file: export.xlsx\n    sheet: accounts",
                sales="file: export.xlsx\n    sheet: sales",
            ),
            encoding="utf-8",
        )
        print(f"{'source':<44}{'seconds':>8}{'vs plain':>10}")
        baseline = timed("plain CSV, --data (DuckDB)", lambda: load_dataset(plain), None)
        timed(
            "German CSV (cp1252, ';', 1.234,56, DD.MM.YYYY)",
            lambda: load_sources(german / "kam-sources.yaml"),
            baseline,
        )
        timed(
            "Excel workbook (typed cells)",
            lambda: load_sources(excel / "kam-sources.yaml"),
            baseline,
        )
        print(f"(writing the workbook took {written:.1f} s)")
        postgres(data, base, baseline)


def write_workbook(path: Path, data: dict[str, pd.DataFrame]) -> None:
    """The tables as sheets of typed cells, row by row (xlsxwriter's constant-memory mode)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    day = book.add_format({"num_format": "dd.mm.yyyy"})
    for name, table in data.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, [_GERMAN_NAMES[c] for c in table.columns])
        dates = [i for i, c in enumerate(table.columns) if c == "date"]
        for r, row in enumerate(table.itertuples(index=False, name=None), start=1):
            for c, value in enumerate(row):
                if c in dates:
                    sheet.write_datetime(r, c, value.to_pydatetime(), day)
                else:
                    sheet.write(r, c, value.item() if hasattr(value, "item") else value)
    book.close()


_GERMAN_NAMES = {
    "account_id": "Kundennummer",
    "name": "Kundenname",
    "date": "Belegdatum",
    "net_revenue": "Umsatz netto",
    "product": "Artikel",
    "quantity": "Menge",
}


def postgres(data: dict[str, pd.DataFrame], base: Path, baseline: float) -> None:
    try:
        from tests.pg_server import find_binaries, pg_server
    except ImportError:
        print("PostgreSQL: skipped (run from a source checkout)")
        return
    if find_binaries() is None:
        print("PostgreSQL: skipped (no PostgreSQL server programs on this machine)")
        return
    import sqlalchemy as sa

    with pg_server() as server:
        engine = sa.create_engine(server.url)
        with engine.begin() as conn:
            for name, table in data.items():
                german = table.rename(columns=_GERMAN_NAMES)
                german.head(0).to_sql(name, conn, index=False)
                # COPY: the way a warehouse is filled, and fast enough for a million rows
                cursor = conn.connection.driver_connection.cursor()
                with cursor.copy(f"COPY {name} FROM STDIN (FORMAT csv)") as copy:
                    copy.write(german.to_csv(index=False, header=False, date_format="%Y-%m-%d"))
        engine.dispose()
        folder = base / "postgres"
        folder.mkdir()
        (folder / "kam-sources.yaml").write_text(
            f"connections:\n  erp: {{url: '{server.url}'}}\n"
            + SPEC.format(
                accounts="connection: erp\n    table: accounts",
                sales="connection: erp\n    table: sales",
            ),
            encoding="utf-8",
        )
        timed(
            "PostgreSQL table (typed columns)",
            lambda: load_sources(folder / "kam-sources.yaml"),
            baseline,
        )


if __name__ == "__main__":
    main()
