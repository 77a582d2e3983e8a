"""The KPI pass at scale, each step against its previous implementation measured in the same
run: 25,000 accounts and 100,000 sales rows (plus surveys, invoices, interactions, complaints).

    .venv/bin/python benchmarks/kpis_speed.py [--accounts 25000] [--rows 100000] [--no-baseline]

* validating the in-memory frames, against the previous validation (a Python call per value for
  text, booleans and account ids; every value turned into text for the fingerprint), kept below
  as :func:`legacy_from_frames`;
* ``forecast_12m`` of every account (:func:`kamlib.kpis.forecast_12m`: monthly revenue, then the
  forecast totals over worker processes), against the previous single-process version
  (:func:`legacy_forecast_12m`: the month of every row worked out row by row, then
  :func:`kamlib.forecast.forecast` account by account in this process);
* the KPI pass without and with forecasts, against a per-account loop for 3 of the KPIs;
* peak memory of the new steps: sampled over this process and its descendants, and
  ``ru_maxrss`` of this process and its children.

The new results are checked against the baselines' (the same tables, problems and forecasts).
Also reports, when ../shared/data is present, the real CDNOW purchase log (23,570 customers).
"""

from __future__ import annotations

import argparse
import multiprocessing.forkserver
import os
import resource
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kamlib import forecast, kpis
from kamlib import measures as m
from kamlib.data import (
    _DATE_TEXT,
    _FALSE,
    _SHOWN,
    _TRUE,
    REQUIRED_TABLES,
    ROW_NAMES,
    TABLES,
    Dataset,
    Origin,
    _show,
    from_frames,
    suggest,
)
from kamlib.errors import Problem
from kamlib.params import Params
from kamlib.schema import ACCOUNT_ID_PATTERN, ColumnSpec, TableSpec, file_name_clash

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# --- baseline: the previous validation, a Python call per value -----------------------------


def _legacy_where(mask: pd.Series, values: pd.Series | None = None) -> str:
    """'rows 3, 7: 'x', 'y'' for the True positions of ``mask`` (1-based data rows, or the
    user's lines and rows through :data:`ROW_NAMES`)."""
    positions = np.flatnonzero(mask.to_numpy())
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
    vals = ", ".join(_show(values.iloc[p]) for p in shown)
    return f"{where}: {vals}"


def _legacy_clean_text(series: pd.Series) -> pd.Series:
    """Text with surrounding whitespace removed and whitespace-only made missing."""
    if pd.api.types.is_float_dtype(series.dtype):
        # ids that arrived as numbers: 12.0 -> '12'
        whole = series.dropna() == np.floor(series.dropna())
        if whole.all():
            series = series.astype("Int64")
    out = series.astype(object).where(series.notna())
    out = out.map(lambda v: v if v is None or isinstance(v, str) else str(v), na_action="ignore")
    out = out.map(lambda v: v.strip() if isinstance(v, str) else v)
    return out.where(out.notna() & (out != ""), np.nan).astype(object)


def _legacy_is_open_end(value: object) -> bool:
    """A date in the year 9999, as ERPs write "no end" (``9999-12-31``, a date object)."""
    if isinstance(value, str):
        return value.startswith("9999-")
    return getattr(value, "year", None) == 9999


