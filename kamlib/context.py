"""What a notebook works on: the dataset, the reporting date, parameters and KPIs.

``account_context`` and ``portfolio_context`` are the setup call of every notebook. Loading and
the KPI pass are cached per kernel (keyed by the data files' size and modification time, the
reporting date and the parameter files), so a warm kernel that reports one account after another
reads and validates the dataset once.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from kamlib import kpis as kpi_module
from kamlib.data import Dataset, from_frames, load_dataset
from kamlib.errors import KamError
from kamlib.params import Params, load_params
from kamlib.periods import Window, default_as_of, month_end, previous_window, window
from kamlib.schema import TABLES

__all__ = [
    "AccountContext",
    "PortfolioContext",
    "ParamsStore",
    "account_context",
    "portfolio_context",
    "load",
    "resolve_as_of",
    "previous_reporting_date",
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


def _signature(data: str) -> tuple:
    """Cheap change detector for a dataset path: names, sizes and modification times."""
    if not data:
        return ("demo",)
    path = Path(data)
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    return tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.is_file())


@lru_cache(maxsize=4)
def _load_cached(data: str, signature: tuple) -> Dataset:
    if not data:
        from kamlib.demo import make_demo

        return from_frames(make_demo(), source="built-in demo data")
    return load_dataset(data)


def load(data: str | Path) -> Dataset:
    """Load (and validate) a dataset; ``""`` means the built-in demo data."""
    data = str(data or "")
    return _load_cached(data, _signature(data))


def resolve_as_of(dataset: Dataset, as_of: str | pd.Timestamp | None) -> pd.Timestamp:
    """The reporting date: as given (``YYYY-MM-DD``), else the contract's default."""
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        return default_as_of(dataset.get("sales")["date"])
    try:
        return pd.Timestamp(
            str(as_of) if not isinstance(as_of, pd.Timestamp) else as_of
        ).normalize()
    except ValueError:
        raise KamError(f"'as_of' must be a date as YYYY-MM-DD, got {as_of!r}.") from None


def previous_reporting_date(as_of: pd.Timestamp) -> pd.Timestamp:
    """One month before ``as_of`` (a month end stays a month end)."""
    before = pd.Timestamp(as_of) - pd.DateOffset(months=1)
    return month_end(before) if as_of == month_end(as_of) else pd.Timestamp(before)


