"""``kam report --scheduler`` / ``--cluster``: the reports built on a Dask distributed cluster.

The machine running ``kam report`` (the client) does everything but build the reports: it reads
and validates the data, computes the shared context, and writes every file into the output
folder through the same :meth:`~kamlib.run.flow.ReportWriter.save` as the local pool. The
cluster's workers build the reports:

* :func:`connect` reaches the cluster before anything is written: an existing scheduler
  (``--scheduler tcp://HOST:PORT``) or a :class:`distributed.LocalCluster` of ``N`` worker
  processes with one thread each, started for the run and closed after it
  (``--cluster local:N``); then the versions are checked: Dask's own
  (``client.get_versions(check=True)``) and kam's with the packages that shape a report, on
  every worker; a difference is a :class:`~kamlib.errors.KamError` naming them;
* ``KernelPlugin``, a Dask ``WorkerPlugin`` registered for the run, carries the shared context
  (the bytes :func:`kamlib.context.share` wrote) to every worker once; each worker writes it to
  a temporary file of its own that its kernels read (no shared file system is assumed), and
  keeps one warm kernel per worker thread (:class:`~kamlib.run.kernels.KernelPool`); removing
  the plugin at the end of the run shuts them down;
* one task per report builds it in that kernel (:meth:`~kamlib.run.flow.ReportWriter.build`)
  and returns it in memory: the HTML, the executed notebook, the PDF, failures and digest;
* a worker that dies costs at most the report it was building: Dask runs the task again on
  another worker, and a report is started twice at most (each start is logged on the
  scheduler, and a third one gives up), so a notebook that kills its worker cannot take the
  cluster down one worker after another; the account is then ``failed``, the run goes on;
* Ctrl-C cancels the tasks, ends the workers' kernels, closes the client (and a local cluster)
  and raises :class:`~kamlib.run.outcome.Interrupted`, as the local pool does.

Dask is the optional extra ``kamlib[dask]``; it is imported only when a run uses a cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.metadata
import logging
import pickle
import re
import shutil
import signal
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kamlib
from kamlib.context import share
from kamlib.errors import KamError
from kamlib.run.kernels import KernelPool, first_line
from kamlib.run.outcome import AccountResult, Interrupted, RunResult

__all__ = ["ATTEMPTS", "Lost", "Session", "check_arguments", "connect", "write_all"]

#: how often a report is started before it is given up (a worker died each time)
ATTEMPTS = 2
#: packages whose versions can change a report's numbers, charts or page, checked on every
#: worker besides kamlib and Dask's own (Python, numpy, pandas, dask, distributed ...)
REPORT_PACKAGES = (
    "babel",
    "ipykernel",
    "jinja2",
    "matplotlib",
    "nbclient",
    "nbconvert",
    "nbformat",
    "papermill",
    "pydantic",
    "scipy",
    "seaborn",
    "statsmodels",
    "weasyprint",
)
#: seconds to reach a scheduler (a mistyped address is retried that long), and to wait for its
#: first worker
CONNECT_TIMEOUT = 15
_INSTALL = "install kamlib[dask] (pip install 'kamlib[dask]')"


@dataclass
class Session:
    """A cluster a run is connected to.

    Attributes
    ----------
    client : distributed.Client
        The run's client.
    address : str
        The scheduler's address, for messages.
    local : distributed.LocalCluster or None
        The cluster started for the run (``--cluster local:N``), closed with the session.
    """

    client: Any
    address: str
    local: Any = None


@dataclass(frozen=True)
class Lost:
    """A report that came back without a result: the task gave it up (the workers building it
    died), or failed on the cluster; the account is then ``failed`` with ``error``."""

    key: str
    error: str


def _require_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise KamError(f"--scheduler and --cluster run the reports on Dask: {_INSTALL}.") from None


def _local_workers(cluster: str) -> int:
    match = re.fullmatch(r"local:(\d+)", cluster.strip())
    if not match or int(match.group(1)) < 1:
        raise KamError(
            f"'--cluster' must be local:N (N worker processes on this machine), got {cluster!r}."
        )
    return int(match.group(1))


def check_arguments(scheduler: str | None, cluster: str | None, jobs: int) -> None:
    """Fail fast for cluster options that cannot work (before any data is read).

    Raises
    ------
    KamError
        For both options at once, ``--jobs`` above 1 with either (on a cluster every worker
        thread builds one report at a time: its size is the cluster's), a ``--cluster`` that is
        not ``local:N``, an empty ``--scheduler``, or Dask not installed.
    """
    if scheduler is None and cluster is None:
        return
    if scheduler is not None and cluster is not None:
        raise KamError(
            "'--scheduler' and '--cluster' exclude each other: connect to a running cluster, "
            "or start one for the run."
        )
    if jobs != 1:
        raise KamError(
            "'--jobs' is for reports built on this machine; on a cluster every worker thread "
            "builds one report at a time (leave out --jobs; --cluster local:N sets the size)."
        )
    if cluster is not None:
        _local_workers(cluster)
    if scheduler is not None and not scheduler.strip():
        raise KamError("'--scheduler' needs the scheduler's address, e.g. tcp://host:8786.")
    _require_dask()


@contextlib.contextmanager
def connect(scheduler: str | None, cluster: str | None) -> Iterator[Session | None]:
    """The run's cluster, its versions checked; None without ``scheduler`` or ``cluster``.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``).
    cluster : str, optional
        ``local:N``: a local cluster of N worker processes (one thread each) for the run.

    Yields
    ------
    Session or None
        Closed (client, and the local cluster) when the block ends, however it ends.

    Raises
    ------
    KamError
        Dask not installed, a scheduler that cannot be reached or has no worker, a local
        cluster that does not start, or workers with other versions (:func:`check_versions`).
    """
    if scheduler is None and cluster is None:
        yield None
        return
    check_arguments(scheduler, cluster, 1)
    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        local = None
        if cluster is not None:
            try:
                with _ctrl_c_for_this_process_only():
                    local = LocalCluster(
                        n_workers=_local_workers(cluster),
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address="127.0.0.1:0",  # no fixed port to collide on
                        # the run's own messages name what went wrong; Dask's shutdown
                        # chatter would bury them
                        silence_logs=logging.ERROR,
                    )
            except Exception as exc:  # noqa: BLE001 - e.g. no process can be started here
                raise KamError(f"could not start a local Dask cluster: {first_line(exc)}") from None
            stack.callback(local.close)
            address = local.scheduler_address
        else:
            address = scheduler.strip()
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise KamError(
                f"cannot reach the Dask scheduler at {address}: {first_line(exc)}"
            ) from None
        stack.callback(client.close)
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            raise KamError(
                f"no worker is connected to the Dask scheduler at {address} "
                f"(waited {CONNECT_TIMEOUT} s)."
            ) from None
        check_versions(client, address)
        yield Session(client, address, local)


@contextlib.contextmanager
def _ctrl_c_for_this_process_only() -> Iterator[None]:
    """Ignore SIGINT while a local cluster's worker processes are started: they inherit it, so
    that a Ctrl-C in the terminal (sent to the whole process group) reaches only the run, which
    stops the workers in order, instead of every worker printing its own traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change signal handlers; a run in a thread has no Ctrl-C
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _versions_here() -> dict[str, str | None]:
    """kamlib's version and those of :data:`REPORT_PACKAGES` in this process."""
    versions: dict[str, str | None] = {"kamlib": kamlib.__version__}
    for name in REPORT_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def check_versions(client: Any, address: str) -> None:
    """Stop unless every worker runs the versions this process runs.

    Dask's own check (``client.get_versions(check=True)``: Python, dask, distributed,
    cloudpickle, numpy, pandas ... on client, scheduler and workers) only warns; here any
    difference stops the run, and so does one of kamlib or of :data:`REPORT_PACKAGES` (a worker
    with another matplotlib draws other charts).

    Raises
    ------
    KamError
        Naming each package, its version here and on the worker; or the workers cannot run
        kamlib at all.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.get_versions(check=True)
    dask_table = [str(w.message) for w in caught if "Mismatched versions" in str(w.message)]
    try:
        theirs = client.run(_versions_here)
    except Exception as exc:  # noqa: BLE001 - typically kamlib missing on a worker
        raise KamError(
            f"the workers of the Dask cluster at {address} cannot run kam ({first_line(exc)}): "
            f"{_INSTALL} on every worker, in the versions of this machine."
        ) from None
    ours = _versions_here()
    differences = [
        f"{name} {ours.get(name) or 'missing'} here, {versions.get(name) or 'missing'} on {worker}"
        for worker, versions in sorted(theirs.items())
        for name in sorted(set(ours) | set(versions))
        if ours.get(name) != versions.get(name)
    ]
    if not differences and not dask_table:
        return
    shown = "; ".join(differences[:8]) + (
        f" (and {len(differences) - 8} more)" if len(differences) > 8 else ""
    )
    raise KamError(
        f"the Dask cluster at {address} runs other versions than this machine, and its reports "
        "could differ: "
        + (shown + ". " if shown else "")
        + ("\n".join(dask_table) + "\n" if dask_table else "")
        + "Install the same versions on every worker (pip install -c constraints.txt "
        "'kamlib[dask]')."
    )


class _Kernels:
    """What ``KernelPlugin`` does on a worker (its Dask base class is imported lazily)."""

    def __init__(self, writer: Any, shared: bytes, timeout: int, versions: dict):
        self.spec, self.shared, self.timeout, self.versions = writer, shared, timeout, versions

    def _start(self, folder: str | None) -> None:
        # in the worker's own folder, which Dask removes after a worker that was killed
        self.scratch = tempfile.mkdtemp(prefix="kam-", dir=folder)
        path = Path(self.scratch) / "context.pkl"
        _, context = pickle.loads(self.shared)
        common = self.spec.common
        # keyed again as this machine sees the run's inputs: the kernels compare the key with
        # the data's files, which may be absent here, or others at the same path
        share(context, path, common["data"], common["as_of"], common["params_dir"])
        self.cancel = threading.Event()
        self.pool = KernelPool(self.scratch, self.timeout, self.cancel)
        self.writer = self.spec.with_pool(self.pool, str(path))
        self.busy = 0
        self.lock = threading.Lock()
        here = _versions_here()
        # a worker that joins after the run's check (a restarted one, say) is checked here
        self.problem = (
            None
            if here == self.versions
            else f"this worker runs other versions than the run's client: {here} against "
            f"{self.versions}"
        )

    def _stop(self) -> None:
        if self.busy:  # a Ctrl-C of the run: notebooks still running are not waited for
            self.cancel.set()
            self.pool.kill()
            # their threads see the dead kernels and return; only then are the kernels'
            # clients shut down (as the local pool does after its threads)
            deadline = time.monotonic() + 10
            while self.busy and time.monotonic() < deadline:
                time.sleep(0.05)
        self.pool.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    # Dask calls both in the worker's event loop: the slow parts run in a thread, so that
    # the worker keeps answering the scheduler
    async def setup(self, worker: Any) -> None:
        await asyncio.to_thread(self._start, getattr(worker, "local_directory", None))

    async def teardown(self, worker: Any) -> None:
        if hasattr(self, "pool"):
            await asyncio.to_thread(self._stop)

    def build(self, key: str) -> Any:
        """The report of ``key`` built in this worker thread's kernel."""
        if self.problem:
            raise KamError(self.problem)
        with self.lock:
            self.busy += 1
        try:
            return self.writer.build(key)
        finally:
            with self.lock:
                self.busy -= 1


@functools.cache
def _plugin_class() -> type:
    from distributed import WorkerPlugin

    class KernelPlugin(_Kernels, WorkerPlugin):
        """The run's kernels on a worker; see the module docstring."""

    KernelPlugin.__module__, KernelPlugin.__qualname__ = __name__, "KernelPlugin"
    return KernelPlugin


def __getattr__(name: str) -> Any:
    # pickle finds the plugin's class by name, on the client and on every worker
    if name == "KernelPlugin":
        return _plugin_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _build(key: str, plugin: str, ledger: str) -> Any:
    """The task: build the report of ``key`` on this worker, or give it up after
    :data:`ATTEMPTS` starts."""
    from distributed import get_client, get_worker

    worker = get_worker()
    kernels = worker.plugins.get(plugin)
    if kernels is None or not hasattr(kernels, "writer"):
        raise KamError(f"the worker {worker.address} has not set up the run's kernels")
    # every start is logged on the scheduler: a start after ATTEMPTS others means that the
    # workers running them died (a task that returns is never started again)
    workers = [e["worker"] for _, e in get_client().get_events(ledger) if e["key"] == key]
    if len(workers) >= ATTEMPTS:
        return Lost(
            key,
            f"the workers building this report died ({', '.join(workers)}); it is not tried "
            "again (see the workers' logs: memory, a crash in a notebook's code)",
        )
    worker.log_event(ledger, {"key": key, "worker": worker.address})
    return kernels.build(key)


def _failed(writer: Any, key: str, error: str, seconds: float) -> AccountResult:
    """The outcome of a report that came back without a result; nothing stale stays."""
    for name in (f"{key}.html", f"{key}.pdf", f"notebooks/{key}.ipynb"):
        writer.folder.remove(name)
    return AccountResult(key, "failed", seconds, error)


def write_all(
    session: Session,
    writer: Any,
    keys: Sequence[str],
    result: RunResult,
    on_start: Callable[[int], None] | None,
    on_progress: Callable[[AccountResult], None] | None,
) -> None:
    """Every report of ``keys`` built on the cluster and written here, as they finish.

    Parameters
    ----------
    session : Session
        From :func:`connect`.
    writer : ReportWriter
        The run's writer (:class:`kamlib.run.flow.ReportWriter`): its copy without folder
        and pool goes to the workers, and it saves what they return.
    keys : sequence of str
        Account ids, and :data:`~kamlib.run.outcome.PORTFOLIO` for the portfolio report.
    result : RunResult
        Receives each report's outcome.
    on_start, on_progress : callable, optional
        As :func:`kamlib.run.flow.run`'s.

    Raises
    ------
    Interrupted
        On Ctrl-C: the tasks cancelled, the workers' kernels ended, no temporary file left.
    KamError
        When the workers cannot set up the run (nothing was built then).
    """
    if on_start:
        on_start(len(keys))
    if not keys:
        return
    from distributed import as_completed

    client = session.client
    run_id = uuid.uuid4().hex[:12]
    plugin, ledger = f"kam-kernels-{run_id}", f"kam-started-{run_id}"
    shared = Path(writer.common["shared_context"]).read_bytes()
    kernels = _plugin_class()(writer.with_pool(None), shared, writer.pool.timeout, _versions_here())
    futures: dict[Any, str] = {}
    started = time.perf_counter()
    removed = False
    try:
        try:
            # sent to every worker once, and to workers that join later
            client.register_plugin(kernels, name=plugin)
        except Exception as exc:  # noqa: BLE001 - the worker's exception, whatever it is
            raise KamError(
                f"the workers of {session.address} could not set up the run: {first_line(exc)}"
            ) from None
        for key in keys:
            # retries: an exception of the task itself (a worker that dies is Dask's to retry)
            future = client.submit(
                _build, key, plugin, ledger, key=f"kam-{run_id}-{key}", pure=False, retries=1
            )
            futures[future] = key
        for future in as_completed(futures, loop=client.loop):
            key = futures[future]
            try:
                built = future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, or the task's own error
                built = Lost(key, f"on the cluster: {first_line(exc)}")
            if built is None:  # stopped by a Ctrl-C
                continue
            if isinstance(built, Lost):
                res = _failed(writer, key, built.error, time.perf_counter() - started)
            else:
                res = writer.save(built)
            result.add(res)
            if on_progress:
                on_progress(res)
    except KeyboardInterrupt:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C waits
        try:
            client.cancel(list(futures), force=True)
            _remove_plugin(client, plugin)  # ends the kernels still building
            removed = True
            writer.folder.sweep()
        finally:
            signal.signal(signal.SIGINT, previous)
        written = sum(1 for r in result.every() if r.report)
        raise Interrupted(written, len(keys)) from None
    finally:
        if not removed:  # the workers' kernels are shut down, their temporary files removed
            _remove_plugin(client, plugin)
        futures.clear()  # the results are released on the cluster


def _remove_plugin(client: Any, plugin: str) -> None:
    # a worker that is gone has nothing to remove; the client is closed next anyway
    with contextlib.suppress(Exception):
        client.unregister_worker_plugin(plugin)
