"""Work a run does not repeat: the context cached by content, reports kept while nothing they
depend on changed, and never a stale one."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kamlib import context
from kamlib import run as runner
from kamlib.demo import write_demo
from kamlib.run import cache, flow
from tests.test_run import dataset, notebooks  # noqa: F401 - the fixtures


@pytest.fixture
def counted_loads(monkeypatch):
    """How often a run loads (and validates) the dataset."""
    calls = []
    real = flow.load

    def load(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(flow, "load", load)
    return calls


def _statuses(result) -> dict:
    return {r.account_id: r.reused for r in result.every()}


def test_a_second_run_reuses_the_context_and_every_report(
    tmp_path, dataset, notebooks, counted_loads, monkeypatch
):
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    first = runner.run(dataset, out, notebooks=notebooks)
    assert len(counted_loads) == 1 and not any(_statuses(first).values())
    before = {p.name: p.read_bytes() for p in out.glob("*.html")}
    second = runner.run(dataset, out, notebooks=notebooks)
    assert len(counted_loads) == 1  # the context came from the cache: no load, no KPI pass
    assert all(_statuses(second).values())  # every report kept
    assert {p.name: p.read_bytes() for p in out.glob("*.html")} == before
    summary = json.loads((out / "summary.json").read_text())
    assert summary["accounts"]["KA-001"]["reused"] is True
    assert summary["accounts"]["KA-002"]["status"] == "partial"  # as written the first time
    assert second.exit_code == first.exit_code == 1


def test_a_changed_byte_of_data_rebuilds_everything(
    tmp_path, dataset, notebooks, counted_loads, monkeypatch
):
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    runner.run(dataset, out, notebooks=notebooks)
    sales = dataset / "sales.csv"
    sales.write_text(sales.read_text().replace("100.0", "101.0"))
    again = runner.run(dataset, out, notebooks=notebooks)
    assert len(counted_loads) == 2 and not any(_statuses(again).values())
    assert "revenue 101" in (out / "KA-001.html").read_text()


def test_same_content_with_new_file_times_is_reused(
    tmp_path, dataset, notebooks, counted_loads, monkeypatch
):
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    runner.run(dataset, out, notebooks=notebooks)
    for f in dataset.iterdir():  # a nightly re-export: new files, the same bytes
        f.write_bytes(f.read_bytes())
    again = runner.run(dataset, out, notebooks=notebooks)
    assert len(counted_loads) == 1 and all(_statuses(again).values())


def test_changed_parameters_rebuild_that_account_and_keep_the_portfolio(
    tmp_path, dataset, notebooks, monkeypatch
):
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    params, out = tmp_path / "params", tmp_path / "out"
    params.mkdir()
    runner.run(dataset, out, params, notebooks=notebooks)
    (params / "KA-001.yaml").write_text("language: de\n")
    one = runner.run(dataset, out, params, notebooks=notebooks, account_ids=["KA-001"])
    assert _statuses(one) == {"KA-001": False, flow.PORTFOLIO: True}
    assert 'lang="de"' in (out / "KA-001.html").read_text()
    # a run of every account: the other accounts kept, the portfolio made again (it ranks
    # every account with its parameters)
    every = runner.run(dataset, out, params, notebooks=notebooks)
    assert _statuses(every) == {
        "KA-001": True,
        "KA-002": True,
        "KA-003": True,
        flow.PORTFOLIO: False,
    }


def test_force_and_no_cache(tmp_path, dataset, notebooks, counted_loads, monkeypatch):
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    runner.run(dataset, out, notebooks=notebooks)
    forced = runner.run(dataset, out, notebooks=notebooks, force=True, use_cache=False)
    assert len(counted_loads) == 2 and not any(_statuses(forced).values())


def test_a_failed_or_missing_report_is_never_kept(tmp_path, dataset, notebooks, monkeypatch):
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    runner.run(dataset, out, notebooks=notebooks)
    (out / "KA-003.html").unlink()  # deleted by hand
    again = runner.run(dataset, out, notebooks=notebooks)
    assert _statuses(again)["KA-003"] is False and (out / "KA-003.html").is_file()


def test_the_cache_key_covers_every_input(tmp_path, dataset):
    key = cache.context_key(str(dataset), "")
    assert key == cache.context_key(str(dataset), "")
    assert key != cache.context_key(str(dataset), "2025-02-28")
    (tmp_path / "params").mkdir()
    before = cache.params_fingerprint(str(tmp_path / "params"))
    (tmp_path / "params" / "defaults.yaml").write_text("currency: CHF\n")
    assert cache.params_fingerprint(str(tmp_path / "params")) != before
    # a sources file that reads a database: its data can change without a byte on disk
    sources = tmp_path / "kam-sources.yaml"
    sources.write_text("connections: {erp: {url: 'postgresql://h/db'}}\ntables: {}\n")
    assert cache.context_key(str(sources), "") is None


def test_other_parameters_rescore_the_cached_context_as_a_fresh_computation(
    tmp_path, notebooks, counted_loads, monkeypatch
):
    """The cached KPIs and forecasts are kept for other parameters; the health scores and the
    key accounts made again equal those of a context computed from scratch."""
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    params, out, dataset = tmp_path / "params", tmp_path / "out", tmp_path / "demo"
    params.mkdir()
    write_demo(dataset)
    runner.run(dataset, out, params, notebooks=notebooks, account_ids=["KA-002"])
    (params / "KA-002.yaml").write_text("targets: {nps: 60, revenue_growth: 0.3}\n")
    (params / "defaults.yaml").write_text("health: {weights: {revenue_growth: 1, nps: 1}}\n")
    runner.run(dataset, out, params, notebooks=notebooks, account_ids=["KA-002"])
    assert len(counted_loads) == 1  # no second load, validation or KPI pass
    cached = cache.load_context(cache.context_key(str(dataset), ""))
    assert cached[0] == cache.params_fingerprint(str(params))
    fresh = context.compute(str(dataset), "", str(params)).frames
    for name in ("kpis", "kpis_prev", "kpis_year_ago"):
        pd.testing.assert_frame_equal(getattr(cached[1].frames, name), getattr(fresh, name))
    assert cached[1].frames.keys.ids == fresh.keys.ids
    # the scores did move: the stricter parameters do not give the defaults' table
    assert not context.compute(str(dataset), "", "").frames.kpis.equals(fresh.kpis)
