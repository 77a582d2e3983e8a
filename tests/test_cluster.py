"""``kam report`` on a real Dask distributed cluster (kamlib.run.cluster).

A scheduler and two workers run as subprocesses (the ``dask`` command of this environment), on
127.0.0.1; the reports built there must be the very reports of a local run, a worker killed in
the middle must cost no report, and a worker with another kam must stop the run before anything
is written.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kamlib
from kamlib import run as runner
from kamlib.demo import write_demo
from kamlib.errors import KamError
from kamlib.run import cluster as on_cluster
from tests.compare_reports import compare
from tests.conftest import missing

pytestmark = pytest.mark.slow

ACCOUNTS = ["KA-001", "KA-002", "KA-003"]
REPORTS = [*ACCOUNTS, "portfolio"]


def _distributed():
    try:
        import distributed
    except ImportError:
        missing("dask distributed (kamlib[dask])")
    return distributed


def _stop(workers: list[subprocess.Popen], scheduler: subprocess.Popen | None) -> None:
    # a worker is killed (its worker process ends with it, and every run has already ended
    # its kernels): a graceful close would add seconds to each test session
    for process in workers:
        process.kill()
    if scheduler is not None:
        scheduler.terminate()
    for process in [*workers, *([scheduler] if scheduler else [])]:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory) -> Iterator[str]:
    """A scheduler and two one-thread workers, each a ``dask`` process; the address."""
    distributed = _distributed()
    dask = Path(sys.executable).with_name("dask")
    if not dask.is_file():
        missing(f"the dask command ({dask})")
    folder = tmp_path_factory.mktemp("dask")
    address_file = folder / "scheduler.json"
    processes: list[subprocess.Popen] = []

    def start(*args: str, log: str) -> None:
        with open(folder / log, "wb") as out:
            processes.append(
                subprocess.Popen([str(dask), *args], stdout=out, stderr=subprocess.STDOUT)
            )

    try:
        start(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(address_file),
            log="scheduler.log",
        )
        deadline = time.monotonic() + 60
        address = None
        while address is None:  # the scheduler writes its address once it listens
            assert time.monotonic() < deadline, (folder / "scheduler.log").read_text()
            assert processes[0].poll() is None, (folder / "scheduler.log").read_text()
            try:
                address = json.loads(address_file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.2)
        for i in range(2):
            start(
                "worker",
                address,
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--no-dashboard",
                "--death-timeout",
                "60",  # a worker left behind ends itself once the scheduler is gone
                log=f"worker-{i}.log",
            )
        with distributed.Client(address, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        _stop(processes[1:], processes[0] if processes else None)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "data"
    write_demo(folder, accounts=12)
    return folder


def test_reports_built_on_the_cluster_are_those_of_a_local_run(tmp_path, demo, scheduler):
    local, remote = tmp_path / "local", tmp_path / "remote"
    expected = runner.run(demo, local, jobs=1, account_ids=ACCOUNTS)
    result = runner.run(demo, remote, account_ids=ACCOUNTS, scheduler=scheduler)
    assert result.exit_code == 0 == expected.exit_code
    assert [r.account_id for r in result.results] == ACCOUNTS
    for name in REPORTS:
        assert (remote / f"{name}.html").read_bytes() == (local / f"{name}.html").read_bytes()
        assert (remote / "notebooks" / f"{name}.ipynb").is_file()
    # kpis.csv byte for byte, summary.json without durations and time stamps, every page
    assert compare(local, remote) == []
    assert not list(remote.rglob("*tmp"))


def test_a_killed_worker_costs_no_report(tmp_path, demo, scheduler):
    distributed = _distributed()
    killed: list[str] = []
    with distributed.Client(scheduler, set_as_default=False) as observer:
        pids = observer.run(os.getpid)
        earlier = set(observer.get_events())

        def ledger() -> list[dict]:
            """This run's log of report starts (kamlib.run.cluster._build)."""
            topics = [t for t in observer.get_events() if t.startswith("kam-started-")]
            return [e for t in topics if t not in earlier for _, e in observer.get_events(t)]

        def kill_a_busy_worker(first) -> None:
            if killed:
                return
            # a report started and not yet back is being built
            events = ledger()
            busy = [e for e in events if e["key"] != first.account_id]
            assert busy, events
            os.kill(pids[busy[0]["worker"]], signal.SIGKILL)
            killed.append(busy[0]["key"])

        result = runner.run(
            demo,
            tmp_path / "out",
            account_ids=ACCOUNTS,
            scheduler=scheduler,
            on_progress=kill_a_busy_worker,
        )
        assert killed
        starts = [e["key"] for e in ledger()]
    assert result.exit_code == 0, [(r.account_id, r.error) for r in result.failed]
    assert starts.count(killed[0]) == 2  # built again on another worker
    for name in REPORTS:
        assert (tmp_path / "out" / f"{name}.html").is_file()


def test_cluster_local_through_the_command_line(tmp_path, demo):
    _distributed()
    from kamlib.cli import app

    out = tmp_path / "out"
    done = CliRunner().invoke(
        app,
        ["report", "--data", str(demo), "--out", str(out), "--cluster", "local:2", "KA-002"],
    )
    assert done.exit_code == 0, done.output
    assert (out / "KA-002.html").is_file() and (out / "portfolio.html").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["accounts"]["KA-002"]["status"] == "ok" and summary["failed"] == []


def test_other_versions_on_the_workers_stop_the_run_before_anything_is_written(
    tmp_path, demo, scheduler, monkeypatch
):
    on_workers = kamlib.__version__
    monkeypatch.setattr(kamlib, "__version__", "0.0.0-other")  # this side only
    out = tmp_path / "out"
    with pytest.raises(KamError) as info:
        runner.run(demo, out, account_ids=ACCOUNTS, scheduler=scheduler)
    assert f"kamlib 0.0.0-other here, {on_workers} on tcp://127.0.0.1:" in str(info.value)
    assert not out.exists()


def test_cluster_options_are_checked_before_any_work(monkeypatch):
    with pytest.raises(KamError, match="exclude each other"):
        on_cluster.check_arguments("tcp://127.0.0.1:8786", "local:2", 1)
    with pytest.raises(KamError, match="'--jobs' is for reports built on this machine"):
        on_cluster.check_arguments(None, "local:2", 2)
    with pytest.raises(KamError, match="must be local:N"):
        on_cluster.check_arguments(None, "yarn:2", 1)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if kamlib[dask] were missing
    with pytest.raises(KamError, match=r"install kamlib\[dask\]"):
        on_cluster.check_arguments("tcp://127.0.0.1:8786", None, 1)
