"""Proposing a sources file from the exports in a folder (``kam sources init``).

A company's exports name their columns in their own words (``Kundennummer``, ``Belegdatum``,
``Customer No``) and write numbers and dates their own way. This module reads the CSV files
and Excel sheets of a folder, recognises which table of the data contract each one holds and
which of its columns give which contract column, detects how the files are written (encoding,
delimiter, lines before the header, number and date formats), and writes a commented sources
file for the user to check.

It never guesses what the data cannot tell: where the values fit two readings (``1.234`` is
1234 in German and 1.234 in English; ``01/02/2024`` is the first of February or the second of
January), the proposal says ``ASK``, a value the sources file refuses until the user replaces
it. Mappings found by a loose or general name carry a ``# check:`` comment, and required
contract columns no file column was found for a ``# not found:`` comment.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import glob
import io
import itertools
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from kamlib.schema import RATING_PREFIX, TABLES, ColumnSpec, is_valid_account_id
from kamlib.sources.formats import NUMBER_STYLES, parse_dates, parse_numbers, parse_text
from kamlib.sources.model import SourcesError

__all__ = [
    "ASK",
    "DATE_FORMATS",
    "FILE_HINTS",
    "SYNONYMS",
    "Proposal",
    "make_proposal",
    "normalise",
    "propose",
]

#: the placeholder for a question only the user can answer; the sources file refuses it
ASK = "ASK"

#: the date formats a proposal tries, in order of preference
DATE_FORMATS = (
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
)
# the two orders of slashed dates: where both read every value, the data cannot tell them apart
_DAY_FIRST, _MONTH_FIRST = "%d/%m/%Y", "%m/%d/%Y"

_CSV = {".csv", ".txt"}
_EXCEL = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
_DELIMITERS = ";,\t|"
#: bytes of a CSV file read for the proposal: enough rows to see its formats
_READ_BYTES = 16 * 1024 * 1024
#: data rows of a file or sheet looked at
_MAX_ROWS = 20_000
#: lines looked at to find the header
_HEAD = 50


def _names(text: str) -> tuple[str, ...]:
    """The names of ``"Kundennummer | Kunden-Nr | ~Kunde"``."""
    return tuple(n.strip() for n in text.split("|") if n.strip())


# Column names exports use for each contract column, German and English. A leading "~" marks
# a general name ("Datum", "Betrag") that may well mean something else: its mapping is marked
# for checking. The contract's own column name is always recognised as well.
_ACCOUNT_ID = _names(
    "Kundennummer | Kunden-Nr | Kundennr | Kunden-Nummer | Kunden-ID | Kd-Nr | KdNr | Kundenkonto "
    "| Debitor | Debitorennummer | Debitoren-Nr | Debitorennr | Debitorkonto | Customer ID | "
    "customer_id | Customer No | Customer Number | Customer Account | Account ID | Account Number "
    "| Account No | Client ID | Sold-to | Sold-to Party | KUNNR | Auftraggeber | ~Kunde | "
    "~Customer | ~Account | ~Konto | ~Kontonummer"
)
_PRODUCT = _names(
    "Artikel | Artikelnummer | Artikel-Nr | Artikelnr | Produkt | Produktnummer | Produkt-Nr | "
    "Produktgruppe | Material | Materialnummer | Warengruppe | Product | Product ID | Product Code "
    "| Product Number | Product Group | Item | Item Number | Item No | SKU | Article | Article "
    "Number | Material Number | MATNR | ~Artikelbezeichnung | ~Bezeichnung"
)
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {
        "account_id": _ACCOUNT_ID,
        "name": _names(
            "Kundenname | Firma | Firmenname | Firmierung | Name 1 | NAME1 | Customer Name | "
            "Company | Company Name | Account Name | Client Name | ~Name | ~Kunde | ~Customer | "
            "~Bezeichnung"
        ),
        "segment": _names(
            "Segment | Kundensegment | Marktsegment | Branche | Kundengruppe | Industry | Sector | "
            "Market Segment | Customer Group | Customer Segment"
        ),
        "country": _names(
            "Land | Country | Laenderkennzeichen | Länderkennzeichen | Ländercode | Country Code | "
            "Staat | Land/Region"
        ),
        "owner": _names(
            "Betreuer | Kundenbetreuer | Key Account Manager | KAM | Account Manager | Verkäufer | "
            "Vertriebsmitarbeiter | Außendienst | Außendienstmitarbeiter | Vertreter | Zuständig | "
            "Sales Rep | Salesperson | Account Owner | Owner"
        ),
        "parent_id": _names(
            "Konzern | Konzernnummer | Konzern-Nr | Muttergesellschaft | Obergesellschaft | "
            "Zentrale | Parent ID | Parent | Parent Account | Group ID | Parent Customer"
        ),
        "key_account": _names(
            "Key Account | Key-Account | Schlüsselkunde | Is Key Account | Großkunde"
        ),
    },
    "sales": {
        "date": _names(
            "Belegdatum | Rechnungsdatum | Fakturadatum | Buchungsdatum | Leistungsdatum | "
            "Auftragsdatum | Invoice Date | Billing Date | Posting Date | Document Date | Order "
            "Date | Transaction Date | Sales Date | ~Datum | ~Date"
        ),
        "account_id": _ACCOUNT_ID,
        "net_revenue": _names(
            "Umsatz | Nettoumsatz | Umsatz netto | Netto-Umsatz | Nettoerlös | Erlös | Erlöse | "
            "Umsatzerlöse | Nettobetrag | Nettowert | Net Revenue | Revenue | Net Sales | Net "
            "Amount | Net Value | Sales Amount | ~Netto | ~Betrag | ~Amount | ~Sales | ~Wert | "
            "~Value | ~Umsatz (ohne Soll/Haben-Kz)"
        ),
        "product": _PRODUCT,
        "quantity": _names(
            "Menge | Anzahl | Stückzahl | Stück | Fakturierte Menge | Quantity | Qty | Units | "
            "Pieces | ~Absatz"
        ),
    },
    "surveys": {
        "response_id": _names(
            "Antwort-ID | Antwort-Nr | Antwortnummer | Fragebogen-Nr | Fragebogennummer | Response ID | "
            "Response Number | Respondent ID | Submission ID | ~ID | ~Survey ID"
        ),
        "account_id": _ACCOUNT_ID,
        "date": _names(
            "Antwortdatum | Befragungsdatum | Response Date | Survey Date | Submitted | Submitted "
            "At | Completion Date | ~Datum | ~Date"
        ),
        "respondent_role": _names(
            "Rolle | Funktion | Position | Role | Respondent Role | Job Title | ~Abteilung | "
            "~Department"
        ),
        "nps": _names(
            "NPS | Weiterempfehlung | Weiterempfehlungsbereitschaft | Empfehlung | NPS Score | Net "
            "Promoter Score | Likelihood to recommend | Recommend"
        ),
        "csat": _names(
            "CSAT | Zufriedenheit | Gesamtzufriedenheit | Satisfaction | Overall Satisfaction | "
            "Customer Satisfaction"
        ),
        "comment": _names(
            "Kommentar | Bemerkung | Anmerkung | Freitext | Comment | Comments | Feedback | "
            "Remarks | ~Notes | ~Notiz"
        ),
    },
    "deliveries": {
        "order_id": _names(
            "Auftragsnummer | Auftrags-Nr | Auftragsnr | Bestellnummer | Lieferscheinnummer | "
            "Lieferschein-Nr | Lieferschein | Order ID | Order Number | Order No | Sales Order | "
            "Delivery ID | Delivery Number | ~Auftrag | ~Belegnummer"
        ),
        "account_id": _ACCOUNT_ID,
        "promised_date": _names(
            "Zugesagter Termin | Liefertermin | Zusagedatum | Bestätigter Termin | Bestätigter "
            "Liefertermin | Solltermin | Plan-Lieferdatum | Wunschtermin | Promised Date | "
            "Committed Date | Confirmed Date | Planned Delivery Date | Requested Date | ~Due Date"
        ),
        "delivered_date": _names(
            "Lieferdatum | Ist-Lieferdatum | Tatsächliches Lieferdatum | Warenausgangsdatum | "
            "Warenausgang | Versanddatum | Delivered Date | Delivery Date | Actual Delivery Date | "
            "Ship Date | Shipped | Goods Issue Date"
        ),
        "quantity_ordered": _names(
            "Bestellmenge | Auftragsmenge | Menge bestellt | Sollmenge | Ordered Quantity | "
            "Quantity Ordered | Order Quantity | Order Qty | ~Menge"
        ),
        "quantity_delivered": _names(
            "Liefermenge | Gelieferte Menge | Menge geliefert | Istmenge | Delivered Quantity | "
            "Quantity Delivered | Shipped Quantity | Shipped Qty"
        ),
    },
    "invoices": {
        "invoice_id": _names(
            "Rechnungsnummer | Rechnungs-Nr | Rechnungsnr | RE-Nr | Belegnummer | Beleg-Nr | "
            "Belegnr | OP-Nummer | Invoice ID | Invoice Number | Invoice No | Invoice | Document "
            "Number | Document No | ~Rechnung | ~Beleg"
        ),
        "account_id": _ACCOUNT_ID,
        "invoice_date": _names(
            "Rechnungsdatum | Belegdatum | Fakturadatum | Invoice Date | Document Date | Billing "
            "Date | ~Datum | ~Date"
        ),
        "due_date": _names(
            "Fälligkeit | Fällig am | Fälligkeitsdatum | Fällig | Nettofälligkeit | Due Date | Due "
            "| Due On | Payment Due | Payment Due Date | Net Due Date"
        ),
        "paid_date": _names(
            "Zahlungsdatum | Bezahlt am | Zahlungseingang | Ausgleichsdatum | Ausgeglichen am | "
            "Paid Date | Paid On | Payment Date | Date Paid | Clearing Date | Cleared On | "
            "~Bezahlt | ~Paid"
        ),
        "amount": _names(
            "Rechnungsbetrag | Betrag | Bruttobetrag | Invoice Amount | Amount | Gross Amount | "
            "Total Amount | ~Brutto | ~Summe | ~Total"
        ),
    },
    "contracts": {
        "contract_id": _names(
            "Vertragsnummer | Vertrags-Nr | Vertragsnr | Contract ID | Contract Number | Contract "
            "No | Agreement ID | Agreement Number | ~Vertrag | ~Contract"
        ),
        "account_id": _ACCOUNT_ID,
        "start_date": _names(
            "Vertragsbeginn | Beginn | Startdatum | Laufzeitbeginn | Start Date | Start | Begin | "
            "Effective Date | Contract Start | ~Gültig ab | ~Valid From"
        ),
        "end_date": _names(
            "Vertragsende | Ende | Enddatum | Laufzeitende | End Date | End | Expiry Date | "
            "Expiration Date | Contract End | ~Gültig bis | ~Valid To"
        ),
        "payment_terms_days": _names(
            "Zahlungsziel | Zahlungsziel Tage | Zahlungsziel (Tage) | Payment Terms | Payment "
            "Terms Days | Net Days | ~Zahlungsbedingung | ~Terms"
        ),
        "otif_target": _names(
            "OTIF-Ziel | OTIF Ziel | Liefertreue Ziel | Zielliefertreue | OTIF Target | On-time in "
            "full target | ~OTIF"
        ),
        "notice_days": _names(
            "Kündigungsfrist | Kündigungsfrist Tage | Kündigungsfrist (Tage) | Notice Period | "
            "Notice Days | Notice Period Days | ~Notice"
        ),
    },
    "prices": {
        "account_id": _ACCOUNT_ID,
        "product": _PRODUCT,
        "valid_from": _names(
            "Gültig ab | Gültig von | Preis gültig ab | Valid From | Effective From | ~Von | ~From "
            "| ~Start Date"
        ),
        "valid_to": _names(
            "Gültig bis | Preis gültig bis | Valid To | Valid Until | Effective To | ~Bis | ~To | "
            "~End Date"
        ),
        "agreed_unit_price": _names(
            "Vereinbarter Preis | Preis je Einheit | Preis pro Einheit | Einzelpreis | Stückpreis | Nettopreis | Kundenpreis | "
            "Konditionspreis | Agreed Price | Agreed Unit Price | Unit Price | Net Price | ~Preis "
            "| ~Price"
        ),
    },
    "interactions": {
        "interaction_id": _names(
            "Kontakt-ID | Kontakt-Nr | Kontaktnummer | Aktivitäts-ID | Aktivitätsnummer | Besuchsnummer | "
            "Interaction ID | Activity ID | Activity Number | ~Vorgangsnummer | ~ID"
        ),
        "account_id": _ACCOUNT_ID,
        "date": _names(
            "Kontaktdatum | Besuchsdatum | Aktivitätsdatum | Activity Date | Contact Date | "
            "Meeting Date | Visit Date | ~Termin | ~Datum | ~Date"
        ),
        "channel": _names(
            "Kanal | Kontaktart | Aktivitätsart | Channel | Activity Type | Contact Type | Medium "
            "| ~Art | ~Typ | ~Type"
        ),
        "contact_role": _names(
            "Rolle Ansprechpartner | Ansprechpartner Rolle | Funktion Ansprechpartner | Contact "
            "Role | ~Rolle | ~Funktion | ~Role"
        ),
        "initiated_by": _names(
            "Initiiert von | Initiator | Initiative | Angestoßen von | Initiated By | ~Richtung | "
            "~Direction"
        ),
    },
    "complaints": {
        "complaint_id": _names(
            "Reklamationsnummer | Reklamations-Nr | Reklamationsnr | Beschwerdenummer | "
            "Ticketnummer | Ticket-Nr | Meldungsnummer | QM-Meldung | Complaint ID | Complaint "
            "Number | Ticket ID | Case ID | Case Number | Claim ID | ~Ticket | ~Vorgangsnummer"
        ),
        "account_id": _ACCOUNT_ID,
        "opened_date": _names(
            "Eingangsdatum | Reklamationsdatum | Eröffnet am | Erstellt am | Meldedatum | Opened "
            "Date | Opened | Open Date | Created Date | Created At | Created | Reported Date | "
            "~Datum | ~Date"
        ),
        "closed_date": _names(
            "Abschlussdatum | Geschlossen am | Erledigt am | Erledigungsdatum | Abgeschlossen am | "
            "Closed Date | Closed | Closed At | Resolved Date | Resolution Date"
        ),
        "category": _names(
            "Kategorie | Reklamationsgrund | Fehlerart | Grund | Category | Reason | Complaint "
            "Type | ~Ursache | ~Art | ~Type"
        ),
        "severity": _names(
            "Schweregrad | Schwere | Priorität | Prio | Dringlichkeit | Severity | Priority"
        ),
    },
    "market": {
        "date": _names("Monat | Periode | Month | Period | ~Datum | ~Date"),
        "segment": _names(
            "Segment | Marktsegment | Branche | Markt | Market | Market Segment | Industry | Sector"
        ),
        "indicator": _names(
            "Indikator | Kennzahl | Kennziffer | Merkmal | Indicator | Metric | Measure | Series | "
            "KPI"
        ),
        "value": _names("Wert | Value | Indexwert | ~Index | ~Betrag"),
    },
    "potential": {
        "account_id": _ACCOUNT_ID,
        "year": _names("Jahr | Geschäftsjahr | GJ | Year | Fiscal Year"),
        "wallet": _names(
            "Potenzial | Potential | Kundenpotenzial | Einkaufsvolumen | Gesamtbedarf | Wallet | "
            "Wallet Size | Total Spend | ~Bedarf | ~Spend"
        ),
    },
}

#: words in a file or sheet name that point to a table (normalised, see :func:`normalise`)
FILE_HINTS: dict[str, tuple[str, ...]] = {
    "sales": ("umsatz", "umsaetze", "sales", "verkauf", "revenue", "faktura", "erloes"),
    "accounts": ("kunden", "kunde", "customer", "accounts", "debitoren", "stammdaten"),
    "invoices": ("rechnung", "invoice", "offeneposten", "forderung", "receivable"),
    "deliveries": ("lieferung", "deliver", "auftraege", "orders", "versand", "shipment"),
    "surveys": ("umfrage", "survey", "befragung", "zufriedenheit", "feedback"),
    "contracts": ("vertrag", "vertraege", "contract", "rahmenvertrag"),
    "prices": ("preis", "price", "konditionen"),
    "interactions": ("kontakte", "besuch", "interaction", "activit", "aktivitaet", "crm"),
    "complaints": ("reklamation", "beschwerde", "complaint", "ticket"),
    "market": ("markt", "market"),
    "potential": ("potenzial", "potential", "wallet"),
}

# trailing units a column name may carry ("Umsatz EUR", "Zahlungsziel (Tage)")
_UNITS = ("ineur", "eur", "euro", "usd", "chf", "gbp", "tage", "days", "stk", "pcs")
# DATEV writes the sign of an amount in a column of its own
_SIGN_COLUMNS = {"sollhabenkennzeichen", "sollhabenkz", "shkz", "debitcredit"}
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise(name: str) -> str:
    """A column or file name reduced for comparison: lower case, umlauts folded (ä -> ae),
    accents dropped, everything but letters and digits removed (``Kunden-Nr.`` ->
    ``kundennr``)."""
    folded = unicodedata.normalize("NFKD", str(name).lower().translate(_FOLD))
    return re.sub(r"[^a-z0-9]", "", folded.encode("ascii", "ignore").decode())


def _variants(norm: str) -> list[str]:
    """The name and the name without a trailing unit."""
    found = [norm]
    for unit in _UNITS:
        if norm.endswith(unit) and len(norm) > len(unit) + 2:
            found.append(norm.removesuffix(unit))
    return found


@dataclass(frozen=True)
class _Synonym:
    norm: str
    shown: str
    general: bool


def _synonyms(table: str, column: str) -> list[_Synonym]:
    """The names of a contract column, its own name first."""
    found = [_Synonym(normalise(column), column, False)]
    for name in SYNONYMS.get(table, {}).get(column, ()):
        general = name.startswith("~")
        found.append(_Synonym(normalise(name.lstrip("~")), name.lstrip("~"), general))
    return found


# ----------------------------------------------------------------------------------------------
# reading the files


@dataclass
class _Part:
    """One CSV file or Excel sheet of the folder, as far as it was read."""

    path: Path
    sheet: str | None
    header: list[str]
    rows: list[list[object]]
    encoding: str | None = None
    delimiter: str | None = None
    skip_lines: int = 0
    _cells: dict[str, pd.Series] = field(default_factory=dict, repr=False)
    #: which kinds of values (see :func:`_kind`) each column's values can be
    _plausible: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)

    @property
    def excel(self) -> bool:
        return self.sheet is not None

    @property
    def label(self) -> str:
        return f"{self.path.name}, sheet {self.sheet!r}" if self.excel else self.path.name

    def cells(self, header: str) -> pd.Series:
        """The cells of a column (object dtype; ``None`` where a row is short)."""
        if header not in self._cells:
            i = self.header.index(header)
            self._cells[header] = pd.Series(
                [row[i] if i < len(row) else None for row in self.rows], dtype=object
            )
        return self._cells[header]

    def present(self, header: str) -> pd.Series:
        """The non-empty cells of a column."""
        cells = self.cells(header)
        return cells[parse_text(cells).notna().to_numpy()]

    def text(self, header: str) -> pd.Series:
        """The non-empty text cells of a column (typed Excel cells need no format)."""
        cells = self.present(header)
        return cells[[isinstance(v, str) for v in cells]]


def _decode(path: Path) -> tuple[str, str]:
    """The text of (the start of) a CSV file and its encoding."""
    with path.open("rb") as fh:
        raw = fh.read(_READ_BYTES + 1)
    truncated = len(raw) > _READ_BYTES
    raw = raw[:_READ_BYTES]
    candidates = ["utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8", "cp1252"]
    for encoding in candidates:
        try:
            # incremental: a multi-byte character cut at the end of the sample is no error
            text = codecs.getincrementaldecoder(encoding)().decode(raw, final=not truncated)
            break
        except UnicodeDecodeError:
            continue
    else:
        # bytes cp1252 leaves undefined (0x81, 0x8D, ...): latin-1 reads every byte
        encoding, text = "latin-1", raw.decode("latin-1")
    if truncated:
        text = text[: text.rfind("\n") + 1]  # the last line may be cut
    return text, encoding


def _mode(counts: list[int]) -> int | None:
    counts = [c for c in counts if c > 0]
    return Counter(counts).most_common(1)[0][0] if counts else None


def _split(lines: list[str], delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO("\n".join(lines), newline=""), delimiter=delimiter))


def _delimiter(lines: list[str]) -> str | None:
    """The delimiter of CSV lines, or None when no candidate splits them into columns."""
    # the sniffer looks at the whole head and, should a line before the header confuse it,
    # at the head without the first line
    for sample in (lines, lines[1:]):
        try:
            found = csv.Sniffer().sniff("\n".join(sample), delimiters=_DELIMITERS).delimiter
        except csv.Error:
            continue
        if (_mode([len(r) for r in _split(sample, found)]) or 0) > 1:
            return found
    # otherwise: the candidate that splits the most lines into the same number of fields
    best, best_key = None, (0.0, 0)
    for candidate in _DELIMITERS:
        counts = [len(r) for r in _split(lines, candidate) if r]
        width = _mode(counts) or 0
        if width > 1:
            key = (counts.count(width) / len(counts), width)
            if key > best_key:
                best, best_key = candidate, key
    return best


def _header_index(counts: list[int], at_least: bool) -> int:
    """The row of the header: the first row with as many fields as the rows after it.

    Exports put lines before the header (DATEV a line of metadata, Excel reports a title);
    they have another number of fields than the table. For a CSV file the header has exactly
    the data rows' number of fields; an Excel row counts its non-empty cells, of which the
    header has at least as many as most data rows.
    """
    for i in range(min(len(counts), 10)):
        if counts[i] == 0:
            continue
        width = _mode(counts[i + 1 : i + 1 + _HEAD])
        if width is None or counts[i] == width or (at_least and counts[i] >= width):
            return i
    return next((i for i, c in enumerate(counts) if c), 0)


def _read_csv(path: Path) -> _Part | str:
    """A CSV file as a part, or why it is no table."""
    try:
        text, encoding = _decode(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    head = text.splitlines()[: _HEAD + 10]
    if not any(line.strip() for line in head):
        return "empty"
    delimiter = _delimiter(head)
    if delimiter is None:
        return "no columns found (not a CSV file with ; , tab or | between the columns?)"
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    first = [next(rows, None) for _ in range(_HEAD + 10)]
    first = [r for r in first if r is not None]
    skip = _header_index([len(r) if any(c.strip() for c in r) else 0 for r in first], False)
    header = [c.strip().lstrip("\ufeff") for c in first[skip]]
    body = first[skip + 1 :]
    body.extend(row for _, row in zip(range(_MAX_ROWS - len(body)), rows, strict=False))
    return _Part(path, None, header, body, encoding, delimiter, skip)


def _read_workbook(path: Path) -> list[_Part] | str:
    """The sheets of a workbook as parts, or why it cannot be read."""
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
        parts = []
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            counts = [sum(c != "" and c is not None for c in r) for r in rows]
            if not any(counts):
                continue
            skip = _header_index(counts, True)
            # named as kam's reader names them: an empty header cell is "column N"
            header = [
                str(c).strip() if c != "" else f"column {i + 1}" for i, c in enumerate(rows[skip])
            ]
            body = [[None if c == "" else c for c in r] for r in rows[skip + 1 :][:_MAX_ROWS]]
            parts.append(_Part(path, name, header, body, skip_lines=skip))
    except Exception as exc:  # noqa: BLE001 - calamine raises many kinds; the file is skipped
        return f"cannot be read as a workbook ({exc})"
    return parts or "has no sheet with data"


# ----------------------------------------------------------------------------------------------
# recognising tables and columns


def _share(cells: pd.Series, fits) -> float:
    """The share of ``cells`` (non-empty) that ``fits`` accepts (1 for no cells)."""
    if len(cells) == 0:
        return 1.0
    sample = cells.iloc[:2000]
    return float(np.mean(fits(sample)))


def _number_like(cells: pd.Series) -> np.ndarray:
    ok = np.zeros(len(cells), dtype=bool)
    for style in NUMBER_STYLES:
        ok |= ~parse_numbers(cells, style, trailing_minus=True)[1].to_numpy()
    return ok


def _date_like(cells: pd.Series) -> np.ndarray:
    ok = np.zeros(len(cells), dtype=bool)
    for fmt in DATE_FORMATS:
        ok |= ~parse_dates(cells, [fmt], open_ended=True)[1].to_numpy()
    return ok


def _id_like(cells: pd.Series) -> np.ndarray:
    return parse_text(cells).map(is_valid_account_id).to_numpy(dtype=bool)


def _kind(spec: ColumnSpec) -> str:
    """What a contract column's values must look like: ``date``, ``number``, ``id``,
    ``name`` or ``any``."""
    if spec.type == "date":
        return "date"
    if spec.type in ("int", "float"):
        return "number"
    if spec.name in ("account_id", "parent_id"):
        return "id"
    return "name" if spec.name == "name" else "any"


def _plausible(part: _Part, header: str, spec: ColumnSpec) -> bool:
    """Whether the values of ``header`` can be those of ``spec``: dates for a date, numbers
    for a number, account ids for an account id, and no bare numbers for a name. Four in
    five values suffice: a totals line or a stray note does not hide a column."""
    kind = _kind(spec)
    key = (header, kind)
    if key not in part._plausible:
        cells = part.present(header)
        if kind == "date":
            fits = _share(cells, _date_like) >= 0.8
        elif kind == "number":
            fits = _share(cells, _number_like) >= 0.8
        elif kind == "id":
            fits = _share(cells, _id_like) >= 0.8
        elif kind == "name":
            digits = parse_text(cells.iloc[:2000]).str.fullmatch(r"[0-9]+")
            fits = not (len(digits) and digits.all())
        else:
            fits = True
        part._plausible[key] = fits
    return part._plausible[key]


@dataclass
class _Match:
    """A file column recognised as a contract column."""

    header: str
    score: float
    general: bool = False
    near: str | None = None  # the name it is close to, when it is no exact match
    others: list[str] = field(default_factory=list)  # other columns with a name that fits


def _name_score(header: str, synonyms: list[_Synonym]) -> tuple[float, _Synonym, bool] | None:
    """How well a column name fits a contract column: an exact name (earlier names of the
    list score higher) beats a close one; None when neither."""
    variants = _variants(normalise(header))
    for i, synonym in enumerate(synonyms):
        if synonym.norm and synonym.norm in variants:
            return 1.0 - 0.001 * i, synonym, True
    norms = [s.norm for s in synonyms if s.norm]
    for variant in variants:
        close = difflib.get_close_matches(variant, norms, n=1, cutoff=0.85)
        if close:
            synonym = next(s for s in synonyms if s.norm == close[0])
            ratio = difflib.SequenceMatcher(None, variant, close[0]).ratio()
            return 0.5 * ratio, synonym, False
    return None


def _rating_column(header: str) -> str | None:
    """``rating_delivery`` for a column ``Rating Delivery`` or ``Bewertung Lieferung``."""
    folded = unicodedata.normalize("NFKD", header.lower().translate(_FOLD))
    slug = re.sub(r"[^a-z0-9]+", "_", folded.encode("ascii", "ignore").decode()).strip("_")
    for prefix in ("rating_", "bewertung_"):
        if slug.startswith(prefix) and len(slug) > len(prefix):
            return RATING_PREFIX + slug.removeprefix(prefix)
    return None


def _match_columns(part: _Part, table: str, used: frozenset[str] = frozenset()) -> dict:
    """The contract columns of ``table`` recognised among ``part``'s columns (but ``used``)."""
    spec = TABLES[table]
    candidates = []
    for column in spec.columns:
        synonyms = _synonyms(table, column.name)
        for header in part.header:
            if not header or header in used:
                continue
            found = _name_score(header, synonyms)
            if found is not None:
                score, synonym, exact = found
                candidates.append((score, column, header, synonym, exact))
    candidates.sort(key=lambda c: -c[0])  # stable: ties keep the contract's column order

    def fits(header: str, column: ColumnSpec) -> bool:
        return _plausible(part, header, column)

    matches: dict[str, _Match] = {}
    taken: set[str] = set()
    for score, column, header, synonym, exact in candidates:
        if column.name in matches or header in taken or not fits(header, column):
            continue
        matches[column.name] = _Match(
            header, score, synonym.general, None if exact else synonym.shown
        )
        taken.add(header)
    # a second column whose name fits as well is worth a look: "Belegdatum" or "Buchungsdatum"?
    for _, column, header, _, exact in candidates:
        match = matches.get(column.name)
        if match and exact and header not in taken and fits(header, column):
            match.others.append(header)
    if table == "surveys":
        for header in part.header:
            rating = _rating_column(header)
            if rating and header not in taken and rating not in matches:
                if fits(header, spec.column(rating)):
                    matches[rating] = _Match(header, 0.9)
                    taken.add(header)
    return matches


