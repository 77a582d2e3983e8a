"""The demo dataset: deterministic, complete, valid, and its stories visible in the KPIs."""

from __future__ import annotations

import filecmp

import pandas as pd
import pytest

from kamlib import kpis
from kamlib.data import from_frames, load_dataset
from kamlib.demo import DEMO_STORIES, END, make_demo, write_demo
from kamlib.params import Params
from kamlib.schema import TABLES


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return kpis.compute(from_frames(make_demo()), END, Params())


def test_same_seed_same_files_other_seed_other_data(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_demo(first)
    write_demo(second)
    write_demo(other, seed=8)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(f"{t}.csv" for t in TABLES)
    match, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
    assert match == names and not mismatch and not errors
    assert not filecmp.cmp(first / "sales.csv", other / "sales.csv", shallow=False)


def test_written_files_pass_validation(tmp_path):
    write_demo(tmp_path, accounts=14)
    dataset = load_dataset(tmp_path)
    assert len(dataset.get("accounts")) == 14
    assert set(dataset.tables) == set(TABLES)
    assert dataset.get("sales")["date"].max() <= END


def test_accounts_argument_is_checked():
    with pytest.raises(ValueError, match="'accounts' must be at least 12"):
        make_demo(accounts=5)


def test_stories_show_in_the_kpis(table):
    # the top account: about a quarter of the revenue
    assert 0.20 <= table.loc["KA-001", "revenue_share"] <= 0.30
    assert table.loc["KA-002", "revenue_growth"] > 0.08
    assert table.loc["KA-003", "revenue_growth"] < -0.15
    assert pd.isna(table.loc["KA-005", "revenue_growth"])  # new: nothing in the previous window
    assert table.loc["KA-006", "otif_rate"] < 0.8 and table.loc["KA-006", "nps"] < 0
    assert table.loc["KA-007", "avg_days_late"] > 25 and table.loc["KA-007", "overdue_amount"] > 0
    assert table.loc["KA-008", "days_since_contact"] > 120
    assert table.loc["KA-010", "abc_class"] == "C"
    assert table.loc["CU-026", "abc_class"] in ("A", "B")
    assert table.loc["CU-026", "revenue_growth"] > 0.5
    assert set(DEMO_STORIES) <= set(table.index)


def test_names_include_markup_to_escape():
    accounts = make_demo()["accounts"]
    assert accounts["name"].str.contains("<").any() and accounts["name"].str.contains("&").any()
    assert accounts["key_account"].sum() == 25
