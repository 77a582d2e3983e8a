"""``kam report``: from a dataset to one self-contained HTML report per key account.

The flow reads top to bottom in :func:`run`:

1. check that the output folder can be written, load and validate the dataset, resolve
   ``as_of``, compute the shared context (dataset, KPIs) once, select the key accounts (the
   data's ``key_account`` column, else the parameters' rule: :mod:`kamlib.key_accounts`),
   load every account's parameters (any problem here: nothing is written, exit 2);
2. compose the notebooks;
3. lock the output folder against a second run, write ``kpis.csv`` and the shared context
   file the kernels read (the notebook parameter ``shared_context``);
4. write every account report and the portfolio report (:class:`ReportWriter`) in a pool of
   warm kernels: a failing section costs only that section (the report is ``partial``), a dead
   kernel only that account (``failed``); every executed notebook is kept with its tracebacks;
   with ``--pdf`` each report is also printed to ``<account_id>.pdf``; with ``--scheduler`` or
   ``--cluster`` the reports are built on a Dask cluster's workers and written here
   (:mod:`kamlib.run.cluster`);
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
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
from papermill.parameterize import parameterize_notebook

import kamlib.run.cluster as on_cluster
from kamlib import __version__
from kamlib import format as fmt
from kamlib.context import (
    ParamsStore,
    load,
    portfolio_context,
    resolve_as_of,
    share,
    with_params,
)
from kamlib.data import Dataset
from kamlib.errors import KamError
from kamlib.i18n import translator
from kamlib.key_accounts import KeySelection
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
from kamlib.run.kernels import (
    CELL_TIMEOUT,
    Cancelled,
    Failure,
    KernelPool,
    first_line,
    prestart,
)
from kamlib.run.outcome import (
    PORTFOLIO,
    AccountResult,
    Interrupted,
    RunResult,
    describe,
    index_rows,
    summary,
)
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
    on_keys: Callable[[KeySelection], None] | None = None,
    use_cache: bool = True,
    force: bool = False,
    scheduler: str | None = None,
    cluster: str | None = None,
    warm: tuple[KernelPool, ThreadPoolExecutor] | None = None,
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
        Accounts to report; default: every key account (:mod:`kamlib.key_accounts`).
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
    on_keys : callable, optional
        Called with the key accounts (:class:`~kamlib.key_accounts.KeySelection`: the data's
        ``key_account`` column, else the parameters' rule) once they are known, before anything
        is written.
    use_cache : bool, default True
        Reuse the context (dataset and KPI tables) of an earlier run on the same data,
        reporting date, parameters and kam (:mod:`kamlib.run.cache`); False computes it again.
    force : bool, default False
        Write every report, also those whose inputs did not change since the run that wrote
        them into ``out`` (``manifest.json``).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``): the reports are built on its
        workers (:mod:`kamlib.run.cluster`, needs ``kamlib[dask]``); ``jobs`` must then be 1.
    cluster : str, optional
        ``local:N``: the same on a Dask cluster of N worker processes started for the run;
        excludes ``scheduler``.
    warm : (KernelPool, ThreadPoolExecutor), optional
        Kernels already started for this run (:func:`~kamlib.run.kernels.prestart`, by the
        command line before it imports the analysis code); default: started here.

    Raises
    ------
    DataError, ParamsError, KamError
        For unusable input, an output folder that cannot be written, or a cluster that cannot
        be used (unreachable, other versions); nothing has been written to ``out`` then.
    Interrupted
        On Ctrl-C (KeyboardInterrupt): kernels ended, no temporary file left.
    """
    started = time.perf_counter()
    pool, workers = warm if warm is not None else (None, None)
    try:
        _check_arguments(jobs, timeout)
        on_cluster.check_arguments(scheduler, cluster, jobs)
        out = Path(out)
        check_writable(out)
        folder_of_notebooks = Path(notebooks) if notebooks is not None else notebooks_dir()
        account_nb = compose_account_notebook(folder_of_notebooks)
        portfolio_nb = portfolio_notebook(folder_of_notebooks)
        if pool is None and scheduler is None and cluster is None:
            # the kernels start, and import what the notebooks use, while the data is loaded
            # and the context computed: a kernel's start is otherwise the longest wait
            pool, workers = prestart(folder_of_notebooks, jobs, timeout)
        elif pool is None:  # a cluster's workers keep their own kernels
            pool = KernelPool(folder_of_notebooks, timeout, threading.Event())
        data_path = Path(data).resolve()
        params_abs = str(Path(params_dir).resolve()) if params_dir else ""
        key = context_key(str(data_path), as_of or "") if use_cache else None
        scored_with = params_fingerprint(params_abs)
        cached = load_context(key) if key else None
        context = None
        if cached is not None:  # the same data, date and kam as an earlier run
            context = cached[1]
            if cached[0] != scored_with:  # other parameters: only the health scores again
                context = with_params(context, params_abs)
                store_context(key, context, scored_with)
            dataset, when = context.frames.dataset, context.frames.as_of
        else:
            dataset = load(str(data_path))
            when = resolve_as_of(dataset, as_of)
        asked = _asked_accounts(dataset, account_ids)  # before the KPIs: a typo costs no time
        as_of_text = f"{when:%Y-%m-%d}"
        if context is None:
            context = portfolio_context(str(data_path), as_of_text, params_abs)
            if key:
                store_context(key, context, scored_with)
        # without a key_account column the key accounts follow from the KPIs and the rule
        keys = context.frames.keys
        if on_keys:
            on_keys(keys)
        ids = asked or keys.ids
        store = ParamsStore(params_abs or None)
        for account_id in ids:
            store(account_id)  # every parameter file is checked before anything is written
        kpis = context.frames.kpis
        manifest = Manifest(out)
        # asked for some accounts only, an analyst re-runs them after changing their parameters:
        # the portfolio report is kept unless its data changed (a full run rebuilds it for any
        # parameter too)
        portfolio_params = params_abs if not account_ids else ""
        # what every report shares is serialised once, not once per account; the key accounts
        # (and the rule, where it chose them) shape every report: peers, the portfolio's tables
        shared_inputs = (dataset.fingerprint, as_of_text, str(pdf), keys.digest)
        account_text = nbformat.writes(account_nb)
        report_keys = {
            k: report_key(k, account_text, *shared_inputs, store(k).model_dump_json()) for k in ids
        }
        report_keys[PORTFOLIO] = report_key(
            PORTFOLIO,
            nbformat.writes(portfolio_nb),
            *shared_inputs,
            params_fingerprint(portfolio_params),
        )
        reused = {}
        if not force:
            for k, key_of_report in report_keys.items():
                earlier = manifest.reusable(k, key_of_report, out, pdf)
                if earlier is not None:
                    reused[k] = earlier

        # a cluster is reached, and its versions checked, before anything is written
        with (
            on_cluster.connect(scheduler, cluster) as session,
            OutputFolder(out) as folder,
            tempfile.TemporaryDirectory(prefix="kam-") as scratch,
        ):
            write_kpis(kpis, folder)
            shared = Path(scratch) / "context.pkl"
            share(context, shared, str(data_path), as_of_text, params_abs)
            common = {
                "data": str(data_path),
                "as_of": as_of_text,
                "params_dir": params_abs,
                "shared_context": str(shared),
            }
            writer = ReportWriter(
                folder, pool, account_nb, portfolio_nb, common, dataset, store, when, pdf
            )
            result = RunResult(out=out, as_of=when)
            for earlier in reused.values():
                result.add(earlier)
            todo = [k for k in [*ids, PORTFOLIO] if k not in reused]
            try:
                if session is not None:
                    on_cluster.write_all(session, writer, todo, result, on_start, on_progress)
                else:
                    _write_all(writer, todo, jobs, result, on_start, on_progress, workers)
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
            content = summary(dataset, kpis, result, params_abs, store, keys)
            folder.write("summary.json", json.dumps(content, indent=2, default=str))
        return result
    except BaseException:
        if pool is not None:
            _stop(pool, workers)
        raise


