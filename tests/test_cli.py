"""The command line as schedulers call it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow
KAM = [sys.executable, "-m", "kamlib.cli"]
NOTEBOOK_CODE = re.compile(r"kamlib\.|account_context|import |params_dir")


def kam(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KAM, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=900
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    done = kam("demo", "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def test_demo_is_valid(demo):
    done = kam("validate", "--data", demo)
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout


def test_broken_dataset_is_refused_without_traceback(tmp_path, demo):
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in demo.glob("*.csv"):
        (broken / f.name).write_bytes(f.read_bytes())
    sales = pd.read_csv(broken / "sales.csv", dtype=str)
    sales.loc[2, "date"] = "yesterday"
    sales.loc[4, "net_revenue"] = "lots"
    sales.to_csv(broken / "sales.csv", index=False)
    done = kam("validate", "--data", broken)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert (
        "sales" in done.stderr
        and "'date'" in done.stderr
        and "row 3" in done.stderr.replace("rows 3", "row 3")
    )
    assert "'net_revenue'" in done.stderr
    out = tmp_path / "out"
    done = kam("report", "--data", broken, "--out", out)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert not out.exists()


def test_missing_path_and_bad_arguments(tmp_path, demo):
    done = kam("validate", "--data", tmp_path / "nowhere")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    done = kam("report", "--data", demo, "--out", tmp_path / "o", "--as-of", "30.06.2025")
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr
    done = kam("report", "--data", demo, "--out", tmp_path / "o", "../../etc/passwd")
    assert done.returncode == 2 and "not valid account_ids" in done.stderr
    assert not (tmp_path / "o").exists()


def test_report_end_to_end(tmp_path, demo):
    out = tmp_path / "reports"
    accounts = pd.read_csv(demo / "accounts.csv", dtype=str)
    chosen = ["KA-001", "KA-002"]
    done = kam("report", "--data", demo, "--out", out, "--jobs", "2", *chosen)
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["accounts"]) == set(chosen) and not summary["failed"]
    kpis = pd.read_csv(out / "kpis.csv", dtype={"account_id": str})
    assert len(kpis) == len(accounts)
    names = dict(zip(accounts["account_id"], accounts["name"], strict=True))
    for account_id in chosen:
        page = (out / f"{account_id}.html").read_text(encoding="utf-8")
        assert len(page.encode()) < 2_000_000
        assert not NOTEBOOK_CODE.search(page), NOTEBOOK_CODE.search(page)
        assert "<script" not in page.lower() and "http://" not in page and "https://" not in page
        assert "Traceback" not in page and "vnd.jupyter.stderr" not in page
        for other, name in names.items():
            if other != account_id and len(name) > 4:
                assert name not in page and html.escape(name) not in page, f"names {other}"
                assert other not in page, f"{account_id}'s report names {other}"
    assert (out / "portfolio.html").is_file() and (out / "index.html").is_file()
