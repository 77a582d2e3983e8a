"""Installing kam: pip and conda agree, and a built wheel works without the source tree."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"duckdb": "python-duckdb"}  # conda-forge's name for the same package


def _split(spec: str) -> tuple[str, str]:
    # extras ("psycopg[binary]") are pip's: conda's package of the same name brings them
    name, bounds = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)$", spec.strip()).groups()
    return name.lower(), bounds.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_specs = project["dependencies"] + project["optional-dependencies"]["test"]
    expected = {CONDA_NAMES.get(n, n): b for n, b in map(_split, pip_specs)}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    python = conda.pop("python")
    conda.pop("pip", None)
    assert conda == expected
    assert python == "=3.11" and project["requires-python"] == ">=3.11,<3.12"


def test_constraints_pin_every_direct_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        name = _split(spec)[0].replace("_", "-")
        assert name in pins, f"{name} is not pinned in constraints.txt"


def test_every_package_of_kamlib_is_installed():
    """pyproject.toml lists the packages explicitly (kamlib.notebooks lives in notebooks/):
    every folder of kamlib with an __init__.py must be among them."""
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "kamlib").rglob("__init__.py")
    }
    assert found | {"kamlib.notebooks"} == listed


@pytest.mark.slow
def test_a_wheel_installs_in_a_fresh_venv_and_writes_the_demo_reports(tmp_path):
    """`pip install .` (not editable) gives a kam that works without the source tree."""
    dist, env, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()

    def run(*cmd, cwd=work):
        done = subprocess.run(
            [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, f"{cmd}: {done.stdout[-2000:]}{done.stderr[-3000:]}"
        return done

    # built from a copy of the committed files: no stale build/ output of a checkout gets in
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "reports", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source)
    wheel = next(dist.glob("kamlib-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "kamlib/notebooks/account_report.ipynb" in names
    assert "kamlib/templates/kam/index.html.j2" in names
    # the German catalog ships compiled: a fresh install needs no extra step
    assert {"kamlib/locale/de/LC_MESSAGES/kam.po", "kamlib/locale/de/LC_MESSAGES/kam.mo"} <= set(
        names
    )
    venv.create(env, with_pip=True)
    python, kam = env / "bin" / "python", env / "bin" / "kam"
    run(python, "-m", "pip", "install", "-q", "-c", ROOT / "constraints.txt", wheel)
    where = run(
        python, "-c", "import kamlib, kamlib.run as r; print(kamlib.__file__, r.notebooks_dir())"
    )
    assert str(ROOT) not in where.stdout and str(env) in where.stdout  # the installed copy
    run(kam, "demo", "--out", work / "demo")
    run(kam, "report", "--data", work / "demo", "--out", work / "reports", "KA-001")
    assert (work / "reports" / "KA-001.html").stat().st_size > 10_000
    assert (work / "reports" / "portfolio.html").is_file()
    (work / "params").mkdir()
    (work / "params" / "KA-003.yaml").write_text("language: de\n", encoding="utf-8")
    run(
        kam,
        "report",
        "--data",
        work / "demo",
        "--out",
        work / "de",
        "--params",
        work / "params",
        "KA-003",
    )
    german = (work / "de" / "KA-003.html").read_text(encoding="utf-8")
    assert '<html lang="de"' in german and "Umsatzentwicklung" in german
    done = run(python, "-m", "kamlib", "validate", "--data", work / "demo")
    assert "valid" in done.stdout
