"""Communication figures, worked out by hand."""

from __future__ import annotations

import math

import pandas as pd

from kamlib.periods import window
from kamlib.sections import communication as comm
from tests.conftest import frame

AS_OF = pd.Timestamp("2025-06-30")
WIN = window(AS_OF)


def _interactions():
    return frame(
        [
            ("c1", "A", "2025-06-01", "call", "purchasing", "us"),
            ("c2", "A", "2025-06-15", "visit", "decision maker", "customer"),
            ("c3", "A", "2025-01-10", "call", "purchasing", None),
            ("c4", "A", "2024-06-30", "email", "user", "us"),  # previous window
            ("c5", "A", "2025-07-02", "call", "finance", "us"),  # after as_of
        ],
        "interaction_id account_id d:date channel contact_role initiated_by",
    )


def test_contacts_by_month_channels_and_initiative():
    monthly = comm.contacts_by_month(_interactions(), WIN)
    assert len(monthly) == 12 and monthly.sum() == 3
    assert monthly[pd.Timestamp("2025-06-01")] == 2 and monthly[pd.Timestamp("2024-07-01")] == 0
    mix = comm.channel_mix(_interactions(), WIN)
    assert mix.loc["call", "contacts"] == 2 and mix.loc["visit", "share"] == 1 / 3
    # initiated_by stated for c1 (us) and c2 (customer): 1 of 2
    assert comm.initiated_share(_interactions(), WIN) == 0.5


def test_role_coverage_and_never_contacted():
    roles = comm.role_coverage(
        _interactions(), ["decision maker", "purchasing", "user", "finance"], AS_OF
    )
    assert roles.loc["decision maker", "days_since"] == 15
    assert roles.loc["user", "days_since"] == 365 and bool(roles.loc["user", "gap"])
    assert math.isnan(roles.loc["finance", "days_since"]) and bool(roles.loc["finance", "gap"])
    never = _interactions().iloc[0:0]
    assert comm.contacts_by_month(never, WIN).sum() == 0
    assert comm.channel_mix(never, WIN).empty
    assert comm.role_coverage(never, ["user"], AS_OF)["gap"].all()