@dataclass
class _Fit:
    """How well a part fits a table."""

    table: str
    matches: dict[str, _Match]
    required: int  # required columns recognised
    score: float
    eligible: bool


def _fit(part: _Part, table: str) -> _Fit:
    spec = TABLES[table]
    matches = _match_columns(part, table)
    required = [c.name for c in spec.columns if c.required]
    found = sum(c in matches for c in required)
    share = found / len(required)
    name = normalise(part.path.stem + " " + (part.sheet or ""))
    hint = any(word in name for word in FILE_HINTS.get(table, ()))
    score = share + 0.3 * hint + 0.02 * len(matches)
    eligible = share == 1 or (share >= 0.5 and found >= 2) or (hint and found >= 1)
    return _Fit(table, matches, found, score, eligible)


# ----------------------------------------------------------------------------------------------
# number and date formats


def _number_text(value: float) -> str:
    return repr(value).removesuffix(".0")


@dataclass
class _Setting:
    """A format key's proposed value, its comment, and the question it leaves (for ASK)."""

    value: object
    comment: str = ""
    question: str = ""


def _numbers(values: pd.Series, columns: str) -> tuple[_Setting | None, bool]:
    """The number style of text values (numbers of one file), and whether they write a minus
    behind the number.

    A style is proposed only when the values read one way: where German and English both
    read every value but to different numbers (``1.234``), the answer is ``ASK``.
    """
    if len(values) == 0:
        return None, False
    values = pd.Series(pd.unique(values.str.strip()), dtype=object)
    trailing = bool(values.str.fullmatch(r"[0-9.,]*[0-9]-").any())
    readings = {}
    for style in NUMBER_STYLES:
        read, bad = parse_numbers(values, style, trailing)
        if not bad.any():
            readings[style] = read.to_numpy()
    if not readings:
        wrong = [
            v
            for v in values
            if all(
                parse_numbers(pd.Series([v], dtype=object), s, trailing)[1].iat[0]
                for s in ("de", "en")
            )
        ]
        example = ", ".join(wrong[:2]) or ", ".join(values.iloc[:2])
        return _Setting(
            ASK,
            f"set de (1.234,56), en (1,234.56) or plain (1234.56): no one style reads every "
            f"value of {columns} (e.g. {example})",
            f"no one number style reads every value of {columns} (e.g. {example})",
        ), trailing
    if "de" in readings and "en" in readings:
        if np.array_equal(readings["de"], readings["en"], equal_nan=True):
            return _Setting("plain", "whole numbers without separators"), trailing
    elif "de" in readings:
        return _Setting("de", "1.234,56"), trailing
    elif "en" in readings:
        return _Setting("en", "1,234.56"), trailing
    else:
        return _Setting("plain", "1234.56"), trailing
    # both styles read every value, to different numbers: only the user knows which is meant
    differ = np.flatnonzero(readings["de"] != readings["en"])
    i = int(differ[0])
    sample = values.iat[i]
    de, en = _number_text(float(readings["de"][i])), _number_text(float(readings["en"][i]))
    return _Setting(
        ASK,
        f"set de ({sample} = {de}) or en ({sample} = {en}): the values fit both",
        f"the values of {columns} fit de ({sample} = {de}) and en ({sample} = {en})",
    ), trailing


