"""The sources file (``kam-sources.yaml``): where each table of the contract comes from.

A company's exports keep their own shape; the sources file says, per contract table, which file
(CSV, Excel sheets) or SQL query holds it, how the file is written (delimiter, encoding, lines
before the header, number and date formats, trailing minus), which source column (or simple
expression) gives each contract column, which rows to drop, and which tables are derived from
another. It is validated here with pydantic; every mistake names the key in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kamlib.errors import KamError
from kamlib.schema import TABLES

__all__ = [
    "Column",
    "Connection",
    "FileFormat",
    "SourcesFile",
    "TableSource",
    "SourcesError",
    "read_sources_file",
]


class SourcesError(KamError):
    """The sources file is invalid, or a source it names cannot be read."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileFormat(_Strict):
    """How a file is written. Every key is optional; a table's ``format`` overrides the
    file's ``defaults``, which override kam's own (UTF-8, comma, ISO dates, plain numbers)."""

    delimiter: str | None = Field(None, min_length=1, max_length=1, description="e.g. ';'")
    encoding: str | None = Field(None, description="utf-8, utf-8-sig (BOM), cp1252, latin-1 ...")
    skip_lines: int | None = Field(None, ge=0, description="lines (rows) before the header")
    numbers: Literal["de", "en", "plain"] | None = Field(
        None, description="de: 1.234,56; en: 1,234.56; plain: 1234.56"
    )
    dates: list[str] | None = Field(
        None, min_length=1, description="strftime formats tried in order, e.g. ['%d.%m.%Y']"
    )
    trailing_minus: bool | None = Field(None, description="SAP's 100.20- for -100.20")

    def over(self, base: FileFormat) -> FileFormat:
        """This format with every unset key taken from ``base``."""
        own = self.model_dump(exclude_none=True)
        return FileFormat(**{**base.model_dump(exclude_none=True), **own})


#: kam's own file format: what ``--data`` reads
PLAIN = FileFormat(
    delimiter=",",
    encoding="utf-8",
    skip_lines=0,
    numbers="plain",
    dates=["%Y-%m-%d"],
    trailing_minus=False,
)


class Column(_Strict):
    """A contract column computed from the source: ``expr`` (a DuckDB SQL expression over the
    source's columns, e.g. ``"Menge * Einzelpreis"`` or ``"-Betrag"``) or a constant
    ``value``."""

    expr: str | None = None
    value: str | float | int | bool | None = None

    @model_validator(mode="after")
    def _one(self) -> Column:
        if (self.expr is None) == (self.value is None):
            raise ValueError("give exactly one of expr (an expression) or value (a constant)")
        return self


ColumnSource = Annotated[str, Field(min_length=1)] | Column


class TableSource(_Strict):
    """Where one contract table comes from: exactly one of ``file`` / ``files`` (CSV or
    Excel, globs allowed, appended in order), ``query`` / ``table`` on a ``connection``, or
    ``from`` another table's source (its distinct rows, e.g. the customers of the sales
    lines)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    file: str | None = None
    files: list[str] | None = Field(None, min_length=1)
    sheet: str | None = None
    sheets: list[str] | None = Field(None, min_length=1)
    connection: str | None = None
    query: str | None = None
    table: str | None = None
    derived_from: str | None = Field(None, alias="from")
    format: FileFormat = FileFormat()
    where: str | None = Field(None, description="keep the rows where this condition holds")
    columns: dict[str, ColumnSource] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_origin(self) -> TableSource:
        origins = [
            k
            for k, v in (
                ("file", self.file or self.files),
                ("connection", self.connection),
                ("from", self.derived_from),
            )
            if v
        ]
        if len(origins) != 1:
            raise ValueError(
                "give exactly one origin: file (or files), connection (with query or table), "
                f"or from (another table); got {', '.join(origins) or 'none'}"
            )
        if self.file and self.files:
            raise ValueError("give file or files, not both")
        if self.sheet and self.sheets:
            raise ValueError("give sheet or sheets, not both")
        if self.connection and (self.query is None) == (self.table is None):
            raise ValueError("a connection needs exactly one of query or table")
        if not self.connection and (self.query or self.table):
            raise ValueError("query and table need a connection")
        return self

    def paths(self) -> list[str]:
        """The file names or globs, in order."""
        return list(self.files or ([self.file] if self.file else []))


class Connection(_Strict):
    """A database: a SQLAlchemy URL without password, and the environment variable that
    holds the password (never the file)."""

    url: str = Field(min_length=1, description="e.g. postgresql+psycopg://kam@db.example.com/erp")
    password_env: str | None = Field(None, description="e.g. KAM_ERP_PASSWORD")


class SourcesFile(_Strict):
    """The whole sources file."""

    defaults: FileFormat = FileFormat()
    connections: dict[str, Connection] = {}
    tables: dict[str, TableSource] = Field(min_length=1)

    @model_validator(mode="after")
    def _known(self) -> SourcesFile:
        unknown = sorted(set(self.tables) - set(TABLES))
        if unknown:
            raise ValueError(f"unknown tables {unknown}; the contract's tables are {list(TABLES)}")
        for name, source in self.tables.items():
            spec = TABLES[name]
            bad = [c for c in source.columns if spec.column(c) is None]
            if bad:
                raise ValueError(
                    f"tables.{name}.columns: {bad} are not columns of {name}; its columns are "
                    f"{[c.name for c in spec.columns]}"
                )
            if source.connection and source.connection not in self.connections:
                raise ValueError(
                    f"tables.{name}.connection: no connection {source.connection!r}; "
                    f"the file defines {sorted(self.connections) or 'none'}"
                )
            if source.derived_from:
                base = self.tables.get(source.derived_from)
                if base is None:
                    raise ValueError(
                        f"tables.{name}.from: {source.derived_from!r} is not a table of this file"
                    )
                if base.derived_from:
                    raise ValueError(
                        f"tables.{name}.from: {source.derived_from!r} is itself derived; "
                        "derive from a table read from a file or a database"
                    )
        return self


def read_sources_file(path: str | Path) -> SourcesFile:
    """Read and validate a sources file.

    Raises
    ------
    SourcesError
        Naming the file and, for each mistake, its key.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise SourcesError(f"{path}: expected a mapping with 'tables', got {type(raw).__name__}")
    try:
        return SourcesFile.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"  - {where}: {message}")
        raise SourcesError(f"{path} has {len(lines)} problem(s):\n" + "\n".join(lines)) from None
