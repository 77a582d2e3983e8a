"""One definition per measure: account by account on the demo data, every section reports the
value the KPI table (``kpis.csv`` and the health components) has for it."""

from __future__ import annotations

import math

import pytest

from kamlib.context import AccountContext, PortfolioContext, compute
from kamlib.demo import write_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> PortfolioContext:
    data = tmp_path_factory.mktemp("demo")
    write_demo(data)
    return compute(str(data), "", "")


def _same(section_value, kpi_value) -> bool:
    if kpi_value is None or (isinstance(kpi_value, float) and math.isnan(kpi_value)):
        return section_value is None or (
            isinstance(section_value, float) and math.isnan(section_value)
        )
    return section_value == pytest.approx(float(kpi_value), rel=1e-12, abs=1e-9)


def test_every_section_reports_the_kpi_tables_value(demo):
    checked = 0
    for account_id in demo.frames.key_ids():
        ctx = AccountContext(account_id, demo)
        kpi = ctx.frames.kpi
        a = ctx.analyses()
        values = {
            # the demo's reporting date is a month end: the last 12 months of the series
            "revenue_12m": float(a["revenue"].monthly.iloc[-12:].sum()),
            "nps": a["satisfaction"].window_nps.score,
            "nps_n": a["satisfaction"].window_nps.n,
            "csat": a["satisfaction"].window_csat.score,
            "otif_rate": float(
                (
                    a["contract_terms"].otif_monthly["otif"]
                    * a["contract_terms"].otif_monthly["orders"]
                ).sum()
                / a["contract_terms"].otif_monthly["orders"].sum()
            )
            if len(a["contract_terms"].otif_monthly)
            else float("nan"),
            "avg_days_late": float(a["contract_terms"].payments["days_late"].mean())
            if len(a["contract_terms"].payments)
            else float("nan"),
            "overdue_amount": float(a["contract_terms"].overdue.iloc[-1]),
            "contacts_12m": float(a["communication"].monthly.sum()),
            "roles_covered": float((~a["communication"].roles["gap"]).mean()),
            "open_complaints": float(len(a["complaints"].backlog)),
            "complaints_12m": float(a["complaints"].monthly["opened"].sum()),
            "complaint_resolution_days": a["complaints"].resolution["median"],
        }
        if a["market"].growth is not None:
            growth = a["market"].growth.loc["last 12 months", "account_growth"]
            values["revenue_growth"] = float(growth)
        repeats = a["complaints"].repeats
        values["repeat_complaints"] = float(repeats.max()) if len(repeats) else None
        for name, value in values.items():
            expected = kpi[name]
            if name == "repeat_complaints" and value is None:
                assert expected < 2, account_id  # no category came up twice
                continue
            assert _same(value, expected), (account_id, name, value, expected)
            checked += 1
        # the notice deadline of the contract ending last, as the contract dates list it
        dates = a["contract_terms"].dates
        if len(dates) and dates["end_date"].notna().all():
            last = dates.dropna(subset=["days_to_notice"]).iloc[-1]["days_to_notice"]
            assert last == kpi["days_to_notice"], account_id
    assert checked > 25 * 12  # every key account, nearly every measure


def test_every_section_has_the_same_contract():
    import dataclasses
    import inspect

    from kamlib.sections import AREAS, portfolio

    for name, module in [*AREAS.items(), ("portfolio", portfolio)]:
        analyse = inspect.signature(module.analyse)
        assert list(analyse.parameters)[:2] == ["frames", "params"], name
        result = analyse.return_annotation
        assert result.endswith("Analysis"), name
        assert dataclasses.is_dataclass(getattr(module, result))
        assert getattr(module, result).__dataclass_params__.frozen, name
        for function in ("findings", "sentences"):
            signature = inspect.signature(getattr(module, function))
            assert list(signature.parameters) == ["a", "params"], (name, function)
