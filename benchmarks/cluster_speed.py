"""Seconds per report on a Dask cluster (``kam report --cluster local:2``) against the local pool
(``--jobs 2``), measured in the same run on the same demo accounts.

    .venv/bin/python benchmarks/cluster_speed.py [--accounts 6] [--rounds 1]

Both runs build the same reports with two warm kernels; the cluster run also starts two worker
processes, checks their versions, sends them the shared context and carries every report back
to this process. Printed per run: the seconds per report of the whole run (what a user waits
for) and of its report phase alone (from the first report started to the last written), and the
ratio cluster / jobs. The context cache is off, so both runs compute the KPIs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from kamlib import run as runner
from kamlib.demo import write_demo


def timed(data: Path, out: Path, accounts: list[str], **how) -> tuple[float, float]:
    """Seconds per report of the whole run and of its report phase."""
    phase = {}
    start = time.perf_counter()
    result = runner.run(
        data,
        out,
        account_ids=accounts,
        use_cache=False,
        on_start=lambda _: phase.setdefault("start", time.perf_counter()),
        on_progress=lambda _: phase.__setitem__("end", time.perf_counter()),
        **how,
    )
    total = time.perf_counter() - start
    if result.failed or result.partial:
        problems = [(r.account_id, r.error) for r in result.failed + result.partial]
        raise SystemExit(f"reports failed: {problems}")
    reports = len(accounts) + 1  # and the portfolio report
    return total / reports, (phase["end"] - phase["start"]) / reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=6, help="account reports per run")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each, alternating")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["KAM_CACHE_DIR"] = str(tmp / "cache")  # no context of an earlier run
        data = tmp / "data"
        write_demo(data)
        accounts = [f"KA-{i:03d}" for i in range(1, args.accounts + 1)]
        runs: dict[str, list[tuple[float, float]]] = {"jobs": [], "cluster": []}
        for i in range(args.rounds):
            runs["jobs"].append(timed(data, tmp / f"jobs-{i}", accounts, jobs=2))
            runs["cluster"].append(timed(data, tmp / f"cluster-{i}", accounts, cluster="local:2"))
    median = {k: [statistics.median(x[j] for x in v) for j in (0, 1)] for k, v in runs.items()}
    jobs, cluster = median["jobs"], median["cluster"]
    n = args.accounts
    print(f"{'run':<34}{'s / report':>12}{'report phase':>14}")
    print(f"{f'kam report --jobs 2 ({n}+1)':<34}{jobs[0]:>12.2f}{jobs[1]:>14.2f}")
    print(f"{f'kam report --cluster local:2 ({n}+1)':<34}{cluster[0]:>12.2f}{cluster[1]:>14.2f}")
    print(
        f"{'cluster / jobs':<34}{cluster[0] / jobs[0]:>12.2f}{cluster[1] / jobs[1]:>14.2f}"
        + (f"   (median of {args.rounds} rounds)" if args.rounds > 1 else "")
    )


if __name__ == "__main__":
    main()