def _reads(values: pd.Series, formats: list[str]) -> bool:
    """Whether ``formats`` read every value, none of them two ways."""
    return not parse_dates(values, formats, open_ended=True)[1].any()


def _date_formats(values: pd.Series) -> tuple[list[str], list[str]]:
    """The formats that each read every value, and the first pair that does where no single
    one does (a column holding ``15.01.2024`` and ``2024-01-15``)."""
    single = [f for f in DATE_FORMATS if _reads(values, [f])]
    if single:
        return single, [single[0]]
    for a, b in itertools.combinations(DATE_FORMATS, 2):
        if {a, b} != {_DAY_FIRST, _MONTH_FIRST} and _reads(values, [a, b]):
            return [], [a, b]
    return [], []


def _dates(columns: dict[str, pd.Series]) -> _Setting | None:
    """The date formats that read every text date of a file's date columns.

    Slashed dates with every day 12 or less read both as day/month and as month/day: the
    answer is then ``ASK``. Dotted dates are read day first, as German exports write them.
    """
    columns = {k: v for k, v in columns.items() if len(v)}
    if not columns:
        return None
    chosen: list[str] = []
    notes: list[str] = []
    for name, values in columns.items():
        values = pd.Series(pd.unique(values.str.strip()), dtype=object)
        single, formats = _date_formats(values)
        if not formats:
            example = ", ".join(values.iloc[:2])
            return _Setting(
                ASK,
                f"set the date formats, e.g. ['%d.%m.%Y']: no known format reads every value of "
                f"{name} (e.g. {example})",
                f"no known date format reads every value of {name} (e.g. {example})",
            )
        if _DAY_FIRST in single and _MONTH_FIRST in single:
            example = values.iat[0]
            return _Setting(
                ASK,
                f"set ['{_DAY_FIRST}'] ({example} day first) or ['{_MONTH_FIRST}'] (month "
                f"first): every day in {name} is 12 or less",
                f"{name} reads as day/month/year and as month/day/year (e.g. {example})",
            )
        # a format another column chose already, when it reads this column as well
        shared = next((f for f in chosen if f in single), None)
        for fmt in [shared] if shared else formats:
            if fmt not in chosen:
                chosen.append(fmt)
            if fmt.startswith("%d.%m.") and _all_days_small(values, fmt):
                notes.append(f"every day in {name} is 12 or less: read as day.month")
    if {_DAY_FIRST, _MONTH_FIRST} <= set(chosen):
        # one column day first, another month first: a sources file has one list for both
        return _Setting(
            ASK,
            f"set the date formats: some columns write {_DAY_FIRST}, others {_MONTH_FIRST}",
            f"the date columns mix {_DAY_FIRST} and {_MONTH_FIRST}",
        )
    comment = "; ".join(dict.fromkeys(notes))
    return _Setting(chosen, f"check: {comment}" if comment else "")


