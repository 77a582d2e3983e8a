"""No key account loses its report: every section on generated datasets full of edge cases.

Property-based tests with Hypothesis (strategies in ``tests/strategies.py``):

* the interval functions: every interval is ordered and contains its point estimate;
* the reports: the account and portfolio notebooks, executed cell by cell in this process
  (the same cells ``kam report`` runs, without a kernel, so that Hypothesis can shrink a
  failure to the smallest dataset), on every key account of every generated dataset: no cell
  raises; nothing shown contains ``nan``, ``inf``, ``∞``, ``NaT``, ``None`` or ``-0``; every
  chart renders, with its text taken literally (never as mathematics); every interval of
  every analysis is ordered and contains its estimate.

``make test`` runs a bounded, derandomised number of examples; ``make fuzz`` runs ``kam
report`` end to end on many more (``tests/fuzz.py``).
"""

from __future__ import annotations

import html
import math
import re
import tempfile
from dataclasses import fields, is_dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.text import Text
from papermill.parameterize import parameterize_notebook

import kamlib.plots
from kamlib import forecast as forecast_module
from kamlib.data import from_frames
from kamlib.run.compose import compose_account_notebook, portfolio_notebook
from kamlib.sections import satisfaction
from kamlib.summary import Digest
from tests.strategies import UNTRUSTED, datasets

#: what a reader must never see: Python's missing values, infinities, a negative zero
SHOWN_BADLY = re.compile(
    r"\bnan\b|\bNaT\b|\bNone\b|\binf\b|∞|(?<![\w.,])[-−]0(?:[.,]0+)?(?![\w.,]*\d)",
    re.IGNORECASE,
)
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- intervals ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=40))
def test_nps_interval_is_ordered_and_contains_the_score(answers):
    score = satisfaction.nps(answers)
    assert -100 <= score.ci_low <= score.score <= score.ci_high <= 100


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from([1.0, 1.5, 2.0, 3.0, 4.0, 4.5, 5.0]), min_size=1, max_size=40))
def test_csat_interval_is_ordered_and_contains_the_mean(answers):
    score = satisfaction.csat(answers)
    assert 1 <= score.ci_low <= score.score <= score.ci_high <= 5


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.floats(min_value=-1e5, max_value=1e6, allow_nan=False).map(lambda v: round(v, 2)),
        min_size=1,
        max_size=60,
    )
)
def test_forecast_intervals_are_ordered_and_finite(values):
    y = pd.Series(values, index=pd.date_range("2020-01-01", periods=len(values), freq="MS"))
    fc = forecast_module.forecast(y, 12)
    assert np.isfinite(fc.to_numpy()).all()
    assert (fc["lower_95"] <= fc["lower_80"]).all() and (fc["lower_80"] <= fc["mean"]).all()
    assert (fc["mean"] <= fc["upper_80"]).all() and (fc["upper_80"] <= fc["upper_95"]).all()


# --- the reports, in process ----------------------------------------------------------------


