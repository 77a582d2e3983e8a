"""Key accounts: the data's key_account column, else the parameters' rule (kamlib.key_accounts).

The small portfolio below is worked out by hand. Reporting date 2025-12-31 (the last day of the
last month with sales), 12-month window (2024-12-31, 2025-12-31]; revenue in the window:

    account  k1   k2   k3   k4        k5                 k6  k7  k8  k9
    revenue  500  200  100  100       50 (+5000 in 2024)  30  20   0  -10
             (k4: 60 + 40, a tie with k3; k5's 5000 lie in the previous window)

1000 of positive revenue. Sorted by revenue, ties by account_id (k3 before k4), with the share of
the accounts before each: k1 0 % A, k2 50 % A, k3 70 % A, k4 80 % B (not < 80 %), k5 90 % B,
k6 95 % C (not < 95 %), k7 98 % C; k8 and k9 have no positive revenue: C. So class A is
{k1, k2, k3}. The accounts table lists them in the order k4 k9 k1 k3 k8 k2 k7 k5 k6, so the
key accounts in the order of accounts are k1, k3, k2.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_notebook
from typer.testing import CliRunner

from kamlib import context
from kamlib import kpis as kpi_module
from kamlib.cli import app
from kamlib.data import from_frames, load_dataset
from kamlib.errors import KamError, ParamsError
from kamlib.key_accounts import announcement, rule_text, select, statement
from kamlib.params import KeyAccounts, load_params
from kamlib.run import cache
from kamlib.run import flow as run_flow
from tests.conftest import ROOT, SHARED_DATA

AS_OF = pd.Timestamp("2025-12-31")
ORDER = ["k4", "k9", "k1", "k3", "k8", "k2", "k7", "k5", "k6"]
SALES = [
    ("2025-12-10", "k1", 500.0),
    ("2025-03-01", "k2", 200.0),
    ("2025-05-01", "k3", 100.0),
    ("2025-06-01", "k4", 60.0),
    ("2025-07-01", "k4", 40.0),
    ("2025-02-01", "k5", 50.0),
    ("2024-06-15", "k5", 5000.0),  # the previous window: no part of the ABC classes
    ("2025-08-01", "k6", 30.0),
    ("2025-09-01", "k7", 20.0),
    ("2025-04-01", "k9", -10.0),  # a credit note
]
CLASSES = {
    **dict.fromkeys(["k1", "k2", "k3"], "A"),
    **dict.fromkeys(["k4", "k5"], "B"),
    **dict.fromkeys(["k6", "k7", "k8", "k9"], "C"),
}
MESSAGE = (
    "No key_account column in accounts: 3 of 9 accounts are key accounts by the parameters' "
    "rule (ABC class A)."
)


def _tables(key_account: list[str] | None = None) -> dict[str, pd.DataFrame]:
    accounts = pd.DataFrame({"account_id": ORDER, "name": [f"Customer {a}" for a in ORDER]})
    if key_account is not None:
        accounts["key_account"] = key_account
    sales = pd.DataFrame(SALES, columns=["date", "account_id", "net_revenue"])
    return {"accounts": accounts, "sales": sales.astype({"net_revenue": str})}


def _write(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture
def no_column():
    """The hand-worked portfolio without a key_account column: accounts and the KPI table."""
    dataset = from_frames(_tables())
    return dataset, kpi_module.base_kpis(dataset, AS_OF, with_forecast=False)


# --- the rule, by hand ------------------------------------------------------------------------


def test_without_the_column_the_default_rule_selects_class_a(no_column):
    dataset, kpis = no_column
    assert not dataset.marks_key_accounts
    assert "key_account" not in dataset.get("accounts").columns  # no silent True
    assert kpis["abc_class"].to_dict() == CLASSES  # the classes worked out above
    accounts, before = dataset.get("accounts"), dataset.get("accounts").copy()
    keys = select(accounts, kpis, KeyAccounts())
    assert keys.ids == ["k1", "k3", "k2"]  # class A, in the order of accounts
    assert (keys.count, keys.total, keys.by_column) == (3, 9, False)
    assert keys.flags.index.tolist() == ORDER and keys.flags.dtype == bool
    assert accounts.equals(before)  # pure: the input is not changed
    assert announcement(keys) == MESSAGE  # what kam report says
    assert statement(keys) == (  # what the portfolio report says, in its reader's language
        "The data marks no key accounts, so the parameters' rule selects them: 3 of 9 accounts "
        "are key accounts (ABC class A)."
    )
    assert statement(keys, "de") == (
        "Die Daten kennzeichnen keine Key Accounts, daher wählt die Regel der Parameter sie aus: "
        "3 von 9 Kunden sind Key Accounts (ABC-Klasse A)."
    )
    assert keys.as_dict() == {
        "source": "rule",
        "rule": {"classes": ["A"], "max": None, "ids": []},
        "selected": 3,
        "accounts": 9,
    }
    with pytest.raises(KamError, match="no key_account column"):
        dataset.account_ids(key_only=True)


def test_the_cap_keeps_the_largest_and_breaks_ties_by_account_id(no_column):
    dataset, kpis = no_column
    accounts = dataset.get("accounts")

    def chosen(**rule) -> list[str]:
        return select(accounts, kpis, KeyAccounts(**rule)).ids

    assert chosen(max=2) == ["k1", "k2"]
    assert chosen(max=1) == ["k1"]
    assert chosen(max=3) == chosen(max=50) == ["k1", "k3", "k2"]  # a cap above the class
    # A and B, at most 3: k1, k2, then k3 and k4 both have 100; k3 comes first by id, though
    # the accounts table lists k4 first
    assert chosen(classes=["A", "B"], max=3) == ["k1", "k3", "k2"]
    assert chosen(classes=["A", "B"], max=4) == ["k4", "k1", "k3", "k2"]
    assert chosen(classes=["B", "C"], max=1) == ["k4"]
    assert chosen(classes=["C"]) == ["k9", "k8", "k7", "k6"]  # no revenue is class C
    keys = select(accounts, kpis, KeyAccounts(max=2))
    assert announcement(keys) == (
        "No key_account column in accounts: 2 of 9 accounts are key accounts by the "
        "parameters' rule (ABC class A, at most the 2 largest accounts by revenue of the last "
        "12 months)."
    )
    assert rule_text(keys.rule, "de") == (
        "ABC-Klasse A, höchstens die 2 umsatzstärksten Kunden der letzten 12 Monate"
    )
    one = select(accounts, kpis, KeyAccounts(classes=["A", "B"], max=1))
    assert announcement(one) == (
        "No key_account column in accounts: 1 of 9 accounts is a key account by the "
        "parameters' rule (ABC classes A, B, at most the 1 largest account by revenue of the "
        "last 12 months)."
    )


def test_an_explicit_list_decides_and_unknown_ids_are_named(no_column):
    dataset, kpis = no_column
    accounts = dataset.get("accounts")
    keys = select(accounts, kpis, KeyAccounts(ids=["k5", "k9"]))
    assert keys.ids == ["k9", "k5"]  # in the order of accounts; classes are not used
    assert rule_text(keys.rule) == "the 2 accounts listed in key_accounts.ids"
    assert rule_text(KeyAccounts(ids=["k5"]), "de") == "der 1 in key_accounts.ids genannte Kunde"
    with pytest.raises(ParamsError) as info:
        select(accounts, kpis, KeyAccounts(ids=["k5", "nope", "K1"]))
    assert "2 account(s) that are not in the dataset's accounts: nope, K1" in str(info.value)


def test_with_the_column_the_column_decides_and_the_rule_is_ignored(no_column):
    _, kpis = no_column
    marked = ["true", "", "false", "", "true", "", "", "", ""]  # k4 and k8, neither of class A
    dataset = from_frames(_tables(marked))
    assert dataset.marks_key_accounts
    for rule in (KeyAccounts(), KeyAccounts(max=1), KeyAccounts(ids=["unknown-id"])):
        keys = select(dataset.get("accounts"), kpis, rule)
        assert keys.ids == ["k4", "k8"] and keys.by_column
    assert announcement(keys) == (
        "2 of 9 accounts are key accounts, as marked in the key_account column of accounts."
    )
    assert statement(keys) == "2 of 9 accounts are key accounts, as the data marks them."
    assert (
        statement(keys, "de") == "2 von 9 Kunden sind Key Accounts, wie die Daten sie kennzeichnen."
    )
    assert keys.as_dict()["source"] == "column" and keys.as_dict()["rule"] is None
    assert dataset.account_ids(key_only=True) == ["k4", "k8"]


def test_the_rule_is_validated(tmp_path):
    def refused(text: str, name: str = "defaults.yaml") -> str:
        folder = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / "defaults.yaml").write_text(text if name == "defaults.yaml" else "")
        (folder / name).write_text(text)
        account = None if name == "defaults.yaml" else name.removesuffix(".yaml")
        with pytest.raises(ParamsError) as info:
            load_params(folder, account)
        return str(info.value)

    assert "key_accounts.ids" in refused("key_accounts: {ids: [1042]}")
    assert "in quotes" in refused("key_accounts: {ids: [007]}")
    assert "either ids" in refused("key_accounts: {ids: ['k1'], max: 2}")
    assert "key_accounts.max" in refused("key_accounts: {max: 0}")
    assert "key_accounts.classes" in refused("key_accounts: {classes: [D]}")
    assert "at least one ABC class" in refused("key_accounts: {classes: []}")
    assert "listed twice" in refused("key_accounts: {ids: ['k1', 'k1']}")
    # a setting of the whole run: an account's own file may not set it
    message = refused("key_accounts: {max: 5}", "k1.yaml")
    assert "k1.yaml" in message and "defaults.yaml" in message
    ok = tmp_path / "ok"
    ok.mkdir()
    (ok / "defaults.yaml").write_text("key_accounts: {classes: [A, B], max: 100}\n")
    assert load_params(ok).key_accounts == KeyAccounts(classes=["A", "B"], max=100)
    assert load_params(ROOT / "params").key_accounts == KeyAccounts()  # documented defaults


def test_a_new_rule_changes_the_cached_selection_and_report_keys(tmp_path, no_column):
    dataset, kpis = no_column
    accounts = dataset.get("accounts")
    data, params = _write(tmp_path / "data", _tables()), tmp_path / "params"
    params.mkdir()
    (params / "defaults.yaml").write_text("key_accounts: {classes: [A]}\n")
    before = cache.params_fingerprint(str(params))
    cached = context.compute(str(data), "", str(params))
    (params / "defaults.yaml").write_text("key_accounts: {classes: [A], max: 1}\n")
    assert cache.params_fingerprint(str(params)) != before  # the cached context is re-scored
    assert context.with_params(cached, str(params)).frames.keys.ids == ["k1"]  # the largest
    # the same three accounts, but the portfolio report states another rule: another key
    same = select(accounts, kpis, KeyAccounts()), select(accounts, kpis, KeyAccounts(max=50))
    assert same[0].ids == same[1].ids and same[0].digest != same[1].digest
    assert select(accounts, kpis, KeyAccounts(max=2)).digest != same[0].digest


# --- the command line and the run -------------------------------------------------------------


@pytest.fixture
def notebooks(tmp_path) -> Path:
    """A one-cell account report (fast) and the real portfolio notebook."""
    folder = tmp_path / "nb"
    folder.mkdir()
    params = new_code_cell(
        'data = ""\naccount_id = "k1"\nas_of = ""\nparams_dir = ""\nshared_context = ""'
    )
    params.metadata["tags"] = ["parameters"]
    listed = new_code_cell("sections = []")
    listed.metadata["tags"] = ["sections"]
    show = new_code_cell(
        "import kamlib.blocks, kamlib.context\n"
        "ctx = kamlib.context.account_context(data, account_id, as_of, params_dir, "
        "shared_context)\n"
        "display(kamlib.blocks.paragraph(ctx.frames.name))"
    )
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(
        new_notebook(cells=[params, listed, show], metadata=kernel),
        folder / "account_report.ipynb",
    )
    (folder / "portfolio.ipynb").write_bytes((ROOT / "notebooks" / "portfolio.ipynb").read_bytes())
    return folder


@pytest.mark.slow
def test_kam_report_says_what_it_selected_and_reports_those(tmp_path, notebooks, monkeypatch):
    monkeypatch.setattr(run_flow, "notebooks_dir", lambda: notebooks)
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    data, out, params = _write(tmp_path / "data", _tables()), tmp_path / "out", tmp_path / "p"
    params.mkdir()
    # the portfolio report in German: the rule in its reader's language
    (params / "defaults.yaml").write_text("language: de\n")
    done = CliRunner().invoke(
        app, ["report", "--data", str(data), "--out", str(out), "--params", str(params)]
    )
    assert done.exit_code == 0, done.output
    lines = done.stderr.splitlines()
    assert lines[0] == MESSAGE  # before the run starts
    assert "3 of 3 account reports complete" in done.stderr
    assert sorted(p.stem for p in out.glob("*.html")) == ["index", "k1", "k2", "k3", "portfolio"]
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["accounts"]) == ["k1", "k3", "k2"]
    assert summary["key_accounts"] == {
        "source": "rule",
        "rule": {"classes": ["A"], "max": None, "ids": []},
        "selected": 3,
        "accounts": 9,
    }
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{a}.html"' in index for a in ("k1", "k2", "k3"))
    assert 'href="k4.html"' not in index
    portfolio = (out / "portfolio.html").read_text(encoding="utf-8")
    assert (
        "Die Daten kennzeichnen keine Key Accounts, daher wählt die Regel der Parameter sie aus: "
        "3 von 9 Kunden sind Key Accounts (ABC-Klasse A)." in portfolio
    )
    # kpis.csv keeps every account, key or not
    assert len(pd.read_csv(out / "kpis.csv")) == 9

    # the column, where it exists, decides: the same run with k4 and k8 marked
    marked = _write(tmp_path / "marked", _tables(["true", "", "", "", "true", "", "", "", ""]))
    (params / "defaults.yaml").write_text("key_accounts: {max: 1}\n")  # not used
    done = CliRunner().invoke(app, ["report", "--data", str(marked), "--out", str(tmp_path / "o")])
    assert done.exit_code == 0, done.output
    assert done.stderr.splitlines()[0] == (
        "2 of 9 accounts are key accounts, as marked in the key_account column of accounts."
    )
    assert sorted(p.stem for p in (tmp_path / "o").glob("k*.html")) == ["k4", "k8"]


def test_the_run_selects_before_it_writes_and_refuses_unknown_ids(tmp_path, notebooks, monkeypatch):
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    data, out, params = _write(tmp_path / "data", _tables()), tmp_path / "out", tmp_path / "p"
    params.mkdir()
    (params / "defaults.yaml").write_text("key_accounts: {ids: ['k5', 'k404']}\n")
    seen = []
    with pytest.raises(ParamsError, match="k404"):
        run_flow.run(data, out, params, notebooks=notebooks, on_keys=seen.append)
    assert not out.exists() and seen == []
    # CliRunner: the same refusal as a sentence, exit 2, nothing written
    done = CliRunner().invoke(
        app, ["report", "--data", str(data), "--out", str(out), "--params", str(params)]
    )
    assert done.exit_code == 2 and "k404" in done.stderr and "Traceback" not in done.output
    assert not out.exists()


def test_kam_params_scaffolds_the_key_accounts_of_the_rule(tmp_path):
    data, params = _write(tmp_path / "data", _tables()), tmp_path / "params"
    done = CliRunner().invoke(app, ["params", "--data", str(data), "--params", str(params)])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in params.iterdir()) == ["k1.yaml", "k2.yaml", "k3.yaml"]
    assert MESSAGE in done.stderr
    # a capped rule in the folder's defaults.yaml: only the largest is added
    other = tmp_path / "other"
    other.mkdir()
    (other / "defaults.yaml").write_text("key_accounts: {max: 1}\n")
    done = CliRunner().invoke(app, ["params", "--data", str(data), "--params", str(other)])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in other.iterdir()) == ["defaults.yaml", "k1.yaml"]
    assert yaml.safe_load((other / "k1.yaml").read_text()) is None  # comments only


# --- the real CDNOW purchase log ----------------------------------------------------------------

CDNOW = SHARED_DATA / "transactions" / "cdnow_master.txt"
#: the issue's figure, recomputed below: at the default reporting date 1998-06-30 (the last day
#: of the last month with sales), window (1997-06-30, 1998-06-30], 8,332 customers bought in the
#: window and 3,080 of them bring the first 80 % of its revenue
CDNOW_A = 3080


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory) -> tuple[Path, set[str]]:
    """The CDNOW log as a dataset without a key_account column, and its class-A customers
    computed here with plain pandas from the contract's words."""
    if not CDNOW.is_file():
        pytest.skip(f"CDNOW purchase log not found at {CDNOW}")
    raw = pd.read_csv(CDNOW, sep=r"\s+", dtype={"customer_id": str, "date": str})
    sales = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d"),
            "account_id": raw["customer_id"],
            "net_revenue": raw["dollar_value"],
        }
    )
    ids = sales["account_id"].unique()
    accounts = pd.DataFrame({"account_id": ids, "name": [f"Customer {i}" for i in ids]})
    folder = _write(tmp_path_factory.mktemp("cdnow"), {"accounts": accounts, "sales": sales})
    dates = pd.to_datetime(sales["date"])
    window = sales.loc[(dates > "1997-06-30") & (dates <= "1998-06-30")]
    revenue = window.groupby("account_id")["net_revenue"].sum()
    revenue = revenue[revenue > 0]
    total, before, class_a = revenue.sum(), 0.0, set()
    for account_id in sorted(revenue.index, key=lambda a: (-revenue[a], a)):
        if before < 0.8 * total:
            class_a.add(account_id)
        before += revenue[account_id]
    return folder, class_a