def _all_days_small(values: pd.Series, fmt: str) -> bool:
    days = parse_dates(values, [fmt], open_ended=True)[0].dropna()
    return bool(len(days)) and bool((days.dt.day <= 12).all())


# ----------------------------------------------------------------------------------------------
# the proposal


@dataclass(frozen=True)
class Proposal:
    """A proposed sources file.

    Attributes
    ----------
    text : str
        The YAML text, with comments for the user to check.
    tables : dict of str to str
        Each proposed table and where it comes from (``Umsatz.csv``, ``from sales``).
    questions : list of str
        What only the user can answer: each ``ASK`` of the text, by its key.
    unused : list of str
        The files and sheets no table was proposed for, with the reason.
    """

    text: str
    tables: dict[str, str]
    questions: list[str]
    unused: list[str]


@dataclass
class _Table:
    """A proposed table read from files or sheets."""

    name: str
    parts: list[_Part]
    fit: _Fit
    format: dict[str, _Setting] = field(default_factory=dict)
    where: tuple[str, str] | None = None  # condition, comment


def _scalar(value: str) -> str:
    """A YAML scalar for a string: plain where YAML reads it back as the same string, else
    double quoted (JSON's escapes are YAML's)."""
    if re.fullmatch(r"\w(?:[\w .\-/()]*[\w.)])?", value) and yaml.safe_load(value) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(str(v)) for v in value) + "]"
    return _scalar(str(value))


