"""Read a table or the result of a query from a SQL database into a DataFrame.

Any database SQLAlchemy 2 reaches works; kam's extras install the drivers of the common ERP
databases: ``kamlib[postgres]`` (psycopg 3), ``kamlib[mssql]`` (pyodbc) and ``kamlib[hana]``
(sqlalchemy-hana with hdbcli).

The password never lives in the sources file: the URL names none, and the password is read from
the environment variable the sources file names. Every URL kam shows, in messages and errors,
has its password replaced by ``***``.

kam only reads. On PostgreSQL the session is made read-only, so a statement that writes fails;
on other databases the transaction is rolled back at the end and never committed. A query that
commits by itself (``COMMIT; ...``) and re-opens a read-write transaction can still write: the
sure guard is a database user that may only read, which is what kam's connection should use.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from kamlib.errors import KamError

__all__ = ["engine_url", "read_sql", "shown"]

#: the extra of kamlib that installs a database's driver: (dialect, driver module) -> extra
DRIVER_EXTRAS = {
    ("postgresql", "psycopg"): "postgres",
    ("mssql", "pyodbc"): "mssql",
    ("hana", "hdbcli"): "hana",
}
#: databases whose SQLAlchemy dialect itself comes from one of kam's extras
DIALECT_EXTRAS = {"hana": "hana"}
#: query keys of a URL that hold a password, and a password inside a connection string
_PASSWORD_KEYS = {"password", "pwd"}
_PASSWORD_IN_TEXT = re.compile(r"\b(pwd|password)\s*=\s*[^;]*", re.IGNORECASE)


def shown(url: URL | str) -> str:
    """The URL as kam shows it in every message: its password, if any, as ``***``.

    Parameters
    ----------
    url : sqlalchemy.engine.URL or str
        The URL; a string that is no URL is not repeated (it may hold a password).

    Returns
    -------
    str
    """
    if isinstance(url, str):
        try:
            url = sqlalchemy.make_url(url)
        except (ArgumentError, ValueError):
            return "(a URL that cannot be read)"
    # a password may also hide in the query: ?password=..., or PWD=... of an ODBC string
    hidden = {
        key: tuple(_hide_in_query(key, v) for v in value)
        if isinstance(value, tuple)
        else _hide_in_query(key, value)
        for key, value in url.query.items()
    }
    return url.set(query=hidden).render_as_string(hide_password=True)


def _hide_in_query(key: str, value: str) -> str:
    if key.lower() in _PASSWORD_KEYS:
        return "***"
    return _PASSWORD_IN_TEXT.sub(lambda m: f"{m.group(1)}=***", value)


def _password_in_query(url: URL) -> str | None:
    """The query key of ``url`` that holds a password, or None."""
    for key, value in url.query.items():
        values = value if isinstance(value, tuple) else (value,)
        if key.lower() in _PASSWORD_KEYS or any(_PASSWORD_IN_TEXT.search(v) for v in values):
            return key
    return None


def engine_url(url: str, password_env: str | None) -> URL:
    """The URL to connect with, its password taken from the environment.

    A URL without a driver (``postgresql://``) gets the driver of kam's extra
    (``postgresql+psycopg://``): SQLAlchemy's own default for PostgreSQL is psycopg2, which
    ``kamlib[postgres]`` does not install.

    Parameters
    ----------
    url : str
        A SQLAlchemy URL without a password, e.g.
        ``postgresql+psycopg://kam_reader@erp.example.com:5432/erp``.
    password_env : str or None
        The environment variable holding the password; None to connect without one (trusted
        or integrated authentication, a ``.pgpass`` file).

    Returns
    -------
    sqlalchemy.engine.URL

    Raises
    ------
    KamError
        The URL cannot be read, contains a password, or the variable is not set.
    """
    try:
        parsed = sqlalchemy.make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is no number
        # SQLAlchemy's message repeats the string, and with it any password it holds
        raise KamError(
            "the database URL cannot be read; it looks like "
            "dialect+driver://user@host:port/database"
        ) from None
    if parsed.password is not None:
        raise KamError(
            f"the database URL {shown(parsed)} contains a password: put the password in the "
            "environment variable named by password_env, not in the URL"
        )
    key = _password_in_query(parsed)
    if key is not None:
        raise KamError(
            f"the database URL contains a password (in its query, {key!r}): put the password "
            "in the environment variable named by password_env, not in the URL"
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if password_env is None:
        return parsed
    password = os.environ.get(password_env)
    if password is None:
        raise KamError(
            f"the password of {shown(parsed)} is read from the environment variable "
            f"{password_env}, which is not set"
        )
    if password == "":
        raise KamError(f"the environment variable {password_env} (the password) is empty")
    return parsed.set(password=password)


def read_sql(
    url: str,
    password_env: str | None,
    query: str | None = None,
    table: str | None = None,
    where: str = "connection 'erp'",
) -> pd.DataFrame:
    """The rows of a query or a whole table, read in a read-only transaction.

    Values keep the database's types: numbers are numbers, exact ``numeric`` / ``decimal``
    values become floats (kam computes in floats), dates and timestamps become pandas
    timestamps (``datetime64``), text stays text (``'007'`` keeps its zeros), NULL is None in
    text columns and NaN / NaT in number and date columns (integers with a NULL become floats).
    Other types stay as the driver gives them.

    Parameters
    ----------
    url : str
        SQLAlchemy URL without a password.
    password_env : str or None
        The environment variable holding the password (see :func:`engine_url`).
    query : str, optional
        A SELECT statement, sent to the database as written (no parameters are filled in).
    table : str, optional
        A table or view name, ``name`` or ``schema.name``; quoted as the database needs, so a
        name is never read as SQL.
    where : str
        What kam's messages call the connection, e.g. ``"connection 'erp'"``.

    Returns
    -------
    pandas.DataFrame
        One column per result column, in the database's order and names.

    Raises
    ------
    KamError
        Neither or both of query and table, a missing password or driver, or any error of the
        database; the message shows the URL with its password hidden and never the password.
    """
    if (query is None) == (table is None):
        raise KamError(
            f"{where}: give either a query or a table, not {'both' if query else 'neither'}"
        )
    try:
        full = engine_url(url, password_env)
    except KamError as e:
        raise KamError(f"{where}: {e}") from None
    password = full.password if isinstance(full.password, str) else None
    try:
        engine = sqlalchemy.create_engine(full, pool_pre_ping=False)
    except (ImportError, NoSuchModuleError) as e:
        raise KamError(f"{where}: {_missing_driver(full, e)}") from e
    except SQLAlchemyError as e:
        raise KamError(_scrub(f"{where} ({shown(full)}): {_first_line(e)}", password)) from e
    try:
        sql = query if query is not None else f"SELECT * FROM {_quoted(engine, table or '')}"
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                # the current transaction, and those after a COMMIT inside the query
                conn.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            try:
                # as written: with no parameters, a % or :name in the SQL is just text
                result = conn.exec_driver_sql(sql, execution_options={"no_parameters": True})
                if not result.returns_rows:
                    raise KamError(
                        f"{where} ({shown(full)}): the query returned no rows table; "
                        "kam reads the result of a SELECT"
                    )
                columns = list(result.keys())
                rows = [tuple(r) for r in result.fetchall()]
            finally:
                conn.rollback()  # kam never writes, whatever the query did
    except DBAPIError as e:
        # the driver's own message: SQLAlchemy's adds the statement and a link
        text = _first_line(e.orig) if e.orig is not None else _first_line(e)
        raise KamError(_scrub(f"{where} ({shown(full)}): {text}", password)) from e
    except (ImportError, NoSuchModuleError) as e:
        raise KamError(f"{where}: {_missing_driver(full, e)}") from e
    except SQLAlchemyError as e:
        raise KamError(_scrub(f"{where} ({shown(full)}): {_first_line(e)}", password)) from e
    finally:
        engine.dispose()
    return _frame(columns, rows)


def _quoted(engine: sqlalchemy.Engine, table: str) -> str:
    """``schema.table`` with each part quoted where the database needs it."""
    parts = table.split(".")
    if not all(p.strip() for p in parts):
        raise KamError(f"the table name {table!r} has an empty part; write table or schema.table")
    preparer = engine.dialect.identifier_preparer
    return ".".join(preparer.quote(p) for p in parts)


def _missing_driver(url: URL, error: Exception) -> str:
    """What to install when the driver or dialect of ``url`` cannot be imported."""
    dialect = url.get_backend_name()
    if isinstance(error, ImportError) and error.name:
        module = error.name.split(".")[0]
        extra = DRIVER_EXTRAS.get((dialect, module))
        if extra:
            return f"reading from {dialect} needs its driver: pip install 'kamlib[{extra}]'"
        return (
            f"reading from {dialect} needs its driver, the Python module {module!r}: "
            "install the package that provides it"
        )
    if dialect in DIALECT_EXTRAS:
        return (
            f"reading from {dialect} needs its driver: "
            f"pip install 'kamlib[{DIALECT_EXTRAS[dialect]}]'"
        )
    return (
        f"SQLAlchemy knows no database {url.drivername!r}; "
        "install the package that provides its dialect, or check the URL's first part"
    )


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _scrub(message: str, password: str | None) -> str:
    """``message`` with the password, should a driver ever repeat it, replaced by ``***``."""
    return message.replace(password, "***") if password else message


def _frame(columns: Sequence[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The rows as a DataFrame: decimals as floats, dates and timestamps as ``datetime64``."""
    df = pd.DataFrame.from_records(rows, columns=list(columns), coerce_float=True)
    for i in range(df.shape[1]):
        column = df.iloc[:, i]
        if column.dtype != object:
            continue
        values = column.dropna()
        # datetime.datetime is a date too; datetime.time is neither
        if len(values) and all(isinstance(v, dt.date) for v in values):
            df.isetitem(i, _datetimes(column))
    return df


def _datetimes(column: pd.Series) -> pd.Series:
    """Dates or timestamps as ``datetime64[ns]``; beyond its years 1677..2262 (ERP systems
    write 9999-12-31 for "no end") in microseconds instead of failing."""
    try:
        return pd.to_datetime(column)
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        pass
    try:
        return column.astype("datetime64[us]")
    except (TypeError, ValueError, pd.errors.OutOfBoundsDatetime):
        return column  # e.g. timestamps with different time zones: left as the driver gave them