def test_cdnow_without_the_column_selects_the_a_customers(cdnow):
    folder, class_a = cdnow
    assert len(class_a) == CDNOW_A
    dataset = load_dataset(folder)
    assert not dataset.marks_key_accounts and len(dataset.get("accounts")) == 23570
    kpis = kpi_module.base_kpis(dataset, pd.Timestamp("1998-06-30"), with_forecast=False)
    keys = select(dataset.get("accounts"), kpis, KeyAccounts())
    assert set(keys.ids) == class_a
    capped = select(dataset.get("accounts"), kpis, KeyAccounts(max=100))
    largest = kpis.loc[list(class_a)].sort_values("revenue_12m", ascending=False)
    assert capped.count == 100 and set(capped.ids) <= class_a
    assert kpis.loc[capped.ids, "revenue_12m"].min() >= largest["revenue_12m"].iloc[100]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="stops the run with SIGTERM")
def test_kam_report_on_cdnow_says_so_before_the_run_starts(cdnow, tmp_path):
    """The message comes before any report: the run is stopped as soon as it is read (it would
    write 3,080 reports)."""
    folder, _ = cdnow
    env = {**os.environ, "KAM_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "out"
    run = subprocess.Popen(
        [sys.executable, "-m", "kamlib.cli", "report", "--data", str(folder), "--out", str(out)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in run.stderr:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    said = []
    try:
        while not said or "key account" not in said[-1]:
            line = lines.get(timeout=120)
            assert line is not None, "\n".join(said)  # the run ended without saying it
            said.append(line)
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=120)
    finally:
        run.kill()
        run.wait()
        reader.join(timeout=30)
        run.stderr.close()
    assert said[-1] == (
        "No key_account column in accounts: 3,080 of 23,570 accounts are key accounts by the "
        "parameters' rule (ABC class A)."
    )
    assert run.returncode == 143
    assert not list(out.glob("*.html"))  # stopped before any report was written