def _legacy_parse_date(raw: pd.Series, open_ended: bool = False) -> tuple[pd.Series, pd.Series]:
    """Dates and a mask of present values that are not dates; with ``open_ended``, a date in
    the year 9999 is read as the empty cell (no end)."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) else raw
        return values.dt.normalize().astype("datetime64[ns]"), pd.Series(False, index=raw.index)
    text = _legacy_clean_text(raw)
    if open_ended:
        text = text.where(~text.map(_legacy_is_open_end).astype(bool), np.nan)
    is_text = text.map(lambda v: isinstance(v, str)).astype(bool)
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    if is_text.any():
        strict = text[is_text].str.match(_DATE_TEXT)
        parsed[is_text] = pd.to_datetime(
            text[is_text].where(strict), format="%Y-%m-%d", errors="coerce"
        )
    others = text.notna() & ~is_text
    if others.any():  # date objects from Parquet / DuckDB
        parsed[others] = pd.to_datetime(text[others], errors="coerce")
    bad = text.notna() & parsed.isna()
    return parsed.dt.normalize(), bad


def _legacy_parse_number(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype(float), pd.Series(False, index=raw.index)
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return raw.astype(float), pd.Series(False, index=raw.index)
    text = _legacy_clean_text(raw)
    values = pd.to_numeric(text, errors="coerce").astype(float)
    bad = text.notna() & (values.isna() | ~np.isfinite(values.fillna(0)))
    return values.where(~bad), bad


def _legacy_parse_bool(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype(object).where(raw.notna()), pd.Series(False, index=raw.index)
    text = _legacy_clean_text(raw).map(lambda v: str(v).lower(), na_action="ignore")
    values = text.map(
        lambda v: True if v in _TRUE else (False if v in _FALSE else None), na_action="ignore"
    )
    bad = text.notna() & values.isna()
    return values.astype(object), bad


_legacy_EXPECTED = {
    "date": "dates in YYYY-MM-DD",
    "int": "whole numbers",
    "float": "numbers",
    "bool": "true or false",
}


def _legacy_check_column(
    table: str, spec: ColumnSpec, raw: pd.Series, problems: list[Problem]
) -> pd.Series:
    """Typed values of one column; problems are appended."""
    col = spec.name
    if spec.type == "str":
        values, bad = _legacy_clean_text(raw), pd.Series(False, index=raw.index)
    elif spec.type == "date":
        values, bad = _legacy_parse_date(raw, spec.open_ended)
    elif spec.type in ("int", "float"):
        values, bad = _legacy_parse_number(raw)
    else:
        values, bad = _legacy_parse_bool(raw)
    if bad.any():
        problems.append(
            Problem(
                table,
                col,
                f"{int(bad.sum())} value(s) are not {_legacy_EXPECTED[spec.type]} ({_legacy_where(bad, raw)})",
            )
        )
    present = values.notna() & ~bad
    if spec.required:
        missing = values.isna() & ~bad
        if missing.any():
            problems.append(
                Problem(
                    table,
                    col,
                    f"{int(missing.sum())} required value(s) are missing ({_legacy_where(missing)})",
                )
            )
    if spec.type == "int":
        frac = present & (values != np.floor(values.fillna(0)))
        if frac.any():
            problems.append(
                Problem(
                    table,
                    col,
                    f"{int(frac.sum())} value(s) are not whole numbers ({_legacy_where(frac, raw)})",
                )
            )
    if spec.min is not None or spec.max is not None:
        low = -np.inf if spec.min is None else spec.min
        high = np.inf if spec.max is None else spec.max
        out = present & ((values < low) | (values > high))
        if out.any():
            span = f"between {low:g} and {high:g}" if spec.max is not None else f"at least {low:g}"
            problems.append(
                Problem(
                    table,
                    col,
                    f"{int(out.sum())} value(s) are out of range, "
                    f"expected {span} ({_legacy_where(out, raw)})",
                )
            )
    if spec.allowed:
        values = values.map(lambda v: str(v).lower(), na_action="ignore")
        wrong = present & ~values.isin(spec.allowed)
        if wrong.any():
            problems.append(
                Problem(
                    table,
                    col,
                    f"{int(wrong.sum())} value(s) are not one of "
                    f"{', '.join(spec.allowed)} ({_legacy_where(wrong, raw)})",
                )
            )
    if spec.type == "bool":
        return values
    return values


def _legacy_check_table(
    spec: TableSpec, raw: pd.DataFrame, problems: list[Problem]
) -> pd.DataFrame | None:
    name = spec.name
    raw = raw.reset_index(drop=True)
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
        typed[col_spec.name] = _legacy_check_column(name, col_spec, raw[col], problems)
    if missing_cols:
        return None
    if spec.key and all(k in typed.columns for k in spec.key):
        keys = typed[list(spec.key)]
        dup = keys.notna().all(axis=1) & keys.duplicated(keep=False)
        if dup.any():
            label = "+".join(spec.key)
            problems.append(
                Problem(
                    name,
                    label,
                    f"{int(dup.sum())} rows share a key that must "
                    f"be unique ({_legacy_where(dup, keys.astype(str).agg(' / '.join, axis=1))})",
                )
            )
    for start, end in spec.intervals:
        if start in typed.columns and end in typed.columns:
            back = typed[end].notna() & typed[start].notna() & (typed[end] < typed[start])
            if back.any():
                problems.append(
                    Problem(
                        name,
                        end,
                        f"{int(back.sum())} value(s) lie before "
                        f"{start} ({_legacy_where(back, typed[end].dt.strftime('%Y-%m-%d'))})",
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
                    f"first day of a month ({_legacy_where(not_first, raw['date'])})",
                )
            )
    if name == "accounts":
        ids = typed["account_id"]
        bad = ids.map(
            lambda v: isinstance(v, str) and ACCOUNT_ID_PATTERN.fullmatch(v) is None
        ).astype(bool)
        if bad.any():
            problems.append(
                Problem(
                    name,
                    "account_id",
                    f"{int(bad.sum())} id(s) do not match "
                    "1-64 characters of A-Z a-z 0-9 _ . - not starting with "
                    f". or - ({_legacy_where(bad, ids)})",
                )
            )
        valid = ids.map(lambda v: isinstance(v, str)).astype(bool) & ~bad
        clash = ids.map(lambda v: file_name_clash(v) if isinstance(v, str) else None)
        clash = clash.where(valid)
        for reason in clash.dropna().unique():
            rows = clash == reason
            problems.append(
                Problem(
                    name,
                    "account_id",
                    f"{int(rows.sum())} id(s) cannot name a report file: {reason} "
                    f"({_legacy_where(rows, ids)}); give the account another account_id",
                )
            )
        folded = ids.where(valid).str.lower()
        twins = folded.notna() & folded.duplicated(keep=False) & ~ids.duplicated(keep=False)
        if twins.any():
            problems.append(
                Problem(
                    name,
                    "account_id",
                    f"{int(twins.sum())} ids differ only in upper and lower case, so their "
                    "reports would overwrite each other on Windows and macOS "
                    f"({_legacy_where(twins, ids)}); give the accounts ids that differ in more than case",
                )
            )
        if "key_account" in typed.columns:
            typed["key_account"] = typed["key_account"].map(lambda v: v is True).astype(bool)
        # without the column the parameters' key-account rule decides later (as kamlib does)
    return typed


def legacy_validate(
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
                table = _legacy_check_table(spec, raw[name], found)
            finally:
                ROW_NAMES.reset(token)
            problems.extend(named(name, found))
            if table is not None:
                typed[name] = table
    accounts = typed.get("accounts")
    if accounts is not None:
        known = set(accounts["account_id"].dropna())
        for name, table in typed.items():
            cols = ["account_id"] if name != "accounts" else ["parent_id"]
            for col in cols:
                if col not in table.columns:
                    continue
                unknown = table[col].notna() & ~table[col].isin(known)
                if unknown.any():
                    token = ROW_NAMES.set(origins[name].rows if name in origins else None)
                    try:
                        where = _legacy_where(unknown, table[col])
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


def legacy_from_frames(tables: dict[str, pd.DataFrame], source: str = "in-memory") -> Dataset:
    """The previous :func:`kamlib.data.from_frames`: :func:`legacy_validate`, then a fingerprint
    of every value turned into text."""
    import hashlib

    from kamlib.errors import DataError

    typed, problems = legacy_validate(dict(tables))
    if problems:
        raise DataError(problems)
    digest = hashlib.sha256()
    for name in sorted(typed):
        digest.update(name.encode())
        digest.update(
            pd.util.hash_pandas_object(typed[name].astype(str), index=False).values.tobytes()
        )
    return Dataset(typed, source, digest.hexdigest()[:16])


# --- baseline: the previous forecast totals, every modelled account in this process ----------


def legacy_monthly_revenue(sales: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The previous :func:`kamlib.measures.monthly_revenue` (the month of every row worked out
    row by row, the rows always copied)."""
    last = m.last_complete_month(as_of)
    rows = sales.loc[sales["date"] < last + pd.offsets.MonthBegin(1)]
    if rows.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="month"), dtype=float)
    month = rows["date"].dt.to_period("M").dt.to_timestamp()
    wide = rows.groupby([month.rename("month"), rows["account_id"]])["net_revenue"].sum().unstack()
    index = pd.date_range(wide.index.min(), last, freq="MS", name="month")
    wide = wide.reindex(index)
    started = wide.notna().cummax()
    return wide.fillna(0.0).where(started).astype(float)


