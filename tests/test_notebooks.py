"""The notebooks as papermill sees them: every parameter can be read and passed with ``-p``."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_reads_every_parameter(path):
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{path.name}: expected one cell tagged 'parameters'"
    assigned = [t.id for n in ast.parse(cells[0].source).body for t in n.targets]
    # papermill skips a line it cannot parse (an '=' in a comment is enough) and then warns
    # "Passed unknown parameter" for `papermill -p data ...`
    inferred = papermill.inspect_notebook(str(path))
    assert list(inferred) == assigned
    assert all(p["help"] for name, p in inferred.items() if name in ("data", "as_of"))