def _line(indent: int, key: str, value: str | None = None, comment: str = "") -> str:
    text = " " * indent + f"{key}:" + (f" {value}" if value is not None else "")
    if comment:
        text += "  # " + re.sub(r"\s+", " ", comment).strip()
    return text


def _examples(part: _Part, header: str) -> str:
    shown = []
    for value in part.present(header):
        text = parse_text(pd.Series([value], dtype=object)).iat[0]
        if text not in shown:
            shown.append(text)
        if len(shown) == 2:
            break
    return ("e.g. " + ", ".join(repr(v) for v in shown)) if shown else "no values"


def _path_text(path: Path, base: Path) -> str:
    """A file as the sources file names it: relative to the sources file, glob characters
    escaped (the sources file allows globs)."""
    try:
        shown = Path(os.path.relpath(path, base)).as_posix()
    except ValueError:  # another drive on Windows
        shown = path.resolve().as_posix()
    return glob.escape(shown)


def _group(candidates: list[tuple[_Part, _Fit]]) -> tuple[list, list]:
    """The parts a table is read from (files or sheets of one layout, appended), and the
    others that fit it as well."""

    def key(part: _Part) -> tuple:
        if part.excel:
            return ("excel", part.path, tuple(part.header), part.skip_lines)
        return ("csv", tuple(part.header), part.encoding, part.delimiter, part.skip_lines)

    groups: dict[tuple, list[tuple[_Part, _Fit]]] = {}
    for part, fit in candidates:
        groups.setdefault(key(part), []).append((part, fit))
    ranked = sorted(groups.values(), key=lambda g: (-max(f.score for _, f in g), -len(g)))
    return ranked[0], [item for group in ranked[1:] for item in group]