def legacy_forecast_totals(monthly: pd.DataFrame, horizon: int = 12) -> pd.Series:
    """The previous :func:`kamlib.forecast.forecast_totals`: the recent mean vectorised, then
    :func:`kamlib.forecast.forecast` account by account in this process (BLAS as configured)."""
    if monthly.empty:
        return pd.Series(0.0, index=monthly.columns, dtype=float)
    n = monthly.notna().sum()
    zero_share = (monthly == 0).sum() / n.where(n > 0)
    simple = (n < 24) | (zero_share >= 0.30) | (n == 0)
    recent = monthly.iloc[-12:].mean().fillna(0.0) * horizon
    totals = recent.where(simple)
    for account_id in monthly.columns[~simple.to_numpy()]:
        y = monthly[account_id].dropna()
        totals[account_id] = float(forecast.forecast(y, horizon)["mean"].sum())
    return totals.astype(float)


# --- the run ----------------------------------------------------------------------------------


def synthetic(n_accounts: int, n_rows: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:06d}" for i in range(n_accounts)])
    start = np.datetime64("2023-01-01")
    days = lambda n: start + rng.integers(0, 1000, n).astype("timedelta64[D]")  # noqa: E731
    pick = lambda n: ids[rng.zipf(1.3, n) % n_accounts]  # noqa: E731
    n_small = n_rows // 5
    opened = days(n_small)
    return {
        "accounts": pd.DataFrame({"account_id": ids, "name": [f"Customer {i}" for i in ids]}),
        "sales": pd.DataFrame(
            {
                "date": days(n_rows),
                "account_id": pick(n_rows),
                "net_revenue": rng.gamma(2.0, 500.0, n_rows),
            }
        ),
        "surveys": pd.DataFrame(
            {
                "response_id": [f"R{i}" for i in range(n_small)],
                "account_id": pick(n_small),
                "date": days(n_small),
                "nps": rng.integers(0, 11, n_small),
            }
        ),
        "invoices": pd.DataFrame(
            {
                "invoice_id": [f"I{i}" for i in range(n_small)],
                "account_id": pick(n_small),
                "invoice_date": opened,
                "due_date": opened + np.timedelta64(30, "D"),
                "paid_date": opened + rng.integers(10, 90, n_small).astype("timedelta64[D]"),
                "amount": rng.gamma(2.0, 500.0, n_small),
            }
        ),
        "interactions": pd.DataFrame(
            {
                "interaction_id": [f"X{i}" for i in range(n_small)],
                "account_id": pick(n_small),
                "date": days(n_small),
            }
        ),
        "complaints": pd.DataFrame(
            {
                "complaint_id": [f"K{i}" for i in range(n_small)],
                "account_id": pick(n_small),
                "opened_date": opened,
            }
        ),
    }


