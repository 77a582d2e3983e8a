"""``kam report``: from a dataset to one self-contained HTML report per key account.

The flow reads top to bottom in :func:`run`:

1. check that the output folder can be written, load and validate the dataset, resolve
   ``as_of``, load every account's parameters (any problem here: nothing is written, exit 2);
2. compose the notebooks and compute the shared context (dataset, KPIs) once;
3. lock the output folder against a second run and write ``kpis.csv``;
4. execute every account notebook and the portfolio notebook in a pool of warm kernels; a
   failing section costs only that section (the report is ``partial``), a dead kernel only that
   account (``failed``); every executed notebook is kept with its tracebacks;
5. ``index.html`` and ``summary.json``.

Ctrl-C kills the kernels, removes temporary files and raises :class:`Interrupted`; reports
finished before it stay, nothing is half-written.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
from papermill.parameterize import parameterize_notebook

from kamlib import __version__, portfolio
from kamlib.context import (
    SHARED_CONTEXT_ENV,
    ParamsStore,
    load,
    portfolio_context,
    resolve_as_of,
    share,
)
from kamlib.data import Dataset
from kamlib.errors import KamError
from kamlib.kpis import KPI_COLUMNS
from kamlib.run.compose import (
    compose_account_notebook,
    notebooks_dir,
    number_cells,
    portfolio_notebook,
)
from kamlib.run.kernels import CELL_TIMEOUT, Cancelled, Failure, KernelPool, first_line
from kamlib.run.output import OutputFolder, check_writable
from kamlib.run.render import audit_notebook, export_html, for_readers, index_html
from kamlib.schema import is_valid_account_id

__all__ = ["AccountResult", "Interrupted", "RunResult", "PORTFOLIO", "run", "write_kpis"]

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


@dataclass
class RunResult:
    """Outcome of a whole run."""

    out: Path
    as_of: pd.Timestamp
    results: list[AccountResult] = field(default_factory=list)
    portfolio: AccountResult | None = None
    seconds: float = 0.0

    def _every(self) -> list[AccountResult]:
        return [*self.results, *([self.portfolio] if self.portfolio else [])]

    @property
    def failed(self) -> list[AccountResult]:
        """Reports that could not be written (the portfolio report included)."""
        return [r for r in self._every() if r.status == "failed"]

    @property
    def partial(self) -> list[AccountResult]:
        """Reports written with one or more sections replaced by a notice."""
        return [r for r in self._every() if r.status == "partial"]

    @property
    def exit_code(self) -> int:
        """0 when every report is complete, else 1 (schedulers notice partial reports too)."""
        return 1 if self.failed or self.partial else 0


def write_kpis(kpis: pd.DataFrame, folder: OutputFolder) -> None:
    """Write ``kpis.csv`` with the contract's columns (empty cell = empty KPI)."""
    table = kpis.reset_index()[KPI_COLUMNS]
    folder.write("kpis.csv", table.to_csv(index=False, lineterminator="\n"))


def _select_accounts(dataset: Dataset, account_ids: Sequence[str]) -> list[str]:
    if not account_ids:
        return dataset.account_ids(key_only=True)
    bad = [a for a in account_ids if not is_valid_account_id(a)]
    if bad:
        raise KamError(f"these account ids are not valid account_ids: {bad[:10]!r}.")
    known = set(dataset.account_ids())
    unknown = [a for a in account_ids if a not in known]
    if unknown:
        raise KamError(f"these account ids are not in the dataset's accounts: {unknown[:10]!r}.")
    return list(dict.fromkeys(account_ids))


def _describe(failures: list[Failure]) -> str:
    first = failures[0]
    where = f"section {first.section}" + (f", cell {first.cell}" if first.cell is not None else "")
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return f"{where}: {first.error}{more}"


