"""Seconds per account report: ``kam report`` (warm kernels, --jobs 1 and 2) against a cold
papermill + nbconvert run per report, measured in the same run on the demo data.

    .venv/bin/python benchmarks/report_speed.py [--accounts 6]

Two baselines, both what a user would do without kam's runner, for each account: the
command lines ``papermill`` and ``jupyter nbconvert --to html`` (a new process and kernel each
time), and the same in one Python process (``papermill.execute_notebook`` and nbconvert's
HTML exporter). Also printed: one account re-run from the command line after its parameters
changed (the analyst's loop), against the command-line baseline for one report; the HTML export
with a new exporter per report against the reused one; and the seconds the account report's
cells take inside a warm kernel (from the execution times nbclient records in each executed
notebook), the part of a report the analysis code decides.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
import papermill

from kamlib import run as runner
from kamlib.demo import write_demo
from kamlib.run import compose, kernels, render


def reset_seconds(reset: str, rounds: int = 5) -> float:
    """Seconds a warm kernel takes for a one-cell notebook (its reset included), best of
    ``rounds``: what a report pays besides its own cells."""
    saved, kernels._RESET = kernels._RESET, reset
    pool = kernels.KernelPool(compose.notebooks_dir())
    try:
        pool.warm("import kamlib.context, kamlib.plots, kamlib.summary")
        best = float("inf")
        for _ in range(rounds):
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
            start = time.perf_counter()
            pool.execute(nb)
            best = min(best, time.perf_counter() - start)
        return best
    finally:
        pool.close()
        kernels._RESET = saved


def import_seconds(statement: str) -> float:
    """Seconds a fresh interpreter takes to run ``statement`` (median of 3)."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    return sorted(runs)[1]


def cold_commands(data: Path, out: Path, accounts: list[str], as_of: str) -> float:
    """Seconds per report with the ``papermill`` and ``jupyter nbconvert`` command lines."""
    composed = out / "composed.ipynb"
    nbformat.write(runner.compose_account_notebook(), composed)
    bin_dir = Path(sys.executable).parent
    start = time.perf_counter()
    for account_id in accounts:
        executed = out / f"{account_id}.ipynb"
        parameters = {"data": data, "account_id": account_id, "as_of": as_of, "params_dir": ""}
        pairs = [arg for k, v in parameters.items() for arg in ("-p", k, str(v))]
        subprocess.run(
            [
                bin_dir / "papermill",
                composed,
                executed,
                "--cwd",
                runner.notebooks_dir(),
                "--no-progress-bar",
                "--log-level",
                "WARNING",
                *pairs,
            ],
            check=True,
        )
        subprocess.run(
            [
                bin_dir / "jupyter",
                "nbconvert",
                "--to",
                "html",
                "--no-input",
                "--log-level",
                "WARN",
                executed,
            ],
            check=True,
        )
    return (time.perf_counter() - start) / len(accounts)