def per_account_loop(dataset, as_of: pd.Timestamp, sample: list[str]) -> float:
    """Baseline: the same KPIs account by account (revenue, NPS, overdue), seconds per account."""
    sales, surveys = dataset.get("sales"), dataset.get("surveys")
    invoices = dataset.get("invoices")
    start = time.perf_counter()
    for account_id in sample:
        s = sales.loc[sales["account_id"] == account_id]
        s.loc[
            (s["date"] > as_of - pd.DateOffset(months=12)) & (s["date"] <= as_of), "net_revenue"
        ].sum()
        v = surveys.loc[surveys["account_id"] == account_id, "nps"]
        _ = ((v >= 9).mean() - (v <= 6).mean()) * 100 if len(v) else np.nan
        i = invoices.loc[invoices["account_id"] == account_id]
        i.loc[
            (i["due_date"] <= as_of) & (i["paid_date"].isna() | (i["paid_date"] > as_of)), "amount"
        ].sum()
    return (time.perf_counter() - start) / len(sample)


class TreeMemory:
    """Resident memory (VmRSS) of this process and its descendants, sampled every ``every``
    seconds while running: the largest sum over all of them (shared pages count once per
    process: an upper bound) and the largest descendant. Linux only; elsewhere both stay 0."""

    def __init__(self, every: float = 0.25) -> None:
        self.every, self.peak, self.largest_child = every, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            sizes = _tree_rss(me)
            self.peak = max(self.peak, sum(sizes.values()))
            others = [size for pid, size in sizes.items() if pid != me]
            self.largest_child = max([self.largest_child, *others])
            self._stop.wait(self.every)


