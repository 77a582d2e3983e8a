"""``make fuzz``: ``kam report`` end to end on many generated datasets, counting lost reports.

Datasets come from the Hypothesis strategy of ``tests/strategies.py`` (every section's edge
cases, untrusted names); each is written as CSV files and reported by the real command line in
a subprocess, with real kernels. A key account's report is *lost* when it was not written
(status ``failed``); a *partial* report lost a section. Every written report is also read
back: no ``Traceback``, ``nan``, ``inf``, ``∞`` or ``-0`` may reach its text.

    python tests/fuzz.py [--datasets 30] [--seed 1] [--jobs 2] [--keep DIR]

Prints ``N of M key account reports lost`` and exits 1 unless N, the partial reports and the
reports showing a bad value are all 0.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.strategies import datasets  # noqa: E402
from tests.test_robustness import SHOWN_BADLY  # noqa: E402


def generate(count: int, seed_value: int) -> list[dict]:
    """``count`` datasets of 14 to 24 accounts, most of them key accounts."""
    found: list[dict] = []

    @seed(seed_value)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(datasets(min_accounts=14, max_accounts=24, key_odds=4))
    def collect(tables):
        found.append(tables)

    collect()
    return found[:count]


def shown_text(page: str) -> str:
    """The text a reader sees: no style sheet, no tags, entities decoded."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.DOTALL)
    page = re.sub(r'src="data:[^"]*"', " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the datasets and reports here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kam-fuzz-"))
    total = lost = partial = bad = 0
    try:
        for i, tables in enumerate(generate(args.datasets, args.seed)):
            data, out = work / f"data-{i:03d}", work / f"reports-{i:03d}"
            data.mkdir(parents=True, exist_ok=True)
            for name, table in tables.items():
                table.to_csv(data / f"{name}.csv", index=False)
            keys = int((tables["accounts"]["key_account"] == "true").sum())
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "kamlib",
                    "report",
                    "--data",
                    str(data),
                    "--out",
                    str(out),
                    "--jobs",
                    str(args.jobs),
                ],
                capture_output=True,
                text=True,
            )
            summary_file = out / "summary.json"
            if not summary_file.is_file():
                print(f"dataset {i}: no summary (exit {done.returncode}): {done.stderr[-500:]}")
                total, lost = total + keys, lost + keys
                continue
            summary = json.loads(summary_file.read_text())
            statuses = [a["status"] for a in summary["accounts"].values()]
            n_lost, n_partial = statuses.count("failed"), statuses.count("partial")
            n_bad = 0
            for page in out.glob("*.html"):
                text = shown_text(page.read_text(encoding="utf-8"))
                match = SHOWN_BADLY.search(text) or re.search("Traceback", text)
                if match:
                    n_bad += 1
                    print(f"dataset {i}: {page.name} shows {match.group()!r}")
            total, lost = total + len(statuses), lost + n_lost
            partial, bad = partial + n_partial, bad + n_bad
            print(
                f"dataset {i}: {len(statuses)} key accounts, {n_lost} lost, {n_partial} "
                f"partial, exit {done.returncode}"
                + (f"\n{done.stderr.strip()}" if n_lost or n_partial else ""),
                flush=True,
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    minutes = (time.perf_counter() - started) / 60
    print(
        f"{lost} of {total} key account reports lost ({partial} partial, {bad} showing a bad "
        f"value) across {args.datasets} generated datasets in {minutes:.1f} min"
    )
    return 1 if lost or partial or bad else 0


if __name__ == "__main__":
    sys.exit(main())
