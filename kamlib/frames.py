"""What the analyses read: a dataset at a reporting date, as the portfolio and as one account.

:class:`PortfolioFrames` holds the validated dataset, the reporting date and the KPI tables
(now, a month ago, a year ago); :class:`AccountFrames` is one account's view of it: its own rows
of every table, and the portfolio's rows where a section compares (roles, peers, pooled
answers). Rows dated after ``as_of`` are left out everywhere. Both are plain data: the section
analyses (``kamlib.sections``) are pure functions of them and the parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from kamlib.data import Dataset
from kamlib.key_accounts import KeySelection, select
from kamlib.params import KeyAccounts
from kamlib.periods import Window, previous_window, window
from kamlib.schema import TABLES

__all__ = ["AccountFrames", "PortfolioFrames"]


def _until(df: pd.DataFrame | None, name: str, as_of: pd.Timestamp) -> pd.DataFrame | None:
    if df is None:
        return None
    date_col = TABLES[name].date_column
    return df.loc[df[date_col] <= as_of] if date_col else df


@dataclass(frozen=True)
class PortfolioFrames:
    """The dataset at a reporting date with the KPI tables of every account.

    Attributes
    ----------
    dataset : Dataset
    as_of : pd.Timestamp
    kpis : pd.DataFrame
        The KPI table at ``as_of`` (health columns included), indexed by account_id.
    kpis_prev : pd.DataFrame
        The KPI table at the previous reporting date (one month earlier).
    kpis_year_ago : pd.DataFrame
        The KPI table twelve months earlier: its windows are the previous windows.
    key_rule : KeyAccounts
        The parameters' key-account rule (``key_accounts`` of ``defaults.yaml``), used where
        ``accounts`` has no ``key_account`` column (:attr:`keys`).
    """

    dataset: Dataset
    as_of: pd.Timestamp
    kpis: pd.DataFrame
    kpis_prev: pd.DataFrame
    kpis_year_ago: pd.DataFrame
    key_rule: KeyAccounts = field(default_factory=KeyAccounts)
    window: Window = field(init=False)
    previous: Window = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "window", window(self.as_of))
        object.__setattr__(self, "previous", previous_window(self.as_of))

    @cached_property
    def keys(self) -> KeySelection:
        """The key accounts at ``as_of``: the data's ``key_account`` column, else the rule.

        Raises
        ------
        ParamsError
            For a rule listing ids the data does not have.
        """
        return select(self.dataset.get("accounts"), self.kpis, self.key_rule)

    @cached_property
    def accounts(self) -> pd.DataFrame:
        """The full accounts table, with ``key_account`` as :attr:`keys` decides it."""
        accounts = self.dataset.get("accounts")
        if self.dataset.marks_key_accounts:
            return accounts
        return accounts.assign(key_account=self.keys.flags.to_numpy(dtype=bool))

    def has(self, name: str) -> bool:
        """Whether the dataset has table ``name``."""
        return self.dataset.has(name)

    def all_table(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` for the whole portfolio, rows dated after ``as_of`` removed."""
        return _until(self.dataset.get(name), name, self.as_of)

    def key_ids(self) -> list[str]:
        """The key accounts, in the order of ``accounts``."""
        return self.keys.ids

    def account(self, account_id: str) -> AccountFrames:
        """One account's view."""
        return AccountFrames(account_id, self)


@dataclass(frozen=True)
class AccountFrames:
    """One account's view of :class:`PortfolioFrames`: its own rows and its KPI row."""

    account_id: str
    portfolio: PortfolioFrames

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
    def account(self) -> dict:
        """The account's row of ``accounts`` as a dict."""
        accounts = self.portfolio.accounts
        return accounts.loc[accounts["account_id"] == self.account_id].iloc[0].to_dict()

    @property
    def name(self) -> str:
        """Display name (raw, untrusted: escaped when shown)."""
        return str(self.account["name"])

    @property
    def kpis(self) -> pd.DataFrame:
        """The KPI table of every account (for percentiles; never shown by name)."""
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
        """Every account's rows of ``name``, where a section compares (never shown by name)."""
        return self.portfolio.all_table(name)
