"""Seconds per account report: ``kam report`` (warm kernels, --jobs 1 and 2) against a cold
papermill + nbconvert run per report, measured in the same run on the demo data.

    .venv/bin/python benchmarks/report_speed.py [--accounts 6]

The baseline is what a user would do without kam's runner: for each account,
``papermill.execute_notebook`` (a new kernel each time) and nbconvert's HTML exporter. Also
printed: the seconds the account report's cells take inside a warm kernel (from the execution
times nbclient records in each executed notebook), the part of a report the analysis code
decides.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
import papermill

from kamlib import run as runner
from kamlib.demo import write_demo


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
        data = tmp / "data"
        write_demo(data)
        accounts = [f"KA-{i:03d}" for i in range(1, args.accounts + 1)]
        as_of = "2026-10-31"
        (tmp / "cold").mkdir()
        cold = cold_baseline(data, tmp / "cold", accounts[:3], as_of)
        one, size = kam_run(data, tmp / "j1", accounts, jobs=1)
        two, _ = kam_run(data, tmp / "j2", accounts, jobs=2)
        # the first report of a kernel also pays the imports: count the others
        cells = [cell_seconds(tmp / "j1" / "notebooks" / f"{a}.ipynb") for a in accounts[1:]]
    print(f"{'run':<34}{'s / report':>12}{'vs cold':>10}")
    print(f"{'cold papermill + nbconvert (3)':<34}{cold:>12.2f}{1.0:>10.2f}")
    print(f"{f'kam report --jobs 1 ({args.accounts}+1)':<34}{one:>12.2f}{one / cold:>10.2f}")
    print(f"{f'kam report --jobs 2 ({args.accounts}+1)':<34}{two:>12.2f}{two / cold:>10.2f}")
    print(f"largest account report: {size / 1e6:.2f} MB")
    print(f"cells of an account report in a warm kernel: {sum(cells) / len(cells):.2f} s")


if __name__ == "__main__":
    main()
