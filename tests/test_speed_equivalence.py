"""What makes ``kam report`` fast changes no output: a run with warm kernels started early, two
jobs, the context cache (re-scored for changed parameters) and kept reports writes the same
account reports, ``kpis.csv`` and ``summary.json`` as a plain run that computes everything
again in one job. (The Dask cluster's reports are compared with ``--jobs`` in
``test_cluster.py``.)"""

from __future__ import annotations

import json

import pytest

from kamlib import run as runner
from kamlib.demo import write_demo

pytestmark = pytest.mark.slow

ACCOUNTS = ["KA-001", "KA-006"]
#: what differs between two runs of the same reports by nature: when and how long
TIMING = {"seconds", "generated_at", "reused"}


def _without_timing(value):
    if isinstance(value, dict):
        return {k: _without_timing(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [_without_timing(v) for v in value]
    return value


def _outputs(out, with_portfolio: bool = True) -> dict:
    files = {p.name: p.read_bytes() for p in out.glob("*.html") if p.name != "index.html"}
    if not with_portfolio:
        files.pop("portfolio.html")
    files["kpis.csv"] = (out / "kpis.csv").read_bytes()
    summary = json.loads((out / "summary.json").read_text())
    if not with_portfolio:
        summary.pop("portfolio")
    files["summary.json"] = _without_timing(summary)
    return files


def test_the_fast_paths_write_what_a_plain_run_writes(tmp_path, monkeypatch):
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    data, params = tmp_path / "data", tmp_path / "params"
    write_demo(data)
    params.mkdir()
    (params / "KA-001.yaml").write_text("language: de\n")

    def plain(out):
        return runner.run(
            data, out, params, jobs=1, account_ids=ACCOUNTS, use_cache=False, force=True
        )

    def fast(out):
        return runner.run(data, out, params, jobs=2, account_ids=ACCOUNTS)

    plain(tmp_path / "plain")
    fast(tmp_path / "fast")  # fills the context cache
    assert _outputs(tmp_path / "fast") == _outputs(tmp_path / "plain")
    fast(tmp_path / "cached")  # the context from the cache
    assert _outputs(tmp_path / "cached") == _outputs(tmp_path / "plain")

    # an analyst changes one account's targets and re-runs it: the context is re-scored, the
    # other account's report kept; each equals a plain run on the new parameters (the
    # portfolio report is kept on such a run by design: it is made again when asked for all)
    (params / "KA-006.yaml").write_text("targets: {nps: -80, csat: 2.5}\n")
    again = fast(tmp_path / "cached")
    assert {r.account_id: r.reused for r in again.every()} == {
        "KA-001": True,
        "KA-006": False,
        runner.PORTFOLIO: True,
    }
    plain(tmp_path / "plain-new")
    assert _outputs(tmp_path / "cached", False) == _outputs(tmp_path / "plain-new", False)
    assert _outputs(tmp_path / "plain-new") != _outputs(tmp_path / "plain")  # it did change
