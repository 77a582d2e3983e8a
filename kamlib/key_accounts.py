"""Key accounts: the accounts that get their own report (data contract, ``accounts.key_account``).

Where the data's ``accounts`` table has a ``key_account`` column, it decides (an empty cell is
not a key account) and the parameters' rule is not used. Without it, the rule ``key_accounts``
of ``params/defaults.yaml`` (:class:`kamlib.params.KeyAccounts`) selects them from the KPI
table at the reporting date: the accounts of the ABC classes (default ``A``), at most the
``max`` largest by ``revenue_12m`` (ties by ``account_id``), or exactly the listed ``ids``.

:func:`select` is the one place this is decided. The run's report list and index, ``kam
params``, ``kam send`` (which mails the run's reports), the portfolio report's tables that
count key accounts and the peers of an account report all read its :class:`KeySelection`,
through :attr:`kamlib.frames.PortfolioFrames.keys`. Non-key accounts still count in every
portfolio figure (ABC, shares, concentration, candidates).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from kamlib import format as fmt
from kamlib.errors import ParamsError
from kamlib.i18n import translator
from kamlib.params import KeyAccounts

__all__ = ["KeySelection", "announcement", "rule_text", "select", "statement"]


@dataclass(frozen=True, eq=False)
class KeySelection:
    """Which accounts are key accounts, and what decided it.

    Attributes
    ----------
    flags : pd.Series
        ``True`` for a key account; bool, indexed by ``account_id`` in the order of
        ``accounts``.
    by_column : bool
        Whether the data's ``key_account`` column decided (else the rule did).
    rule : KeyAccounts
        The parameters' rule (it decided only where ``by_column`` is False).
    """

    flags: pd.Series
    by_column: bool
    rule: KeyAccounts

    @property
    def ids(self) -> list[str]:
        """The key accounts, in the order of ``accounts``."""
        return self.flags.index[self.flags.to_numpy(dtype=bool)].tolist()

    @property
    def count(self) -> int:
        """The number of key accounts."""
        return int(self.flags.sum())

    @property
    def total(self) -> int:
        """The number of accounts."""
        return len(self.flags)

    @property
    def digest(self) -> str:
        """A short hash of the key accounts and of the rule where it decided: a report that
        shows either is made again when it changes."""
        rule = "column" if self.by_column else self.rule.model_dump_json()
        text = "\0".join([rule, *self.ids])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def as_dict(self) -> dict:
        """What decided and how many, as data (``summary.json``)."""
        return {
            "source": "column" if self.by_column else "rule",
            "rule": None if self.by_column else self.rule.model_dump(),
            "selected": self.count,
            "accounts": self.total,
        }


def select(accounts: pd.DataFrame, kpis: pd.DataFrame, rule: KeyAccounts) -> KeySelection:
    """The key accounts: the ``key_account`` column where the data has one, else the rule.

    Parameters
    ----------
    accounts : pd.DataFrame
        The validated ``accounts`` table (``account_id``; ``key_account`` where the data has
        the column).
    kpis : pd.DataFrame
        The KPI table at the reporting date, indexed by ``account_id``, with ``revenue_12m``
        and ``abc_class``; read only where the rule decides.
    rule : KeyAccounts
        The parameters' rule: the ABC ``classes``, at most ``max`` of them (the largest by
        ``revenue_12m``, ties by ``account_id``), or exactly ``ids``.

    Returns
    -------
    KeySelection

    Raises
    ------
    ParamsError
        When the rule decides and ``rule.ids`` names accounts the data does not have.
    """
    index = pd.Index(accounts["account_id"], name="account_id")
    if "key_account" in accounts.columns:
        flags = accounts["key_account"].to_numpy(dtype=bool)
        return KeySelection(pd.Series(flags, index=index), True, rule)
    if rule.ids:
        unknown = [a for a in rule.ids if a not in set(index)]
        if unknown:
            more = f" (and {len(unknown) - 10} more)" if len(unknown) > 10 else ""
            raise ParamsError(
                f"key_accounts.ids (defaults.yaml) names {len(unknown)} account(s) that are not "
                f"in the dataset's accounts: {', '.join(unknown[:10])}{more}"
            )
        chosen = index.isin(rule.ids)
    else:
        table = kpis.reindex(index)
        chosen = table["abc_class"].isin(rule.classes).to_numpy(dtype=bool)
        if rule.max is not None and chosen.sum() > rule.max:
            ranked = pd.DataFrame(
                {"revenue": table["revenue_12m"].to_numpy(dtype=float), "id": index}
            ).loc[chosen]
            # revenue descending, ties by account_id: the order of the ABC classes
            largest = ranked.sort_values(
                ["revenue", "id"], ascending=[False, True], kind="mergesort"
            ).head(rule.max)
            chosen = index.isin(largest["id"])
    return KeySelection(pd.Series(chosen, index=index, dtype=bool), False, rule)


def rule_text(rule: KeyAccounts, language: str = "en") -> str:
    """The rule in words, e.g. "ABC class A, at most the 100 largest accounts by revenue of the
    last 12 months"."""
    _, n_ = translator(language)
    if rule.ids:
        n = len(rule.ids)
        return n_(
            "the {n} account listed in key_accounts.ids",
            "the {n} accounts listed in key_accounts.ids",
            n,
        ).format(n=fmt.number(n, 0, language))
    classes = n_("ABC class {classes}", "ABC classes {classes}", len(rule.classes)).format(
        classes=", ".join(sorted(rule.classes))
    )
    if rule.max is None:
        return classes
    return n_(
        "{classes}, at most the {n} largest account by revenue of the last 12 months",
        "{classes}, at most the {n} largest accounts by revenue of the last 12 months",
        rule.max,
    ).format(classes=classes, n=fmt.number(rule.max, 0, language))


def statement(keys: KeySelection, language: str = "en") -> str:
    """How many accounts are key accounts and what decided it, in one sentence in the reader's
    language (the portfolio report states it)."""
    _, n_ = translator(language)
    n, total = fmt.number(keys.count, 0, language), fmt.number(keys.total, 0, language)
    if keys.by_column:
        return n_(
            "{n} of {total} accounts is a key account, as the data marks it.",
            "{n} of {total} accounts are key accounts, as the data marks them.",
            keys.count,
        ).format(n=n, total=total)
    return n_(
        "The data marks no key accounts, so the parameters' rule selects them: {n} of {total} "
        "accounts is a key account ({rule}).",
        "The data marks no key accounts, so the parameters' rule selects them: {n} of {total} "
        "accounts are key accounts ({rule}).",
        keys.count,
    ).format(n=n, total=total, rule=rule_text(keys.rule, language))


def announcement(keys: KeySelection) -> str:
    """The same for the analyst at the command line (in English, as every message of ``kam``),
    naming the column that would decide: what ``kam report`` says before the run starts."""
    n, total = fmt.number(keys.count, 0), fmt.number(keys.total, 0)
    are = "is a key account" if keys.count == 1 else "are key accounts"
    if keys.by_column:
        return f"{n} of {total} accounts {are}, as marked in the key_account column of accounts."
    return (
        f"No key_account column in accounts: {n} of {total} accounts {are} by the parameters' "
        f"rule ({rule_text(keys.rule)})."
    )
