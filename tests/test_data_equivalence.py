"""The column-wise validation gives what the previous per-value one gave: the same typed tables
and the same problems, word for word, on messy inputs of every kind.

The previous implementation is the baseline of ``benchmarks/kpis_speed.py``
(``legacy_validate``), loaded from there; Hypothesis draws the tables.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamlib import data
from kamlib.data import Origin, _clean_text, _id_mismatch, _text, from_frames, validate
from kamlib.errors import DataError
from kamlib.schema import ACCOUNT_ID_PATTERN, TABLES
from tests.strategies import datasets

_BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "kpis_speed.py"


def _legacy():
    spec = importlib.util.spec_from_file_location("kpis_speed_baseline", _BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LEGACY = _legacy()

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- comparing results exactly --------------------------------------------------------------


def _cell(value: object) -> object:
    """A value with its type, NaN-safe: 'nan' and None stay apart, 1 and 1.0 and True too."""
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    if value is pd.NaT:
        return ("NaT",)
    return (type(value).__name__, repr(value))


def _same_frame(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns)
    assert new.index.equals(old.index) and type(new.index) is type(old.index)
    for col in new.columns:
        assert new[col].dtype == old[col].dtype, col
        if new[col].dtype == object:
            assert [_cell(v) for v in new[col]] == [_cell(v) for v in old[col]], col
        else:
            left, right = new[col].to_numpy(), old[col].to_numpy()
            if left.dtype.kind == "f":
                assert np.array_equal(left, right, equal_nan=True), col
                assert np.array_equal(np.signbit(left), np.signbit(right)), col
            elif left.dtype.kind in "mM":
                assert np.array_equal(left.view("i8"), right.view("i8")), col
            else:
                assert np.array_equal(left, right), col


def _outcome(func, *args):
    try:
        return "ok", func(*args)
    except Exception as exc:  # noqa: BLE001 - an error must be the same error
        return "error", (type(exc), str(exc))


def _check_same(raw: dict[str, pd.DataFrame], origins=None) -> None:
    kept = {name: frame.copy() for name, frame in raw.items()}
    new = _outcome(validate, dict(raw), origins)
    old = _outcome(LEGACY.legacy_validate, {n: f.copy() for n, f in kept.items()}, origins)
    assert new[0] == old[0], (new, old)
    if new[0] == "error":
        assert new[1] == old[1]
        return
    (new_tables, new_problems), (old_tables, old_problems) = new[1], old[1]
    assert new_problems == old_problems
    assert new_tables.keys() == old_tables.keys()
    for name in new_tables:
        _same_frame(new_tables[name], old_tables[name])
    for name, frame in raw.items():  # the input is left as it was
        pd.testing.assert_frame_equal(frame, kept[name])


# --- strategies -----------------------------------------------------------------------------

_SPACE = st.sampled_from(["", " ", "  ", "\t", "\n", "\u00a0", "\u2003", "\x1f", "\r\n"])
_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "abc",
            " abc ",
            "A.2",
            "b_3",
            "001",
            "-x",
            ".hidden",
            "CON",
            "con.txt",
            "Lpt1.report",
            "index",
            "PORTFOLIO",
            "Index.x",
            "aux1",
            "Ärger",
            "x" * 64,
            "y" * 65,
            "a\x00",
            "a b",
            "nan",
            "None",
        ]
    ),
    st.text(max_size=6),
)
_PADDED = st.builds(lambda a, t, b: a + t + b, _SPACE, _TEXT, _SPACE)
_DATES = st.sampled_from(
    [
        "2025-01-15",
        " 2025-02-01 ",
        "2025-02-30",
        "2025-1-5",
        "15.01.2025",
        "9999-12-31",
        "9999-01-01",
        "0001-01-01",
        "2025-01-15 00:00:00",
        "2025-01-15T10:00",
        "٢٠٢٥-٠١-١٥",
        "",
    ]
)
_NUMBERS = st.sampled_from(
    ["1", " 2.5 ", "-3", "1e3", "1,5", "abc", "inf", "-inf", "nan", "", "7.0", "0", "11", "1e400"]
)
_BOOLS = st.sampled_from(
    ["true", "FALSE", " Ja ", "nein", "y", "0", "1", "wahr", "falsch", "maybe", "", "T"]
)
_MISSING = st.sampled_from([None, np.nan, pd.NA, pd.NaT])
_OTHER = st.one_of(
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=False, width=64),
    st.booleans(),
    st.just(Decimal("1.5")),
    st.just(dt.date(2025, 3, 1)),
    st.just(dt.date(9999, 12, 31)),
    st.just(pd.Timestamp("2025-03-01")),
    st.just(b"bytes"),
    st.just(np.str_(" np text ")),
)


def _cells(kind: str):
    typed = {"str": _PADDED, "date": _DATES, "int": _NUMBERS, "float": _NUMBERS, "bool": _BOOLS}
    return st.one_of(typed[kind], _TEXT, _MISSING, _OTHER)


@st.composite
def _column(draw, kind: str, n: int) -> pd.Series:
    """A column of ``n`` rows, as a CSV export, Parquet or an in-memory frame would hold it."""
    shape = draw(st.sampled_from(["object", "object", "object", "native", "native"]))
    if shape == "object":
        return pd.Series(draw(st.lists(_cells(kind), min_size=n, max_size=n)), dtype=object)
    if kind == "date":
        days = draw(st.lists(st.integers(-400, 4000), min_size=n, max_size=n))
        values = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"))
        values = values + pd.to_timedelta(draw(st.sampled_from([0, 0, 5])), unit="h")
        if draw(st.booleans()):
            values = values.dt.tz_localize("Europe/Berlin")
        return values.where(pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    if kind == "bool":
        flags = draw(st.lists(st.sampled_from([True, False, None]), min_size=n, max_size=n))
        return pd.Series(flags, dtype="boolean" if None in flags else bool)
    numbers = draw(
        st.lists(
            st.one_of(
                st.integers(-20, 20).map(float),
                st.floats(-1e6, 1e6, allow_nan=False),
                st.just(np.nan),
                st.just(-0.0),
            ),
            min_size=n,
            max_size=n,
        )
    )
    values = pd.Series(numbers, dtype=float)
    if kind == "str":  # ids that arrived as numbers
        return (
            values.astype(draw(st.sampled_from(["float64", "Int64"])))
            if (values.dropna() == np.floor(values.dropna())).all()
            else values
        )
    return values


@st.composite
def _table(draw, name: str, ids: list[str]) -> pd.DataFrame:
    spec = TABLES[name]
    n = draw(st.integers(0, 8))
    columns = {}
    for col in spec.columns:
        if not col.required and draw(st.booleans()):
            continue
        if col.required and draw(st.integers(0, 15)) == 0:
            continue  # a required column missing now and then
        if col.name in ("account_id", "parent_id") and ids and draw(st.booleans()):
            picked = draw(st.lists(st.sampled_from([*ids, "ghost"]), min_size=n, max_size=n))
            columns[col.name] = pd.Series(picked, dtype=object)
            continue
        columns[col.name] = draw(_column(col.type, n))
    if name == "surveys" and draw(st.booleans()):
        columns["rating_speed"] = draw(_column("float", n))
    if draw(st.booleans()):
        columns["extra"] = pd.Series(["x"] * n, dtype=object)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    if draw(st.integers(0, 4)) == 0:  # an index of its own, as after filtering a frame
        frame.index = pd.Index(range(10, 10 + n))
    return frame


@st.composite
def _dataset(draw) -> dict[str, pd.DataFrame]:
    ids = draw(st.lists(_PADDED, min_size=0, max_size=5))
    names = draw(
        st.lists(st.sampled_from(sorted(TABLES)), min_size=1, max_size=4, unique=True).map(
            lambda found: sorted({*found, "accounts"})
        )
    )
    tables = {name: draw(_table(name, [i.strip() for i in ids])) for name in names}
    if "accounts" in tables and ids and draw(st.booleans()):
        accounts = tables["accounts"]
        accounts["account_id"] = pd.Series(
            draw(st.lists(st.sampled_from(ids), min_size=len(accounts), max_size=len(accounts))),
            index=accounts.index,
            dtype=object,
        )
    return tables


# --- the tests ------------------------------------------------------------------------------


@SETTINGS
@given(_dataset())
def test_validate_equals_the_previous_validation(raw):
    _check_same(raw)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(_dataset())
def test_problems_in_the_users_terms_equal_the_previous_ones(raw):
    origins = {
        name: Origin(
            rows=lambda positions, name=name: (
                f"{name}.csv lines " + ", ".join(str(p + 2) for p in positions)
            ),
            columns=lambda col, name=name: f"{name}.csv, column {col!r}",
        )
        for name in raw
    }
    _check_same(raw, origins)


_ZOO = {
    "object text": pd.Series([" a ", "b", "", "  ", "\u00a0c\u2003", np.str_(" d ")]),
    "object mixed": pd.Series(
        [None, np.nan, pd.NA, pd.NaT, 12, 1.0, True, b"x", Decimal("NaN"), dt.date(2025, 1, 1)],
        dtype=object,
    ),
    "float whole": pd.Series([12.0, np.nan, -0.0, 3.0]),
    "float": pd.Series([1.5, -0.0, 0.0, np.nan, 2.0, 1e20]),
    "float32": pd.Series([0.1, 2.0], dtype="float32"),
    "Int64": pd.Series([1, None, 3], dtype="Int64"),
    "int": pd.Series([1, -2, 3]),
    "uint": pd.Series([2**63 + 1, 1], dtype="uint64"),
    "bool": pd.Series([True, False]),
    "boolean": pd.Series([True, None], dtype="boolean"),
    "datetime": pd.Series([pd.Timestamp("2025-01-01"), pd.NaT, pd.Timestamp("2025-01-01 10:00")]),
    "datetime tz": pd.Series(pd.to_datetime(["2025-01-01"]).tz_localize("UTC")),
    "category": pd.Series([" a", None, "b "], dtype="category"),
    "string": pd.Series([" a", None, ""], dtype="string"),
    "timedelta": pd.Series(pd.to_timedelta([1, None], unit="D")),
    "empty": pd.Series([], dtype=object),
    "empty float": pd.Series([], dtype=float),
}


@pytest.mark.parametrize("name", list(_ZOO))
def test_text_of_every_kind_of_column(name):
    series = _ZOO[name]
    new = _outcome(_clean_text, series)
    old = _outcome(LEGACY._legacy_clean_text, series)
    assert new[0] == old[0]
    if new[0] == "error":
        assert new[1] == old[1]
        return
    assert new[1].index.equals(old[1].index) and new[1].dtype == old[1].dtype
    assert [_cell(v) for v in new[1]] == [_cell(v) for v in old[1]]
    values, missing = _text(series)
    assert missing.tolist() == old[1].isna().tolist()


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=70),
            st.text(alphabet="aZ09_.-", min_size=0, max_size=66),
            st.sampled_from(["a\x00", "\x00", "-a", ".a", "_a", "a" * 64, "a" * 65, "é", "\ud800"]),
        ),
        max_size=30,
    )
)
def test_id_pattern_checked_on_code_points_equals_the_pattern(ids):
    expected = [ACCOUNT_ID_PATTERN.fullmatch(v) is None for v in ids]
    assert _id_mismatch(np.array(ids, dtype=object)).tolist() == expected


def test_fingerprint_tells_datasets_apart():
    accounts = pd.DataFrame({"account_id": ["a", "b"], "name": ["A", "B"]})
    sales = pd.DataFrame(
        {"date": ["2025-01-01", "2025-02-01"], "account_id": ["a", "b"], "net_revenue": [1, 2]}
    )
    first = from_frames({"accounts": accounts, "sales": sales}).fingerprint
    assert len(first) == 16
    assert from_frames({"accounts": accounts.copy(), "sales": sales.copy()}).fingerprint == first
    changed = sales.assign(net_revenue=[1, 3])
    assert from_frames({"accounts": accounts, "sales": changed}).fingerprint != first
    renamed = accounts.assign(name=["A", "C"])
    assert from_frames({"accounts": renamed, "sales": sales}).fingerprint != first
    # texts that hold the separator do not run together
    one = data._column_bytes(pd.Series(["a\x00b", ""], dtype=object))
    other = data._column_bytes(pd.Series(["a", "b\x00"], dtype=object))
    assert one != other
    assert data._column_bytes(pd.Series(["a", None])) != data._column_bytes(pd.Series(["a", ""]))


def test_input_frames_are_left_alone_and_errors_name_rows():
    accounts = pd.DataFrame({"account_id": [" a ", "b", "CON"], "name": ["A", " ", "C"]})
    sales = pd.DataFrame(
        {"date": ["2025-01-01", "x"], "account_id": ["a", "zz"], "net_revenue": ["1", "2"]},
        index=[5, 9],
    )
    kept = accounts.copy(), sales.copy()
    with pytest.raises(DataError) as caught:
        from_frames({"accounts": accounts, "sales": sales})
    text = str(caught.value)
    assert "1 required value(s) are missing (row 2)" in text
    assert "Windows reserves the name CON for a device" in text
    assert "1 value(s) are not dates in YYYY-MM-DD (row 2: 'x')" in text
    assert "refer to accounts that do not exist in accounts (row 2: 'zz')" in text
    pd.testing.assert_frame_equal(accounts, kept[0])
    pd.testing.assert_frame_equal(sales, kept[1])


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(datasets(max_accounts=3))
def test_valid_datasets_give_the_previous_typed_tables(tables):
    _check_same(tables)
    assert validate(dict(tables))[1] == []
