"""kamlib's imports run one way: no import circle, and no module importing a later layer.

Read from the source with the standard library's ``ast``: every ``import`` counts, at the top
of a module or inside a function (an import inside a function to dodge a circle is a circle).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

KAMLIB = Path(__file__).resolve().parents[1] / "kamlib"

#: base -> measures and components -> analyses -> sections -> summary -> run -> cli
LAYERS = [
    {"kamlib", "kamlib.errors", "kamlib.schema", "kamlib.periods", "kamlib.format", "kamlib.i18n",
     "kamlib.nbstrip", "kamlib.demo"},
    {"kamlib.measures", "kamlib.blocks"},
    {"kamlib.components"},
    {"kamlib.params", "kamlib.data"},
    {"kamlib.sources"},  # and its modules
    {"kamlib.key_accounts", "kamlib.frames", "kamlib.forecast", "kamlib.health"},
    {"kamlib.kpis"},
    {"kamlib.sections"},  # and its modules
    {"kamlib.plots", "kamlib.summary"},
    {"kamlib.context"},
    {"kamlib.run", "kamlib.mail"},
    {"kamlib.cli", "kamlib.__main__"},
]  # fmt: skip


def _module_name(path: Path) -> str:
    parts = path.relative_to(KAMLIB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in KAMLIB.rglob("*.py")}


def _imports(path: Path, known: set[str]) -> set[str]:
    """The kamlib modules ``path`` imports, and the packages they run first (but its own: a
    package's modules import each other while the package is being set up)."""
    importer = _module_name(path)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name in known and name != "kamlib":  # kamlib's own __init__ imports nothing
                found.add(name)
                parts = name.split(".")
                # importing a.b.c runs the package a.b first
                parents = {".".join(parts[:i]) for i in range(2, len(parts))}
                found |= {p for p in parents if not importer.startswith(p + ".")}
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, known) - {name} for name, path in modules.items()}


def _layer(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        if any(module == m or module.startswith(m + ".") for m in layer if m != "kamlib"):
            return i
    return 0 if module == "kamlib" else -1


def test_every_module_has_a_layer():
    assert [m for m in _modules() if _layer(m) < 0] == []


def test_no_import_circle():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    circles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                circles.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []


def test_imports_run_from_the_base_up():
    wrong = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in _graph().items()
        for target in targets
        if _layer(target) > _layer(module)
    ]
    assert wrong == []


def test_a_circle_is_found(tmp_path, monkeypatch):
    """The checks can fail: two modules importing each other are a circle."""
    package = tmp_path / "kamlib"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from kamlib import b\n")
    (package / "b.py").write_text("def f():\n    import kamlib.a\n")
    monkeypatch.setattr(sys.modules[__name__], "KAMLIB", package)
    graph = _graph()
    assert graph["kamlib.a"] == {"kamlib.b"} and graph["kamlib.b"] == {"kamlib.a"}