def _format(table: _Table) -> dict[str, _Setting]:
    """The format of a table read from files: how they are written, and how their numbers and
    dates are."""
    first = table.parts[0]
    settings: dict[str, _Setting] = {}
    if not first.excel:
        settings["delimiter"] = _Setting(first.delimiter)
        settings["encoding"] = _Setting(first.encoding)
    settings["skip_lines"] = _Setting(
        first.skip_lines,
        "lines before the header" if first.skip_lines else "",
    )
    spec = TABLES[table.name]
    numeric, dated = [], {}
    for column, match in table.fit.matches.items():
        kind = spec.column(column).type
        text = pd.concat([p.text(match.header) for p in table.parts], ignore_index=True)
        if kind in ("int", "float"):
            numeric.append((match.header, text))
        elif kind == "date":
            dated[match.header] = text
    values = (
        pd.concat([t for _, t in numeric], ignore_index=True)
        if numeric
        else pd.Series(dtype=object)
    )
    names = ", ".join(h for h, _ in numeric)
    numbers, trailing = _numbers(values.astype(object), names)
    if numbers is not None:
        settings["numbers"] = numbers
    if trailing:
        settings["trailing_minus"] = _Setting(True, "a minus behind the number, as in 100,20-")
    dates = _dates(dated)
    if dates is not None:
        settings["dates"] = dates
    return settings


