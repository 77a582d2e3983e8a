"""Shared test helpers: small datasets built in code, and the location of ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


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
