"""Seconds per account report in German against English, measured in the same run on the demo
data: the cost of translating every text (catalog look-ups, translated markdown, Babel's
locale formats).

    .venv/bin/python benchmarks/language_speed.py [--accounts 6] [--rounds 3]

The baseline is the same reports in English, the source language (no catalog). The runs
alternate (English, German, English, ...) so that a machine's drift hits both alike; each prints
the wall-clock seconds per report of ``kam report --jobs 1`` and the seconds the report's cells
take in the warm kernel, and the medians give the ratio German / English.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from report_speed import cell_seconds

from kamlib import run as runner
from kamlib.demo import write_demo


def one_run(data: Path, out: Path, params: Path, accounts: list[str]) -> tuple[float, float]:
    """Seconds per report (wall clock, portfolio counted as one more) and cell seconds per
    account report."""
    start = time.perf_counter()
    result = runner.run(data, out, params, jobs=1, account_ids=accounts)
    seconds = time.perf_counter() - start
    if result.failed or result.partial:
        raise SystemExit(f"reports failed: {[(r.account_id, r.error) for r in result.results]}")
    cells = statistics.mean(cell_seconds(out / "notebooks" / f"{a}.ipynb") for a in accounts)
    return seconds / (len(accounts) + 1), cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=6, help="account reports per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per language")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        write_demo(base / "data")
        accounts = [f"KA-{i:03d}" for i in range(1, args.accounts + 1)]
        params = {}
        for language in ("en", "de"):
            params[language] = base / f"params-{language}"
            params[language].mkdir()
            (params[language] / "defaults.yaml").write_text(f"language: {language}\n")
        # one warm-up run: imports, font cache and the compiled catalog on disk
        one_run(base / "data", base / "warm", params["de"], accounts[:1])
        measured: dict[str, list[tuple[float, float]]] = {"en": [], "de": []}
        for round_ in range(args.rounds):
            for language in ("en", "de"):
                out = base / f"{language}-{round_}"
                measured[language].append(one_run(base / "data", out, params[language], accounts))
                wall, cells = measured[language][-1]
                print(f"round {round_ + 1} {language}: {wall:.2f} s/report, cells {cells:.2f} s")
        wall = {k: statistics.median(w for w, _ in v) for k, v in measured.items()}
        cells = {k: statistics.median(c for _, c in v) for k, v in measured.items()}
        print(
            f"{args.accounts} accounts, median of {args.rounds} runs: English {wall['en']:.2f} "
            f"s/report (cells {cells['en']:.2f} s), German {wall['de']:.2f} s/report "
            f"(cells {cells['de']:.2f} s)"
        )
        print(
            f"ratio German / English: {wall['de'] / wall['en']:.3f} per report, "
            f"{cells['de'] / cells['en']:.3f} for the cells"
        )


if __name__ == "__main__":
    main()
