"""The report runner on small notebooks built in code: files, atomicity, failures, escaping.

The real notebooks on the demo data are exercised by tests/test_end_to_end.py and nbval.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from kamlib import report
from kamlib.errors import DataError, KamError, ParamsError

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
        "import kamlib.context, kamlib.format as fmt\n"
        "ctx = kamlib.context.account_context(data=data, account_id=account_id, as_of=as_of, "
        "params_dir=params_dir)"
    )
    setup.metadata["tags"] = ["setup"]
    account = _nb(
        _param_cell(),
        setup,
        new_code_cell("display(fmt.paragraph(ctx.name))"),
        new_code_cell(
            "leak = 'state from an earlier account' if 'leak' in globals() else None\n"
            "assert leak is None, leak\nleak = 1"
        ),
        kam={"sections": ["area.ipynb"]},
    )
    area = _nb(
        _param_cell(),
        setup,
        new_markdown_cell("## Area"),
        new_code_cell(
            "import sys\nprint('a warning', file=sys.stderr)\n"
            "assert account_id != 'KA-002', 'this account fails on purpose'\n"
            "display(fmt.paragraph(f'revenue {ctx.kpi.revenue_12m:.0f}'))"
        ),
    )
    portfolio = _nb(
        _param_cell('data = ""\nas_of = ""\nparams_dir = "../params"'),
        new_code_cell("print('portfolio', data != '')"),
    )
    nbformat.write(account, folder / "account_report.ipynb")
    nbformat.write(area, folder / "area.ipynb")
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


def test_run_writes_every_file_and_survives_a_failing_account(tmp_path, dataset, notebooks):
    out = tmp_path / "out"
    (out).mkdir()
    (out / "KA-002.html").write_text("stale report from an earlier run")
    result = report.run(dataset, out, jobs=2, notebooks_dir=notebooks)
    assert result.exit_code == 1
    assert [r.account_id for r in result.failed] == ["KA-002"]
    assert "this account fails on purpose" in result.failed[0].error
    assert sorted(p.name for p in out.glob("*.html")) == [
        "KA-001.html",
        "KA-003.html",
        "index.html",
        "portfolio.html",
    ]
    assert not list(out.glob(".*tmp"))  # no temporary file left behind
    summary = json.loads((out / "summary.json").read_text())
    assert summary["as_of"] == "2025-03-31"
    assert summary["accounts"]["KA-002"]["status"] == "failed"
    assert summary["failed"] == ["KA-002"]
    # shares 100/650, 200/650, 300/650, 50/650 -> hhi = 10000 * (1+4+9+0.25) * 100^2 / 650^2
    assert summary["hhi"] == pytest.approx(10000 * 14.25 * 100**2 / 650**2)
    assert summary["top5_share"] == pytest.approx(1.0)
    kpis = pd.read_csv(out / "kpis.csv")
    assert list(kpis["account_id"]) == ["KA-001", "KA-002", "KA-003", "CU-004"]
    assert (out / "notebooks" / "KA-001.ipynb").is_file()


def test_report_html_escapes_and_hides_code(tmp_path, dataset, notebooks):
    out, params = tmp_path / "out", tmp_path / "params"
    params.mkdir()
    (params / "KA-001.yaml").write_text("recipients: [kam@example.com]\n")
    report.run(
        dataset, out, params_dir=params, notebooks_dir=notebooks, account_ids=["KA-001", "KA-003"]
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
        report.run(dataset, out, notebooks_dir=notebooks)
    assert "sales" in str(info.value) and "row" in str(info.value)
    assert not out.exists()


def test_invalid_params_and_unknown_accounts_write_nothing(tmp_path, dataset, notebooks):
    params = tmp_path / "params"
    params.mkdir()
    (params / "KA-003.yaml").write_text("targets:\n  nps: 500\n")
    out = tmp_path / "out"
    with pytest.raises(ParamsError, match="KA-003.yaml"):
        report.run(dataset, out, params_dir=params, notebooks_dir=notebooks)
    with pytest.raises(KamError, match="not in the dataset"):
        report.run(dataset, out, notebooks_dir=notebooks, account_ids=["KA-999"])
    with pytest.raises(KamError, match="not valid account_ids"):
        report.run(dataset, out, notebooks_dir=notebooks, account_ids=["../etc"])
    assert not out.exists()


def test_compose_appends_sections_without_their_parameters(notebooks):
    nb = report.compose_account_notebook(notebooks)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert sum("parameters" in t for t in tags) == 1
    assert sum("setup" in t for t in tags) == 2
    assert any(c.source == "## Area" for c in nb.cells)