def _tree_rss(root: int) -> dict[int, int]:
    """Resident bytes of ``root`` and of each of its descendants (from /proc), by pid."""
    page = os.sysconf("SC_PAGE_SIZE")
    parents, rss = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # after the command: state, ppid, ... and the resident pages as the 22nd
        parents[int(entry.name)], rss[int(entry.name)] = int(fields[1]), int(fields[21]) * page
    tree, grew = {root}, True
    while grew:
        more = {p for p, parent in parents.items() if parent in tree} - tree
        grew = bool(more)
        tree |= more
    return {p: rss.get(p, 0) for p in tree}


def peak_rss() -> tuple[float, float]:
    """``ru_maxrss`` of this process and of its largest waited-for descendant, in GB."""
    self_ = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    return self_, children


def timed(func, *args, **kwargs):
    """``(seconds, result)`` of one call."""
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def new_forecast_12m(dataset: Dataset, as_of: pd.Timestamp) -> pd.Series:
    """``forecast_12m`` as the KPI pass computes it (:func:`kamlib.kpis.forecast_12m`)."""
    sales = dataset.get("sales")
    ids = pd.Index(dataset.get("accounts")["account_id"], name="account_id")
    until = sales["date"] <= as_of
    return kpis.forecast_12m(sales if until.all() else sales.loc[until], as_of, ids)


def legacy_forecast_12m(dataset: Dataset, as_of: pd.Timestamp) -> pd.Series:
    """``forecast_12m`` as the KPI pass computed it before."""
    sales = dataset.get("sales")
    ids = pd.Index(dataset.get("accounts")["account_id"], name="account_id")
    monthly = legacy_monthly_revenue(sales.loc[sales["date"] <= as_of], as_of)
    return legacy_forecast_totals(monthly, 12).reindex(ids, fill_value=0.0).astype(float)