def _stop(pool: KernelPool, workers: ThreadPoolExecutor | None) -> None:
    """End the kernels of a run that stops before (or while) its reports are written."""
    pool.cancel.set()
    pool.kill()
    if workers is not None:
        workers.shutdown(wait=True, cancel_futures=True)
    pool.close()


def _check_arguments(jobs: int, timeout: int) -> None:
    if jobs < 1:
        raise KamError(f"'--jobs' must be at least 1, got {jobs}.")
    if timeout < 1:
        raise KamError(f"'--timeout' must be at least 1 second, got {timeout}.")


def _asked_accounts(dataset: Dataset, account_ids: Sequence[str]) -> list[str]:
    """The accounts asked for, once each (none: every key account)."""
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


@dataclass
class Executed:
    """A report's notebook as its kernel left it (:meth:`ReportWriter.execute`).

    Attributes
    ----------
    key : str
        The account id, or :data:`PORTFOLIO`.
    nb : nbformat.NotebookNode
        The executed notebook.
    failures : list of Failure
        The sections that failed.
    died : bool
        Whether the kernel died (or never started).
    started : float
        ``time.perf_counter()`` when the report was begun.
    """

    key: str
    nb: nbformat.NotebookNode
    failures: list[Failure]
    died: bool
    started: float


