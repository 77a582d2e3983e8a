"""Findings in words, collected from every area for the executive summary."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Finding", "rank", "collect"]

_ORDER = {"red": 0, "yellow": 1, "info": 2, "green": 3}


@dataclass(frozen=True)
class Finding:
    """One finding.

    Attributes
    ----------
    severity : str
        ``red`` (act now), ``yellow`` (watch), ``info`` or ``green`` (good news).
    area : str
        The report section it comes from.
    text : str
        One sentence for the reader (plain text; escaped when shown).
    """

    severity: str
    area: str
    text: str

    def __post_init__(self) -> None:
        if self.severity not in _ORDER:
            raise ValueError(f"'severity' must be one of {list(_ORDER)}, got {self.severity!r}.")


def rank(findings: list[Finding]) -> list[Finding]:
    """Red before yellow before info before green; the order within a severity is kept."""
    return sorted(findings, key=lambda f: _ORDER[f.severity])


def collect(ctx) -> list[Finding]:
    """Every area's findings for one account (see each area module's ``findings``)."""
    from kamlib import communication, complaints, contracts, market, revenue, satisfaction

    out: list[Finding] = []
    for module in (revenue, satisfaction, contracts, communication, complaints, market):
        out.extend(module.findings(ctx))
    return rank(out)