def run(
    data: str | Path,
    out: str | Path,
    params_dir: str | Path | None = None,
    as_of: str | None = None,
    jobs: int = 1,
    account_ids: Sequence[str] = (),
    notebooks: Path | None = None,
    timeout: int = CELL_TIMEOUT,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[AccountResult], None] | None = None,
) -> RunResult:
    """Write every report of a run into ``out``; see the module docstring for the flow.

    Parameters
    ----------
    data : str or Path
        Dataset folder or DuckDB file.
    out : str or Path
        Output folder (created when missing).
    params_dir : str or Path, optional
        Parameter folder (``defaults.yaml`` and ``<account_id>.yaml``).
    as_of : str, optional
        Reporting date ``YYYY-MM-DD``; default: the contract's.
    jobs : int, default 1
        Reports built at once, each in its own warm kernel.
    account_ids : sequence of str, optional
        Accounts to report; default: every key account.
    notebooks : Path, optional
        Folder of the report notebooks; default: the installed ones.
    timeout : int, default :data:`~kamlib.run.kernels.CELL_TIMEOUT`
        Seconds a cell may run before its section fails.
    on_start : callable, optional
        Called with the number of reports the run will write, before the first.
    on_progress : callable, optional
        Called with each report's :class:`AccountResult` as it finishes.

    Raises
    ------
    DataError, ParamsError, KamError
        For unusable input or an output folder that cannot be written; nothing has been
        written to ``out`` then.
    Interrupted
        On Ctrl-C (KeyboardInterrupt): kernels ended, no temporary file left.
    """
    started = time.perf_counter()
    if jobs < 1:
        raise KamError(f"'--jobs' must be at least 1, got {jobs}.")
    if timeout < 1:
        raise KamError(f"'--timeout' must be at least 1 second, got {timeout}.")
    out = Path(out)
    check_writable(out)
    data_path = Path(data).resolve()
    dataset = load(str(data_path))
    when = resolve_as_of(dataset, as_of)
    ids = _select_accounts(dataset, account_ids)
    params_abs = str(Path(params_dir).resolve()) if params_dir else ""
    store = ParamsStore(params_abs or None)
    for account_id in ids:
        store(account_id)  # every parameter file is checked before anything is written
    folder_of_notebooks = Path(notebooks) if notebooks is not None else notebooks_dir()
    account_nb = compose_account_notebook(folder_of_notebooks)
    portfolio_nb = portfolio_notebook(folder_of_notebooks)

    # The run computes the portfolio context once and hands it to its kernels (pickled), so a
    # kernel does not repeat loading, validation and the KPI pass.
    as_of_text = f"{when:%Y-%m-%d}"
    context = portfolio_context(str(data_path), as_of_text, params_abs)
    kpis = context.kpis

    result = RunResult(out=out, as_of=when)
    names = dataset.get("accounts").set_index("account_id")["name"]
    common = {"data": str(data_path), "as_of": as_of_text, "params_dir": params_abs}
    footer = f"Reporting date {when:%d %b %Y}. Produced by kam {__version__}."
    cancel = threading.Event()
    pool = KernelPool(folder_of_notebooks, timeout, cancel)

    with OutputFolder(out) as folder:
        write_kpis(kpis, folder)

        def one(key: str) -> AccountResult | None:
            t0 = time.perf_counter()
            is_portfolio = key == PORTFOLIO
            source = portfolio_nb if is_portfolio else account_nb
            params = common if is_portfolio else {**common, "account_id": key}
            language = (store.defaults if is_portfolio else store(key)).language
            nb = number_cells(
                parameterize_notebook(copy.deepcopy(source), params, report_mode=True)
            )
            try:
                execution = pool.execute(nb)
                failures, died = execution.failures, execution.kernel_died
            except Cancelled:
                return None
            except Exception as exc:  # noqa: BLE001 - e.g. a kernel that does not start
                failures, died = [Failure("kernel", None, first_line(exc))], True
            if cancel.is_set():
                return None
            notebook = f"notebooks/{key}.ipynb"
            folder.write(notebook, nbformat.writes(audit_notebook(nb, failures)))
            essential = {c.metadata["kam"]["section"] for c in nb.cells if _essential(c)}
            seconds = lambda: time.perf_counter() - t0  # noqa: E731
            if died or any(f.section in essential for f in failures):
                folder.remove(f"{key}.html")  # no stale report from an earlier run
                error = _describe(failures)
                return AccountResult(key, "failed", seconds(), error, None, notebook, failures)
            title = "Portfolio report" if is_portfolio else f"Key account report: {names[key]}"
            try:
                page = export_html(for_readers(nb, failures, language), title, footer)
            except Exception as exc:  # noqa: BLE001 - the report could not be rendered
                folder.remove(f"{key}.html")
                failures = [*failures, Failure("HTML export", None, first_line(exc))]
                return AccountResult(
                    key, "failed", seconds(), _describe(failures), None, notebook, failures
                )
            folder.write(f"{key}.html", page)
            status, error = ("partial", _describe(failures)) if failures else ("ok", None)
            return AccountResult(key, status, seconds(), error, f"{key}.html", notebook, failures)

        keys = [*ids, PORTFOLIO]
        if on_start:
            on_start(len(keys))
        scratch = Path(tempfile.mkdtemp(prefix="kam-"))
        executor = ThreadPoolExecutor(max_workers=jobs)
        try:
            share(context, scratch / "context.pkl", str(data_path), as_of_text, params_abs)
            os.environ[SHARED_CONTEXT_ENV] = str(scratch / "context.pkl")
            futures = {executor.submit(one, k): k for k in keys}
            for future in as_completed(futures):
                res = future.result()
                if res is None:
                    continue
                if futures[future] == PORTFOLIO:
                    result.portfolio = res
                else:
                    result.results.append(res)
                if on_progress:
                    on_progress(res)
        except KeyboardInterrupt:
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C waits
            try:
                cancel.set()
                pool.kill()
                executor.shutdown(wait=True, cancel_futures=True)
                pool.close()
                folder.sweep()
            finally:
                signal.signal(signal.SIGINT, previous)
            written = sum(1 for r in result._every() if r.report)
            raise Interrupted(written, len(keys)) from None
        finally:
            executor.shutdown(wait=True)
            pool.close()
            os.environ.pop(SHARED_CONTEXT_ENV, None)
            shutil.rmtree(scratch, ignore_errors=True)

        order = {a: i for i, a in enumerate(ids)}
        result.results.sort(key=lambda r: order[r.account_id])
        folder.write("index.html", _index(dataset, kpis, result))
        result.seconds = time.perf_counter() - started
        summary = _summary(dataset, kpis, result, params_abs, store)
        folder.write("summary.json", json.dumps(summary, indent=2, default=str))
    return result


