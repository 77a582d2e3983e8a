"""The demo data as a company's exports really look, each with the sources file that reads it.

``kam demo --format``:

* ``de-csv``: German Excel CSV: ``;``-separated, Windows-1252, decimal commas with thousands
  dots, dates ``31.12.2026``, German column names, "no end" as ``31.12.9999``, the sales lines
  one file per year with a total line at the end of each;
* ``datev``: DATEV-style: the same, with a metadata line before each header, the sales amount
  always positive with a debit/credit flag (``S``/``H``), the customers' names, segments and
  countries on the sales lines and no customer file (the customer list is derived from the
  sales lines), and invoice amounts with SAP's trailing minus;
* ``excel``: one workbook, a sheet per table and a sales sheet per year, numbers and dates as
  typed cells.

Each gives exactly the tables of the plain demo data (``tests/test_source_exports.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kamlib.demo import make_demo

__all__ = ["FORMATS", "GERMAN", "write_export"]

FORMATS = ("de-csv", "datev", "excel")

#: the column names of a German ERP / CRM export, per contract table and column
GERMAN = {
    "accounts": {
        "account_id": "Kundennummer",
        "name": "Kundenname",
        "segment": "Branche",
        "country": "Land",
        "owner": "Betreuer",
        "parent_id": "Konzern",
        "key_account": "Key Account",
    },
    "sales": {
        "date": "Belegdatum",
        "account_id": "Kundennummer",
        "net_revenue": "Umsatz netto",
        "product": "Artikel",
        "quantity": "Menge",
    },
    "surveys": {
        "response_id": "Antwort-Nr",
        "account_id": "Kundennummer",
        "date": "Datum",
        "respondent_role": "Rolle",
        "nps": "Weiterempfehlung (0-10)",
        "csat": "Zufriedenheit (1-5)",
        "rating_delivery": "Bewertung Lieferung",
        "rating_quality": "Bewertung Qualität",
        "rating_price": "Bewertung Preis",
        "rating_service": "Bewertung Service",
        "rating_communication": "Bewertung Kommunikation",
        "comment": "Kommentar",
    },
    "deliveries": {
        "order_id": "Auftragsnummer",
        "account_id": "Kundennummer",
        "promised_date": "Zugesagter Termin",
        "delivered_date": "Lieferdatum",
        "quantity_ordered": "Bestellmenge",
        "quantity_delivered": "Liefermenge",
    },
    "invoices": {
        "invoice_id": "Rechnungsnummer",
        "account_id": "Kundennummer",
        "invoice_date": "Rechnungsdatum",
        "due_date": "Fälligkeit",
        "paid_date": "Zahlungseingang",
        "amount": "Rechnungsbetrag",
    },
    "contracts": {
        "contract_id": "Vertragsnummer",
        "account_id": "Kundennummer",
        "start_date": "Vertragsbeginn",
        "end_date": "Vertragsende",
        "payment_terms_days": "Zahlungsziel (Tage)",
        "otif_target": "Liefertreue-Ziel",
        "notice_days": "Kündigungsfrist (Tage)",
    },
    "prices": {
        "account_id": "Kundennummer",
        "product": "Artikel",
        "valid_from": "Gültig ab",
        "valid_to": "Gültig bis",
        "agreed_unit_price": "Preis je Einheit",
    },
    "interactions": {
        "interaction_id": "Kontakt-Nr",
        "account_id": "Kundennummer",
        "date": "Datum",
        "channel": "Kanal",
        "contact_role": "Rolle Ansprechpartner",
        "initiated_by": "Initiiert von",
    },
    "complaints": {
        "complaint_id": "Reklamationsnummer",
        "account_id": "Kundennummer",
        "opened_date": "Eröffnet am",
        "closed_date": "Abgeschlossen am",
        "category": "Kategorie",
        "severity": "Schweregrad",
    },
    "market": {
        "date": "Monat",
        "segment": "Branche",
        "indicator": "Kennzahl",
        "value": "Wert",
    },
    "potential": {"account_id": "Kundennummer", "year": "Jahr", "wallet": "Kundenpotenzial"},
}
#: the German file name of each table's export
FILE_NAMES = {
    "accounts": "Kunden",
    "sales": "Umsatz",
    "surveys": "Kundenbefragung",
    "deliveries": "Lieferungen",
    "invoices": "Rechnungen",
    "contracts": "Vertraege",
    "prices": "Preise",
    "interactions": "Kontakte",
    "complaints": "Reklamationen",
    "market": "Marktdaten",
    "potential": "Kundenpotenzial",
}
#: the contract's open-ended columns, written as ERPs write "no end"
_OPEN_END = {("contracts", "end_date"), ("prices", "valid_to")}
_DATEV_HEADER = '"EXTF";700;21;"Buchungsstapel";13;20261101;;"kam";"demo";;;;;;;;;;;'


def _german_number(value: float, trailing_minus: bool = False) -> str:
    """``-1234.5`` -> ``-1.234,5`` (or ``1.234,5-``), every digit of the plain export kept."""
    if pd.isna(value):
        return ""
    text = format(float(value), ".10g") if not float(value).is_integer() else str(int(value))
    negative = text.startswith("-")
    whole, _, decimals = text.lstrip("-").partition(".")
    groups = []
    while len(whole) > 3:
        whole, group = whole[:-3], whole[-3:]
        groups.insert(0, group)
    shown = ".".join([whole, *groups]) + ("," + decimals if decimals else "")
    if negative:
        return shown + "-" if trailing_minus else "-" + shown
    return shown


def _german_frame(
    name: str, table: pd.DataFrame, trailing_minus: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """A table as the text cells of a German export."""
    out = pd.DataFrame(index=table.index)
    for col in table.columns:
        values = table[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%d.%m.%Y").fillna("")
            if (name, col) in _OPEN_END:
                text = text.where(values.notna(), "31.12.9999")
        elif pd.api.types.is_bool_dtype(values):
            text = values.map({True: "ja", False: "nein"})
        elif pd.api.types.is_numeric_dtype(values):
            text = values.map(lambda v, c=col: _german_number(v, c in trailing_minus))
        else:
            text = values.fillna("").astype(str)
        out[GERMAN[name].get(col, col)] = text
    return out


def _write_csv(path: Path, frame: pd.DataFrame, before: str | None = None) -> None:
    with open(path, "w", encoding="cp1252", newline="") as fh:
        if before:
            fh.write(before + "\r\n")
        frame.to_csv(fh, sep=";", index=False, lineterminator="\r\n")


def _columns(name: str, table: pd.DataFrame) -> dict[str, str]:
    return {c: GERMAN[name].get(c, c) for c in table.columns}


def _yaml(value: object) -> str:
    """The sources file's YAML, keys in the order given."""
    import yaml

    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100)


