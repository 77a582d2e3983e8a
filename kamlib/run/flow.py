"""``kam report``: from a dataset to one self-contained HTML report per key account.

The flow reads top to bottom in :func:`run`:

1. check that the output folder can be written, load and validate the dataset, resolve
   ``as_of``, load every account's parameters (any problem here: nothing is written, exit 2);
2. compose the notebooks and compute the shared context (dataset, KPIs) once;
3. lock the output folder against a second run, write ``kpis.csv`` and the shared context
   file the kernels read (the notebook parameter ``shared_context``);
4. write every account report and the portfolio report (:class:`ReportWriter`) in a pool of
   warm kernels: a failing section costs only that section (the report is ``partial``), a dead
   kernel only that account (``failed``); every executed notebook is kept with its tracebacks;
   with ``--pdf`` each report is also printed to ``<account_id>.pdf``;
5. ``index.html`` and ``summary.json`` (with each account's executive summary as data, for
   ``kam send``).

Ctrl-C kills the kernels, removes temporary files and raises :class:`Interrupted`; reports
finished before it stay, nothing is half-written.
"""

from __future__ import annotations

import copy
import json
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat
import pandas as pd
from papermill.parameterize import parameterize_notebook

from kamlib import __version__
from kamlib import format as fmt
from kamlib.context import ParamsStore, load, portfolio_context, resolve_as_of, share
from kamlib.data import Dataset
from kamlib.errors import KamError
from kamlib.i18n import translator
from kamlib.kpis import KPI_COLUMNS
from kamlib.run.cache import (
    MANIFEST,
    Manifest,
    context_key,
    load_context,
    params_fingerprint,
    report_key,
    store_context,
)
from kamlib.run.compose import (
    compose_account_notebook,
    is_essential,
    notebooks_dir,
    number_cells,
    portfolio_notebook,
)
from kamlib.run.kernels import CELL_TIMEOUT, Cancelled, Failure, KernelPool, first_line
from kamlib.run.outcome import AccountResult, RunResult, describe, index_rows, summary
from kamlib.run.output import OutputFolder, check_writable
from kamlib.run.pdf import pdf_bytes
from kamlib.run.render import audit_notebook, digest_of, export_html, for_readers, index_html
from kamlib.schema import is_valid_account_id

