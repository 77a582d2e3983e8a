"""Reading the raw rows of a source (CSV files, Excel sheets, a SQL query), each row with its
place as the user sees it: the line of the file, the row of the sheet."""

from __future__ import annotations

import codecs
import csv
import glob
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kamlib.sources.model import Connection, FileFormat, SourcesError, TableSource

__all__ = ["Raw", "read_source"]

_EXCEL = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}


@dataclass
class Raw:
    """The rows of a source as read: text cells (CSV) or the cells' own types (Excel, SQL).

    Attributes
    ----------
    frame : pd.DataFrame
        The source's columns, as the user named them.
    parts : list of str
        Where the rows come from, e.g. ``Umsatz_2024.csv`` or ``Umsatz.xlsx, sheet '2024'``.
    part : np.ndarray
        For each row, the index of its part.
    line : np.ndarray
        For each row, its line in the file (CSV, counting the header and the lines before
        it) or its row in the sheet (Excel), as the user's editor shows it.
    unit : str
        ``line`` or ``row``.
    """

    frame: pd.DataFrame
    parts: list[str]
    part: np.ndarray
    line: np.ndarray
    unit: str = "line"

    def take(self, mask: np.ndarray) -> Raw:
        """The rows where ``mask`` holds."""
        return Raw(
            self.frame.loc[mask].reset_index(drop=True),
            self.parts,
            self.part[mask],
            self.line[mask],
            self.unit,
        )

    def take_positions(self, positions: np.ndarray) -> Raw:
        """The rows at ``positions``, in that order."""
        return Raw(
            self.frame.iloc[positions].reset_index(drop=True),
            self.parts,
            self.part[positions],
            self.line[positions],
            self.unit,
        )

    def describe(self) -> str:
        """The parts, for a message: ``Umsatz_2023.csv, Umsatz_2024.csv``."""
        return ", ".join(self.parts) if len(self.parts) <= 3 else f"{self.parts[0]} and others"


def _files(base: Path, patterns: list[str], table: str) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        full = base / pattern
        matches = sorted(Path(p) for p in glob.glob(str(full)))
        if not matches:
            raise SourcesError(
                f"tables.{table}: no file matches {pattern!r} (looked in {full.parent})"
            )
        found.extend(m for m in matches if m not in found)
    return found


def _sniff(path: Path, fmt: FileFormat) -> str:
    """A hint when a file does not look like its declared format: another delimiter, or not
    the declared encoding."""
    head = path.read_bytes()[:65536]
    try:
        head.decode(fmt.encoding or "utf-8")
    except UnicodeDecodeError:
        return ""
    lines = head.decode(fmt.encoding or "utf-8", errors="replace").splitlines()
    line = lines[fmt.skip_lines] if len(lines) > (fmt.skip_lines or 0) else ""
    counts = {d: line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=counts.get)
    if best != fmt.delimiter and counts[best] > counts.get(fmt.delimiter, 0):
        shown = {"\t": "'\\t' (tab)"}.get(best, repr(best))
        return f"; its header line looks {shown}-separated: set format.delimiter: {shown}"
    return ""