@dataclass(frozen=True)
class PortfolioContext:
    """Everything the portfolio notebook needs."""

    dataset: Dataset
    as_of: pd.Timestamp
    params_store: ParamsStore
    kpis: pd.DataFrame
    kpis_prev: pd.DataFrame
    kpis_year_ago: pd.DataFrame
    window: Window = field(init=False)
    previous: Window = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "window", window(self.as_of))
        object.__setattr__(self, "previous", previous_window(self.as_of))

    @property
    def params(self) -> Params:
        """The default parameters (``params/defaults.yaml``)."""
        return self.params_store.defaults

    def params_for(self, account_id: str) -> Params:
        """The parameters of one account."""
        return self.params_store(account_id)

    def params_by_account(self) -> dict[str, Params]:
        """The parameters of every account of the KPI table."""
        return {a: self.params_store(a) for a in self.kpis.index}

    @property
    def accounts(self) -> pd.DataFrame:
        """The full accounts table."""
        return self.dataset.get("accounts")

    def has(self, name: str) -> bool:
        """Whether the dataset has table ``name``."""
        return self.dataset.has(name)

    def all_table(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` for the whole portfolio, rows dated after ``as_of`` removed."""
        return _until(self.dataset.get(name), name, self.as_of)


def _until(df: pd.DataFrame | None, name: str, as_of: pd.Timestamp) -> pd.DataFrame | None:
    if df is None:
        return None
    date_col = TABLES[name].date_column
    return df.loc[df[date_col] <= as_of] if date_col else df


@lru_cache(maxsize=4)
def _portfolio_cached(
    data: str, signature: tuple, as_of: str, params_dir: str, params_signature: tuple
) -> PortfolioContext:
    dataset = _load_cached(data, signature)
    when = resolve_as_of(dataset, as_of)
    store = ParamsStore(params_dir or None)
    kpis = kpi_module.compute(dataset, when, store)
    before = previous_reporting_date(when)
    kpis_prev = kpi_module.compute(dataset, before, store, with_forecast=False)
    year_ago = kpi_module.compute(
        dataset, when - pd.DateOffset(months=12), store, with_forecast=False
    )
    return PortfolioContext(dataset, when, store, kpis, kpis_prev, year_ago)


#: Set by ``kam report`` for its kernels: a pickled PortfolioContext the run computed already.
SHARED_CONTEXT_ENV = "KAM_SHARED_CONTEXT"


def _cache_key(data: str, as_of: str, params_dir: str) -> tuple:
    params_sig = _signature(params_dir) if params_dir and Path(params_dir).is_dir() else ()
    return (data, _signature(data), as_of, params_dir, params_sig)


def share(context: PortfolioContext, path: Path, data: str, as_of: str, params_dir: str) -> None:
    """Pickle ``context`` for the kernels of a run, so they skip loading and the KPI pass."""
    with open(path, "wb") as fh:
        pickle.dump(
            (_cache_key(str(data), as_of, params_dir), context),
            fh,
            protocol=pickle.HIGHEST_PROTOCOL,
        )


@lru_cache(maxsize=2)
def _shared(path: str) -> tuple:
    with open(path, "rb") as fh:
        return pickle.load(fh)


def portfolio_context(data: str = "", as_of: str = "", params_dir: str = "") -> PortfolioContext:
    """Load the dataset, resolve ``as_of`` and compute the KPIs of every account (cached)."""
    key = _cache_key(str(data or ""), str(as_of or ""), str(params_dir or ""))
    shared = os.environ.get(SHARED_CONTEXT_ENV)
    if shared and Path(shared).is_file():
        shared_key, context = _shared(shared)
        if shared_key == key:
            return context
    return _portfolio_cached(*key)


@dataclass(frozen=True)
class AccountContext:
    """One account's view of the data: its own rows, its parameters and the KPI table."""

    account_id: str
    portfolio: PortfolioContext

    @property
    def as_of(self) -> pd.Timestamp:
        return self.portfolio.as_of

    @property
    def window(self) -> Window:
        return self.portfolio.window

    @property
    def previous(self) -> Window:
        return self.portfolio.previous

    @property
    def params(self) -> Params:
        return self.portfolio.params_for(self.account_id)

    @property
    def account(self) -> dict:
        """The account's row of ``accounts`` as a dict."""
        accounts = self.portfolio.accounts
        return accounts.loc[accounts["account_id"] == self.account_id].iloc[0].to_dict()

    @property
    def name(self) -> str:
        """Display name (raw, untrusted: escape before putting it into HTML)."""
        return str(self.account["name"])

    @property
    def accounts(self) -> pd.DataFrame:
        return self.portfolio.accounts

    @property
    def kpis(self) -> pd.DataFrame:
        return self.portfolio.kpis

    @property
    def kpi(self) -> pd.Series:
        """This account's row of the KPI table."""
        return self.portfolio.kpis.loc[self.account_id]

    def has(self, name: str) -> bool:
        return self.portfolio.has(name)

    def table(self, name: str) -> pd.DataFrame | None:
        """This account's rows of ``name`` (None when the table is absent)."""
        df = self.portfolio.all_table(name)
        if df is None or "account_id" not in df.columns:
            return df
        return df.loc[df["account_id"] == self.account_id]

    def all_table(self, name: str) -> pd.DataFrame | None:
        return self.portfolio.all_table(name)


def account_context(
    data: str = "", account_id: str = "", as_of: str = "", params_dir: str = ""
) -> AccountContext:
    """The setup call of every account notebook.

    Raises
    ------
    KamError
        If ``account_id`` is not in the dataset's accounts.
    """
    portfolio = portfolio_context(data, as_of, params_dir)
    if account_id not in portfolio.kpis.index:
        raise KamError(f"account_id {account_id!r} is not in the dataset's accounts.")
    return AccountContext(account_id, portfolio)