__all__ = [
    "PORTFOLIO",
    "AccountResult",
    "Interrupted",
    "ReportWriter",
    "RunResult",
    "run",
    "write_kpis",
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


def run(
    data: str | Path,
    out: str | Path,
    params_dir: str | Path | None = None,
    as_of: str | None = None,
    jobs: int = 1,
    account_ids: Sequence[str] = (),
    notebooks: Path | None = None,
    timeout: int = CELL_TIMEOUT,
    pdf: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[AccountResult], None] | None = None,
    use_cache: bool = True,
    force: bool = False,
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
    pdf : bool, default False
        Also print every report to ``<account_id>.pdf`` (A4).
    on_start : callable, optional
        Called with the number of reports the run will write, before the first.
    on_progress : callable, optional
        Called with each report's :class:`AccountResult` as it finishes.
    use_cache : bool, default True
        Reuse the context (dataset and KPI tables) of an earlier run on the same data,
        reporting date, parameters and kam (:mod:`kamlib.run.cache`); False computes it again.
    force : bool, default False
        Write every report, also those whose inputs did not change since the run that wrote
        them into ``out`` (``manifest.json``).

    Raises
    ------
    DataError, ParamsError, KamError
        For unusable input or an output folder that cannot be written; nothing has been
        written to ``out`` then.
    Interrupted
        On Ctrl-C (KeyboardInterrupt): kernels ended, no temporary file left.
    """
    started = time.perf_counter()
    _check_arguments(jobs, timeout)
    out = Path(out)
    check_writable(out)
    data_path = Path(data).resolve()
    params_abs = str(Path(params_dir).resolve()) if params_dir else ""
    key = context_key(str(data_path), as_of or "", params_abs) if use_cache else None
    context = load_context(key) if key else None
    if context is not None:  # the same data, date, parameters and kam as an earlier run
        dataset, when = context.frames.dataset, context.frames.as_of
    else:
        dataset = load(str(data_path))
        when = resolve_as_of(dataset, as_of)
    ids = _select_accounts(dataset, account_ids)
    store = ParamsStore(params_abs or None)
    for account_id in ids:
        store(account_id)  # every parameter file is checked before anything is written
    folder_of_notebooks = Path(notebooks) if notebooks is not None else notebooks_dir()
    account_nb = compose_account_notebook(folder_of_notebooks)
    portfolio_nb = portfolio_notebook(folder_of_notebooks)
    as_of_text = f"{when:%Y-%m-%d}"
    if context is None:
        context = portfolio_context(str(data_path), as_of_text, params_abs)
        if key:
            store_context(key, context)
    kpis = context.frames.kpis
    manifest = Manifest(out)
    # asked for some accounts only, an analyst re-runs them after changing their parameters:
    # the portfolio report is kept unless its data changed (a full run rebuilds it for any
    # parameter too)
    portfolio_params = params_abs if not account_ids else ""
    report_keys = {
        k: _report_key(
            k, account_nb, portfolio_nb, dataset, as_of_text, store, portfolio_params, pdf
        )
        for k in [*ids, PORTFOLIO]
    }
    reused = {}
    if not force:
        for k, report_key in report_keys.items():
            earlier = manifest.reusable(k, report_key, out, pdf)
            if earlier is not None:
                reused[k] = earlier

    with OutputFolder(out) as folder, tempfile.TemporaryDirectory(prefix="kam-") as scratch:
        write_kpis(kpis, folder)
        shared = Path(scratch) / "context.pkl"
        share(context, shared, str(data_path), as_of_text, params_abs)
        common = {
            "data": str(data_path),
            "as_of": as_of_text,
            "params_dir": params_abs,
            "shared_context": str(shared),
        }
        cancel = threading.Event()
        pool = KernelPool(folder_of_notebooks, timeout, cancel)
        writer = ReportWriter(
            folder, pool, account_nb, portfolio_nb, common, dataset, store, when, pdf
        )
        result = RunResult(out=out, as_of=when)
        for k, earlier in reused.items():
            if k == PORTFOLIO:
                result.portfolio = earlier
            else:
                result.results.append(earlier)
        todo = [k for k in [*ids, PORTFOLIO] if k not in reused]
        try:
            _write_all(writer, todo, jobs, result, on_start, on_progress)
        finally:  # reports written before a Ctrl-C are recorded too
            for r in result.every():
                if not r.reused:
                    manifest.record(r.account_id, report_keys[r.account_id], r)
            folder.write(MANIFEST, manifest.text())
        order = {a: i for i, a in enumerate(ids)}
        result.results.sort(key=lambda r: order[r.account_id])
        language = store.defaults.language
        folder.write(
            "index.html", index_html(language, **index_rows(dataset, kpis, result, language))
        )
        result.seconds = time.perf_counter() - started
        content = summary(dataset, kpis, result, params_abs, store)
        folder.write("summary.json", json.dumps(content, indent=2, default=str))
    return result


def _report_key(
    key: str,
    account_nb: nbformat.NotebookNode,
    portfolio_nb: nbformat.NotebookNode,
    dataset: Dataset,
    as_of: str,
    store: ParamsStore,
    params_dir: str,
    pdf: bool,
) -> str:
    """What one report depends on, as a key (:mod:`kamlib.run.cache`)."""
    if key == PORTFOLIO:
        own = params_fingerprint(params_dir)
        notebook = nbformat.writes(portfolio_nb)
    else:
        own = store(key).model_dump_json()
        notebook = nbformat.writes(account_nb)
    return report_key(key, notebook, dataset.fingerprint, as_of, own, str(pdf))


def _check_arguments(jobs: int, timeout: int) -> None:
    if jobs < 1:
        raise KamError(f"'--jobs' must be at least 1, got {jobs}.")
    if timeout < 1:
        raise KamError(f"'--timeout' must be at least 1 second, got {timeout}.")


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


def write_kpis(kpis: pd.DataFrame, folder: OutputFolder) -> None:
    """Write ``kpis.csv`` with the contract's columns (empty cell = empty KPI)."""
    table = kpis.reset_index()[KPI_COLUMNS]
    folder.write("kpis.csv", table.to_csv(index=False, lineterminator="\n"))


class ReportWriter:
    """Writes one report: parameterize, execute, keep the audit notebook, export the HTML."""

    def __init__(
        self,
        folder: OutputFolder,
        pool: KernelPool,
        account_nb: nbformat.NotebookNode,
        portfolio_nb: nbformat.NotebookNode,
        common: dict,
        dataset: Dataset,
        store: ParamsStore,
        as_of: pd.Timestamp,
        pdf: bool = False,
    ):
        self.folder, self.pool, self.store, self.pdf = folder, pool, store, pdf
        self.account_nb, self.portfolio_nb, self.common = account_nb, portfolio_nb, common
        self.names = dataset.get("accounts").set_index("account_id")["name"]
        self.as_of = as_of

    def write(self, key: str) -> AccountResult | None:
        """The report of account ``key`` (or of the portfolio); None when the run was stopped."""
        t0 = time.perf_counter()
        is_portfolio = key == PORTFOLIO
        source = self.portfolio_nb if is_portfolio else self.account_nb
        params = self.common if is_portfolio else {**self.common, "account_id": key}
        language = (self.store.defaults if is_portfolio else self.store(key)).language
        nb = number_cells(parameterize_notebook(copy.deepcopy(source), params, report_mode=True))
        try:
            execution = self.pool.execute(nb)
            failures, died = execution.failures, execution.kernel_died
        except Cancelled:
            return None
        except Exception as exc:  # noqa: BLE001 - e.g. a kernel that does not start
            failures, died = [Failure("kernel", None, first_line(exc))], True
        if self.pool.cancel.is_set():
            return None
        notebook = f"notebooks/{key}.ipynb"
        audit = audit_notebook(nb, failures, self.store.defaults.language)
        self.folder.write(notebook, nbformat.writes(audit))
        essential = {c.metadata["kam"]["section"] for c in nb.cells if is_essential(c)}

        digest = None if is_portfolio else digest_of(nb)
        pdf_name = None

        def outcome(status: str, report: str | None = None) -> AccountResult:
            error = describe(failures) if failures else None
            seconds = time.perf_counter() - t0
            return AccountResult(
                key, status, seconds, error, report, notebook, failures, pdf_name, digest
            )

        if died or any(f.section in essential for f in failures):
            self.folder.remove(f"{key}.html")  # no stale report from an earlier run
            self.folder.remove(f"{key}.pdf")
            return outcome("failed")
        _, n_ = translator(language)
        title = (
            _("Portfolio report")
            if is_portfolio
            else _("Key account report: {name}").format(name=self.names[key])
        )
        footer = _("Reporting date {date}. Produced by kam {version}.").format(
            date=fmt.date(self.as_of, language), version=__version__
        )
        try:
            page = export_html(for_readers(nb, failures, language), title, footer, language)
        except Exception as exc:  # noqa: BLE001 - the report could not be rendered
            self.folder.remove(f"{key}.html")
            failures = [*failures, Failure("HTML export", None, first_line(exc))]
            return outcome("failed")
        self.folder.write(f"{key}.html", page)
        self.folder.remove(f"{key}.pdf")  # a PDF of an earlier run is not this report
        if self.pdf:
            try:
                self.folder.write(f"{key}.pdf", pdf_bytes(page))
                pdf_name = f"{key}.pdf"
            except Exception as exc:  # noqa: BLE001 - the HTML report stands without its PDF
                failures = [*failures, Failure("PDF", None, first_line(exc))]
        return outcome("partial" if failures else "ok", f"{key}.html")


def _write_all(
    writer: ReportWriter,
    keys: list[str],
    jobs: int,
    result: RunResult,
    on_start: Callable[[int], None] | None,
    on_progress: Callable[[AccountResult], None] | None,
) -> None:
    """Every report, ``jobs`` at a time; on Ctrl-C the kernels are killed and nothing is left
    half-written (:class:`Interrupted`)."""
    if on_start:
        on_start(len(keys))
    pool = writer.pool
    executor = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {executor.submit(writer.write, k): k for k in keys}
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
            pool.cancel.set()
            pool.kill()
            executor.shutdown(wait=True, cancel_futures=True)
            pool.close()
            writer.folder.sweep()
        finally:
            signal.signal(signal.SIGINT, previous)
        written = sum(1 for r in result.every() if r.report)
        raise Interrupted(written, len(keys)) from None
    finally:
        executor.shutdown(wait=True)
        pool.close()
