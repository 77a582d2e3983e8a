"""The notebooks of a run: where they are, how they are put together, and their sections.

A report is made of *sections*, and a section is the unit that may fail on its own: when one of
its cells raises, the section's remaining cells are skipped and the reader sees a short notice
in its place, while the other sections are produced as usual.

* The account report is ``account_report.ipynb`` (the header and executive summary: one
  *essential* section, without which there is no report) followed by the area notebooks listed
  in its visible ``sections = [...]`` cell (tagged ``sections``), one section each.
* The portfolio report is split at its level-2 headings (``## ...``); the cells before the first
  heading (parameters, setup, title) are its essential section.

A section is named by its level-2 heading as the reader sees it ("Revenue", "Contract terms"),
and every cell carries its section in ``cell.metadata["kam"]["section"]``.
"""

from __future__ import annotations

import ast
import importlib.resources
import re
from pathlib import Path

import nbformat

from kamlib.errors import KamError

__all__ = [
    "ACCOUNT_NOTEBOOK",
    "PORTFOLIO_NOTEBOOK",
    "notebooks_dir",
    "read_notebook",
    "compose_account_notebook",
    "portfolio_notebook",
    "section_of",
    "is_essential",
    "heading",
    "listed_sections",
    "number_cells",
]

ACCOUNT_NOTEBOOK = "account_report.ipynb"
PORTFOLIO_NOTEBOOK = "portfolio.ipynb"
#: the name of the portfolio's cells before its first section heading
PORTFOLIO_HEADER = "Header"
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def notebooks_dir() -> Path:
    """The folder of the report notebooks: ``notebooks/`` of a checkout, or the installed copy."""
    return Path(str(importlib.resources.files("kamlib.notebooks")))


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook the way papermill's loader does: every cell gets a ``tags`` list.

    Raises
    ------
    KamError
        If the file does not exist.
    """
    if not path.is_file():
        raise KamError(f"a report notebook is missing: expected {path}.")
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
    nb.metadata.setdefault("papermill", {})  # where papermill records the injected parameters
    return nb


def heading(cell, level: int = 2) -> str | None:
    """The text of the first heading of ``level`` in a markdown cell, else None."""
    if cell.get("cell_type") != "markdown":
        return None
    for line in cell.source.splitlines():
        match = _HEADING.match(line.strip())
        if match and len(match.group(1)) == level:
            return match.group(2)
    return None


def _title(nb: nbformat.NotebookNode, default: str) -> str:
    return next((h for h in map(heading, nb.cells) if h), default)


def _mark(cells, section: str, essential: bool = False) -> None:
    for cell in cells:
        cell.metadata["kam"] = {**cell.metadata.get("kam", {}), "section": section}
        if essential:
            cell.metadata["kam"]["essential"] = True


def section_of(cell) -> str | None:
    """The section a cell belongs to (None for cells added by the runner)."""
    return cell.get("metadata", {}).get("kam", {}).get("section")


def is_essential(cell) -> bool:
    """Whether the report cannot be written when this cell's section fails."""
    return bool(cell.get("metadata", {}).get("kam", {}).get("essential"))


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def number_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Give every cell the id ``cell-<index>``: unique after joining notebooks, and the index a
    failure names in ``summary.json`` is found in the executed notebook by its id."""
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    return nb


def listed_sections(nb: nbformat.NotebookNode, path: Path) -> list[str]:
    """The notebooks the account notebook's cell tagged ``sections`` lists (``sections = [...]``).

    Raises
    ------
    KamError
        If there is no such cell or it does not assign a list of notebook names.
    """
    for cell in nb.cells:
        if "sections" in _tags(cell):
            try:
                tree = ast.parse(cell.source)
                for node in tree.body:
                    if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "sections" for t in node.targets
                    ):
                        names = ast.literal_eval(node.value)
                        if isinstance(names, list) and all(isinstance(n, str) for n in names):
                            return names
            except (SyntaxError, ValueError):
                pass
            raise KamError(
                f"{path}: the cell tagged 'sections' must assign a list of notebook names, "
                f'e.g. sections = ["revenue.ipynb", ...]; got:\n{cell.source}'
            )
    raise KamError(f"{path}: no cell tagged 'sections' lists the notebooks of the report.")


def compose_account_notebook(folder: Path | None = None) -> nbformat.NotebookNode:
    """The account report: ``account_report.ipynb`` followed by the area notebooks it lists.

    The area notebooks are listed in the account notebook's ``sections`` cell; their
    ``parameters`` cells are dropped (the account notebook's parameters are used), their setup
    cells kept (they re-use the shared context), so each area notebook also runs on its own.
    Every cell is marked with its section (see the module docstring).
    """
    folder = Path(folder) if folder is not None else notebooks_dir()
    nb = read_notebook(folder / ACCOUNT_NOTEBOOK)
    _mark(nb.cells, _title(nb, "Executive summary"), essential=True)
    for name in listed_sections(nb, folder / ACCOUNT_NOTEBOOK):
        area = read_notebook(folder / name)
        cells = [c for c in area.cells if "parameters" not in _tags(c)]
        _mark(cells, _title(area, Path(name).stem))
        nb.cells.extend(cells)
    return number_cells(nb)


def portfolio_notebook(folder: Path | None = None) -> nbformat.NotebookNode:
    """The portfolio report, its cells marked with their sections (split at ``## `` headings)."""
    folder = Path(folder) if folder is not None else notebooks_dir()
    nb = read_notebook(folder / PORTFOLIO_NOTEBOOK)
    section, essential = PORTFOLIO_HEADER, True
    for cell in nb.cells:
        title = heading(cell)
        if title:
            section, essential = title, False
        _mark([cell], section, essential)
    return number_cells(nb)
