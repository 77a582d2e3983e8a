"""Reading a dataset (CSV / Parquet folder or DuckDB file) and validating it against the contract.

Files are read with DuckDB: CSV files as text (so that nothing is guessed: every value is parsed
here, where a failure can be reported with its row), Parquet and DuckDB tables with their own
types. :func:`validate` then checks every table at once and returns typed frames:

* date columns ``datetime64[ns]``; ``int`` and ``float`` columns ``float64`` (missing = NaN);
  ``bool`` columns ``bool``; text stripped, whitespace-only = missing; ids stay text;
* only the contract's columns (and the surveys' ``rating_*``) are kept;
* ``accounts.key_account``: an empty cell = not a key account; an absent column stays absent
  (:attr:`Dataset.marks_key_accounts` is False), and the parameters' key-account rule selects
  the key accounts once the KPIs are known (:mod:`kamlib.key_accounts`).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from kamlib.errors import DataError, KamError, Problem
from kamlib.schema import (
    ACCOUNT_ID_PATTERN,
    REQUIRED_TABLES,
    RUN_FILES,
    TABLES,
    WINDOWS_DEVICES,
    ColumnSpec,
    TableSpec,
    file_name_clash,
)

__all__ = [
    "DUCKDB_CONFIG",
    "Dataset",
    "Origin",
    "closest",
    "connect",
    "from_frames",
    "load_dataset",
    "read_raw",
    "suggest",
    "validate",
]

_SHOWN = 10  # rows listed per problem before "and N more"
_TRUE = {"true", "t", "yes", "y", "1", "ja", "j", "wahr"}
_FALSE = {"false", "f", "no", "n", "0", "nein", "falsch"}
_DATE_TEXT = r"^\d{4}-\d{2}-\d{2}$"


@dataclass(frozen=True)
class Dataset:
    """A validated dataset.

    Attributes
    ----------
    tables : dict of str -> pd.DataFrame
        The typed tables that are present.
    source : str
        Where the data came from.
    fingerprint : str
        Short SHA-256 of the input, to tell runs on different data apart.
    """

    tables: dict[str, pd.DataFrame]
    source: str
    fingerprint: str

    def has(self, name: str) -> bool:
        """Whether table ``name`` is present."""
        return name in self.tables

    def get(self, name: str) -> pd.DataFrame | None:
        """Table ``name``, or None when it is absent."""
        return self.tables.get(name)

    @property
    def marks_key_accounts(self) -> bool:
        """Whether ``accounts`` has a ``key_account`` column. Without one, the parameters' rule
        selects the key accounts from the KPIs (:func:`kamlib.key_accounts.select`)."""
        return "key_account" in self.tables["accounts"].columns

    def account_ids(self, key_only: bool = False) -> list[str]:
        """Account ids in the order of ``accounts``; with ``key_only``, those its
        ``key_account`` column marks.

        Raises
        ------
        KamError
            For ``key_only`` on data without a ``key_account`` column: the key accounts then
            depend on the KPIs and the parameters (:attr:`kamlib.frames.PortfolioFrames.keys`).
        """
        accounts = self.tables["accounts"]
        if key_only:
            if not self.marks_key_accounts:
                raise KamError(
                    "accounts has no key_account column: the key accounts are selected by the "
                    "parameters' rule from the KPIs (kamlib.key_accounts.select)."
                )
            accounts = accounts.loc[accounts["key_account"]]
        return accounts["account_id"].tolist()


# --- reading -------------------------------------------------------------------------------

#: DuckDB settings of every connection kam opens: never install or load an extension on its
#: own (the wheel has parquet, json and icu built in; anything else would be fetched from the
#: network at run time, which kam never does)
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def connect(database: str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with :data:`DUCKDB_CONFIG`."""
    return duckdb.connect(database, read_only=read_only, config=dict(DUCKDB_CONFIG))


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path) -> pd.DataFrame:
    rel = con.read_csv(
        str(path), header=True, all_varchar=True, delimiter=",", quotechar='"', escapechar='"'
    )
    return rel.df()