@dataclass
class Built:
    """One report made in memory by :meth:`ReportWriter.build`, for :meth:`ReportWriter.save`.

    Everything a report writes, so that it can be made in one process (a cluster's worker) and
    written by another (the run's, which holds the output folder).

    Attributes
    ----------
    key : str
        The account id, or :data:`PORTFOLIO`.
    status : str
        ``ok``, ``partial`` or ``failed`` (see :class:`AccountResult`).
    seconds : float
        Time taken to make it.
    notebook : str
        The audit notebook (:func:`~kamlib.run.render.audit_notebook`) as JSON.
    failures : list of Failure
        The sections that could not be produced.
    html : str or None
        The report's page; None for a failed report.
    pdf : bytes or None
        The page printed to A4 (``--pdf``), unless printing failed.
    digest : dict or None
        The executive summary as data (account reports only).
    """

    key: str
    status: str
    seconds: float
    notebook: str
    failures: list[Failure] = field(default_factory=list)
    html: str | None = None
    pdf: bytes | None = None
    digest: dict | None = None


class ReportWriter:
    """Writes one report: parameterize, execute, keep the audit notebook, export the HTML.

    :meth:`write` is :meth:`build` (make the report in memory, in :attr:`pool`'s kernels)
    followed by :meth:`save` (write its files into :attr:`folder`); a cluster's workers build
    with a copy of the writer (:meth:`with_pool`) and the run saves what they return.
    """

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
        built = self.build(key)
        return None if built is None else self.save(built)

    def with_pool(self, pool: KernelPool | None, shared_context: str | None = None) -> ReportWriter:
        """A copy that builds in ``pool``'s kernels, which read ``shared_context`` (default: the
        same file), and has no output folder; with ``pool=None`` it can be pickled and sent to
        another process."""
        other = copy.copy(self)
        other.folder, other.pool = None, pool
        if shared_context is not None:
            other.common = {**self.common, "shared_context": shared_context}
        return other

    def build(self, key: str) -> Built | None:
        """Make the report of ``key`` in memory (nothing is written); None when the run was
        stopped."""
        executed = self.execute(key)
        return None if executed is None else self.render(executed)

    def execute(self, key: str) -> Executed | None:
        """Execute the notebook of ``key`` in this thread's kernel, the part of a report that
        needs the kernel; None when the run was stopped."""
        t0 = time.perf_counter()
        source = self.portfolio_nb if key == PORTFOLIO else self.account_nb
        params = self.common if key == PORTFOLIO else {**self.common, "account_id": key}
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
        return Executed(key, nb, failures, died, t0)

    def render(self, executed: Executed) -> Built:
        """The report of an executed notebook: its audit notebook, HTML and PDF. It needs no
        kernel, so a run renders one report while its kernel executes the next."""
        key, nb, failures, t0 = executed.key, executed.nb, executed.failures, executed.started
        died = executed.died
        is_portfolio = key == PORTFOLIO
        language = (self.store.defaults if is_portfolio else self.store(key)).language
        audit = nbformat.writes(audit_notebook(nb, failures, self.store.defaults.language))
        essential = {c.metadata["kam"]["section"] for c in nb.cells if is_essential(c)}
        digest = None if is_portfolio else digest_of(nb)

        def built(status: str, html: str | None = None, pdf: bytes | None = None) -> Built:
            seconds = time.perf_counter() - t0
            return Built(key, status, seconds, audit, failures, html, pdf, digest)

        if died or any(f.section in essential for f in failures):
            return built("failed")
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
            failures = [*failures, Failure("HTML export", None, first_line(exc))]
            return built("failed")
        printed = None
        if self.pdf:
            try:
                printed = pdf_bytes(page)
            except Exception as exc:  # noqa: BLE001 - the HTML report stands without its PDF
                failures = [*failures, Failure("PDF", None, first_line(exc))]
        return built("partial" if failures else "ok", page, printed)

    def save(self, built: Built) -> AccountResult:
        """Write a built report's files (each atomically) and return its outcome."""
        t0 = time.perf_counter()
        key, failures = built.key, built.failures
        notebook = f"notebooks/{key}.ipynb"
        self.folder.write(notebook, built.notebook)
        report = pdf_name = None
        if built.html is None:
            self.folder.remove(f"{key}.html")  # no stale report from an earlier run
        else:
            self.folder.write(f"{key}.html", built.html)
            report = f"{key}.html"
        self.folder.remove(f"{key}.pdf")  # a PDF of an earlier run is not this report
        if built.pdf is not None:
            self.folder.write(f"{key}.pdf", built.pdf)
            pdf_name = f"{key}.pdf"
        error = describe(failures) if failures else None
        seconds = built.seconds + time.perf_counter() - t0
        return AccountResult(
            key, built.status, seconds, error, report, notebook, failures, pdf_name, built.digest
        )


