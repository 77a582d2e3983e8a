"""From a sources file to a validated :class:`~kamlib.data.Dataset`.

For each table of the file: read its source's rows (:mod:`kamlib.sources.read`), keep the rows
its ``where`` condition keeps, and make each contract column from its source column or
expression, parsing text by the declared number and date formats
(:mod:`kamlib.sources.formats`: strict, so a value is read right or reported, never misread).
Derived tables (``from``) take the distinct rows of another table's source. The tables then go
through the contract's validation unchanged, with every problem named in the user's terms: the
file (and sheet), the user's column next to the contract's, the line of the file or the row of
the sheet.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from kamlib.data import Dataset, Origin, connect, suggest, validate
from kamlib.errors import DataError, Problem
from kamlib.schema import TABLES, ColumnSpec
from kamlib.sources.formats import parse_dates, parse_numbers, parse_text
from kamlib.sources.model import PLAIN, Column, FileFormat, SourcesFile, read_sources_file
from kamlib.sources.read import Raw, read_source

__all__ = ["load_sources", "read_tables"]

_SHOWN = 10
#: words an expression or condition may not contain: it is one SQL expression over the
#: source's columns, never a query, a statement or a file access
_FORBIDDEN = re.compile(
    r";|\b(select|from|attach|copy|install|load|pragma|create|insert|update|delete|drop|"
    r"alter|call|export|import|set|read_\w+|glob)\b",
    re.IGNORECASE,
)


def _rows(raw: Raw, positions: np.ndarray) -> str:
    """``Umsatz.csv lines 5, 9; Umsatz_2023.csv line 4`` for rows of ``raw``."""
    groups: dict[int, list[int]] = {}
    for p in positions:
        groups.setdefault(int(raw.part[p]), []).append(int(raw.line[p]))
    words = []
    for part, lines in groups.items():
        unit = raw.unit + ("s" if len(lines) > 1 else "")
        words.append(f"{raw.parts[part]} {unit} {', '.join(map(str, lines))}")
    return "; ".join(words)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "...'"


def _bad_rows(raw: Raw, bad: np.ndarray, values: pd.Series) -> str:
    positions = np.flatnonzero(bad)
    shown = positions[:_SHOWN]
    more = f" and {len(positions) - _SHOWN} more" if len(positions) > _SHOWN else ""
    return f"{_rows(raw, shown)}{more}: {', '.join(_shown(values.iloc[p]) for p in shown)}"


def _sql_check(text: str, key: str) -> list[Problem]:
    if _FORBIDDEN.search(text):
        return [
            Problem(
                "sources",
                None,
                f"{key}: {text!r} is not a simple expression (one SQL expression over the "
                "source's columns: no queries, statements or file access)",
            )
        ]
    return []


def _referenced(expr: str, columns: list[str]) -> list[str]:
    """The source columns an expression names (bare or in double quotes)."""
    found = []
    for col in columns:
        quoted = f'"{col}"'
        if quoted in expr or re.search(rf"(?<![\w\"]){re.escape(col)}(?![\w\"])", expr):
            found.append(col)
    return found


def _quoted(expr: str, columns: list[str]) -> str:
    """The expression with every bare column name quoted (a name like ``Menge`` may be an SQL
    keyword, and names are matched as the user wrote them)."""
    for col in sorted(columns, key=len, reverse=True):
        expr = re.sub(rf"(?<![\w\"]){re.escape(col)}(?![\w\"])", f'"{col}"', expr)
    return expr


class _Table:
    """Making one contract table from its raw rows."""

    def __init__(self, name: str, raw: Raw, fmt: FileFormat, label: str):
        self.name, self.raw, self.fmt, self.label = name, raw, fmt, label
        self.problems: list[Problem] = []
        self.user_columns: dict[str, str] = {}

    def where(self, column: str | None) -> str:
        if column is None:
            return f"{self.name} ({self.label})"
        user = self.user_columns.get(column)
        if user is None or user == column:
            return f"{self.name} ({self.label}), column '{column}'"
        return f"{self.name} ({self.label}), column {user} ({column})"

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.name, column, message, self.where(column)))

    def parse(self, spec: ColumnSpec, values: pd.Series) -> tuple[pd.Series, np.ndarray]:
        """Typed values of a contract column from source cells, and the bad rows."""
        if spec.type in ("int", "float"):
            parsed, bad = parse_numbers(values, self.fmt.numbers, bool(self.fmt.trailing_minus))
            expected = {
                "de": "numbers written 1.234,56",
                "en": "numbers written 1,234.56",
                "plain": "numbers written 1234.56",
            }[self.fmt.numbers]
            if self.fmt.trailing_minus:
                expected += " (minus in front or behind)"
        elif spec.type == "date":
            parsed, bad = parse_dates(values, self.fmt.dates, open_ended=spec.open_ended)
            expected = "dates as " + " or ".join(
                f.replace("%d", "DD").replace("%m", "MM").replace("%Y", "YYYY").replace("%y", "YY")
                for f in self.fmt.dates
            )
        else:  # text and true/false: the contract's validation reads them
            parsed, bad = parse_text(values), pd.Series(False, index=values.index)
            expected = ""
        bad = bad.to_numpy(dtype=bool)
        if bad.any():
            self.problem(
                spec.name,
                f"{int(bad.sum())} value(s) are not {expected} ({_bad_rows(self.raw, bad, values)})",
            )
        return parsed.where(~bad), bad

    def _any_of_type(self, spec: ColumnSpec, values: pd.Series) -> bool:
        """Whether any present value reads as the type of ``spec``."""
        if spec.type == "date":
            parsed, _ = parse_dates(values, self.fmt.dates, open_ended=spec.open_ended)
        else:
            parsed, _ = parse_numbers(values, self.fmt.numbers, bool(self.fmt.trailing_minus))
        return bool(parsed.notna().any())

    def column(self, spec: ColumnSpec, source: str | Column) -> pd.Series | None:
        frame = self.raw.frame
        columns = [str(c) for c in frame.columns]
        if isinstance(source, str):
            self.user_columns[spec.name] = repr(source)
            if source not in columns:
                self.problem(
                    spec.name,
                    f"the source has no column {source!r} (its columns: "
                    f"{', '.join(columns) or 'none'}){suggest(source, columns)}",
                )
                return None
            return self.parse(spec, frame[source])[0]
        if source.value is not None:
            self.user_columns[spec.name] = f"= {source.value!r}"
            return self.parse(spec, pd.Series([source.value] * len(frame), dtype=object))[0]
        expr = source.expr
        self.user_columns[spec.name] = f"= {expr}"
        found = _sql_check(expr, f"tables.{self.name}.columns.{spec.name}")
        if found:
            self.problems.extend(found)
            return None
        used = _referenced(expr, columns)
        inputs = pd.DataFrame(index=frame.index)
        for col in used:
            # a column the expression uses is read as the contract column's type (amounts
            # by the number format, dates by the date formats); a column none of whose values
            # is of that type is a text column (a debit/credit flag) and stays text
            if spec.type in ("int", "float", "date") and not self._any_of_type(spec, frame[col]):
                inputs[col] = parse_text(frame[col])
            else:
                inputs[col] = self.parse(spec, frame[col])[0]
        sql_type = {"int": "DOUBLE", "float": "DOUBLE", "date": "DATE", "bool": "BOOLEAN"}.get(
            spec.type, "VARCHAR"
        )
        try:
            out = _evaluate(f"CAST(({_quoted(expr, used)}) AS {sql_type})", inputs)
        except duckdb.Error as exc:
            self.problem(
                spec.name,
                f"the expression {expr!r} cannot be computed: {_first_line(exc)} "
                f"(the source's columns: {', '.join(columns)})",
            )
            return None
        if spec.type == "date":
            out = pd.to_datetime(out)
        return out


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0]


def _evaluate(sql: str, frame: pd.DataFrame, as_mask: bool = False) -> pd.Series:
    """One SQL expression over ``frame``'s columns, in a DuckDB connection that can read no
    file and load no extension."""
    con = connect()
    try:
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        con.register("source", frame if len(frame.columns) else frame.assign(_one=1))
        result = con.execute(f"SELECT {sql} AS value FROM source").df()["value"]
    finally:
        con.close()
    result.index = frame.index
    if as_mask:
        return result.fillna(False).astype(bool)
    return result


def _keep(raw: Raw, condition: str | None, key: str) -> tuple[Raw, list[Problem]]:
    """The rows where ``condition`` holds; the condition sees every cell as text."""
    if not condition:
        return raw, []
    found = _sql_check(condition, key)
    if found:
        return raw, found
    text = raw.frame.astype(object).where(raw.frame.notna(), None)
    text = text.apply(lambda c: c.map(lambda v: v if v is None else str(v)))
    columns = [str(c) for c in raw.frame.columns]
    try:
        mask = _evaluate(f"({_quoted(condition, columns)})", text, as_mask=True)
    except duckdb.Error as exc:
        return raw, [
            Problem(
                "sources",
                None,
                f"{key}: the condition {condition!r} cannot be computed: {_first_line(exc)} "
                f"(the source's columns: {', '.join(columns)})",
            )
        ]
    return raw.take(mask.to_numpy()), []


def read_tables(
    sources: SourcesFile, base: Path
) -> tuple[dict[str, pd.DataFrame], dict[str, Origin], list[Problem]]:
    """The contract's tables made from their sources (typed, before validation), where their
    rows came from, and every problem found on the way.

    Raises
    ------
    SourcesError
        When a source cannot be read at all (a missing file, a bad encoding, a database
        error).
    """
    defaults = sources.defaults.over(PLAIN)
    raws: dict[str, Raw] = {}
    tables: dict[str, pd.DataFrame] = {}
    origins: dict[str, Origin] = {}
    problems: list[Problem] = []
    # tables read from files and databases first: derived tables need them
    order = sorted(sources.tables, key=lambda n: sources.tables[n].derived_from is not None)
    for name in order:
        source = sources.tables[name]
        fmt = source.format.over(defaults)
        if source.derived_from:
            base_source = sources.tables[source.derived_from]
            if source.derived_from not in raws:
                continue  # its own problems are reported
            raw = raws[source.derived_from]
            fmt = source.format.over(base_source.format.over(defaults))
        else:
            raw = read_source(name, source, fmt, base, sources.connections)
        raw, found = _keep(raw, source.where, f"tables.{name}.where")
        problems.extend(found)
        if found:
            continue
        if not source.derived_from:
            raws[name] = raw
        made = _Table(name, raw, fmt, raw.describe())
        spec = TABLES[name]
        for col in spec.columns:
            if col.required and col.name not in source.columns:
                made.problem(
                    col.name,
                    f"required, and no column of the source is given for it: add "
                    f"tables.{name}.columns.{col.name} (the source's columns: "
                    f"{', '.join(map(str, raw.frame.columns))}){suggest(col.name, raw.frame.columns)}",
                )
        frame = pd.DataFrame(index=raw.frame.index)
        for column, column_source in source.columns.items():
            values = made.column(spec.column(column), column_source)
            if values is not None:
                frame[column] = values
        if source.derived_from:
            frame, raw = _distinct(frame, raw, spec.key)
            made.raw = raw
        problems.extend(made.problems)
        tables[name] = frame
        origins[name] = Origin(
            rows=lambda positions, raw=raw: _rows(raw, positions), columns=made.where
        )
    return tables, origins, problems


def _distinct(
    frame: pd.DataFrame, raw: Raw, key: tuple[str, ...] | None
) -> tuple[pd.DataFrame, Raw]:
    """The distinct rows of a derived table: one per key (the first row of each key, e.g. a
    customer's first sales line), or per whole row without a key; sorted by the key, so that
    the order of the lines they came from does not matter."""
    by = [k for k in (key or ()) if k in frame.columns] or list(frame.columns)
    keep = ~frame[by].astype(str).duplicated().to_numpy()
    distinct, raw = frame.loc[keep].reset_index(drop=True), raw.take(keep)
    order = distinct.sort_values(by, kind="stable", na_position="last").index.to_numpy()
    return distinct.loc[order].reset_index(drop=True), raw.take_positions(order)


def load_sources(path: str | Path) -> Dataset:
    """Read and validate the dataset a sources file describes.

    Parameters
    ----------
    path : str or Path
        The sources file; its file names are relative to its folder.

    Raises
    ------
    SourcesError
        For an invalid sources file or a source that cannot be read.
    DataError
        Listing every problem of the data, each in the user's terms.
    """
    path = Path(path)
    sources = read_sources_file(path)
    tables, origins, problems = read_tables(sources, path.parent)
    typed, more = validate(tables, origins)
    # a value already reported as unreadable is missing for the validation: say it once
    reported = {(p.table, p.column) for p in problems}
    problems += [
        p for p in more if not ((p.table, p.column) in reported and "missing" in p.message)
    ]
    if problems:
        raise DataError(problems)
    digest = hashlib.sha256(path.read_bytes())
    for name in sorted(typed):
        digest.update(name.encode())
        digest.update(
            pd.util.hash_pandas_object(typed[name].astype(str), index=False).values.tobytes()
        )
    return Dataset(typed, str(path), digest.hexdigest()[:16])
