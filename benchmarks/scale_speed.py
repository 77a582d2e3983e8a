"""How the cost of ``kam report`` grows with the work: the demo at 25, 250 and 2,500 accounts.

    .venv/bin/python benchmarks/scale_speed.py [--sizes 25,250,2500] [--jobs 2]

For each size a demo dataset is written and every key account's report plus the portfolio
report is made with ``kam report`` (context cache off, so each run loads, validates and
computes its KPIs and forecasts itself). Printed per size: the shared context alone (load,
validation, the three KPI passes, forecasts), the whole run, seconds per report, and both
against the smallest size measured in the same run: the work (reports) and the time grow by
these factors.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kamlib import context
from kamlib import run as runner
from kamlib.demo import write_demo


def measure(folder: Path, accounts: int, jobs: int) -> dict:
    """Seconds of the context and of the whole run for a demo of ``accounts`` customers."""
    data = folder / f"data-{accounts}"
    write_demo(data, accounts=accounts)
    start = time.perf_counter()
    context.compute(str(data), "", "")
    context_seconds = time.perf_counter() - start
    start = time.perf_counter()
    result = runner.run(data, folder / f"out-{accounts}", jobs=jobs, use_cache=False)
    seconds = time.perf_counter() - start
    failed = [r.account_id for r in result.failed]
    if failed:
        raise SystemExit(f"{len(failed)} reports failed at {accounts} accounts: {failed[:5]}")
    reports = len(result.results) + 1  # the portfolio report is made in the same pool
    return {"accounts": accounts, "reports": reports, "context": context_seconds, "run": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25,250,2500", help="demo sizes, comma-separated")
    parser.add_argument("--jobs", type=int, default=2, help="reports built at once")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for accounts in sizes:
            rows.append(measure(Path(tmp), accounts, args.jobs))
            row = rows[-1]
            print(
                f"  {accounts} accounts: {row['reports']} reports in {row['run']:.1f} s", flush=True
            )
    base = rows[0]
    print(
        f"{'accounts':>9}{'reports':>9}{'context s':>11}{'run s':>9}{'s/report':>10}"
        f"{'work x':>8}{'time x':>8}"
    )
    for row in rows:
        print(
            f"{row['accounts']:>9}{row['reports']:>9}{row['context']:>11.2f}{row['run']:>9.1f}"
            f"{row['run'] / row['reports']:>10.2f}{row['reports'] / base['reports']:>8.1f}"
            f"{row['run'] / base['run']:>8.1f}"
        )


if __name__ == "__main__":
    main()
