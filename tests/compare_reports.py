"""Compare two ``kam report`` output folders: what a reader would see differently.

    python tests/compare_reports.py BEFORE AFTER

For a refactoring that must not change the reports: every HTML report is compared by its text
(what a reader reads, line by line) and by its charts (the PNG images, byte for byte);
``kpis.csv`` must be identical; ``summary.json`` is compared without its run-time fields
(time stamps, durations, paths). Exits 1 when anything differs, printing each difference.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import html
import json
import re
import sys
from pathlib import Path

_VOLATILE = {"generated_at", "seconds", "source", "params_dir", "notebook", "python"}


def reader_text(page: str) -> list[str]:
    """The lines of text of an HTML report, without style sheet, tags and images."""
    page = re.sub(r"<style.*?</style>", "", page, flags=re.DOTALL)
    page = re.sub(r"<img[^>]*>", "\n[chart]\n", page)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", page))
    return [line.strip() for line in text.splitlines() if line.strip()]


def charts(page: str) -> list[str]:
    """A digest of every inline chart, in order."""
    return [
        hashlib.sha256(base64.b64decode(data)).hexdigest()[:12]
        for data in re.findall(r'src="data:image/[a-z+]+;base64,([^"]+)"', page)
    ]


def _stable(value):
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def compare(before: Path, after: Path) -> list[str]:
    """Every difference a reader (or a script reading the outputs) would notice."""
    problems = []
    pages = sorted({p.name for p in before.glob("*.html")} | {p.name for p in after.glob("*.html")})
    for name in pages:
        old, new = before / name, after / name
        if not old.is_file() or not new.is_file():
            problems.append(f"{name}: only in {'after' if new.is_file() else 'before'}")
            continue
        a, b = old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8")
        diff = list(
            difflib.unified_diff(reader_text(a), reader_text(b), name, name, n=0, lineterm="")
        )
        if diff:
            problems.append("\n".join(diff))
        if charts(a) != charts(b):
            changed = [
                i for i, (x, y) in enumerate(zip(charts(a), charts(b), strict=False)) if x != y
            ]
            problems.append(
                f"{name}: charts differ ({len(charts(a))} before, {len(charts(b))} after; "
                f"changed: {changed})"
            )
    if (before / "kpis.csv").read_bytes() != (after / "kpis.csv").read_bytes():
        problems.append("kpis.csv differs")
    old_summary = _stable(json.loads((before / "summary.json").read_text()))
    new_summary = _stable(json.loads((after / "summary.json").read_text()))
    if old_summary != new_summary:
        problems.append(
            "summary.json differs:\n"
            + "\n".join(
                difflib.unified_diff(
                    json.dumps(old_summary, indent=1, sort_keys=True).splitlines(),
                    json.dumps(new_summary, indent=1, sort_keys=True).splitlines(),
                    lineterm="",
                    n=0,
                )
            )
        )
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = compare(Path(argv[0]), Path(argv[1]))
    for problem in problems:
        print(problem)
    print(f"{len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