def _where(table: _Table) -> tuple[str, str] | None:
    """A condition dropping rows without a customer number (totals and subtotals lines),
    when some rows have none."""
    match = table.fit.matches.get("account_id")
    if match is None:
        return None
    empty = sum(int(parse_text(p.cells(match.header)).isna().sum()) for p in table.parts if p.rows)
    total = sum(len(p.rows) for p in table.parts)
    if 0 < empty < total:
        return (
            f"{match.header} <> ''",
            f"check: drops the {empty} row(s) without {match.header} (totals lines?)",
        )
    return None


def _column_lines(table: str, matches: dict[str, _Match], part: _Part, extra=None) -> list:
    """The ``columns:`` lines of a table: each mapping with its check comment, then the
    required columns not found."""
    spec = TABLES[table]
    lines = ["    columns:"]
    order = [c.name for c in spec.columns] + sorted(set(matches) - {c.name for c in spec.columns})
    for column in order:
        if column in (extra or {}):
            header, comment = extra[column]
            lines.append(_line(6, column, _scalar(header), comment))
            continue
        match = matches.get(column)
        if match is None:
            continue
        notes = []
        if match.near is not None:
            notes.append(f"the name is only close to {match.near!r}")
        elif match.general:
            notes.append("a general name")
        if match.others:
            notes.append("or " + ", ".join(repr(o) for o in match.others) + "?")
        kind = spec.column(column).type
        if kind in ("int", "float"):
            sign = [h for h in part.header if normalise(h) in _SIGN_COLUMNS]
            if sign:
                notes.append(f"the sign may be in column {sign[0]!r}")
        comment = ""
        if notes:
            comment = "check: " + "; ".join(notes) + f" ({_examples(part, match.header)})"
        lines.append(_line(6, column, _scalar(match.header), comment))
    for column in spec.columns:
        if column.required and column.name not in matches and column.name not in (extra or {}):
            lines.append(f"      # not found: {column.name} (required)")
    return lines


def make_proposal(folder: str | Path, base: str | Path | None = None) -> Proposal:
    """Propose a sources file for the exports in ``folder``.

    Parameters
    ----------
    folder : str or Path
        The folder with the exports: ``*.csv`` and ``*.txt`` (CSV) files and Excel workbooks
        (every sheet).
    base : str or Path, optional
        The folder the sources file will be written to; file names are relative to it.
        Default: ``folder``.

    Returns
    -------
    Proposal

    Raises
    ------
    SourcesError
        When ``folder`` is no folder, holds no CSV or Excel file, or no file holds a table of
        the contract.
    """
    folder = Path(folder)
    base = Path(base) if base is not None else folder
    if not folder.is_dir():
        raise SourcesError(f"{folder}: no such folder")
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in _CSV | _EXCEL
        and not p.name.startswith(("~$", "."))  # Excel's lock files, hidden files
    )
    if not files:
        raise SourcesError(f"{folder} holds no CSV (.csv, .txt) or Excel (.xlsx) files")

    unused: list[str] = []
    parts: list[_Part] = []
    for path in files:
        read = _read_workbook(path) if path.suffix.lower() in _EXCEL else _read_csv(path)
        if isinstance(read, str):
            unused.append(f"{path.name}: {read}")
        else:
            parts.extend(read if isinstance(read, list) else [read])

    candidates: dict[str, list[tuple[_Part, _Fit]]] = {}
    for part in parts:
        fits = [_fit(part, table) for table in TABLES]
        eligible = [f for f in fits if f.eligible]
        if not eligible:
            closest = max(fits, key=lambda f: (f.required, f.score))
            need = sum(c.required for c in TABLES[closest.table].columns)
            near = (
                f" (closest: {closest.table}, {closest.required} of {need} required columns)"
                if closest.required
                else ""
            )
            unused.append(f"{part.label}: no table of the contract recognised{near}")
            continue
        best = max(eligible, key=lambda f: f.score)
        candidates.setdefault(best.table, []).append((part, best))
    if not candidates:
        raise SourcesError(
            f"no file in {folder} was recognised as a table of the data contract:\n"
            + "\n".join(f"  - {u}" for u in unused)
        )

    tables: list[_Table] = []
    for name in TABLES:  # the contract's order
        if name not in candidates:
            continue
        group, others = _group(candidates[name])
        table = _Table(
            name, [p for p, _ in group], max((f for _, f in group), key=lambda f: f.score)
        )
        table.format = _format(table)
        table.where = _where(table)
        tables.append(table)
        first = table.parts[0].label
        unused.extend(
            f"{p.label}: also looks like {name}, but has another layout than {first}"
            for p, _ in others
        )

    defaults = _defaults(tables)
    return _write(tables, defaults, unused, base)