def _write_all(
    writer: ReportWriter,
    keys: list[str],
    jobs: int,
    result: RunResult,
    on_start: Callable[[int], None] | None,
    on_progress: Callable[[AccountResult], None] | None,
    workers: ThreadPoolExecutor | None = None,
) -> None:
    """Every report, ``jobs`` at a time (on ``workers``, whose threads warmed their kernels,
    if given); on Ctrl-C the kernels are killed and nothing is left half-written
    (:class:`Interrupted`)."""
    if on_start:
        on_start(len(keys))
    pool = writer.pool
    if not keys:  # every report was kept: the warm kernels are not waited for
        pool.cancel.set()
        pool.kill()
    executor = workers or ThreadPoolExecutor(max_workers=jobs)
    # one thread renders (HTML, PDF, files) what the kernels executed: the process renders one
    # report while a kernel executes the next, even with one job
    renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kam-render")

    def execute(key: str) -> Future | None:
        executed = writer.execute(key)
        if executed is None:
            return None
        return renderer.submit(lambda: writer.save(writer.render(executed)))

    try:
        pending = {executor.submit(execute, k) for k in keys}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                value = future.result()
                if isinstance(value, Future):  # executed: now being rendered
                    pending.add(value)
                elif value is not None:
                    result.add(value)
                    if on_progress:
                        on_progress(value)
    except KeyboardInterrupt:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C waits
        try:
            pool.cancel.set()
            pool.kill()
            executor.shutdown(wait=True, cancel_futures=True)
            renderer.shutdown(wait=True, cancel_futures=True)
            pool.close()
            writer.folder.sweep()
        finally:
            signal.signal(signal.SIGINT, previous)
        written = sum(1 for r in result.every() if r.report)
        raise Interrupted(written, len(keys)) from None
    finally:
        executor.shutdown(wait=True)
        renderer.shutdown(wait=True)
        pool.close()
