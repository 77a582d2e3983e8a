"""The data contract's tables, as data: columns, types, keys, ranges, references.

Section 1 of the data contract, written once here and used by the loader and the validator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "ACCOUNT_ID_PATTERN",
    "ColumnSpec",
    "TableSpec",
    "TABLES",
    "REQUIRED_TABLES",
    "RATING_PREFIX",
    "is_valid_account_id",
    "file_name_clash",
]

#: 1-64 characters of A-Z a-z 0-9 _ . -, not starting with . or -
ACCOUNT_ID_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}")
RATING_PREFIX = "rating_"
REQUIRED_TABLES = ("accounts", "sales")


def is_valid_account_id(value: object) -> bool:
    """Whether ``value`` is a string that matches the contract's account_id pattern."""
    return isinstance(value, str) and ACCOUNT_ID_PATTERN.fullmatch(value) is not None


#: file names of a run that an account's ``<account_id>.html`` must not take
RUN_FILES = ("index", "portfolio")
#: names Windows reserves for devices, also with an extension (``CON.html``): a report of that
#: name cannot be saved there
WINDOWS_DEVICES = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{i}" for i in range(1, 10)),
        *(f"lpt{i}" for i in range(1, 10)),
    }
)


def file_name_clash(account_id: str) -> str | None:
    """Why ``<account_id>.html`` cannot be a report file, or None when it can.

    An account's report is ``<account_id>.html`` beside the run's ``index.html`` and
    ``portfolio.html``; the comparison ignores case, as Windows and macOS do.
    """
    lower = account_id.lower()
    if lower in RUN_FILES:
        return f"its report would overwrite the run's own {lower}.html"
    if lower.split(".")[0] in WINDOWS_DEVICES:
        return f"Windows reserves the name {lower.split('.')[0].upper()} for a device"
    return None


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a table.

    Attributes
    ----------
    name : str
    type : str
        ``str``, ``date``, ``int``, ``float`` or ``bool``.
    required : bool
        The column must exist and have no missing value.
    min, max : float, optional
        Inclusive range of numeric values.
    allowed : tuple of str, optional
        Allowed values of a text column (compared in lower case, stored in lower case).
    open_ended : bool
        An end date where ERPs write "no end" as a date in the year 9999 (SAP's
        ``9999-12-31``): read as the empty cell, which the contract defines as open-ended.
    """

    name: str
    type: str
    required: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None
    open_ended: bool = False


@dataclass(frozen=True)
class TableSpec:
    """One table of the contract.

    Attributes
    ----------
    name : str
    columns : tuple of ColumnSpec
    key : tuple of str, optional
        Columns whose combination must be unique.
    date_column : str, optional
        The row's main date: rows dated after ``as_of`` are ignored by the analyses.
    intervals : tuple of (start, end)
        Date columns where ``end`` must not lie before ``start``.
    """

    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] | None = None
    date_column: str | None = None
    intervals: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def column(self, name: str) -> ColumnSpec | None:
        """The spec of column ``name`` (``rating_*`` columns of surveys included)."""
        for col in self.columns:
            if col.name == name:
                return col
        if (
            self.name == "surveys"
            and name.startswith(RATING_PREFIX)
            and len(name) > len(RATING_PREFIX)
        ):
            return ColumnSpec(name, "float", min=1, max=5)
        return None


def _c(name, type_, required=False, **kw) -> ColumnSpec:
    return ColumnSpec(name, type_, required, **kw)


_ACC = _c("account_id", "str", True)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in [
        TableSpec(
            "accounts",
            (
                _ACC,
                _c("name", "str", True),
                _c("segment", "str"),
                _c("country", "str"),
                _c("owner", "str"),
                _c("parent_id", "str"),
                _c("key_account", "bool"),
            ),
            key=("account_id",),
        ),
        TableSpec(
            "sales",
            (
                _c("date", "date", True),
                _ACC,
                _c("net_revenue", "float", True),
                _c("product", "str"),
                _c("quantity", "float"),
            ),
            date_column="date",
        ),
        TableSpec(
            "surveys",
            (
                _c("response_id", "str", True),
                _ACC,
                _c("date", "date", True),
                _c("respondent_role", "str"),
                _c("nps", "int", min=0, max=10),
                _c("csat", "float", min=1, max=5),
                _c("comment", "str"),
            ),
            key=("response_id",),
            date_column="date",
        ),
        TableSpec(
            "deliveries",
            (
                _c("order_id", "str", True),
                _ACC,
                _c("promised_date", "date", True),
                _c("delivered_date", "date"),
                _c("quantity_ordered", "float"),
                _c("quantity_delivered", "float"),
            ),
            key=("order_id",),
            date_column="promised_date",
        ),
        TableSpec(
            "invoices",
            (
                _c("invoice_id", "str", True),
                _ACC,
                _c("invoice_date", "date", True),
                _c("due_date", "date", True),
                _c("paid_date", "date"),
                _c("amount", "float", True),
            ),
            key=("invoice_id",),
            date_column="invoice_date",
        ),
        TableSpec(
            "contracts",
            (
                _c("contract_id", "str", True),
                _ACC,
                _c("start_date", "date", True),
                _c("end_date", "date", open_ended=True),
                _c("payment_terms_days", "int", min=0),
                _c("otif_target", "float", min=0, max=1),
                _c("notice_days", "int", min=0),
            ),
            key=("contract_id",),
            date_column="start_date",
            intervals=(("start_date", "end_date"),),
        ),
        TableSpec(
            "prices",
            (
                _ACC,
                _c("product", "str", True),
                _c("valid_from", "date", True),
                _c("valid_to", "date", open_ended=True),
                _c("agreed_unit_price", "float", True),
            ),
            key=("account_id", "product", "valid_from"),
            date_column="valid_from",
            intervals=(("valid_from", "valid_to"),),
        ),
        TableSpec(
            "interactions",
            (
                _c("interaction_id", "str", True),
                _ACC,
                _c("date", "date", True),
                _c("channel", "str"),
                _c("contact_role", "str"),
                _c("initiated_by", "str", allowed=("us", "customer")),
            ),
            key=("interaction_id",),
            date_column="date",
        ),
        TableSpec(
            "complaints",
            (
                _c("complaint_id", "str", True),
                _ACC,
                _c("opened_date", "date", True),
                _c("closed_date", "date"),
                _c("category", "str"),
                _c("severity", "str", allowed=("low", "medium", "high", "critical")),
            ),
            key=("complaint_id",),
            date_column="opened_date",
            intervals=(("opened_date", "closed_date"),),
        ),
        TableSpec(
            "market",
            (
                _c("date", "date", True),
                _c("segment", "str", True),
                _c("indicator", "str", True),
                _c("value", "float", True),
            ),
            key=("date", "segment", "indicator"),
            date_column="date",
        ),
        TableSpec(
            "potential",
            (
                _ACC,
                _c("year", "int", True),
                _c("wallet", "float", True, min=0),
            ),
            key=("account_id", "year"),
        ),
    ]
}