def _defaults(tables: list[_Table]) -> dict[str, _Setting]:
    """The format keys all file tables agree on, taken out of the tables into ``defaults``.

    Every table reads ``skip_lines`` (0 included), so it moves only when all tables have the
    same; the other keys move when the tables that set them agree (a workbook of typed cells
    sets no number format, and the German one of the CSV files does it no harm). An ``ASK``
    moves only with the same question, so that each question keeps naming its columns.
    """
    defaults: dict[str, _Setting] = {}
    for key in ("delimiter", "encoding", "skip_lines", "numbers", "trailing_minus", "dates"):
        settings = [t.format[key] for t in tables if key in t.format]
        if not settings:
            continue
        first = settings[0]
        alike = all(
            s.value == first.value and (s.value != ASK or s.question == first.question)
            for s in settings
        )
        if key == "skip_lines" and len(settings) != len(tables):
            alike = False
        if alike:
            if not (key == "skip_lines" and first.value == 0):
                comments = dict.fromkeys(s.comment for s in settings if s.comment)
                comment = "; ".join(c.removeprefix("check: ") for c in comments)
                if any(c.startswith("check: ") for c in comments):
                    comment = "check: " + comment
                defaults[key] = _Setting(first.value, comment, first.question)
            for t in tables:
                t.format.pop(key, None)
        elif key == "skip_lines":
            for t in tables:  # 0 is the default: only the others are written
                if key in t.format and t.format[key].value == 0:
                    t.format.pop(key)
    return defaults


def _format_lines(settings: dict[str, _Setting], indent: int, key: str, questions: list) -> list:
    lines = []
    for name, setting in settings.items():
        lines.append(_line(indent, name, _value(setting.value), setting.comment))
        if setting.value == ASK:
            questions.append(f"{key}.{name}: {setting.question}")
    return lines


def _write(
    tables: list[_Table], defaults: dict[str, _Setting], unused: list[str], base: Path
) -> Proposal:
    """The YAML text of a proposal."""
    questions: list[str] = []
    lines = [
        "# kam sources file: which file holds each table of the data contract, and how.",
        "# Proposed from the files of this folder; check it before use:",
        "#   - every 'check' comment: a column or format recognised by a loose name or value,",
        "#   - every 'not found': a required column no file column was recognised for,",
        "#   - every ASK: a question only you can answer (the file is refused until then).",
        "# Then run: kam validate --sources <this file>",
    ]
    if unused:
        lines.append("#")
        lines.append("# not used:")
        lines.extend("#   - " + re.sub(r"\s+", " ", u) for u in unused)
    lines.append("")
    if defaults:
        lines.append("defaults:")
        lines.extend(_format_lines(defaults, 2, "defaults", questions))
    lines.append("tables:")
    origins: dict[str, str] = {}
    derived = _derived_accounts(tables)
    for table in tables:
        part = table.parts[0]
        shown = part.label if len(table.parts) == 1 else f"{part.label} and the like"
        recognised = f"{len(table.fit.matches)} of {len(part.header)} columns recognised"
        lines.append(_line(2, table.name, None, f"{shown}: {recognised}"))
        paths = list(dict.fromkeys(_path_text(p.path, base) for p in table.parts))
        if len(paths) == 1:
            lines.append(_line(4, "file", _scalar(paths[0])))
        else:
            lines.append(_line(4, "files", "[" + ", ".join(_scalar(p) for p in paths) + "]"))
        sheets = [p.sheet for p in table.parts if p.sheet is not None]
        if len(sheets) == 1:
            lines.append(_line(4, "sheet", _scalar(sheets[0])))
        elif sheets:
            lines.append(_line(4, "sheets", _value(sheets)))
        if table.format:
            lines.append("    format:")
            lines.extend(_format_lines(table.format, 6, f"tables.{table.name}.format", questions))
        if table.where:
            lines.append(_line(4, "where", _scalar(table.where[0]), table.where[1]))
        lines.extend(_column_lines(table.name, table.fit.matches, part))
        used = {m.header for m in table.fit.matches.values()}
        if derived is not None and table.name == "sales":
            used |= derived[1]
        rest = [h for h in part.header if h and h not in used]
        if rest:
            lines.append("      # also in the file: " + re.sub(r"\s+", " ", ", ".join(rest)))
        origins[table.name] = ", ".join(p.label for p in table.parts)
    if derived is not None:
        lines.extend(derived[0])
        origins["accounts"] = "from sales"
    text = "\n".join(lines) + "\n"
    return Proposal(text, origins, questions, unused)


def _derived_accounts(tables: list[_Table]) -> tuple[list[str], set[str]] | None:
    """``accounts`` as the distinct customers of ``sales``, when no file holds the accounts
    but the sales lines carry a customer number: its lines, and the sales columns it uses."""
    by_name = {t.name: t for t in tables}
    sales = by_name.get("sales")
    if "accounts" in by_name or sales is None or "account_id" not in sales.fit.matches:
        return None
    part = sales.parts[0]
    account_id = sales.fit.matches["account_id"]
    used = frozenset(m.header for m in sales.fit.matches.values())
    matches = _match_columns(part, "accounts", used)
    matches["account_id"] = account_id
    extra = {}
    if "name" not in matches:
        # the contract needs a name; until the user adds one, the number shows as the name
        extra["name"] = (
            account_id.header,
            f"check: no customer name found in {part.label}; the customer number "
            "stands in as the name",
        )
    lines = [
        _line(2, "accounts", None, "no file of customers found: the distinct customers of sales"),
        _line(4, "from", "sales"),
    ]
    lines.extend(_column_lines("accounts", matches, part, extra))
    return lines, {m.header for m in matches.values()}


def propose(folder: str | Path, base: str | Path | None = None) -> str:
    """The YAML text of a sources file proposed for the exports in ``folder``.

    See :func:`make_proposal`, which also tells the tables, questions and unused files.
    """
    return make_proposal(folder, base).text
