"""A company's exports read through a sources file give exactly the plain data: the demo data as
German CSV, DATEV-style and Excel exports, and the problems of real exports named in the user's
own terms."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kamlib.cli import app
from kamlib.components import KPI_COLUMNS
from kamlib.context import ParamsStore, resolve_as_of
from kamlib.data import from_frames, load_dataset
from kamlib.demo import make_demo, write_demo
from kamlib.errors import DataError
from kamlib.kpis import compute
from kamlib.sources import SourcesError, load_sources
from kamlib.sources.exports import FORMATS, write_export


def _kpis_csv(dataset) -> str:
    """``kpis.csv`` as ``kam report`` writes it."""
    when = resolve_as_of(dataset, None)
    kpis = compute(dataset, when, ParamsStore(None))
    return kpis.reset_index()[KPI_COLUMNS].to_csv(index=False, lineterminator="\n")


@pytest.fixture(scope="module")
def plain():
    return from_frames(make_demo(), source="demo")


@pytest.mark.parametrize("kind", FORMATS)
def test_an_export_gives_exactly_the_plain_tables_and_kpis(kind, plain, tmp_path):
    files = write_export(tmp_path, kind)
    dataset = load_sources(files[-1])
    assert sorted(dataset.tables) == sorted(plain.tables)
    for name, table in plain.tables.items():
        read = dataset.tables[name][list(table.columns)]
        if kind == "datev" and name == "accounts":
            # derived from the sales lines: in the order of the customer number
            table = table.sort_values("account_id")
        pd.testing.assert_frame_equal(
            read.reset_index(drop=True),
            table.reset_index(drop=True),
            check_dtype=False,
            obj=f"{kind} {name}",
        )
    if kind == "datev":
        # accounts in another order sum the company's revenue in another order: shares may
        # differ in the 16th digit, nothing else
        read, expected = (
            pd.read_csv(io.StringIO(_kpis_csv(d))).sort_values("account_id", ignore_index=True)
            for d in (dataset, plain)
        )
        pd.testing.assert_frame_equal(read, expected, check_exact=False, rtol=1e-12)
    else:
        assert _kpis_csv(dataset) == _kpis_csv(plain)


def test_the_exports_are_what_they_claim_to_be(tmp_path):
    write_export(tmp_path / "de", "de-csv")
    sales = (tmp_path / "de" / "Umsatz_2022.csv").read_bytes()
    header = sales.decode("cp1252").splitlines()[0]
    assert header.startswith("Belegdatum;Kundennummer;Umsatz netto")
    with pytest.raises(UnicodeDecodeError):
        (tmp_path / "de" / "Kunden.csv").read_bytes().decode("utf-8")  # Ölwerk in cp1252
    assert "31.12.9999" in (tmp_path / "de" / "Vertraege.csv").read_text(encoding="cp1252")
    write_export(tmp_path / "datev", "datev")
    lines = (tmp_path / "datev" / "Umsatz_2022.csv").read_text(encoding="cp1252").splitlines()
    assert lines[0].startswith('"EXTF";700') and lines[1].startswith("Belegdatum;")
    assert lines[-1].split(";")[1] == "" and "Summe 2022" in lines[-1]  # the total line
    assert not (tmp_path / "datev" / "Kunden.csv").exists()


def test_kam_validate_and_report_read_a_sources_file(tmp_path):
    files = write_export(tmp_path / "datev", "datev")
    runner = CliRunner()
    done = runner.invoke(app, ["validate", "--sources", str(files[-1])])
    assert done.exit_code == 0, done.output
    assert "valid (" in done.output and "accounts 30" in done.output
    done = runner.invoke(app, ["validate", "--data", str(tmp_path), "--sources", str(files[-1])])
    assert done.exit_code == 2 and "--data PATH" in done.output
    # the export folder given as --data: the sources file beside the exports is named
    done = runner.invoke(app, ["validate", "--data", str(tmp_path / "datev")])
    assert done.exit_code == 1 and f"--sources {files[-1]}" in done.output


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _minimal(folder: Path, sales: str, sales_spec: str, encoding: str = "cp1252") -> Path:
    """A sources file with an accounts file and the given sales file and its spec."""
    _write(folder / "Kunden.csv", "Kundennr;Name\n007;Müller GmbH\n008;Özdemir KG\n", "cp1252")
    _write(folder / "Umsatz.csv", sales, encoding)
    return _write(
        folder / "kam-sources.yaml",
        "defaults: {delimiter: ';', encoding: cp1252, numbers: de, dates: ['%d.%m.%Y']}\n"
        "tables:\n"
        "  accounts:\n    file: Kunden.csv\n    columns: {account_id: Kundennr, name: Name}\n"
        f"  sales:\n    file: Umsatz.csv\n{sales_spec}",
    )


SALES_COLUMNS = "    columns: {date: Datum, account_id: Kunde, net_revenue: Umsatz}\n"


def test_german_numbers_ids_and_trailing_minus_read_right(tmp_path):
    sources = _minimal(
        tmp_path,
        "Datum;Kunde;Umsatz\n27.01.2024;007;1.234,56\n28.01.2024;008;100,20-\n"
        "29.01.2024;007;1.234\n",
        "    format: {trailing_minus: true}\n" + SALES_COLUMNS,
    )
    sales = load_sources(sources).tables["sales"]
    assert sales["account_id"].tolist() == ["007", "007", "008"] or sales[
        "account_id"
    ].tolist() == ["007", "008", "007"]
    # by hand: 1.234,56 = 1234.56; 100,20- = -100.2; 1.234 (German) = 1234
    assert sales["net_revenue"].tolist() == [1234.56, -100.2, 1234.0]
    assert sales["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-27",
        "2024-01-28",
        "2024-01-29",
    ]


def test_an_ambiguous_number_is_refused_with_the_users_line_and_column(tmp_path):
    sources = _minimal(
        tmp_path,
        "Datum;Kunde;Umsatz\n27.01.2024;007;1.5\n28.01.2024;008;2,5\n",
        SALES_COLUMNS,
    )
    with pytest.raises(DataError) as err:
        load_sources(sources)
    text = str(err.value)
    # 1.5 is neither 15 nor 1.5 under German numbers: refused, on line 2 of the file
    assert "sales (Umsatz.csv), column 'Umsatz' (net_revenue)" in text
    assert "Umsatz.csv line 2: '1.5'" in text and "1.234,56" in text


def test_a_missing_column_suggests_the_closest_and_a_date_error_names_the_row(tmp_path):
    sources = _minimal(
        tmp_path,
        "Datum;KUNDE;Umsatz\n31.02.2024;007;1,5\n",
        SALES_COLUMNS,
    )
    with pytest.raises(DataError) as err:
        load_sources(sources)
    text = str(err.value)
    assert "the source has no column 'Kunde'" in text and "did you mean 'KUNDE'?" in text
    assert "Umsatz.csv line 2: '31.02.2024'" in text and "dates as DD.MM.YYYY" in text


def test_validation_problems_name_the_users_rows(tmp_path):
    sources = _minimal(
        tmp_path,
        "Datum;Kunde;Umsatz\n27.01.2024;007;1,5\n28.01.2024;999;2,5\n",
        SALES_COLUMNS,
    )
    with pytest.raises(DataError) as err:
        load_sources(sources)
    # the contract's check (an unknown account), named as the user sees the file
    assert "sales (Umsatz.csv), column 'Kunde' (account_id): 1 row(s) refer to accounts" in str(
        err.value
    )
    assert "Umsatz.csv line 3: '999'" in str(err.value)


def test_a_utf8_file_read_as_declared_cp1252_and_a_wrong_delimiter_are_explained(tmp_path):
    sources = _minimal(
        tmp_path,
        'Datum,Kunde,Umsatz\n27.01.2024,007,"1,5"\n',
        SALES_COLUMNS,
    )
    with pytest.raises(SourcesError, match=r"looks ','-separated: set format.delimiter: ','"):
        load_sources(sources)
    _write(tmp_path / "Umsatz.csv", "Datum;Kunde;Umsatz\n27.01.2024;007;1,5 €\n", "utf-8")
    spec = (
        (tmp_path / "kam-sources.yaml").read_text().replace("encoding: cp1252", "encoding: utf-8")
    )
    (tmp_path / "kam-sources.yaml").write_text(spec)
    _write(tmp_path / "Kunden.csv", "Kundennr;Name\n007;Müller GmbH\n", "cp1252")
    with pytest.raises(SourcesError, match=r"Kunden.csv: not utf-8 .*format.encoding: cp1252"):
        load_sources(sources)


def test_where_and_an_expression_cannot_reach_outside_the_source(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("x\n1\n")
    for expr in (
        f"(select count(*) from read_csv('{secret}'))",
        "1; drop table x",
        f"len(read_text('{secret}'))",
    ):
        sources = _minimal(
            tmp_path,
            "Datum;Kunde;Umsatz\n27.01.2024;007;1,5\n",
            f'    columns: {{date: Datum, account_id: Kunde, net_revenue: {{expr: "{expr}"}}}}\n',
        )
        with pytest.raises(DataError, match="is not a simple expression|cannot be computed"):
            load_sources(sources)


def test_a_computed_column_and_a_constant(tmp_path):
    sources = _minimal(
        tmp_path,
        "Datum;Kunde;Menge;Einzelpreis\n27.01.2024;007;3;2,50\n28.01.2024;008;2;1.000,00\n",
        "    columns:\n      date: Datum\n      account_id: Kunde\n"
        "      net_revenue: {expr: 'Menge * Einzelpreis'}\n      product: {value: Service}\n",
    )
    sales = load_sources(sources).tables["sales"]
    # by hand: 3 x 2,50 = 7.5; 2 x 1.000,00 = 2000
    assert sorted(sales["net_revenue"].tolist()) == [7.5, 2000.0]
    assert set(sales["product"]) == {"Service"}


def test_plain_data_explains_a_german_export(tmp_path):
    write_demo(tmp_path)
    german = write_export(tmp_path / "de", "de-csv")
    (tmp_path / "sales.csv").write_bytes((tmp_path / "de" / "Umsatz_2022.csv").read_bytes())
    (tmp_path / "accounts.csv").write_bytes((tmp_path / "de" / "Kunden.csv").read_bytes())
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    text = str(err.value)
    assert "accounts.csv is not UTF-8" in text and "format.encoding: cp1252" in text
    assert german[-1].name == "kam-sources.yaml"


def test_a_header_in_other_case_is_suggested_on_plain_data(tmp_path):
    write_demo(tmp_path)
    accounts = (tmp_path / "accounts.csv").read_text().replace("account_id", "Account_ID", 1)
    (tmp_path / "accounts.csv").write_text(accounts)
    with pytest.raises(DataError, match="did you mean 'Account_ID'"):
        load_dataset(tmp_path)


def test_open_ended_dates_as_erps_write_them(tmp_path):
    write_demo(tmp_path)
    contracts = pd.read_csv(tmp_path / "contracts.csv", dtype=str, keep_default_na=False)
    prices = pd.read_csv(tmp_path / "prices.csv", dtype=str, keep_default_na=False)
    open_contracts = contracts["end_date"] == ""
    open_prices = prices["valid_to"] == ""
    assert open_contracts.any() and open_prices.any()
    before = load_dataset(tmp_path)
    contracts.loc[open_contracts, "end_date"] = "9999-12-31"
    prices.loc[open_prices, "valid_to"] = "9999-12-31"
    contracts.to_csv(tmp_path / "contracts.csv", index=False)
    prices.to_csv(tmp_path / "prices.csv", index=False)
    after = load_dataset(tmp_path)
    for name in ("contracts", "prices"):
        pd.testing.assert_frame_equal(after.tables[name], before.tables[name])
    # only an end date: a start in the year 9999 is still refused
    contracts.loc[0, "start_date"] = "9999-12-31"
    contracts.to_csv(tmp_path / "contracts.csv", index=False)
    with pytest.raises(DataError, match="start_date"):
        load_dataset(tmp_path)


def test_the_readme_example_is_a_valid_sources_file(tmp_path):
    from kamlib.sources import read_sources_file
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```yaml\n# kam-sources.yaml") + len("```yaml\n")
    example = readme[start:].split("```", 1)[0]
    (tmp_path / "kam-sources.yaml").write_text(example, encoding="utf-8")
    sources = read_sources_file(tmp_path / "kam-sources.yaml")
    assert sources.tables["accounts"].derived_from == "sales"
    assert sources.connections["warehouse"].password_env == "KAM_WAREHOUSE_PASSWORD"


def test_a_mistake_in_the_sources_file_names_its_key(tmp_path):
    path = tmp_path / "kam-sources.yaml"
    path.write_text(
        "tables:\n  sales:\n    file: a.csv\n    format: {numbers: german}\n"
        "    columns: {date: Datum, revenue: Umsatz}\n  offers:\n    file: b.csv\n"
        "    columns: {x: y}\n",
        encoding="utf-8",
    )
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    text = str(err.value)
    assert "tables.sales.format.numbers" in text and "'de', 'en' or 'plain'" in text


def test_a_required_column_without_a_source_column_is_named(tmp_path):
    sources = _minimal(
        tmp_path,
        "Datum;Kunde;Umsatz\n27.01.2024;007;1,5\n",
        "    columns: {date: Datum, account_id: Kunde}\n",
    )
    with pytest.raises(DataError) as err:
        load_sources(sources)
    text = str(err.value)
    assert "column 'net_revenue': required, and no column of the source is given for it" in text
    assert "tables.sales.columns.net_revenue" in text and text.count("net_revenue") == 2