def _not_plain(path: Path) -> str | None:
    """Why a CSV file is not kam's plain format (UTF-8, comma-separated), if it looks like a
    German or Windows export; the words name the sources-file option that reads it."""
    head = path.read_bytes()[:65536]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return (
                f"{path.name} is not UTF-8 (byte {exc.start}; a Windows export in cp1252?); "
                "convert it, or read it with a sources file (--sources) and format.encoding: "
                "cp1252"
            )
        text = head[: exc.start].decode("utf-8")
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if header.count(";") > header.count(","):
        return (
            f"{path.name} looks semicolon-separated (header {header[:60]!r}); --data reads "
            "comma-separated files: read it with a sources file (--sources) and "
            "format.delimiter: ';' (and format.numbers: de for decimal commas)"
        )
    return None


def read_raw(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read every table of a dataset without interpreting values.

    Parameters
    ----------
    path : str or Path
        A folder of ``<table>.csv`` / ``<table>.parquet`` files, or a ``.duckdb`` file.

    Raises
    ------
    DataError
        If the path does not exist or a file cannot be read (all such problems at once).
    """
    path = Path(path)
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    if path.is_dir():
        con = connect()
        for name in TABLES:
            files = [f for f in (path / f"{name}.csv", path / f"{name}.parquet") if f.is_file()]
            if len(files) > 1:
                problems.append(
                    Problem(
                        name, None, f"found both {name}.csv and {name}.parquet; keep one of them"
                    )
                )
                continue
            if not files:
                continue
            hint = _not_plain(files[0]) if files[0].suffix == ".csv" else None
            if hint:
                problems.append(Problem(name, None, hint))
                continue
            try:
                tables[name] = (
                    _read_csv(con, files[0])
                    if files[0].suffix == ".csv"
                    else con.read_parquet(str(files[0])).df()
                )
            except (duckdb.Error, OSError, UnicodeDecodeError) as exc:
                problems.append(
                    Problem(name, None, f"{files[0].name} cannot be read: {_first_line(exc)}")
                )
        con.close()
        described = sorted(path.glob("*.y*ml"))
        if not tables and not problems and described:
            problems.append(
                Problem(
                    "dataset",
                    None,
                    f"{path} holds no <table>.csv files but {described[0].name}: read the "
                    f"exports it describes with --sources {described[0]}",
                )
            )
    elif path.is_file():
        try:
            con = connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise DataError(
                [
                    Problem(
                        "dataset",
                        None,
                        f"{path} is not a readable DuckDB database: {_first_line(exc)}",
                    )
                ]
            ) from None
        try:
            present = {
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables where table_schema = 'main'"
                ).fetchall()
            }
            for name in TABLES:
                if name in present:
                    tables[name] = con.table(name).df()
        except duckdb.Error as exc:
            problems.append(Problem("dataset", None, f"{path} cannot be read: {_first_line(exc)}"))
        finally:
            con.close()
    else:
        problems.append(Problem("dataset", None, f"no such folder or DuckDB file: {path}"))
    if problems:
        raise DataError(problems)
    return tables


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --- validation helpers --------------------------------------------------------------------


def _show(value: object) -> str:
    text = repr(value if not isinstance(value, np.generic) else value.item())
    return text if len(text) <= 40 else text[:37] + "...'"


#: how the table being checked names its rows, when they came through a sources file (the
#: line of the user's file, the row of the sheet); None: 1-based data rows
ROW_NAMES: ContextVar[Callable[[np.ndarray], str] | None] = ContextVar("ROW_NAMES", default=None)


def _where(
    mask: pd.Series | np.ndarray,
    values: pd.Series | Callable[[np.ndarray], pd.Series] | None = None,
) -> str:
    """'rows 3, 7: 'x', 'y'' for the True positions of ``mask`` (1-based data rows, or the
    user's lines and rows through :data:`ROW_NAMES`).

    ``values`` is the column shown, or a function giving the shown values for the positions
    (0-based) that are listed, so that a costly rendering is done for those rows only.
    """
    positions = np.flatnonzero(np.asarray(mask))
    shown = positions[:_SHOWN]
    more = f" and {len(positions) - _SHOWN} more" if len(positions) > _SHOWN else ""
    names = ROW_NAMES.get()
    if names is not None:
        where = names(shown) + more
    else:
        label = "row" if len(positions) == 1 else "rows"
        where = f"{label} {', '.join(str(p + 1) for p in shown)}{more}"
    if values is None:
        return where
    if callable(values):
        vals = ", ".join(_show(v) for v in values(shown))
    else:
        vals = ", ".join(_show(values.iloc[p]) for p in shown)
    return f"{where}: {vals}"


def closest(wanted: str, found: Iterable[object]) -> str | None:
    """The name in ``found`` closest to ``wanted`` (ignoring case), if one is close."""
    names = [str(f) for f in found]
    by_lower = {n.lower(): n for n in reversed(names)}
    if wanted.lower() in by_lower:
        return by_lower[wanted.lower()]
    match = difflib.get_close_matches(wanted.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None


def suggest(wanted: str, found: Iterable[object]) -> str:
    """``; did you mean 'Account_ID'?`` when a found name is close to ``wanted``."""
    near = closest(wanted, found)
    return f"; did you mean {near!r}?" if near is not None else ""


# The checks below work on whole columns: millions of rows are checked in C loops (NumPy, the
# pandas hash tables) and through the distinct values of a column, never with a Python call per
# row where a column of text can be handled as a whole.

_strip = np.frompyfunc(str.strip, 1, 1)  # str.strip over an object array, in one C loop


def _all_text(values: np.ndarray) -> bool:
    """Whether every element of an object array is a ``str`` (true for an empty array)."""
    return pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty")


def _missing(values: np.ndarray) -> np.ndarray:
    """``pd.isna`` of an object array, without its cost when every element is a ``str``."""
    return np.zeros(len(values), dtype=bool) if _all_text(values) else pd.isna(values)


def _by_value(values: np.ndarray, func: Callable[[object], object]) -> np.ndarray:
    """``func`` of every element of ``values`` (an object array of ``str``), called once per
    distinct value: equal strings give equal results, and a column holds few distinct dates,
    booleans or codes."""
    codes, uniques = pd.factorize(values)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [func(u) for u in uniques]
    return mapped[codes]


_NULLABLE = (
    pd.BooleanDtype,
    pd.Int8Dtype,
    pd.Int16Dtype,
    pd.Int32Dtype,
    pd.Int64Dtype,
    pd.UInt8Dtype,
    pd.UInt16Dtype,
    pd.UInt32Dtype,
    pd.UInt64Dtype,
)


def _by_number(dtype: object) -> bool:
    """Whether values of ``dtype`` are equal exactly when their text is: NumPy numbers,
    booleans and naive dates, and the nullable integers and booleans of pandas."""
    if isinstance(dtype, np.dtype):
        return dtype.kind in "biufM"
    return isinstance(dtype, _NULLABLE)


def _text(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Text with surrounding whitespace removed and whitespace-only made missing.

    Returns
    -------
    values : np.ndarray
        Object array: ``str`` values, ``np.nan`` where missing (numbers and other objects as
        their ``str``).
    missing : np.ndarray
        Bool mask of the missing values.
    """
    if pd.api.types.is_float_dtype(series.dtype):
        # ids that arrived as numbers: 12.0 -> '12'
        whole = series.dropna() == np.floor(series.dropna())
        if whole.all():
            series = series.astype("Int64")
    dtype = series.dtype
    n = len(series)
    if _by_number(dtype):
        # numbers, booleans, naive dates: the text of each distinct value, made once
        if dtype.kind == "f":
            # distinct by bit pattern, so that 0.0 and -0.0 keep their own text
            floats = series.to_numpy()
            absent = np.isnan(floats)
            codes = np.full(n, -1, dtype=np.intp)
            codes[~absent], uniques = pd.factorize(floats.view(f"i{floats.itemsize}")[~absent])
            objects = uniques.view(floats.dtype).tolist()
        else:
            codes, uniques = pd.factorize(series)
            objects = np.asarray(uniques, dtype=object).tolist()
        texts = [str(v).strip() for v in objects]
        gone = np.array([t == "" for t in texts] + [True], dtype=bool)
        cleaned = np.array([*texts, np.nan], dtype=object)
        cleaned[gone] = np.nan
        return cleaned[codes], gone[codes]  # code -1 (missing) picks the trailing nan
    values = series.to_numpy(dtype=object)
    if _all_text(values):  # the usual case: text without a missing value
        missing = np.zeros(n, dtype=bool)
        stripped = _strip(values) if n else values.copy()
    else:
        missing = series.isna().to_numpy()
        present = values[~missing]
        if _all_text(present):
            stripped_present = _strip(present) if len(present) else present
        else:
            # other objects (numbers, dates from Parquet ...) become their text
            stripped_present = np.array(
                [(v if isinstance(v, str) else str(v)).strip() for v in present], dtype=object
            )
        stripped = np.full(n, np.nan, dtype=object)
        stripped[~missing] = stripped_present
    empty = stripped == ""
    if np.ndim(empty) and empty.any():
        stripped[empty] = np.nan
        missing = missing | empty
    return stripped, missing


def _clean_text(series: pd.Series) -> pd.Series:
    """Text with surrounding whitespace removed and whitespace-only made missing."""
    return pd.Series(_text(series)[0], index=series.index, name=series.name, dtype=object)


def _is_open_end(value: object) -> bool:
    """A date in the year 9999, as ERPs write "no end" (``9999-12-31``, a date object)."""
    if isinstance(value, str):
        return value.startswith("9999-")
    return getattr(value, "year", None) == 9999


_DATE_PATTERN = re.compile(_DATE_TEXT)


def _parse_date(
    raw: pd.Series, open_ended: bool = False
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Dates, a mask of present values that are not dates and a mask of missing dates; with
    ``open_ended``, a date in the year 9999 is read as the empty cell (no end)."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) else raw
        values = values.dt.normalize().astype("datetime64[ns]")
        return values, np.zeros(len(raw), dtype=bool), values.isna().to_numpy()
    text, missing = _text(raw)
    present = ~missing
    # every present value is a str now; a column holds few distinct dates: each is parsed once
    codes, uniques = pd.factorize(text[present])
    uniques = np.asarray(uniques, dtype=object)
    if open_ended:
        open_end = np.array([_is_open_end(u) for u in uniques], dtype=bool)
        if open_end.any():  # read as empty cells
            keep = ~open_end[codes]
            present[present] = keep
            codes = codes[keep]
    strict = np.array([_DATE_PATTERN.match(u) is not None for u in uniques], dtype=bool)
    candidates = pd.Series(uniques, dtype=object).where(strict)
    dates = pd.to_datetime(candidates, format="%Y-%m-%d", errors="coerce")
    dates = dates.to_numpy(dtype="datetime64[ns]")
    parsed = np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[ns]")
    parsed[present] = dates[codes]
    values = pd.Series(parsed, index=raw.index, name=raw.name).dt.normalize()
    na = np.isnat(parsed)
    return values, present & na, na


def _parse_number(raw: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Numbers, a mask of present values that are not numbers and a mask of missing ones."""
    if pd.api.types.is_bool_dtype(raw.dtype) or pd.api.types.is_numeric_dtype(raw.dtype):
        values = raw.astype(float)
        return values, np.zeros(len(raw), dtype=bool), values.isna().to_numpy()
    text, missing = _text(raw)
    values = pd.to_numeric(
        pd.Series(text, index=raw.index, name=raw.name, dtype=object), errors="coerce"
    ).astype(float)
    bad = ~missing & (values.isna() | ~np.isfinite(values.fillna(0))).to_numpy()
    values = values.where(~bad)
    return values, bad, values.isna().to_numpy()


def _parse_bool(raw: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """True / False (None where not a boolean), a mask of present values that are not booleans
    and a mask of missing ones."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.astype(object).where(raw.notna())
        return values, np.zeros(len(raw), dtype=bool), values.isna().to_numpy()
    text, missing = _text(raw)

    def read(value: object) -> bool | None:
        low = str(value).lower()
        return True if low in _TRUE else (False if low in _FALSE else None)

    out = text.copy()  # nan where missing
    present = ~missing
    if present.any():
        out[present] = _by_value(text[present], read)
    bad = present & np.equal(out, None)
    return pd.Series(out, index=raw.index, name=raw.name, dtype=object), bad, missing | bad


_EXPECTED = {
    "date": "dates in YYYY-MM-DD",
    "int": "whole numbers",
    "float": "numbers",
    "bool": "true or false",
}


def _check_column(
    table: str, spec: ColumnSpec, raw: pd.Series, problems: list[Problem]
) -> pd.Series:
    """Typed values of one column; problems are appended."""
    col = spec.name
    if spec.type == "str":
        text, na = _text(raw)
        values = pd.Series(text, index=raw.index, name=raw.name, dtype=object)
        bad = np.zeros(len(raw), dtype=bool)
    elif spec.type == "date":
        values, bad, na = _parse_date(raw, spec.open_ended)
    elif spec.type in ("int", "float"):
        values, bad, na = _parse_number(raw)
    else:
        values, bad, na = _parse_bool(raw)
    if bad.any():
        problems.append(
            Problem(
                table,
                col,
                f"{int(bad.sum())} value(s) are not {_EXPECTED[spec.type]} ({_where(bad, raw)})",
            )
        )
    present = ~na & ~bad
    if spec.required:
        missing = na & ~bad
        if missing.any():
            problems.append(
                Problem(
                    table,
                    col,
                    f"{int(missing.sum())} required value(s) are missing ({_where(missing)})",
                )
            )
    if spec.type == "int":
        frac = present & (values != np.floor(values.fillna(0))).to_numpy()
        if frac.any():
            problems.append(
                Problem(
                    table,
                    col,
                    f"{int(frac.sum())} value(s) are not whole numbers ({_where(frac, raw)})",
                )
            )
    if spec.min is not None or spec.max is not None:
        low = -np.inf if spec.min is None else spec.min
        high = np.inf if spec.max is None else spec.max
        out = present & ((values < low) | (values > high)).to_numpy()
        if out.any():
            span = f"between {low:g} and {high:g}" if spec.max is not None else f"at least {low:g}"
            problems.append(
                Problem(
                    table,
                    col,
                    f"{int(out.sum())} value(s) are out of range, "
                    f"expected {span} ({_where(out, raw)})",
                )
            )
    if spec.allowed:
        if present.any():
            lowered = values.to_numpy(dtype=object).copy()
            lowered[~na] = _by_value(lowered[~na], lambda v: str(v).lower())
            values = pd.Series(lowered, index=raw.index, name=raw.name, dtype=object)
        else:  # nothing to lower: pandas' own map keeps the type it gave an empty column
            values = values.map(lambda v: str(v).lower(), na_action="ignore")
        wrong = present & ~values.isin(spec.allowed).to_numpy()
        if wrong.any():
            problems.append(
                Problem(
                    table,
                    col,
                    f"{int(wrong.sum())} value(s) are not one of "
                    f"{', '.join(spec.allowed)} ({_where(wrong, raw)})",
                )
            )
    return values


def _id_tables() -> tuple[np.ndarray, np.ndarray, int]:
    """:data:`~kamlib.schema.ACCOUNT_ID_PATTERN` (one character of a class, then up to a
    number of characters of another) as tables of the ASCII code points allowed first and
    after, and the longest id, read off the pattern itself."""
    first = np.array([ACCOUNT_ID_PATTERN.fullmatch(chr(c)) is not None for c in range(128)])
    probe = chr(int(np.flatnonzero(first)[0]))
    after = np.array([ACCOUNT_ID_PATTERN.fullmatch(probe + chr(c)) is not None for c in range(128)])
    longest = 1
    while longest < 4096 and ACCOUNT_ID_PATTERN.fullmatch(probe * (longest + 1)):
        longest += 1
    return first, after, longest


_ID_FIRST, _ID_AFTER, _ID_LONGEST = _id_tables()


def _id_mismatch(ids: np.ndarray) -> np.ndarray:
    """Which of ``ids`` (an object array of ``str``) do not match
    :data:`~kamlib.schema.ACCOUNT_ID_PATTERN`, checked on the code points of all ids at once."""
    n = len(ids)
    if n == 0:
        return np.zeros(0, dtype=bool)
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=n)
    mismatch = (lengths < 1) | (lengths > _ID_LONGEST)
    fits = ~mismatch
    if fits.any():
        width = int(lengths[fits].max())
        points = np.array(ids[fits], dtype=f"<U{width}").view(np.uint32).reshape(-1, width)
        ascii_ = points < 128
        points = np.where(ascii_, points, 0)
        allowed = ascii_ & _ID_AFTER[points]
        allowed[:, 0] = ascii_[:, 0] & _ID_FIRST[points[:, 0]]
        # a code point beyond the id's own length is NumPy's padding (or a trailing NUL, which
        # the pattern refuses as well: the length counts it)
        inside = np.arange(width) < lengths[fits][:, None]
        mismatch[fits] = ~(allowed | ~inside).all(axis=1)
    return mismatch


#: ids that may be refused as report file names start with one of these (lower case)
_CLASH_PREFIX = min(len(n) for n in (*RUN_FILES, *WINDOWS_DEVICES))
_CLASH_STARTS = frozenset(n[:_CLASH_PREFIX] for n in (*RUN_FILES, *WINDOWS_DEVICES))


def _check_accounts(typed: pd.DataFrame, problems: list[Problem]) -> None:
    """The account ids: pattern, report file names, ids equal but for case; ``key_account``."""
    name = "accounts"
    ids = typed["account_id"]
    id_values = ids.to_numpy(dtype=object)
    is_text = ids.notna().to_numpy()  # ids are text: str or missing
    bad = np.zeros(len(ids), dtype=bool)
    bad[is_text] = _id_mismatch(id_values[is_text])
    if bad.any():
        problems.append(
            Problem(
                name,
                "account_id",
                f"{int(bad.sum())} id(s) do not match "
                "1-64 characters of A-Z a-z 0-9 _ . - not starting with "
                f". or - ({_where(bad, ids)})",
            )
        )
    valid = is_text & ~bad
    folded = ids.where(valid).str.lower()
    # only an id starting like a run file or a device name can clash: file_name_clash itself
    # decides for those few
    candidates = valid & folded.str[:_CLASH_PREFIX].isin(_CLASH_STARTS).to_numpy()
    clash = pd.Series(None, index=ids.index, dtype=object)
    clash[candidates] = [file_name_clash(v) for v in id_values[candidates]]
    clash = clash.where(valid)
    for reason in clash.dropna().unique():
        rows = clash == reason
        problems.append(
            Problem(
                name,
                "account_id",
                f"{int(rows.sum())} id(s) cannot name a report file: {reason} "
                f"({_where(rows, ids)}); give the account another account_id",
            )
        )
    twins = folded.notna() & folded.duplicated(keep=False) & ~ids.duplicated(keep=False)
    if twins.any():
        problems.append(
            Problem(
                name,
                "account_id",
                f"{int(twins.sum())} ids differ only in upper and lower case, so their "
                "reports would overwrite each other on Windows and macOS "
                f"({_where(twins, ids)}); give the accounts ids that differ in more than case",
            )
        )
    if "key_account" in typed.columns:
        # True, False, None or nan: equal to True is being True
        flags = typed["key_account"].to_numpy(dtype=object)
        typed["key_account"] = (flags == True).astype(bool)  # noqa: E712
    # without the column the parameters' rule decides, once the KPIs are known: no flag here


def _check_table(
    spec: TableSpec, raw: pd.DataFrame, problems: list[Problem]
) -> pd.DataFrame | None:
    name = spec.name
    index = raw.index
    if not (isinstance(index, pd.RangeIndex) and index.name is None) or not index.equals(
        pd.RangeIndex(len(raw))
    ):
        raw = raw.reset_index(drop=True)  # a copy of the whole table: only where needed
    missing_cols = [c.name for c in spec.columns if c.required and c.name not in raw.columns]
    for col in missing_cols:
        problems.append(
            Problem(
                name,
                col,
                f"required column is missing (found columns: "
                f"{', '.join(map(str, raw.columns)) or 'none'}){suggest(col, raw.columns)}",
            )
        )
    typed = pd.DataFrame(index=raw.index)
    for col in raw.columns:
        col_spec = spec.column(str(col))
        if col_spec is None:
            continue  # extra columns are allowed and ignored
        typed[col_spec.name] = _check_column(name, col_spec, raw[col], problems)
    if missing_cols:
        return None
    if spec.key and all(k in typed.columns for k in spec.key):
        keys = typed[list(spec.key)]
        if len(spec.key) == 1:
            key = keys.iloc[:, 0]
            if len(pd.unique(key.to_numpy())) == len(key):  # the usual case: all distinct
                dup = np.zeros(len(key), dtype=bool)
            else:
                dup = ~_missing(key.to_numpy(dtype=object)) & key.duplicated(keep=False).to_numpy()
        else:
            dup = keys.notna().all(axis=1) & keys.duplicated(keep=False)
        if dup.any():
            label = "+".join(spec.key)

            def shown_keys(positions: np.ndarray) -> pd.Series:
                # dates are whole days, so their text is the same for a few rows as for all
                return keys.iloc[positions].astype(str).agg(" / ".join, axis=1)

            problems.append(
                Problem(
                    name,
                    label,
                    f"{int(dup.sum())} rows share a key that must "
                    f"be unique ({_where(dup, shown_keys)})",
                )
            )
    for start, end in spec.intervals:
        if start in typed.columns and end in typed.columns:
            back = typed[end].notna() & typed[start].notna() & (typed[end] < typed[start])
            if back.any():
                ends = typed[end]
                problems.append(
                    Problem(
                        name,
                        end,
                        f"{int(back.sum())} value(s) lie before {start} "
                        f"({_where(back, lambda p, e=ends: e.iloc[p].dt.strftime('%Y-%m-%d'))})",
                    )
                )
    if name == "market" and "date" in typed.columns:
        not_first = typed["date"].notna() & (typed["date"].dt.day != 1)
        if not_first.any():
            problems.append(
                Problem(
                    name,
                    "date",
                    f"{int(not_first.sum())} value(s) are not the "
                    f"first day of a month ({_where(not_first, raw['date'])})",
                )
            )
    if name == "accounts":
        _check_accounts(typed, problems)
    return typed


@dataclass(frozen=True)
class Origin:
    """Where a table's rows and columns came from, in the user's terms (a sources file).

    Attributes
    ----------
    rows : callable
        Positions of rows (0-based) -> the words naming them, e.g.
        ``Umsatz.csv lines 5, 9``.
    columns : callable
        A contract column (or None for the whole table) -> the words naming it, e.g.
        ``sales (Umsatz.csv), column 'Belegdatum' (date)``.
    """

    rows: Callable[[np.ndarray], str]
    columns: Callable[[str | None], str]


def validate(
    raw: dict[str, pd.DataFrame], origins: dict[str, Origin] | None = None
) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Check every table against the contract and return the typed tables.

    Parameters
    ----------
    raw : dict of str -> pd.DataFrame
        Tables as read (text, or native types from Parquet / DuckDB / in-memory frames).
    origins : dict of str -> Origin, optional
        For tables read through a sources file: problems name the user's files, columns and
        lines instead of the contract's table, column and data row.

    Returns
    -------
    tables : dict of str -> pd.DataFrame
        Typed tables (only meaningful when there are no problems).
    problems : list of Problem
        Every problem found, in contract order of the tables.
    """
    problems: list[Problem] = []
    typed: dict[str, pd.DataFrame] = {}
    for name in REQUIRED_TABLES:
        if name not in raw:
            problems.append(
                Problem(
                    name,
                    None,
                    f"required table is missing (expected {name}.csv, "
                    f"{name}.parquet or a table '{name}')",
                )
            )
        elif len(raw[name]) == 0:
            problems.append(Problem(name, None, "required table has no data rows"))
    origins = origins or {}

    def named(name: str, found: list[Problem]) -> list[Problem]:
        origin = origins.get(name)
        if origin is None:
            return found
        return [Problem(p.table, p.column, p.message, origin.columns(p.column)) for p in found]

    for name, spec in TABLES.items():
        if name in raw:
            found: list[Problem] = []
            token = ROW_NAMES.set(origins[name].rows if name in origins else None)
            try:
                table = _check_table(spec, raw[name], found)
            finally:
                ROW_NAMES.reset(token)
            problems.extend(named(name, found))
            if table is not None:
                typed[name] = table
    accounts = typed.get("accounts")
    if accounts is not None:
        known = set(accounts["account_id"].dropna())
        # the same ids as an array: Series.isin would turn the set into one on every call
        known_ids = np.array(list(known), dtype=object)
        for name, table in typed.items():
            cols = ["account_id"] if name != "accounts" else ["parent_id"]
            for col in cols:
                if col not in table.columns:
                    continue
                refs = table[col].to_numpy(dtype=object)
                present = ~_missing(refs)
                if known.issuperset(refs[present] if not present.all() else refs):
                    continue  # the usual case, decided without a mask
                unknown = present & ~table[col].isin(known_ids).to_numpy()
                if unknown.any():
                    token = ROW_NAMES.set(origins[name].rows if name in origins else None)
                    try:
                        where = _where(unknown, table[col])
                    finally:
                        ROW_NAMES.reset(token)
                    problem = Problem(
                        name,
                        col,
                        f"{int(unknown.sum())} row(s) refer to "
                        f"accounts that do not exist in accounts ({where})",
                    )
                    problems.extend(named(name, [problem]))
    return typed, problems


def _fingerprint_files(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(f for f in path.iterdir() if f.is_file()) if path.is_dir() else [path]
    for f in files:
        if f.stem in TABLES or f == path:
            digest.update(f.name.encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def load_dataset(path: str | Path) -> Dataset:
    """Read and validate a dataset.

    Raises
    ------
    DataError
        Listing every problem of every table, each with table, column and rows.
    """
    path = Path(path)
    raw = read_raw(path)
    tables, problems = validate(raw)
    if problems:
        raise DataError(problems)
    return Dataset(tables, str(path), _fingerprint_files(path))


def _column_bytes(values: pd.Series) -> bytes:
    """The content of one typed column as bytes, for :func:`_fingerprint_frames`."""
    array = values.to_numpy()
    if array.dtype.kind in "biufmM":
        if array.dtype.kind == "f":  # every NaN alike
            array = np.where(np.isnan(array), np.nan, array)
        return np.ascontiguousarray(array).tobytes()
    array = np.asarray(array, dtype=object)
    missing = _missing(array)
    present = array[~missing] if missing.any() else array
    if not _all_text(present):
        present = np.array([repr(v) for v in present], dtype=object)
    joined = "\0".join(present.tolist())
    head = np.packbits(missing).tobytes()
    if joined.count("\0") != max(len(present) - 1, 0):
        # texts holding the separator themselves: their lengths keep them apart
        head += np.fromiter(map(len, present), dtype=np.int64, count=len(present)).tobytes()
    return head + joined.encode("utf-8", "surrogatepass")


def _fingerprint_frames(tables: dict[str, pd.DataFrame]) -> str:
    """Short SHA-256 of typed tables: names, columns, types and values (the values as bytes,
    so that millions of rows are hashed in moments)."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        table = tables[name]
        digest.update(f"{name}\0{len(table)}\0".encode())
        for col in table.columns:
            digest.update(f"{col}\0{table[col].dtype}\0".encode())
            digest.update(_column_bytes(table[col]))
    return digest.hexdigest()[:16]


def from_frames(tables: dict[str, pd.DataFrame], source: str = "in-memory") -> Dataset:
    """Validate in-memory frames (text or typed values) into a :class:`Dataset`.

    Raises
    ------
    DataError
        As :func:`load_dataset`.
    """
    typed, problems = validate(dict(tables))
    if problems:
        raise DataError(problems)
    return Dataset(typed, source, _fingerprint_frames(typed))
