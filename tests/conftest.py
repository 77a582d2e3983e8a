"""Shared test helpers: small datasets built in code, and the location of ../shared/data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
#: the accounts of the demo reports with PDFs the mail and browser tests share (KA-001 and
#: KA-003 German, KA-006 English, as in params/)
MAIL_ACCOUNTS = ["KA-001", "KA-003", "KA-006"]
#: what the tests look for in a report or mail, in each language
WORDS = {
    "en": {
        "findings": "Most important findings",
        "summary": "Executive summary",
        "as_of": "Reporting date 31 Oct 2026",
        "page": "Page {page} of {pages}",
        "sections": ["Revenue", "Satisfaction", "Contract terms", "Communication and complaints"],
    },
    "de": {
        "findings": "Wichtigste Befunde",
        "summary": "Management Summary",
        "as_of": "Stichtag 31. Okt. 2026",
        "page": "Seite {page} von {pages}",
        "sections": [
            "Umsatzentwicklung",
            "Kundenzufriedenheit",
            "Vertragskonditionen",
            "Kommunikation und Reklamationen",
        ],
    },
}


def language_of(account_id: str) -> str:
    """The language of a demo account's report, as ``params/`` sets it."""
    own = ROOT / "params" / f"{account_id}.yaml"
    values = yaml.safe_load(own.read_text(encoding="utf-8")) if own.is_file() else {}
    return (values or {}).get("language", "en")


def missing(what: str) -> None:
    """Skip a test whose real component is missing on this machine; in CI (``CI=true``) the
    component must be there, so the test fails instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing, and CI must run this test: see .ci/run")
    pytest.skip(f"{what} is missing on this machine")


@pytest.fixture(scope="session")
def made(tmp_path_factory) -> Path:
    """Demo reports with PDFs for three accounts and their parameters, made once a session:
    ``data/``, ``params/`` (KA-006 with cc, bcc and reply-to) and ``reports/``."""
    from kamlib import run as runner
    from kamlib.demo import write_demo

    base = tmp_path_factory.mktemp("made")
    write_demo(base / "data")
    params = base / "params"
    shutil.copytree(ROOT / "params", params)
    (params / "KA-006.yaml").write_text(
        yaml.safe_dump(
            {
                "recipients": ["Anna Keller <anna.keller@example.com>"],
                "cc": ["sales.director@example.com"],
                "bcc": ["archive@example.com"],
                "mail": {"reply_to": "Key Account Team <kam-team@example.com>"},
            }
        )
    )
    result = runner.run(
        base / "data", base / "reports", params, account_ids=MAIL_ACCOUNTS, pdf=True
    )
    assert result.exit_code == 0, [r.error for r in result.failed + result.partial]
    return base


@pytest.fixture
def shared_data() -> Path:
    """The real public data beside the project; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA


def frame(rows: list[tuple], columns: str) -> pd.DataFrame:
    """A DataFrame from tuples and a space-separated column list; 'd:' columns become dates."""
    names = columns.split()
    df = pd.DataFrame(rows, columns=[n.removeprefix("d:") for n in names])
    for n in names:
        if n.startswith("d:"):
            df[n[2:]] = pd.to_datetime(df[n[2:]])
    return df


def frames_of(
    tables: dict[str, pd.DataFrame],
    account_id: str,
    as_of: str,
    kpis: pd.DataFrame | None = None,
    params=None,
):
    """The :class:`~kamlib.frames.AccountFrames` of ``account_id`` over typed tables built in a
    test: an ``accounts`` table is made from the ids when absent (every account a key account),
    and the KPI table is computed unless given."""
    from kamlib import kpis as kpi_module
    from kamlib.data import Dataset
    from kamlib.frames import PortfolioFrames
    from kamlib.params import Params

    tables = dict(tables)
    if "accounts" not in tables:
        ids = sorted({a for t in tables.values() if "account_id" in t for a in t["account_id"]})
        ids = ids or [account_id]
        tables["accounts"] = pd.DataFrame({"account_id": ids, "name": ids, "key_account": True})
    when = pd.Timestamp(as_of)
    dataset = Dataset(tables, "test", "test")
    if kpis is None:
        kpis = kpi_module.compute(dataset, when, params or Params())
    return PortfolioFrames(dataset, when, kpis, kpis, kpis).account(account_id)


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the session (:mod:`tests.pg_server`): an empty database
    ``kam`` of the superuser ``kam`` on 127.0.0.1, trust authentication."""
    from tests.pg_server import find_binaries, pg_server

    if find_binaries() is None:
        missing("PostgreSQL")
    with pg_server() as server:
        yield server


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Contexts cached by the runs of the tests stay in the session's temporary folder."""
    folder = tmp_path_factory.mktemp("kam-cache")
    previous = os.environ.get("KAM_CACHE_DIR")
    os.environ["KAM_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("KAM_CACHE_DIR", None)
    else:
        os.environ["KAM_CACHE_DIR"] = previous
