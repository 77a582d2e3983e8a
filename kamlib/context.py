"""What a notebook works on: the dataset at the reporting date, the parameters, the analyses.

``account_context`` and ``portfolio_context`` are the setup call of every notebook. Loading,
validation and the KPI pass happen once per kernel (cached by the data files' size and
modification time, the reporting date and the parameter files), or not at all under ``kam
report``: the run computes the shared context once and hands every kernel the file it wrote,
as the notebook parameter ``shared_context``.

An :class:`AccountContext` makes each section's analysis once (:meth:`AccountContext.analysis`):
the executive summary and the section's own cells use the same object.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from kamlib import kpis as kpi_module
from kamlib.data import Dataset, from_frames, load_dataset
from kamlib.errors import KamError
from kamlib.frames import AccountFrames, PortfolioFrames
from kamlib.params import Params, load_params
from kamlib.periods import default_as_of, previous_reporting_date
from kamlib.sources import is_sources_file, load_sources

if TYPE_CHECKING:  # the sections are imported where a report is made, not by every command
    from kamlib.sections import portfolio as portfolio_section

__all__ = [
    "AccountContext",
    "ParamsStore",
    "PortfolioContext",
    "account_context",
    "load",
    "portfolio_context",
    "resolve_as_of",
    "share",
    "with_params",
]


class ParamsStore:
    """Parameters per account, built once per distinct file (defaults shared by all others)."""

    def __init__(self, params_dir: str | Path | None):
        self.params_dir = Path(params_dir) if params_dir else None
        self.defaults = load_params(self.params_dir)
        self._own: dict[str, Params] = {}

    def for_account(self, account_id: str) -> Params:
        """The merged parameters of ``account_id`` (the shared defaults when it has no file)."""
        if account_id not in self._own:
            own = self.params_dir / f"{account_id}.yaml" if self.params_dir else None
            self._own[account_id] = (
                load_params(self.params_dir, account_id) if own and own.is_file() else self.defaults
            )
        return self._own[account_id]

    __call__ = for_account


def _signature(path: str) -> tuple:
    """Cheap change detector for a path: names, sizes and modification times of its files."""
    if not path:
        return ("demo",)
    folder = Path(path)
    if not folder.exists():
        return ("missing",)
    if folder.is_file() and is_sources_file(folder):
        folder = folder.parent  # a sources file: it and the exports beside it
    files = sorted(folder.iterdir()) if folder.is_dir() else [folder]
    return tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.is_file())


@lru_cache(maxsize=2)
def _load_cached(data: str, signature: tuple) -> Dataset:
    if not data:
        from kamlib.demo import make_demo

        return from_frames(make_demo(), source="built-in demo data")
    if is_sources_file(data):
        return load_sources(data)
    return load_dataset(data)


def load(data: str | Path) -> Dataset:
    """Load (and validate) a dataset: a folder or DuckDB file, a sources file (``.yaml``), or
    ``""`` for the built-in demo data."""
    data = str(data or "")
    return _load_cached(data, _signature(data))


def resolve_as_of(dataset: Dataset, as_of: str | pd.Timestamp | None) -> pd.Timestamp:
    """The reporting date: as given (``YYYY-MM-DD``), else the contract's default.

    Raises
    ------
    KamError
        For a date that cannot be read, or sales without any date to derive one from.
    """
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        try:
            return default_as_of(dataset.get("sales")["date"])
        except ValueError as exc:
            raise KamError(f"{exc} Give the reporting date with --as-of.") from None
    try:
        return pd.Timestamp(
            str(as_of) if not isinstance(as_of, pd.Timestamp) else as_of
        ).normalize()
    except ValueError:
        raise KamError(f"'as_of' must be a date as YYYY-MM-DD, got {as_of!r}.") from None


@dataclass(frozen=True)
class PortfolioContext:
    """Everything the portfolio notebook needs: the frames and every account's parameters."""

    frames: PortfolioFrames
    params_store: ParamsStore

    @property
    def params(self) -> Params:
        """The default parameters (``params/defaults.yaml``)."""
        return self.params_store.defaults

    def params_for(self, account_id: str) -> Params:
        """The parameters of one account."""
        return self.params_store(account_id)

    def params_by_account(self) -> dict[str, Params]:
        """The parameters of every account of the KPI table."""
        return {a: self.params_store(a) for a in self.frames.kpis.index}

    def analysis(self) -> portfolio_section.PortfolioAnalysis:
        """The portfolio report's analysis (made once per context)."""
        from kamlib.sections import portfolio as portfolio_section

        if "analysis" not in self._memo:
            self._memo["analysis"] = portfolio_section.analyse(
                self.frames, self.params, self.params_by_account()
            )
        return self._memo["analysis"]

    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    def __getstate__(self) -> dict:  # the analyses are made again where the context is used
        return {"frames": self.frames, "params_store": self.params_store, "_memo": {}}

    def __setstate__(self, state: dict) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)


