"""Keep notebooks committed without outputs: ``python -m kamlib.nbstrip check|strip DIR``."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

__all__ = ["stored_outputs", "strip"]


def stored_outputs(path: Path) -> int:
    """Number of outputs and execution counts stored in a notebook."""
    nb = nbformat.read(path, as_version=4)
    return sum(
        len(c.get("outputs", [])) + (c.get("execution_count") is not None)
        for c in nb.cells
        if c.cell_type == "code"
    )


def strip(path: Path) -> bool:
    """Remove outputs and execution counts; True when the file changed."""
    nb = nbformat.read(path, as_version=4)
    if not stored_outputs(path):
        return False
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, path)
    return True


def main(argv: list[str]) -> int:
    """``check DIR`` exits 1 if any notebook stores outputs; ``strip DIR`` removes them."""
    if len(argv) != 2 or argv[0] not in ("check", "strip"):
        print("usage: python -m kamlib.nbstrip check|strip DIR", file=sys.stderr)
        return 2
    paths = sorted(Path(argv[1]).glob("*.ipynb"))
    if argv[0] == "strip":
        for p in paths:
            if strip(p):
                print(f"stripped {p}")
        return 0
    dirty = [p for p in paths if stored_outputs(p)]
    for p in dirty:
        print(f"{p}: has stored outputs; run `make format`", file=sys.stderr)
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