def _sales_years(sales: pd.DataFrame) -> list[int]:
    return sorted(sales["date"].dt.year.unique().tolist())


def write_export(out: str | Path, kind: str, accounts: int = 30, seed: int = 7) -> list[Path]:
    """Write the demo data as the export ``kind`` (one of :data:`FORMATS`) and its
    ``kam-sources.yaml``.

    Returns
    -------
    list of Path
        The files written, the sources file last.

    Raises
    ------
    ValueError
        For an unknown kind.
    """
    if kind not in FORMATS:
        raise ValueError(f"unknown export format {kind!r}; expected one of {', '.join(FORMATS)}")
    tables = make_demo(accounts, seed)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    spec: dict = {}
    if kind == "excel":
        written.append(_write_excel(folder, tables, spec))
    else:
        _write_german_csv(folder, tables, spec, written, datev=kind == "datev")
    sources = folder / "kam-sources.yaml"
    sources.write_text(
        f"# The demo data as a {kind} export: how kam reads it (see the README).\n" + _yaml(spec),
        encoding="utf-8",
    )
    written.append(sources)
    return written


def _write_german_csv(
    folder: Path, tables: dict[str, pd.DataFrame], spec: dict, written: list[Path], datev: bool
) -> None:
    before = _DATEV_HEADER if datev else None
    spec["defaults"] = {
        "delimiter": ";",
        "encoding": "cp1252",
        "skip_lines": 1 if datev else 0,
        "numbers": "de",
        "dates": ["%d.%m.%Y"],
    }
    spec["tables"] = {}
    for name, table in tables.items():
        if name == "sales":
            continue
        if datev and name == "accounts":
            continue  # derived from the sales lines
        trailing = frozenset({"amount"}) if datev and name == "invoices" else frozenset()
        path = folder / f"{FILE_NAMES[name]}.csv"
        _write_csv(path, _german_frame(name, table, trailing), before)
        written.append(path)
        entry: dict = {"file": path.name}
        if trailing:
            entry["format"] = {"trailing_minus": True}
        entry["columns"] = _columns(name, table)
        spec["tables"][name] = entry
    sales = tables["sales"]
    names = GERMAN["sales"]
    for year in _sales_years(sales):
        rows = sales.loc[sales["date"].dt.year == year]
        frame = _german_frame("sales", rows)
        if datev:
            # the amount always positive, its sign in the debit/credit flag; the customer's
            # master data on every line
            frame[names["net_revenue"]] = rows["net_revenue"].abs().map(_german_number)
            frame["S/H"] = np.where(rows["net_revenue"] < 0, "H", "S")
            master = tables["accounts"].set_index("account_id")
            extra = _german_frame("accounts", master.reset_index()).set_index("Kundennummer")
            extra = extra.loc[rows["account_id"].to_numpy()].reset_index(drop=True)
            extra.index = frame.index
            for col in extra.columns:
                frame[col] = extra[col]
        total = {c: "" for c in frame.columns}
        total[names["product"]] = f"Summe {year}"
        total[names["net_revenue"]] = _german_number(round(float(rows["net_revenue"].sum()), 2))
        frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
        path = folder / f"{FILE_NAMES['sales']}_{year}.csv"
        _write_csv(path, frame, before)
        written.append(path)
    columns: dict = _columns("sales", sales)
    if datev:
        columns["net_revenue"] = {
            "expr": f'CASE WHEN "S/H" = \'H\' THEN -"{names["net_revenue"]}" '
            f'ELSE "{names["net_revenue"]}" END'
        }
    spec["tables"]["sales"] = {
        "files": [f"{FILE_NAMES['sales']}_*.csv"],
        "where": "Kundennummer <> ''",  # drops each file's total line
        "columns": columns,
    }
    if datev:
        spec["tables"]["accounts"] = {
            "from": "sales",
            "columns": _columns("accounts", tables["accounts"]),
        }