def _kpi_dates(as_of: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """The dates of a context's three KPI tables: now, the previous reporting date, a year ago."""
    return as_of, previous_reporting_date(as_of), as_of - pd.DateOffset(months=12)


def compute(data: str, as_of: str, params_dir: str) -> PortfolioContext:
    """Load the dataset, resolve ``as_of``, and compute the KPI tables of every account: now,
    at the previous reporting date and a year earlier; the key accounts follow from them and
    the parameters' rule (:attr:`PortfolioFrames.keys`)."""
    dataset = load(data)
    when = resolve_as_of(dataset, as_of)
    store = ParamsStore(params_dir or None)
    now, previous, year_ago_date = _kpi_dates(when)
    kpis = kpi_module.compute(dataset, now, store)
    kpis_prev = kpi_module.compute(dataset, previous, store, with_forecast=False)
    year_ago = kpi_module.compute(dataset, year_ago_date, store, with_forecast=False)
    frames = PortfolioFrames(dataset, when, kpis, kpis_prev, year_ago, store.defaults.key_accounts)
    return PortfolioContext(frames, store)


def with_params(context: PortfolioContext, params_dir: str) -> PortfolioContext:
    """``context`` for the parameters in ``params_dir``: the health scores and the key
    accounts made again, the loading, validation, KPIs and forecasts kept (they do not depend
    on the parameters)."""
    store = ParamsStore(params_dir or None)
    f = context.frames
    tables = [
        kpi_module.rescore(table, f.dataset, when, store)
        for table, when in zip(
            (f.kpis, f.kpis_prev, f.kpis_year_ago), _kpi_dates(f.as_of), strict=True
        )
    ]
    frames = PortfolioFrames(f.dataset, f.as_of, *tables, store.defaults.key_accounts)
    return PortfolioContext(frames, store)


def _key(data: str, as_of: str, params_dir: str) -> tuple:
    params_sig = _signature(params_dir) if params_dir and Path(params_dir).is_dir() else ()
    return (data, _signature(data), as_of, params_dir, params_sig)


@lru_cache(maxsize=2)
def _cached(key: tuple, shared_context: str) -> PortfolioContext:
    if shared_context and Path(shared_context).is_file():
        with open(shared_context, "rb") as fh:
            shared_key, context = pickle.load(fh)
        if shared_key == key:
            return context
    data, _, as_of, params_dir, _ = key
    return compute(data, as_of, params_dir)


def share(context: PortfolioContext, path: Path, data: str, as_of: str, params_dir: str) -> None:
    """Write ``context`` for the kernels of a run (the notebook parameter ``shared_context``),
    keyed by the inputs it was computed from, so that a kernel never uses one for other data."""
    with open(path, "wb") as fh:
        pickle.dump(
            (_key(str(data), as_of, params_dir), context), fh, protocol=pickle.HIGHEST_PROTOCOL
        )


def portfolio_context(
    data: str = "", as_of: str = "", params_dir: str = "", shared_context: str = ""
) -> PortfolioContext:
    """The setup call of the portfolio notebook: the portfolio at the reporting date (cached).

    Parameters
    ----------
    data : str
        Dataset folder or ``.duckdb`` file; ``""`` is the built-in demo data.
    as_of : str
        Reporting date ``YYYY-MM-DD``; ``""`` is the contract's default.
    params_dir : str
        Parameter folder; ``""`` is the built-in defaults.
    shared_context : str
        A file written by :func:`share` for these inputs (``kam report`` passes it); used when
        its inputs match, else the context is computed.
    """
    key = _key(str(data or ""), str(as_of or ""), str(params_dir or ""))
    return _cached(key, str(shared_context or ""))


class AccountContext:
    """One account's context: its frames, its parameters, and each analysis made once."""

    def __init__(self, account_id: str, portfolio: PortfolioContext):
        self.account_id = account_id
        self.portfolio = portfolio
        self.frames: AccountFrames = portfolio.frames.account(account_id)
        self.params: Params = portfolio.params_for(account_id)
        self._analyses: dict[str, object] = {}

    def analysis(self, area: str):
        """The analysis of one section (``kamlib.sections.AREAS``), made on first use."""
        from kamlib.sections import AREAS

        if area not in AREAS:
            raise KamError(f"unknown report section {area!r}; expected one of {list(AREAS)}.")
        if area not in self._analyses:
            self._analyses[area] = AREAS[area].analyse(self.frames, self.params)
        return self._analyses[area]

    def analyses(self) -> dict[str, object]:
        """Every section's analysis, in report order (for the executive summary)."""
        from kamlib.sections import AREAS

        return {area: self.analysis(area) for area in AREAS}


_CURRENT: dict[tuple, AccountContext] = {}


def account_context(
    data: str = "",
    account_id: str = "",
    as_of: str = "",
    params_dir: str = "",
    shared_context: str = "",
) -> AccountContext:
    """The setup call of every account notebook (parameters as :func:`portfolio_context`).

    The notebooks of one report share one context, so each section's analysis is made once.

    Raises
    ------
    KamError
        If ``account_id`` is not in the dataset's accounts.
    """
    portfolio = portfolio_context(data, as_of, params_dir, shared_context)
    if account_id not in portfolio.frames.kpis.index:
        raise KamError(f"account_id {account_id!r} is not in the dataset's accounts.")
    key = (id(portfolio), account_id)
    if key not in _CURRENT:
        _CURRENT.clear()  # one account at a time: a warm kernel keeps no other account's data
        _CURRENT[key] = AccountContext(account_id, portfolio)
    return _CURRENT[key]
