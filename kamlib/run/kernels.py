"""Executing report notebooks in warm Jupyter kernels, one section at a time.

Each worker thread of a run keeps one kernel (nbclient's :class:`~nbclient.NotebookClient`) and
resets its namespace before every notebook, so the imports and the run's shared context are paid
for once per kernel. Execution follows the notebook's sections (see :mod:`kamlib.run.compose`):

* a cell that raises ends its section: the section's remaining cells are skipped (they would
  only fail for want of what the failed cell should have made) and the failure is recorded with
  the section, the cell index and the exception's first line; the next section runs as usual;
* a cell running longer than the timeout is interrupted and fails its section the same way;
* a kernel that dies ends the notebook; the kernel is discarded and the next notebook of that
  thread gets a fresh one;
* :meth:`KernelPool.kill` ends every kernel at once (safe from any thread), for Ctrl-C.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from nbclient.util import run_sync

from kamlib.run.compose import (
    compose_account_notebook,
    portfolio_notebook,
    section_of,
)

__all__ = [
    "CELL_TIMEOUT",
    "Cancelled",
    "Execution",
    "Failure",
    "KernelPool",
    "first_line",
    "imports_of",
    "prestart",
    "warm_up_code",
]

#: default seconds a single cell may run before it is interrupted (``kam report --timeout``)
CELL_TIMEOUT = 300
#: what a kernel runs before each notebook: the previous notebook's names, cached outputs and
#: input history removed, its pyplot figures closed. Lighter than IPython's ``%reset -f``, whose
#: full garbage collection took 0.15 s of every report; Python's collector still runs on its own.
_RESET = """\
def _kam_reset(shell):
    import re
    import matplotlib.pyplot
    shell.history_manager.reset(new_session=False)
    shell.user_ns["_oh"].clear()
    # the cached outputs and inputs (_, __, ___, _7; _i, _ii, _iii, _i7) are hidden names too
    cached = re.compile(r"_{1,3}|_i{1,3}|_i?[0-9]+")
    for name in [k for k in shell.user_ns if k not in shell.user_ns_hidden or cached.fullmatch(k)]:
        del shell.user_ns[name]
    matplotlib.pyplot.close("all")
_kam_reset(get_ipython())
"""
#: the section of the cells the runner adds itself
RUNNER = "runner"


def _kernel_env() -> dict[str, str]:
    """The environment of a kernel: one BLAS thread unless the user set another number. A
    report's computations are small, and OpenBLAS threads wait actively for work: a kernel with
    a thread per core competes with the run's own process and the other jobs for the cores."""
    one = dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1")
    return {**one, **os.environ}


class Cancelled(Exception):
    """The run was interrupted (Ctrl-C): no further cell is executed."""


@dataclass(frozen=True)
class Failure:
    """One section that could not be produced.

    Attributes
    ----------
    section : str
        The section's name as the reader sees it (its heading).
    cell : int or None
        Index of the failing cell in the executed notebook (its id is ``cell-<index>``).
    error : str
        The exception's name and the first line of its message.
    """

    section: str
    cell: int | None
    error: str


@dataclass
class Execution:
    """What executing one notebook gave: its failures and whether the kernel died."""

    failures: list[Failure] = field(default_factory=list)
    kernel_died: bool = False


def first_line(exc: BaseException) -> str:
    """``'ValueError: the first line of the message'`` for a Python or a cell exception."""
    if isinstance(exc, CellExecutionError):
        name, text = exc.ename, exc.evalue
    else:
        name, text = type(exc).__name__, str(exc)
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    return f"{name}: {line}" if line else name