def _read_csv(path: Path, fmt: FileFormat, table: str) -> tuple[pd.DataFrame, int]:
    """The file as text cells, and the line number of its header."""
    encoding = fmt.encoding or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourcesError(
            f"tables.{table}.format.encoding: unknown encoding {encoding!r} "
            "(e.g. utf-8, utf-8-sig, cp1252, latin-1)"
        ) from None
    try:
        frame = pd.read_csv(
            path,
            sep=fmt.delimiter or ",",
            encoding=encoding,
            skiprows=fmt.skip_lines or 0,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            quotechar='"',
            engine="c",
            skip_blank_lines=False,
        )
    except UnicodeDecodeError as exc:
        hint = (
            " (a Windows export? set format.encoding: cp1252)" if encoding.startswith("utf") else ""
        )
        raise SourcesError(f"{path.name}: not {encoding} at byte {exc.start}{hint}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, OSError) as exc:
        raise SourcesError(
            f"{path.name} cannot be read: {str(exc).strip().splitlines()[0]}{_sniff(path, fmt)}"
        ) from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    if len(frame.columns) == 1 and frame.shape[0] >= 0:
        hint = _sniff(path, fmt)
        if hint:
            raise SourcesError(f"{path.name} has a single column {frame.columns[0]!r}{hint}")
    return frame, (fmt.skip_lines or 0) + 1


def _read_excel(path: Path, sheet: str | None, fmt: FileFormat) -> tuple[pd.DataFrame, int]:
    """A sheet with its cells' own types, and the row number of its header."""
    import python_calamine as calamine

    errors = (calamine.CalamineError, calamine.PasswordError, calamine.XmlError)
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
    except (*errors, calamine.ZipError, OSError, ValueError) as exc:
        raise SourcesError(f"{path.name} cannot be read as a workbook: {exc}") from None
    names = book.sheet_names
    name = sheet if sheet is not None else names[0]
    if name not in names:
        raise SourcesError(f"{path.name} has no sheet {name!r}; its sheets are {names}")
    rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    skip = fmt.skip_lines or 0
    if len(rows) <= skip:
        raise SourcesError(f"{path.name}, sheet {name!r}: no header row after {skip} rows")
    header = [str(c).strip() if c != "" else f"column {i + 1}" for i, c in enumerate(rows[skip])]
    body = rows[skip + 1 :]
    frame = (
        pd.DataFrame(body, columns=header, dtype=object)
        if body
        else pd.DataFrame(columns=header, dtype=object)
    )
    # calamine gives an empty cell as ''; the contract's empty cell is missing
    frame = frame.replace({"": None})
    return frame, skip + 1


def _append(pieces: list[tuple[pd.DataFrame, str, int]], unit: str, table: str) -> Raw:
    columns = list(pieces[0][0].columns)
    for frame, label, _ in pieces[1:]:
        if list(frame.columns) != columns:
            raise SourcesError(
                f"tables.{table}: {label} has other columns than {pieces[0][1]} "
                f"({list(frame.columns)} against {columns}); appended files must share a header"
            )
    frame = (
        pd.concat([p[0] for p in pieces], ignore_index=True) if len(pieces) > 1 else pieces[0][0]
    )
    part = np.concatenate([np.full(len(p[0]), i) for i, p in enumerate(pieces)]).astype(int)
    line = np.concatenate([np.arange(len(p[0])) + p[2] + 1 for p in pieces]).astype(int)
    return Raw(frame.reset_index(drop=True), [p[1] for p in pieces], part, line, unit)


def read_source(
    name: str,
    source: TableSource,
    fmt: FileFormat,
    base: Path,
    connections: dict[str, Connection],
) -> Raw:
    """The raw rows of table ``name``'s source (files appended in order).

    Raises
    ------
    SourcesError
        Naming the file (and sheet) or connection.
    """
    if source.connection:
        from kamlib.sources.sql import read_sql

        conn = connections[source.connection]
        frame = read_sql(
            conn.url,
            conn.password_env,
            query=source.query,
            table=source.table,
            where=f"connection {source.connection!r}",
        )
        label = f"the query of tables.{name} on connection {source.connection!r}"
        return Raw(
            frame.reset_index(drop=True),
            [label],
            np.zeros(len(frame), dtype=int),
            np.arange(1, len(frame) + 1),
            "row",
        )
    pieces = []
    excel = None
    for path in _files(base, source.paths(), name):
        is_excel = path.suffix.lower() in _EXCEL
        if excel is not None and excel != is_excel:
            raise SourcesError(f"tables.{name}: do not mix CSV and Excel files in one table")
        excel = is_excel
        if is_excel:
            for sheet in source.sheets or [source.sheet]:
                frame, header = _read_excel(path, sheet, fmt)
                label = f"{path.name}, sheet {sheet!r}" if sheet else path.name
                pieces.append((frame, label, header))
        else:
            if source.sheet or source.sheets:
                raise SourcesError(f"tables.{name}: {path.name} is a CSV file and has no sheets")
            frame, header = _read_csv(path, fmt, name)
            pieces.append((frame, path.name, header))
    return _append(pieces, "row" if excel else "line", name)