def one_account(data: Path, out: Path, params: Path, account_id: str) -> float:
    """Wall-clock seconds of ``kam report ... ACCOUNT_ID`` after that account's parameters
    changed, following a full run into the same folder (the analyst's loop)."""
    command = [
        sys.executable,
        "-m",
        "kamlib",
        "report",
        "--data",
        str(data),
        "--out",
        str(out),
        "--params",
        str(params),
    ]
    env = {**os.environ, "KAM_CACHE_DIR": str(out.parent / "cache")}
    subprocess.run(command, check=True, env=env, capture_output=True)
    own = params / f"{account_id}.yaml"
    own.write_text("targets:\n  nps: 35\n", encoding="utf-8")
    start = time.perf_counter()
    subprocess.run([*command, account_id], check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def exporter_seconds(notebooks: list[Path], fresh: bool) -> float:
    """Seconds per HTML export, with a new exporter per report or the thread's reused one."""
    executed = [nbformat.read(nb, as_version=4) for nb in notebooks]
    render.export_html(executed[0], "warm-up", "", "en")
    start = time.perf_counter()
    for nb in executed:
        if fresh:
            render._EXPORTERS.by_language = {}
        render.export_html(nb, "report", "", "en")
    return (time.perf_counter() - start) / len(executed)


def cold_baseline(data: Path, out: Path, accounts: list[str], as_of: str) -> float:
    """Seconds per report with a fresh kernel per account (papermill's default)."""
    composed = out / "composed.ipynb"
    nbformat.write(runner.compose_account_notebook(), composed)
    start = time.perf_counter()
    for account_id in accounts:
        executed = out / f"{account_id}.ipynb"
        papermill.execute_notebook(
            str(composed),
            str(executed),
            cwd=str(runner.notebooks_dir()),
            progress_bar=False,
            parameters={
                "data": str(data),
                "account_id": account_id,
                "as_of": as_of,
                "params_dir": "",
            },
        )
        html = runner.export_html(nbformat.read(executed, as_version=4), account_id, "")
        (out / f"{account_id}.html").write_text(html, encoding="utf-8")
    return (time.perf_counter() - start) / len(accounts)


def kam_run(data: Path, out: Path, accounts: list[str], jobs: int) -> tuple[float, float]:
    """Seconds per report, and the largest report in bytes, for ``kam report --jobs N``."""
    start = time.perf_counter()
    result = runner.run(data, out, jobs=jobs, account_ids=accounts)
    seconds = time.perf_counter() - start
    if result.failed or result.partial:
        problems = [(r.account_id, r.error) for r in result.failed + result.partial]
        raise SystemExit(f"reports failed: {problems}")
    size = max((out / f"{a}.html").stat().st_size for a in accounts)
    # the portfolio report is built in the same pool: count it as one more report
    return seconds / (len(accounts) + 1), size


def cell_seconds(notebook: Path) -> float:
    """Seconds the code cells of an executed notebook took in their kernel."""
    total = 0.0
    for cell in nbformat.read(notebook, as_version=4).cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            total += (end - start).total_seconds()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=6, help="account reports per run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["KAM_CACHE_DIR"] = str(tmp / "cache")  # a cold context cache, not the user's
        data = tmp / "data"
        write_demo(data)
        accounts = [f"KA-{i:03d}" for i in range(1, args.accounts + 1)]
        as_of = "2026-10-31"
        (tmp / "cli").mkdir()
        commands = cold_commands(data, tmp / "cli", accounts[:3], as_of)
        (tmp / "cold").mkdir()
        cold = cold_baseline(data, tmp / "cold", accounts[:3], as_of)
        one, size = kam_run(data, tmp / "j1", accounts, jobs=1)
        two, _ = kam_run(data, tmp / "j2", accounts, jobs=2)
        # the first report of a kernel also pays the imports: count the others
        executed = [tmp / "j1" / "notebooks" / f"{a}.ipynb" for a in accounts]
        cells = [cell_seconds(nb) for nb in executed[1:]]
        fresh, reused = exporter_seconds(executed, True), exporter_seconds(executed, False)
        (tmp / "params").mkdir()
        single = one_account(data, tmp / "single", tmp / "params", accounts[0])
    light, full = reset_seconds(kernels._RESET), reset_seconds("%reset -f")
    before_kernels = import_seconds("import kamlib.cli; from kamlib.run import compose, kernels")
    everything = import_seconds("import kamlib.cli; from kamlib.run import flow")
    print(f"{'run':<40}{'s / report':>12}{'vs CLI':>8}{'vs cold':>9}")
    rows = [
        ("papermill + jupyter nbconvert CLI (3)", commands),
        ("cold papermill + nbconvert, in-process (3)", cold),
        (f"kam report --jobs 1 ({args.accounts}+1)", one),
        (f"kam report --jobs 2 ({args.accounts}+1)", two),
    ]
    for name, seconds in rows:
        print(f"{name:<40}{seconds:>12.2f}{seconds / commands:>8.2f}{seconds / cold:>9.2f}")
    print(
        f"{'one account after a parameter change':<40}{single:>12.2f}{single / commands:>8.2f}"
        f"{single / cold:>9.2f}  (wall clock, whole command)"
    )
    print(f"HTML export: new exporter {fresh:.3f} s, reused {reused:.3f} s ({reused / fresh:.2f})")
    print(
        f"kernel reset per report: kam's {light:.3f} s, %reset -f {full:.3f} s ({light / full:.2f})"
    )
    print(
        f"imports before kam report starts its kernels: {before_kernels:.2f} s, against "
        f"{everything:.2f} s for the whole runner ({before_kernels / everything:.2f})"
    )
    print(f"largest account report: {size / 1e6:.2f} MB")
    print(f"cells of an account report in a warm kernel: {sum(cells) / len(cells):.2f} s")


if __name__ == "__main__":
    main()