class _SectionClient(NotebookClient):
    """nbclient's client, going on past a failing section (see the module docstring)."""

    def __init__(self, *args, cancel: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.cancel = cancel
        self.failures: list[Failure] = []
        self.current: int | None = None

    async def async_execute(self, reset_kc: bool = False, **kwargs):
        self.reset_execution_trackers()
        self.failures, self.current = [], None
        failed: set[str | None] = set()
        async with self.async_setup_kernel(**kwargs):
            reply = await self.async_wait_for_reply(self.kc.kernel_info())
            if reply is not None and "language_info" in reply["content"]:
                self.nb.metadata["language_info"] = reply["content"]["language_info"]
            for index, cell in enumerate(self.nb.cells):
                if self.cancel.is_set():
                    raise Cancelled
                section = section_of(cell) or RUNNER
                if section in failed:
                    cell.metadata.setdefault("kam", {})["skipped"] = True
                    continue
                self.current = index
                try:
                    await self.async_execute_cell(
                        cell, index, execution_count=self.code_cells_executed + 1
                    )
                except CellExecutionError as exc:
                    failed.add(section)
                    self.failures.append(Failure(section, index, first_line(exc)))
        return self.nb

    execute = run_sync(async_execute)


class KernelPool:
    """One warm kernel per worker thread; see the module docstring.

    Parameters
    ----------
    cwd : Path or str
        Working directory of the kernels.
    timeout : int
        Seconds a cell may run before it is interrupted and its section fails.
    cancel : threading.Event
        Set by the run on Ctrl-C: notebooks stop before their next cell.
    """

    def __init__(self, cwd, timeout: int = CELL_TIMEOUT, cancel: threading.Event | None = None):
        self.cwd = str(cwd)
        self.timeout = int(timeout)
        self.cancel = cancel or threading.Event()
        self._local = threading.local()
        self._clients: list[_SectionClient] = []
        self._lock = threading.Lock()

    def _client(self, nb: nbformat.NotebookNode) -> _SectionClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = _SectionClient(
                nb,
                cancel=self.cancel,
                timeout=self.timeout,
                interrupt_on_timeout=True,
                error_on_timeout={
                    "ename": "TimeoutError",
                    "evalue": f"the cell ran longer than {self.timeout} seconds (--timeout)",
                    "traceback": [],
                },
                kernel_name="python3",
                # nothing of a kernel is kept when the run ends: no graceful shutdown to wait for
                shutdown_kernel="immediate",
                resources={"metadata": {"path": self.cwd}},
                # the kernel listens on 127.0.0.1 only; its start-up warning about
                # unencrypted TCP would otherwise reach every scheduler log
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        client.nb = nb
        return client

    def execute(self, nb: nbformat.NotebookNode) -> Execution:
        """Execute ``nb`` in place in this thread's kernel.

        Raises
        ------
        Cancelled
            When the run was interrupted.
        """
        reset = nbformat.v4.new_code_cell(_RESET)
        reset.metadata["kam"] = {"section": RUNNER}
        nb.cells.insert(0, reset)
        client = self._client(nb)
        shift = lambda fs: [Failure(f.section, f.cell - 1, f.error) for f in fs]  # noqa: E731
        try:
            client.execute(cleanup_kc=False, env=_kernel_env())
            return Execution(shift(client.failures))
        except DeadKernelError:
            self._discard(client)
            if self.cancel.is_set():
                raise Cancelled from None
            where = nb.cells[client.current] if client.current is not None else reset
            died = Failure(section_of(where) or RUNNER, client.current, "the kernel died")
            return Execution(shift([*client.failures, died]), kernel_died=True)
        except Cancelled:
            self._discard(client)
            raise
        finally:
            nb.cells.pop(0)

    def warm(self, code: str) -> None:
        """Start this thread's kernel now and run ``code`` in it (the notebooks' imports).

        Whatever goes wrong is left to the first notebook of the thread, which starts a
        kernel again if need be and records the failure with its section.
        """
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        with contextlib.suppress(Exception):
            self._client(nb).execute(cleanup_kc=False, env=_kernel_env())

    def start(self, jobs: int, code: str) -> ThreadPoolExecutor:
        """``jobs`` worker threads, each warming its own kernel with ``code`` at once.

        The kernels start, and import what the notebooks use, while the run still loads the
        data and computes the shared context; the reports are then submitted to the same
        threads. A barrier makes each warm-up take a thread of its own.
        """
        executor = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="kam-report")
        barrier = threading.Barrier(jobs)

        def warm() -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=60)
            self.warm(code)

        for _ in range(jobs):
            executor.submit(warm)
        return executor

    def _discard(self, client: _SectionClient) -> None:
        self._local.client = None
        _shutdown(client)
        with self._lock:
            if client in self._clients:
                self._clients.remove(client)

    def kill(self) -> None:
        """End every kernel now (SIGKILL to its process group); safe from any thread."""
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            process = getattr(client.km, "provisioner", None)
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                if getattr(process, "pgid", None) and hasattr(os, "killpg"):
                    # a kernel runs in a session of its own: its group is it and its children
                    os.killpg(process.pgid, signal.SIGKILL)
                elif getattr(process, "process", None) is not None:
                    process.process.kill()

    def close(self) -> None:
        """Shut every kernel down (after the worker threads are done)."""
        with self._lock:
            clients, self._clients = list(self._clients), []
        for client in clients:
            _shutdown(client)


def _shutdown(client: NotebookClient) -> None:
    # nbclient registers its own clean-up at exit while it sets a kernel up, and leaves it
    # registered when the start is cut short (a kernel killed while starting): ours replaces it
    atexit.unregister(client._cleanup_kernel)
    if client.km is None:
        return
    try:
        client._cleanup_kernel()  # nbclient's own teardown of a kernel it started
    except Exception:  # noqa: BLE001 - a kernel that is already gone needs no shutdown
        pass


def imports_of(*notebooks: nbformat.NotebookNode) -> str:
    """The top-level import statements of the notebooks' code cells, once each (for
    :meth:`KernelPool.warm`); a cell that is not plain Python (a magic) is passed over."""
    statements: dict[str, None] = {}
    for nb in notebooks:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Import | ast.ImportFrom):
                    statements[ast.unparse(node)] = None
    return "\n".join(statements)


def warm_up_code(notebooks) -> str:
    """What a kernel runs while it warms up: the imports of the report notebooks in the folder
    ``notebooks`` and the modules fitting a forecast imports (:data:`kamlib.forecast.MODEL_MODULES`,
    read in the kernel: this process need not import the forecasts for it)."""
    imports = imports_of(compose_account_notebook(notebooks), portfolio_notebook(notebooks))
    models = "import importlib as _i, kamlib.forecast as _f\nfor _m in _f.MODEL_MODULES:\n    _i.import_module(_m)"
    return f"{imports}\n{models}"


def prestart(notebooks, jobs: int, timeout: int = CELL_TIMEOUT):
    """Kernels for a run of ``jobs`` jobs on the notebooks in ``notebooks``, started and
    warming up now (for :func:`kamlib.run.flow.run`'s ``warm``)."""
    pool = KernelPool(notebooks, timeout, threading.Event())
    return pool, pool.start(jobs, warm_up_code(notebooks))