def _write_excel(folder: Path, tables: dict[str, pd.DataFrame], spec: dict) -> Path:
    path = folder / "kam-demo.xlsx"
    spec["defaults"] = {"numbers": "de", "dates": ["%d.%m.%Y"]}
    spec["tables"] = {}
    with pd.ExcelWriter(path, engine="xlsxwriter", datetime_format="dd.mm.yyyy") as book:
        for name, table in tables.items():
            frame = table.rename(columns=GERMAN[name])
            for col in table.columns:
                if (name, col) in _OPEN_END:
                    # "no end" as the text an ERP writes; typed dates stay dates
                    frame[GERMAN[name][col]] = (
                        table[col].astype(object).where(table[col].notna(), "31.12.9999")
                    )
            if name == "sales":
                sheets = []
                for year in _sales_years(table):
                    sheet = f"{FILE_NAMES['sales']} {year}"
                    frame.loc[table["date"].dt.year == year].to_excel(
                        book, sheet_name=sheet, index=False
                    )
                    sheets.append(sheet)
                spec["tables"][name] = {
                    "file": path.name,
                    "sheets": sheets,
                    "columns": _columns(name, table),
                }
                continue
            frame.to_excel(book, sheet_name=FILE_NAMES[name], index=False)
            spec["tables"][name] = {
                "file": path.name,
                "sheet": FILE_NAMES[name],
                "columns": _columns(name, table),
            }
    return path
