"""Exceptions of kamlib: one base class, narrow subclasses."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KamError", "Problem", "DataError", "ParamsError"]


class KamError(Exception):
    """Base class of every error kam reports to its user without a traceback."""


@dataclass(frozen=True)
class Problem:
    """One problem found in the input data.

    Attributes
    ----------
    table : str
        Table (file) name, e.g. ``'sales'``.
    column : str or None
        Column concerned, if any.
    message : str
        What was expected and what was found, including row numbers (1-based data rows of the
        file) or key values.
    """

    table: str
    column: str | None
    message: str
    #: where the problem is in the user's own terms, when the data came through a sources
    #: file: ``sales (Umsatz.csv), column 'Belegdatum' (date)``
    where: str | None = None

    def __str__(self) -> str:
        where = self.where or (
            f"{self.table}" + (f", column '{self.column}'" if self.column else "")
        )
        return f"{where}: {self.message}"


class DataError(KamError):
    """The dataset does not follow the data contract; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"The dataset has {len(self.problems)} problem(s):\n{lines}")


class ParamsError(KamError):
    """A parameter file or value is invalid."""