class _Shown:
    """What the notebook cells showed: texts of HTML outputs and of chart elements."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.charts = 0

    def display(self, *objects, **_) -> None:
        for obj in objects:
            if isinstance(obj, Digest):  # not in the report: what the e-mail shows of it
                self.texts.append(obj["health"]["text"])
                self.texts += [t[k] for t in obj["tiles"] for k in ("label", "value", "sub")]
                self.texts += [f["text"] for f in obj["findings"]]
                continue
            raw = obj._repr_html_() if hasattr(obj, "_repr_html_") else repr(obj)
            self.texts.append(html.unescape(re.sub(r"<[^>]+>", " ", str(raw or ""))))

    def show(self, fig, mail=None) -> None:
        if fig is None:
            return
        svg = kamlib.plots.svg_text(fig)  # as a report draws it (every text drawn, then closed)
        assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
        for text in fig.findobj(Text):
            if not text.get_visible() or not text.get_text():
                continue
            assert not text.get_parse_math() or not _is_math(text.get_text()), (
                f"chart text read as mathematics: {text.get_text()!r}"
            )
            self.texts.append(text.get_text())
        self.charts += 1


def _is_math(s: str) -> bool:
    dollars = s.count("$") - s.count(r"\$")
    return dollars > 0 and dollars % 2 == 0


def _intervals(obj, where: str = "") -> None:
    """Every interval held by an analysis result is ordered and contains its estimate."""
    if isinstance(obj, satisfaction.Score):
        if not obj.empty:
            assert obj.ci_low <= obj.score <= obj.ci_high, (where, obj)
        return
    if isinstance(obj, pd.DataFrame):
        cols = set(obj.columns)
        for col in cols:
            if f"{col}_low" in cols and f"{col}_high" in cols:
                part = obj[[f"{col}_low", col, f"{col}_high"]].astype(float).dropna()
                assert (part.iloc[:, 0] <= part.iloc[:, 1] + 1e-9).all(), (where, col, part)
                assert (part.iloc[:, 1] <= part.iloc[:, 2] + 1e-9).all(), (where, col, part)
        if "mean" in cols:
            for level in ("80", "95"):
                if f"lower_{level}" in cols:
                    assert (obj[f"lower_{level}"] <= obj["mean"]).all(), (where, obj)
                    assert (obj["mean"] <= obj[f"upper_{level}"]).all(), (where, obj)
        return
    if is_dataclass(obj) and not isinstance(obj, type):
        for f in fields(obj):
            _intervals(getattr(obj, f.name), f"{where}.{f.name}")


def _execute(nb, params: dict, shown: _Shown) -> dict:
    """Run the code cells of ``nb`` with papermill's parameters; stop at the first error."""
    nb = parameterize_notebook(nb, params, report_mode=True)
    namespace = {"display": shown.display, "__name__": "__main__"}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            exec(compile(cell.source, f"<cell {index}>", "exec"), namespace)
        except Exception as exc:
            section = cell.metadata.get("kam", {}).get("section")
            raise AssertionError(
                f"section {section!r}, cell {index} failed: {type(exc).__name__}: {exc}\n"
                f"{cell.source}"
            ) from exc
    return namespace


def _check_shown(shown: _Shown, context: str) -> None:
    for text in shown.texts:
        bad = SHOWN_BADLY.search(text)
        assert bad is None, f"{context} shows {bad.group()!r} in: {text[:300]!r}"


@pytest.fixture(scope="module")
def notebooks():
    return compose_account_notebook(), portfolio_notebook()


@pytest.mark.slow
@EXAMPLES
@given(tables=datasets(max_accounts=3))
def test_every_report_section_survives_edge_cases(tables, notebooks):
    account_nb, portfolio_nb = notebooks
    dataset = from_frames(tables)  # valid by construction
    shown = _Shown()
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        patch.setattr(kamlib.plots, "show", shown.show)
        for name, table in tables.items():
            table.to_csv(Path(folder) / f"{name}.csv", index=False)
        common = {"data": folder, "as_of": "", "params_dir": ""}
        for account_id in dataset.account_ids(key_only=True):
            namespace = _execute(account_nb.copy(), {**common, "account_id": account_id}, shown)
            for name, value in namespace.items():
                if not name.startswith("_"):
                    _intervals(value, name)
            _check_shown(shown, f"the report of {account_id}")
            shown.texts.clear()
        _execute(portfolio_nb.copy(), common, shown)
        _check_shown(shown, "the portfolio report")


def test_untrusted_names_reach_a_chart_exactly_as_written(monkeypatch):
    shown = _Shown()
    monkeypatch.setattr(kamlib.plots, "show", shown.show)
    fig, ax = kamlib.plots.figure(f"Account against the {UNTRUSTED[1]} market", ylabel="EUR")
    ax.bar([UNTRUSTED[0], UNTRUSTED[7]], [1, 2])
    kamlib.plots.show(fig)
    assert f"Account against the {UNTRUSTED[1]} market" in shown.texts
    assert UNTRUSTED[0] in shown.texts and UNTRUSTED[7] in shown.texts
    assert shown.charts == 1 and not math.isnan(len(shown.texts))
