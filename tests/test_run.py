"""The report runner (kamlib.run) on small notebooks built in code: files, atomicity, failures, escaping.

The real notebooks on the demo data are exercised by tests/test_end_to_end.py and nbval.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from kamlib import run as runner
from kamlib.demo import write_demo
from kamlib.errors import DataError, KamError, ParamsError
from kamlib.run.output import OutputFolder
from kamlib.run.render import NOTICE

pytestmark = pytest.mark.slow

PARAMS = 'data = ""\naccount_id = "KA-001"\nas_of = ""\nparams_dir = "../params"'
EVIL = '<script>alert("x")</script> & "Söhne"'


def _nb(*cells, **metadata) -> nbformat.NotebookNode:
    nb = new_notebook(
        cells=list(cells),
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            **metadata,
        },
    )
    return nb


def _param_cell(source: str = PARAMS):
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    return cell


@pytest.fixture
def notebooks(tmp_path) -> Path:
    folder = tmp_path / "nb"
    folder.mkdir()
    setup = new_code_cell(
        "import kamlib.context, kamlib.blocks as fmt\n"
        "ctx = kamlib.context.account_context(data=data, account_id=account_id, as_of=as_of, "
        "params_dir=params_dir)"
    )
    setup.metadata["tags"] = ["setup"]
    sections = new_code_cell('sections = ["area.ipynb", "next.ipynb"]')
    sections.metadata["tags"] = ["sections"]
    account = _nb(
        _param_cell(),
        sections,
        setup,
        new_code_cell("display(fmt.paragraph(ctx.frames.name))"),
        new_code_cell(
            "leak = 'state from an earlier account' if 'leak' in globals() else None\n"
            "assert leak is None, leak\nleak = 1"
        ),
    )
    area = _nb(
        _param_cell(),
        setup,
        new_markdown_cell("## Area"),
        new_code_cell(
            "import sys\nprint('a warning', file=sys.stderr)\n"
            "assert account_id != 'KA-002', 'this account fails on purpose'\n"
            "revenue = ctx.frames.kpi.revenue_12m\n"
            "display(fmt.paragraph(f'revenue {revenue:.0f}'))"
        ),
        # fails only because the cell before failed: part of the same failure
        new_code_cell("display(fmt.paragraph(f'after the failure {revenue:.0f}'))"),
    )
    following = _nb(
        _param_cell(),
        new_markdown_cell("## Next section"),
        new_code_cell("import kamlib.blocks as fmt\ndisplay(fmt.paragraph('after the section'))"),
    )
    portfolio = _nb(
        _param_cell('data = ""\nas_of = ""\nparams_dir = "../params"'),
        new_code_cell("print('portfolio', data != '')"),
    )
    nbformat.write(account, folder / "account_report.ipynb")
    nbformat.write(area, folder / "area.ipynb")
    nbformat.write(following, folder / "next.ipynb")
    nbformat.write(portfolio, folder / "portfolio.ipynb")
    return folder


@pytest.fixture
def dataset(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame(
        {
            "account_id": ["KA-001", "KA-002", "KA-003", "CU-004"],
            "name": [EVIL, "Second GmbH", "Third Ltd", "Fourth AG"],
            "key_account": ["true", "true", "true", "false"],
        }
    ).to_csv(folder / "accounts.csv", index=False)
    pd.DataFrame(
        {
            "date": ["2025-01-15", "2025-02-15", "2025-03-15", "2025-03-20"],
            "account_id": ["KA-001", "KA-002", "KA-003", "CU-004"],
            "net_revenue": [100.0, 200.0, 300.0, 50.0],
        }
    ).to_csv(folder / "sales.csv", index=False)
    return folder


def test_run_writes_every_file_and_a_failing_section_costs_only_that_section(
    tmp_path, dataset, notebooks
):
    out = tmp_path / "out"
    result = runner.run(dataset, out, jobs=2, notebooks=notebooks)
    assert result.exit_code == 1  # a partial report is a problem a scheduler must notice
    assert not result.failed
    assert [r.account_id for r in result.partial] == ["KA-002"]
    partial = result.partial[0]
    # one failure for the section, though the next cell of the section would fail as well
    assert [(f.section, f.error) for f in partial.failures] == [
        ("Area", "AssertionError: this account fails on purpose")
    ]
    assert sorted(p.name for p in out.glob("*.html")) == [
        "KA-001.html",
        "KA-002.html",
        "KA-003.html",
        "index.html",
        "portfolio.html",
    ]
    assert not list(out.rglob("*tmp"))  # no temporary file left behind
    page = (out / "KA-002.html").read_text()
    assert 'id="Area"' in page  # the section's title stays
    assert NOTICE in page
    for leak in ("Traceback", "AssertionError", "fails on purpose", "NameError", "revenue 200"):
        assert leak not in page, leak
    assert "after the failure" not in page  # later cells of the failed section are skipped
    assert "after the section" in page  # the next section is produced
    summary = json.loads((out / "summary.json").read_text())
    assert summary["as_of"] == "2025-03-31"
    entry = summary["accounts"]["KA-002"]
    assert entry["status"] == "partial" and entry["report"] == "KA-002.html"
    assert entry["failures"] == [
        {
            "section": "Area",
            "cell": partial.failures[0].cell,
            "error": "AssertionError: this account fails on purpose",
        }
    ]
    assert summary["partial"] == ["KA-002"] and summary["failed"] == []
    # shares 100/650, 200/650, 300/650, 50/650 -> hhi = 10000 * (1+4+9+0.25) * 100^2 / 650^2
    assert summary["hhi"] == pytest.approx(10000 * 14.25 * 100**2 / 650**2)
    assert summary["top5_share"] == pytest.approx(1.0)
    kpis = pd.read_csv(out / "kpis.csv")
    assert list(kpis["account_id"]) == ["KA-001", "KA-002", "KA-003", "CU-004"]
    # the audit trail: the executed notebook with the full traceback, the cell marked
    audit = nbformat.read(out / "notebooks" / "KA-002.ipynb", as_version=4)
    failing = next(c for c in audit.cells if c.get("id") == f"cell-{partial.failures[0].cell}")
    error = next(o for o in failing.outputs if o.output_type == "error")
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))  # no colours
    assert error.ename == "AssertionError" and "assert account_id != 'KA-002'" in traceback
    markers = [c for c in audit.cells if "papermill-error-cell-tag" in c.metadata.get("tags", [])]
    assert len(markers) == 2 and "kam-error-cell" in markers[0].source
    index = (out / "index.html").read_text()
    assert 'partial: not produced: Area (<a href="notebooks/KA-002.ipynb">' in index


def test_a_failing_summary_fails_the_report_and_keeps_its_notebook(tmp_path, dataset, notebooks):
    account = nbformat.read(notebooks / "account_report.ipynb", as_version=4)
    account.cells.insert(
        3, new_code_cell("assert account_id != 'KA-003', 'the summary cannot be built'")
    )
    nbformat.write(account, notebooks / "account_report.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    (out / "KA-003.html").write_text("stale report from an earlier run")
    result = runner.run(dataset, out, notebooks=notebooks, account_ids=["KA-001", "KA-003"])
    assert [r.account_id for r in result.failed] == ["KA-003"]
    failed = result.failed[0]
    assert failed.error.startswith("section ") and "the summary cannot be built" in failed.error
    assert not (out / "KA-003.html").exists()  # no stale report
    assert (out / "notebooks" / "KA-003.ipynb").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failed"] == ["KA-003"] and summary["accounts"]["KA-003"]["report"] is None
    assert "failed: section" in (out / "index.html").read_text()


def test_a_killed_kernel_costs_only_its_account(tmp_path, dataset, notebooks):
    area = nbformat.read(notebooks / "area.ipynb", as_version=4)
    area.cells.insert(
        2,
        new_code_cell(
            "import os, signal\nif account_id == 'KA-001':\n"
            "    os.kill(os.getpid(), signal.SIGKILL)"
        ),
    )
    nbformat.write(area, notebooks / "area.ipynb")
    out = tmp_path / "out"
    result = runner.run(dataset, out, jobs=1, notebooks=notebooks)
    assert [r.account_id for r in result.failed] == ["KA-001"]
    assert "the kernel died" in result.failed[0].error
    # a fresh kernel took the next account, and the portfolio
    assert (out / "KA-003.html").is_file() and (out / "portfolio.html").is_file()
    assert result.portfolio.status == "ok"
    assert (out / "notebooks" / "KA-001.ipynb").is_file()


def test_a_cell_past_the_timeout_fails_its_section_only(tmp_path, dataset, notebooks):
    area = nbformat.read(notebooks / "area.ipynb", as_version=4)
    area.cells.insert(
        2, new_code_cell("import time\nif account_id == 'KA-001':\n    time.sleep(120)")
    )
    nbformat.write(area, notebooks / "area.ipynb")
    out = tmp_path / "out"
    started = time.monotonic()
    result = runner.run(
        dataset, out, notebooks=notebooks, account_ids=["KA-001", "KA-003"], timeout=3
    )
    assert time.monotonic() - started < 60
    first = result.results[0]
    assert first.status == "partial"
    assert [f.error for f in first.failures] == [
        "TimeoutError: the cell ran longer than 3 seconds (--timeout)"
    ]
    # the kernel was interrupted, not lost: the next account in it is complete
    assert result.results[1].status == "ok"


def test_an_output_folder_that_cannot_be_written_is_refused_before_any_work(
    tmp_path, dataset, notebooks
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    (dataset / "sales.csv").write_text("date,account_id,net_revenue\n2025-13-01,KA-001,1\n")
    # the data are invalid too, but the output folder is checked first
    with pytest.raises(KamError, match="cannot write to the output folder .*a-file"):
        runner.run(dataset, blocker / "reports", notebooks=notebooks)
    with pytest.raises(KamError, match="is a file, not a folder"):
        runner.run(dataset, blocker, notebooks=notebooks)
    assert blocker.read_text() == "not a folder"


def test_a_second_run_into_the_same_folder_refuses(tmp_path, dataset, notebooks):
    out = tmp_path / "out"
    with OutputFolder(out):  # another run holds the folder
        with pytest.raises(KamError, match="another kam report is writing into"):
            runner.run(dataset, out, notebooks=notebooks)
        assert not (out / "kpis.csv").exists()
    runner.run(dataset, out, notebooks=notebooks, account_ids=["KA-001"])
    assert (out / "KA-001.html").is_file()


def test_report_html_escapes_and_hides_code(tmp_path, dataset, notebooks):
    out, params = tmp_path / "out", tmp_path / "params"
    params.mkdir()
    (params / "KA-001.yaml").write_text("recipients: [kam@example.com]\n")
    runner.run(
        dataset, out, params_dir=params, notebooks=notebooks, account_ids=["KA-001", "KA-003"]
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["accounts"]["KA-001"]["recipients"] == ["kam@example.com"]
    assert summary["accounts"]["KA-003"]["recipients"] == []
    page = (out / "KA-001.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "import kamlib" not in page and "account_context" not in page  # no code
    assert "a warning" not in page  # stderr is dropped
    assert "http://" not in page and "https://" not in page  # nothing from the network
    assert "<script" not in page.lower()
    # a warm kernel is reset between accounts: the 'leak' cell would fail on the second one
    assert (out / "KA-003.html").is_file()
    assert "Second GmbH" not in page and "Third Ltd" not in page
    index = (out / "index.html").read_text()
    assert "&lt;script&gt;" in index and "<script>" not in index


def test_invalid_data_writes_nothing(tmp_path, dataset, notebooks):
    (dataset / "sales.csv").write_text("date,account_id,net_revenue\n2025-13-01,KA-001,abc\n")
    out = tmp_path / "out"
    with pytest.raises(DataError) as info:
        runner.run(dataset, out, notebooks=notebooks)
    assert "sales" in str(info.value) and "row" in str(info.value)
    assert not out.exists()


def test_invalid_params_and_unknown_accounts_write_nothing(tmp_path, dataset, notebooks):
    params = tmp_path / "params"
    params.mkdir()
    (params / "KA-003.yaml").write_text("targets:\n  nps: 500\n")
    out = tmp_path / "out"
    with pytest.raises(ParamsError, match="KA-003.yaml"):
        runner.run(dataset, out, params_dir=params, notebooks=notebooks)
    with pytest.raises(KamError, match="not in the dataset"):
        runner.run(dataset, out, notebooks=notebooks, account_ids=["KA-999"])
    with pytest.raises(KamError, match="not valid account_ids"):
        runner.run(dataset, out, notebooks=notebooks, account_ids=["../etc"])
    assert not out.exists()


def test_compose_appends_sections_without_their_parameters(notebooks):
    nb = runner.compose_account_notebook(notebooks)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert sum("parameters" in t for t in tags) == 1
    assert sum("setup" in t for t in tags) == 2
    sections = [c.metadata["kam"]["section"] for c in nb.cells]
    assert sections == ["Executive summary"] * 5 + ["Area"] * 4 + ["Next section"] * 2
    assert [bool(c.metadata["kam"].get("essential")) for c in nb.cells] == [True] * 5 + [False] * 6
    assert any(c.source == "## Area" for c in nb.cells)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder)
    return folder


def test_a_warm_kernel_leaks_nothing_into_the_next_report(tmp_path, demo_data):
    """KA-006 alone, and KA-006 after KA-001 in the same kernel: the same report."""
    alone, after = tmp_path / "alone", tmp_path / "after"
    runner.run(demo_data, alone, jobs=1, account_ids=["KA-006"])
    result = runner.run(demo_data, after, jobs=1, account_ids=["KA-001", "KA-006"])
    assert [r.status for r in result.results] == ["ok", "ok"]
    assert (alone / "KA-006.html").read_bytes() == (after / "KA-006.html").read_bytes()


def test_a_dataset_of_one_account_gets_every_report(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame({"account_id": ["ONLY"], "name": ["The One GmbH"]}).to_csv(
        data / "accounts.csv", index=False
    )
    months = pd.date_range("2023-01-15", periods=30, freq="MS") + pd.Timedelta(days=14)
    pd.DataFrame(
        {"date": months.strftime("%Y-%m-%d"), "account_id": "ONLY", "net_revenue": 1000.0}
    ).to_csv(data / "sales.csv", index=False)
    result = runner.run(data, tmp_path / "out")
    assert result.exit_code == 0, [r.error for r in result.failed + result.partial]
    assert result.portfolio.status == "ok" and result.results[0].status == "ok"
    page = (tmp_path / "out" / "portfolio.html").read_text()
    assert "no ranking whose robustness could be tested" in page


def test_the_next_notebook_of_a_kernel_starts_with_an_empty_namespace(tmp_path):
    """Names, cached outputs and pyplot figures of one notebook are gone in the next."""
    from kamlib.run.kernels import KernelPool

    first = new_notebook(
        cells=[
            new_code_cell(
                "secret = 42\n_private = 1\nimport matplotlib.pyplot as plt\nplt.figure()"
            ),
            new_code_cell("secret"),  # a cached output: Out[2], _2
        ]
    )
    second = new_notebook(
        cells=[
            new_code_cell(
                "import matplotlib.pyplot as plt\n"
                "print(sorted(n for n in ('secret', '_private', 'plt', '_2') if n in globals()),"
                " len(Out), plt.get_fignums())"
            )
        ]
    )
    pool = KernelPool(tmp_path)
    try:
        assert not pool.execute(first).failures
        assert not pool.execute(second).failures
    finally:
        pool.close()
    assert second.cells[0].outputs[0]["text"] == "['plt'] 0 []\n"
