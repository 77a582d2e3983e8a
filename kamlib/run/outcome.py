"""What a run reports about itself: each report's outcome, ``summary.json`` and the rows of
``index.html``."""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from kamlib import __version__
from kamlib import format as fmt
from kamlib.components import light
from kamlib.data import Dataset
from kamlib.errors import KamError
from kamlib.i18n import heading, translator
from kamlib.key_accounts import KeySelection
from kamlib.measures import hhi, top5_share
from kamlib.run.kernels import Failure

__all__ = [
    "PORTFOLIO",
    "AccountResult",
    "Interrupted",
    "RunResult",
    "describe",
    "index_rows",
    "summary",
]

#: the key of the portfolio report among a run's results
PORTFOLIO = "portfolio"


class Interrupted(KamError):
    """The run was stopped (Ctrl-C or SIGTERM) before every report was written."""

    def __init__(self, written: int, total: int):
        self.written, self.total = written, total
        super().__init__(
            f"interrupted: {written} of {total} reports were written before the stop; "
            "index.html and summary.json are from the previous run."
        )


@dataclass
class AccountResult:
    """Outcome of one report.

    ``status`` is ``ok`` (complete), ``partial`` (written, some sections replaced by a notice)
    or ``failed`` (not written: the kernel died, or the header or summary could not be built).
    """

    account_id: str
    status: str
    seconds: float
    error: str | None = None
    report: str | None = None
    notebook: str | None = None
    failures: list[Failure] = field(default_factory=list)
    pdf: str | None = None
    digest: dict | None = None
    #: written by an earlier run and kept: nothing it depends on changed
    reused: bool = False


@dataclass
class RunResult:
    """Outcome of a whole run."""

    out: Path
    as_of: pd.Timestamp
    results: list[AccountResult] = field(default_factory=list)
    portfolio: AccountResult | None = None
    seconds: float = 0.0

    def add(self, report: AccountResult) -> None:
        """Record one report's outcome (the portfolio report's as :attr:`portfolio`)."""
        if report.account_id == PORTFOLIO:
            self.portfolio = report
        else:
            self.results.append(report)

    def every(self) -> list[AccountResult]:
        """The account reports and the portfolio report."""
        return [*self.results, *([self.portfolio] if self.portfolio else [])]

    @property
    def failed(self) -> list[AccountResult]:
        """Reports that could not be written (the portfolio report included)."""
        return [r for r in self.every() if r.status == "failed"]

    @property
    def partial(self) -> list[AccountResult]:
        """Reports written with one or more sections replaced by a notice."""
        return [r for r in self.every() if r.status == "partial"]

    @property
    def exit_code(self) -> int:
        """0 when every report is complete, else 1 (schedulers notice partial reports too)."""
        return 1 if self.failed or self.partial else 0


def describe(failures: list[Failure]) -> str:
    """The first failure in one line, e.g. ``section Revenue, cell 12: ValueError: ...``."""
    first = failures[0]
    where = f"section {first.section}" + (f", cell {first.cell}" if first.cell is not None else "")
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return f"{where}: {first.error}{more}"


def _detail(r: AccountResult, language: str = "en") -> str:
    if r.status == "ok":
        return ""
    if r.status == "partial":
        _, n_ = translator(language)
        sections = dict.fromkeys(heading(f.section, language) for f in r.failures)
        return _("not produced: {sections}").format(sections=", ".join(sections))
    return r.error or ""


def index_rows(
    dataset: Dataset, kpis: pd.DataFrame, result: RunResult, language: str = "en"
) -> dict:
    """What ``index.html`` shows, in ``language``: each report with its traffic light and
    status, the counts. (A failed report's detail is the error, as the log has it.)"""
    names = dataset.get("accounts").set_index("account_id")["name"]
    rows = []
    for r in result.results:
        score = kpis.at[r.account_id, "health_score"]
        rows.append(
            {
                "name": str(names[r.account_id]),
                "account_id": r.account_id,
                "report": r.report,
                "health": kpis.at[r.account_id, "health_status"],
                "light": light(kpis.at[r.account_id, "health_status"], language),
                "score": fmt.number(score, 0, language),
                "status": r.status,
                "detail": _detail(r, language),
                "notebook": r.notebook,
            }
        )
    p = result.portfolio
    return {
        "as_of": fmt.date(result.as_of, language),
        "rows": rows,
        "portfolio": {"report": p.report, "status": p.status, "detail": _detail(p, language)},
        "counts": {
            "total": len(result.results),
            "ok": sum(r.status == "ok" for r in result.results),
            "partial": sum(r.status == "partial" for r in result.results),
            "failed": sum(r.status == "failed" for r in result.results),
        },
        "version": __version__,
    }


def summary(
    dataset: Dataset,
    kpis: pd.DataFrame,
    result: RunResult,
    params_dir: str,
    store,
    keys: KeySelection | None = None,
) -> dict:
    """The content of ``summary.json``: the portfolio figures of the contract, the data's
    fingerprint, what selected the key accounts (``keys``) and how many, and per report its
    status, duration, failures and recipients."""
    revenue = kpis["revenue_12m"]
    concentration, top5 = hhi(revenue), top5_share(revenue)

    def entry(r: AccountResult) -> dict:
        return {**asdict(r), "seconds": round(r.seconds, 3)}

    return {
        "as_of": f"{result.as_of:%Y-%m-%d}",
        "hhi": None if pd.isna(concentration) else float(concentration),
        "top5_share": None if pd.isna(top5) else float(top5),
        "kam_version": __version__,
        "generated_at": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "data": {"source": dataset.source, "fingerprint": dataset.fingerprint},
        "params_dir": params_dir or None,
        "key_accounts": None if keys is None else keys.as_dict(),
        "python": sys.version.split()[0],
        "seconds": round(result.seconds, 3),
        "accounts": {
            r.account_id: {
                **entry(r),
                "health_status": kpis.at[r.account_id, "health_status"],
                "recipients": list(store(r.account_id).recipients),
            }
            for r in result.results
        },
        "portfolio": entry(result.portfolio),
        "failed": [r.account_id for r in result.failed],
        "partial": [r.account_id for r in result.partial],
    }
