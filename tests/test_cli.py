"""The command line as schedulers call it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
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


def _kernels_of(tag: str) -> list[int]:
    """Processes whose environment carries ``tag`` (the run and the kernels it started)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if tag.encode() in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
@pytest.mark.parametrize(("stop", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_run_leaves_no_half_written_file_and_no_kernel(tmp_path, demo, stop, code):
    out, tag = tmp_path / "reports", f"KAM_TEST_RUN={uuid.uuid4().hex}"
    env = {**os.environ, "KAM_TEST_RUN": tag.split("=")[1]}
    run = subprocess.Popen(
        [*KAM, "report", "--data", demo, "--out", out, "--jobs", "2"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not list(out.glob("KA-*.html")) and time.monotonic() < deadline:
            assert run.poll() is None, run.stderr.read()
            time.sleep(0.2)
        # a second run into the same folder refuses while the first one writes
        second = kam("report", "--data", demo, "--out", out, "KA-001")
        assert second.returncode == 2 and "another kam report is writing into" in second.stderr
        assert len(_kernels_of(tag.split("=")[1])) >= 2  # the run and its kernels are seen
        run.send_signal(stop)
        stderr = run.communicate(timeout=120)[1]
    finally:
        run.kill()
    assert run.returncode == code, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not [p for p in out.rglob("*") if "tmp" in p.name]  # nothing half-written
    for page in out.glob("*.html"):
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    time.sleep(1)
    assert _kernels_of(tag.split("=")[1]) == []  # no kernel left behind


def test_validate_and_report_agree_on_ids_that_cannot_name_a_report(tmp_path, demo):
    data = tmp_path / "data"
    shutil.copytree(demo, data)
    accounts = pd.read_csv(data / "accounts.csv", dtype=str, keep_default_na=False)
    accounts.loc[1, "account_id"] = "Index"
    accounts.to_csv(data / "accounts.csv", index=False)
    for table in data.glob("*.csv"):
        if table.name != "accounts.csv":
            rows = pd.read_csv(table, dtype=str, keep_default_na=False)
            if "account_id" in rows:
                rows.loc[rows["account_id"] == "KA-002", "account_id"] = "Index"
                rows.to_csv(table, index=False)
    checked = kam("validate", "--data", data)
    assert checked.returncode == 1 and "index.html" in checked.stderr and "row 2" in checked.stderr
    done = kam("report", "--data", data, "--out", tmp_path / "out")
    assert done.returncode == 2 and "index.html" in done.stderr
    assert not (tmp_path / "out").exists()


def test_python_m_kamlib_is_kam():
    done = subprocess.run(
        [sys.executable, "-m", "kamlib", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "kam: key account monitoring" in done.stdout


def test_the_progress_bar_knows_its_total_and_estimates_the_time_left(
    tmp_path, demo, monkeypatch
):
    """On a terminal, ``kam report`` counts reports against the number it will write
    (``2/3``, never ``2/?``) and shows the time left."""
    import io

    from rich.console import Console
    from typer.testing import CliRunner

    from kamlib import cli

    screen = io.StringIO()
    monkeypatch.setattr(
        cli, "err", Console(file=screen, force_terminal=True, width=120, highlight=False)
    )
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    args = ["report", "--data", str(demo), "--out", str(tmp_path / "out"), "KA-001", "KA-002"]
    done = CliRunner().invoke(cli.app, args)
    assert done.exit_code == 0, done.output
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())  # terminal codes out
    # two account reports and the portfolio report: 3 in all, counted as they finish
    assert re.search(r"reports .* 0/3 ", shown) and re.search(r" 3/3 ", shown), shown[-2000:]
    assert "/?" not in shown
    # the estimate of the time left: "left 0:00:02" once the first report is done
    assert re.search(r"left -?\d+:\d\d:\d\d", shown), shown[-2000:]
