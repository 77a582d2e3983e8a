"""``kam sources init``: a sources file proposed from the exports in a folder."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
import yaml
from typer.testing import CliRunner

from kamlib.cli import app
from kamlib.sources import load_sources
from kamlib.sources.model import SourcesError, read_sources_file
from kamlib.sources.propose import _numbers, make_proposal, normalise, propose

GERMAN_SALES = (
    "Kundennummer;Belegdatum;Artikel;Menge;Umsatz\r\n"
    "10001;15.01.2024;Schlüssel A;5;1.234,56\r\n"
    "10002;03.02.2024;Türgriff;12;980,00\r\n"
    "10001;28.02.2024;Schlüssel A;1;-45,10\r\n"
    "10003;13.03.2024;Schließzylinder;2;17,50\r\n"
)


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def _save(folder: Path, text: str) -> Path:
    path = folder / "kam-sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_normalise_folds_case_umlauts_and_punctuation():
    assert normalise("Kunden-Nr.") == "kundennr"
    assert normalise("Fällig am") == "faelligam"
    assert normalise(" Customer_ID ") == "customerid"


def test_german_sales_file(tmp_path):
    _write(tmp_path, "Umsatz.csv", GERMAN_SALES, "cp1252")
    proposal = make_proposal(tmp_path)
    raw = yaml.safe_load(proposal.text)
    assert raw["defaults"] == {
        "delimiter": ";",
        "encoding": "cp1252",
        "numbers": "de",
        "dates": ["%d.%m.%Y"],
    }
    assert raw["tables"]["sales"] == {
        "file": "Umsatz.csv",
        "columns": {
            "date": "Belegdatum",
            "account_id": "Kundennummer",
            "net_revenue": "Umsatz",
            "product": "Artikel",
            "quantity": "Menge",
        },
    }
    # no file of customers: the customers of the sales lines, the number standing in as name
    assert raw["tables"]["accounts"] == {
        "from": "sales",
        "columns": {"account_id": "Kundennummer", "name": "Kundennummer"},
    }
    assert "# check: no customer name found" in proposal.text
    assert proposal.questions == []
    assert proposal.tables == {"sales": "Umsatz.csv", "accounts": "from sales"}

    # accepted as it is, and it reads the data right
    sources = read_sources_file(_save(tmp_path, proposal.text))
    assert sources.tables["accounts"].derived_from == "sales"
    sales = load_sources(tmp_path / "kam-sources.yaml").get("sales")
    assert sales["net_revenue"].tolist() == [1234.56, 980.0, -45.10, 17.50]
    assert sales["date"].iloc[1] == pd.Timestamp("2024-02-03")


def test_names_and_countries_of_the_sales_lines_make_the_accounts(tmp_path):
    _write(
        tmp_path,
        "Verkauf.csv",
        "Kunden-Nr;Kundenname;Land;Rechnungsdatum;Nettoumsatz\n"
        "K1;Müller GmbH;DE;2024-01-15;10.5\n"
        "K2;Schmidt & Söhne;AT;2024-02-01;1,200.75\n",
    )
    raw = yaml.safe_load(propose(tmp_path))
    assert raw["defaults"]["numbers"] == "en"
    assert raw["defaults"]["dates"] == ["%Y-%m-%d"]
    assert raw["tables"]["accounts"]["columns"] == {
        "account_id": "Kunden-Nr",
        "name": "Kundenname",
        "country": "Land",
    }
    dataset = load_sources(_save(tmp_path, propose(tmp_path)))
    assert dataset.get("accounts")["name"].tolist() == ["Müller GmbH", "Schmidt & Söhne"]


def test_a_folder_of_german_exports(tmp_path):
    files = {
        "Kunden.csv": "Kundennummer;Firma;Branche;Land;Betreuer\n"
        "10001;Müller GmbH;Maschinenbau;DE;Anna\n10002;Schmidt AG;Chemie;AT;Ben\n",
        "Umsatz.csv": "Kundennummer;Belegdatum;Umsatz\n"
        "10001;15.01.2024;1.234,56\n10002;16.01.2024;99,90\n",
        "Umfrage_2024.csv": "Antwort-ID;Kundennummer;Antwortdatum;NPS;Zufriedenheit;"
        "Bewertung Lieferung;Kommentar\nA1;10001;20.01.2024;9;4,5;4;gut\n",
        "Offene_Posten.csv": "Rechnungsnummer;Kundennummer;Rechnungsdatum;Fällig am;"
        "Bezahlt am;Rechnungsbetrag\nR1;10001;15.01.2024;14.02.2024;;1.234,56\n"
        "R2;10002;16.01.2024;15.02.2024;20.02.2024;99,90\n",
    }
    for name, text in files.items():
        _write(tmp_path, name, text, "cp1252")
    raw = yaml.safe_load(propose(tmp_path))
    assert list(raw["tables"]) == ["accounts", "sales", "surveys", "invoices"]
    assert raw["tables"]["accounts"]["columns"] == {
        "account_id": "Kundennummer",
        "name": "Firma",
        "segment": "Branche",
        "country": "Land",
        "owner": "Betreuer",
    }
    assert raw["tables"]["surveys"]["columns"]["rating_lieferung"] == "Bewertung Lieferung"
    assert raw["tables"]["invoices"]["columns"]["due_date"] == "Fällig am"
    assert raw["tables"]["invoices"]["columns"]["paid_date"] == "Bezahlt am"
    dataset = load_sources(_save(tmp_path, propose(tmp_path)))
    assert dataset.get("invoices")["amount"].tolist() == [1234.56, 99.9]
    assert dataset.get("surveys")["csat"].tolist() == [4.5]


def test_datev_line_before_the_header(tmp_path):
    _write(
        tmp_path,
        "EXTF_Buchungsstapel.csv",
        '"EXTF";700;21;"Buchungsstapel";13;20240130093000000;;"";"";"";12345;67890;20240101;4\n'
        "Umsatz;Soll/Haben-Kennzeichen;Kundennummer;Belegdatum;Buchungstext;Kostenstelle\n"
        "1.234,56;S;10001;15.01.2024;Rechnung 1;100\n"
        "99,90;H;10002;16.01.2024;Gutschrift;100\n",
        "cp1252",
    )
    text = propose(tmp_path)
    raw = yaml.safe_load(text)
    assert raw["defaults"]["skip_lines"] == 1
    assert raw["defaults"]["delimiter"] == ";"
    assert raw["tables"]["sales"]["columns"]["date"] == "Belegdatum"
    assert "the sign may be in column 'Soll/Haben-Kennzeichen'" in text
    sales = load_sources(_save(tmp_path, text)).get("sales")
    assert sales["account_id"].tolist() == ["10001", "10002"]


def test_amounts_that_read_both_ways_are_asked(tmp_path):
    _write(
        tmp_path,
        "Umsatz.csv",
        "Kundennummer;Kundenname;Datum;Betrag\n"
        "10001;Müller GmbH;02.01.2024;1.234\n"
        "10002;Schmidt AG;15.01.2024;2.500\n",
    )
    proposal = make_proposal(tmp_path)
    assert "numbers: ASK  # set de (1.234 = 1234) or en (1.234 = 1.234)" in proposal.text
    assert proposal.questions == [
        "defaults.numbers: the values of Betrag fit de (1.234 = 1234) and en (1.234 = 1.234)"
    ]
    path = _save(tmp_path, proposal.text)
    with pytest.raises(SourcesError, match="defaults.numbers"):
        read_sources_file(path)

    path.write_text(proposal.text.replace("numbers: ASK", "numbers: de"), encoding="utf-8")
    assert read_sources_file(path).defaults.numbers == "de"
    sales = load_sources(path).get("sales")
    assert sales["net_revenue"].tolist() == [1234.0, 2500.0]


@pytest.mark.parametrize(
    ("values", "style", "trailing"),
    [
        (["1.234,56", "12,5"], "de", False),
        (["1.234", "12,5"], "de", False),  # one file, one style: 12,5 settles 1.234
        (["1,234.56", "12.5"], "en", False),
        (["12.5", "3"], "en", False),
        (["1234", "7"], "plain", False),
        (["100,20-", "1.000,00"], "de", True),
        (["1.234", "2.500"], "ASK", False),
        (["1,234", "2,500"], "ASK", False),
        (["1.5", "1,5"], "ASK", False),  # no one style reads both
    ],
)
def test_number_styles(values, style, trailing):
    setting, minus = _numbers(pd.Series(values, dtype=object), "Umsatz")
    assert (setting.value, minus) == (style, trailing)


def test_slashed_dates_with_small_days_are_asked(tmp_path):
    _write(
        tmp_path,
        "sales.csv",
        "Customer ID,Invoice Date,Revenue\nC1,01/02/2024,10\nC2,03/04/2024,20\n",
    )
    proposal = make_proposal(tmp_path)
    assert yaml.safe_load(proposal.text)["defaults"]["dates"] == "ASK"
    assert "every day in Invoice Date is 12 or less" in proposal.text
    path = _save(tmp_path, proposal.text)
    with pytest.raises(SourcesError, match="defaults.dates"):
        read_sources_file(path)
    # a day above 12 settles the order
    _write(tmp_path, "sales.csv", "Customer ID,Invoice Date,Revenue\nC1,01/25/2024,10\n")
    assert yaml.safe_load(propose(tmp_path))["defaults"]["dates"] == ["%m/%d/%Y"]


def test_english_workbook(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "Receivables.xlsx"))
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Invoices")
    sheet.write_row(
        0, 0, ["Invoice Number", "Customer ID", "Invoice Date", "Due Date", "Paid On", "Amount"]
    )
    rows = [
        ("INV-1", "C001", datetime.date(2024, 1, 5), datetime.date(2024, 2, 4), 1200.5),
        ("INV-2", "C002", datetime.date(2024, 1, 9), datetime.date(2024, 2, 8), 80.0),
    ]
    for i, (number, customer, issued, due, amount) in enumerate(rows, start=1):
        sheet.write_row(i, 0, [number, customer])
        sheet.write_datetime(i, 2, datetime.datetime.combine(issued, datetime.time()), day)
        sheet.write_datetime(i, 3, datetime.datetime.combine(due, datetime.time()), day)
        sheet.write_number(i, 5, amount)
    book.add_worksheet("Notes").write(0, 0, "prepared by finance")
    book.close()

    proposal = make_proposal(tmp_path)
    raw = yaml.safe_load(proposal.text)
    assert raw["tables"] == {
        "invoices": {
            "file": "Receivables.xlsx",
            "sheet": "Invoices",
            "columns": {
                "invoice_id": "Invoice Number",
                "account_id": "Customer ID",
                "invoice_date": "Invoice Date",
                "due_date": "Due Date",
                "paid_date": "Paid On",
                "amount": "Amount",
            },
        }
    }
    # typed cells need no number or date format
    assert "defaults" not in raw
    assert proposal.unused == [
        "Receivables.xlsx, sheet 'Notes': no table of the contract recognised"
    ]
    assert "# not used:" in proposal.text
    read_sources_file(_save(tmp_path, proposal.text))


def test_files_of_one_layout_are_appended_and_totals_lines_dropped(tmp_path):
    header = "Customer No,Order Date,Net Revenue,Qty\n"
    _write(tmp_path, "sales_2023.csv", header + "1001,2023-12-01,99.00,3\n")
    _write(tmp_path, "sales_2024.csv", header + '1001,2024-02-01,"1,200.50",3\n,,"1,299.50",\n')
    _write(tmp_path, "readme.txt", "Exports of March\n")
    proposal = make_proposal(tmp_path)
    sales = yaml.safe_load(proposal.text)["tables"]["sales"]
    assert sales["files"] == ["sales_2023.csv", "sales_2024.csv"]
    assert sales["where"] == "Customer No <> ''"
    assert proposal.unused[0].startswith("readme.txt: no columns found")
    dataset = load_sources(_save(tmp_path, proposal.text))
    assert dataset.get("sales")["net_revenue"].tolist() == [99.0, 1200.5]


def test_missing_required_column_is_named(tmp_path):
    _write(tmp_path, "Umsatz.csv", "Kundennummer;Umsatz\n10001;12,50\n")
    text = propose(tmp_path)
    assert "# not found: date (required)" in text
    assert read_sources_file(_save(tmp_path, text)).tables["sales"].columns == {
        "account_id": "Kundennummer",
        "net_revenue": "Umsatz",
    }


def test_awkward_names_are_quoted(tmp_path):
    _write(
        tmp_path,
        "Umsatz #1.csv",
        "Kundennummer;Datum: Beleg;Umsatz (EUR);Menge%\n10001;15.01.2024;12,50;1\n",
    )
    raw = yaml.safe_load(propose(tmp_path))
    sales = raw["tables"]["sales"]
    assert sales["file"] == "Umsatz #1.csv"
    assert sales["columns"]["net_revenue"] == "Umsatz (EUR)"


def test_a_folder_without_exports_is_refused(tmp_path):
    with pytest.raises(SourcesError, match="no CSV"):
        propose(tmp_path)
    _write(tmp_path, "notes.csv", "Thema;Text\nA;B\n")
    with pytest.raises(SourcesError, match="no file .* was recognised"):
        propose(tmp_path)


def test_cli_writes_and_refuses_to_overwrite(tmp_path):
    data = tmp_path / "exports"
    _write(data, "Umsatz.csv", GERMAN_SALES, "cp1252")
    runner = CliRunner()
    result = runner.invoke(app, ["sources", "init", "--data", str(data)])
    assert result.exit_code == 0, result.output
    target = data / "kam-sources.yaml"
    assert read_sources_file(target).tables["sales"].file == "Umsatz.csv"

    target.write_text("# edited by hand\n", encoding="utf-8")
    result = runner.invoke(app, ["sources", "init", "--data", str(data)])
    assert result.exit_code == 2
    assert "--overwrite" in result.output
    assert target.read_text(encoding="utf-8") == "# edited by hand\n"

    result = runner.invoke(app, ["sources", "init", "--data", str(data), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert "tables:" in target.read_text(encoding="utf-8")

    # elsewhere: the file names are relative to the sources file
    out = tmp_path / "config" / "sources.yaml"
    result = runner.invoke(app, ["sources", "init", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert read_sources_file(out).tables["sales"].file == "../exports/Umsatz.csv"
    assert len(load_sources(out).get("sales")) == 4


def test_cli_names_the_questions(tmp_path):
    _write(tmp_path, "Umsatz.csv", "Kundennummer;Datum;Umsatz\n10001;02.01.2024;1.234\n")
    result = CliRunner().invoke(app, ["sources", "init", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "ASK: defaults.numbers" in result.output


def test_cli_refuses_a_missing_folder(tmp_path):
    result = CliRunner().invoke(app, ["sources", "init", "--data", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "no such folder" in result.output