def same_tables(a: Dataset, b: Dataset) -> bool:
    """Whether two datasets hold the same tables: columns, types and values."""
    return a.tables.keys() == b.tables.keys() and all(
        a.tables[k].equals(b.tables[k]) and list(a.tables[k]) == list(b.tables[k]) for k in a.tables
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=25_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the previous implementations"
    )
    args = parser.parse_args()
    frames = synthetic(args.accounts, args.rows)
    as_of = pd.Timestamp("2025-09-30")
    # the models are imported before anything is timed: neither side pays for that
    warm = pd.Series(np.arange(36.0) + 1, index=pd.date_range("2020-01-01", periods=36, freq="MS"))
    forecast.forecast(warm, 12)

    with TreeMemory() as tree:
        t_load, dataset = timed(from_frames, frames)
        t_kpis, table = timed(kpis.compute, dataset, as_of, Params(), with_forecast=False)
        t_forecast, totals = timed(new_forecast_12m, dataset, as_of)
        t_full, _ = timed(kpis.compute, dataset, as_of, Params(), with_forecast=True)
    # the fork server of the forecast workers is waited for: their peak counts as a child's
    multiprocessing.forkserver._forkserver._stop()
    mem_self, mem_children = peak_rss()
    modelled = int(forecast.PARALLEL_MIN)

    print(
        f"{args.accounts} accounts, {args.rows} sales rows, {os.cpu_count()} cores "
        f"(forecast workers from {modelled} modelled accounts on)"
    )
    rows = [("validate in-memory frames", t_load), ("forecast_12m of every account", t_forecast)]
    base = {}
    if not args.no_baseline:
        base["validate in-memory frames"], legacy = timed(legacy_from_frames, frames)
        base["forecast_12m of every account"], legacy_totals = timed(
            legacy_forecast_12m, dataset, as_of
        )
        same = same_tables(dataset, legacy) and totals.equals(legacy_totals)
    print(f"  {'step':34s} {'now':>9s} {'baseline':>10s} {'ratio':>7s}")
    for label, seconds in rows:
        if label in base:
            print(
                f"  {label:34s} {seconds:8.2f}s {base[label]:9.2f}s {base[label] / seconds:6.1f}x"
            )
        else:
            print(f"  {label:34s} {seconds:8.2f}s")
    print(f"  {'KPI pass without forecasts':34s} {t_kpis:8.2f}s")
    print(f"  {'KPI pass with forecast_12m':34s} {t_full:8.2f}s")
    loop = per_account_loop(dataset, as_of, list(table.index[:300]))
    print(
        f"  {'per-account loop, 3 of 12 KPIs':34s} {loop * args.accounts:8.2f}s extrapolated "
        f"({loop * 1000:.2f} ms/account, {loop * args.accounts / t_kpis:.0f}x the pass)"
    )
    print(
        f"  peak memory: all processes together {tree.peak / 2**30:.2f} GB, largest worker "
        f"{tree.largest_child / 2**30:.2f} GB (sampled every 0.25 s)"
    )
    print(
        f"  ru_maxrss: this process {mem_self:.2f} GB, children {mem_children:.2f} GB (on Linux "
        "a child counts the size of this process when it was forked, before its exec)"
    )
    if base:
        print(f"  results identical to the baselines': {'yes' if same else 'NO'}")
    cdnow = SHARED / "transactions" / "cdnow_master.txt"
    if not cdnow.is_file():
        print(f"CDNOW purchase log not found at {cdnow}: skipped")
        return
    raw = pd.read_csv(cdnow, sep=r"\s+")
    frames = {
        "accounts": pd.DataFrame({"account_id": raw["customer_id"].astype(str).unique()}),
        "sales": pd.DataFrame(
            {
                "date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
                "account_id": raw["customer_id"].astype(str),
                "net_revenue": raw["dollar_value"].astype(float),
            }
        ),
    }
    frames["accounts"]["name"] = "Customer " + frames["accounts"]["account_id"]
    t0 = time.perf_counter()
    real = from_frames(frames)
    full = kpis.compute(real, pd.Timestamp("1998-06-30"), Params())
    print(
        f"CDNOW: {len(full)} customers, {len(frames['sales'])} rows: "
        f"validate + KPIs with forecasts {time.perf_counter() - t0:.2f} s"
    )


if __name__ == "__main__":
    main()
