"""Seconds per PDF report (WeasyPrint) against the HTML export of the same report, measured in
the same run on the demo reports.

    .venv/bin/python benchmarks/pdf_speed.py [--accounts 6]

The HTML export (nbconvert with the kam template, from the executed notebook) is the baseline:
the PDF is printed from that HTML, so the ratio is what --pdf adds to a report.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nbformat

from kamlib import run as runner
from kamlib.demo import write_demo
from kamlib.run.pdf import pdf_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=6)
    args = parser.parse_args()
    accounts = [f"KA-{i:03d}" for i in range(1, args.accounts + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_demo(tmp / "data")
        runner.run(tmp / "data", tmp / "out", account_ids=accounts)
        pages = {a: (tmp / "out" / f"{a}.html").read_text(encoding="utf-8") for a in accounts}
        notebooks = {
            a: nbformat.read(tmp / "out" / "notebooks" / f"{a}.ipynb", 4) for a in accounts
        }
        start = time.perf_counter()
        for a in accounts:
            runner.export_html(notebooks[a], a, "")
        html = (time.perf_counter() - start) / len(accounts)
        start = time.perf_counter()
        sizes = [len(pdf_bytes(pages[a])) for a in accounts]
        pdf = (time.perf_counter() - start) / len(accounts)
    print(f"{'step':<28}{'s / report':>12}{'vs HTML':>10}")
    print(f"{'HTML export (baseline)':<28}{html:>12.2f}{1.0:>10.2f}")
    print(f"{'PDF (WeasyPrint)':<28}{pdf:>12.2f}{pdf / html:>10.2f}")
    print(f"largest PDF: {max(sizes) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