def _essential(cell) -> bool:
    return bool(cell.metadata.get("kam", {}).get("essential"))


def _index(dataset: Dataset, kpis: pd.DataFrame, result: RunResult) -> str:
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
                "score": "–" if pd.isna(score) else f"{score:.0f}",
                "status": r.status,
                "detail": _status_detail(r),
                "notebook": r.notebook,
            }
        )
    p = result.portfolio
    counts = {
        "total": len(result.results),
        "ok": sum(r.status == "ok" for r in result.results),
        "partial": sum(r.status == "partial" for r in result.results),
        "failed": sum(r.status == "failed" for r in result.results),
    }
    return index_html(
        as_of=f"{result.as_of:%d %b %Y}",
        rows=rows,
        portfolio={"report": p.report, "status": p.status, "detail": _status_detail(p)},
        counts=counts,
        version=__version__,
    )


def _status_detail(r: AccountResult) -> str:
    if r.status == "ok":
        return ""
    sections = ", ".join(dict.fromkeys(f.section for f in r.failures))
    if r.status == "partial":
        return f"not produced: {sections}"
    return r.error or ""


def _summary(
    dataset: Dataset, kpis: pd.DataFrame, result: RunResult, params_dir: str, store: ParamsStore
) -> dict:
    revenue = kpis["revenue_12m"]
    hhi, top5 = portfolio.hhi(revenue), portfolio.top5_share(revenue)

    def entry(r: AccountResult) -> dict:
        return {**asdict(r), "seconds": round(r.seconds, 3)}

    return {
        "as_of": f"{result.as_of:%Y-%m-%d}",
        "hhi": None if pd.isna(hhi) else float(hhi),
        "top5_share": None if pd.isna(top5) else float(top5),
        "kam_version": __version__,
        "generated_at": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "data": {"source": dataset.source, "fingerprint": dataset.fingerprint},
        "params_dir": params_dir or None,
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
