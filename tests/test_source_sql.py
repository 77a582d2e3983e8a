"""Reading from SQL databases (kamlib.sources.sql) against a real PostgreSQL server: the
database's own types, a read-only transaction, the password from the environment and never in
a message, and what to install when a driver is missing."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
import traceback

import numpy as np
import pandas as pd
import psycopg
import pytest

from kamlib.errors import KamError
from kamlib.sources.sql import engine_url, read_sql, shown
from tests.pg_server import PgServer, free_port

PASSWORD_ENV = "KAM_TEST_ERP_PASSWORD"
#: trust authentication accepts any password: this one only travels the password path
PASSWORD = "Geheim-8472-kam"

ERP_SQL = """
CREATE SCHEMA erp;
CREATE TABLE erp."Umsätze" (
    "Kundennummer" text NOT NULL,
    "Belegdatum" date,
    "Umsatz" numeric(12, 2),
    "Menge" integer NOT NULL,
    "Bemerkung" text
);
INSERT INTO erp."Umsätze" VALUES
    ('007', '2026-01-15', 1234.50, 3, 'Rabatt 10%'),
    ('0815', '2026-02-28', -99.95, 1, NULL),
    ('007', NULL, NULL, 2, 'Gutschrift: folgt');
CREATE TABLE kunden (nummer text PRIMARY KEY, name text);
INSERT INTO kunden VALUES ('007', 'Müller GmbH');
"""


def _connect(server: PgServer) -> psycopg.Connection:
    return psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname=server.database
    )


@pytest.fixture(scope="module")
def erp(postgres: PgServer) -> PgServer:
    """The server with an ERP-like schema: German column names, leading zeros, negative and
    missing amounts."""
    with _connect(postgres) as conn:
        conn.execute(ERP_SQL)
    yield postgres
    with _connect(postgres) as conn:
        conn.execute("DROP SCHEMA erp CASCADE; DROP TABLE kunden")


@pytest.fixture
def password(monkeypatch) -> str:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return PASSWORD


def _message(error: pytest.ExceptionInfo) -> str:
    """The error's message and everything chained to it, as a traceback prints it."""
    return "".join(traceback.format_exception(error.value))


def test_a_table_is_read_with_the_databases_own_types(erp, password):
    df = read_sql(erp.url, PASSWORD_ENV, table="erp.Umsätze")
    expected = pd.DataFrame(
        {
            "Kundennummer": ["007", "0815", "007"],
            "Belegdatum": pd.to_datetime(["2026-01-15", "2026-02-28", None]),
            "Umsatz": [1234.50, -99.95, np.nan],
            "Menge": [3, 1, 2],
            "Bemerkung": ["Rabatt 10%", None, "Gutschrift: folgt"],
        }
    )
    pd.testing.assert_frame_equal(df, expected)
    assert df.loc[0, "Kundennummer"] == "007"  # text keeps its leading zeros
    assert df["Bemerkung"].iloc[1] is None
    assert isinstance(df.loc[0, "Belegdatum"], pd.Timestamp)


def test_a_query_is_read_as_written(erp, password):
    """Colons and percent signs in the SQL reach the database as they are (no parameters)."""
    df = read_sql(
        erp.url,
        PASSWORD_ENV,
        query="""
            SELECT u."Kundennummer", k.name, sum(u."Umsatz") AS umsatz, count(*) AS belege,
                   max(u."Belegdatum") AS letzter_beleg, 'a :b 100%' AS text,
                   TIMESTAMP '2026-03-01 08:30:00' AS erfasst, DATE '9999-12-31' AS bis
            FROM erp."Umsätze" u LEFT JOIN kunden k ON k.nummer = u."Kundennummer"
            GROUP BY 1, 2 ORDER BY 1
        """,
    )
    expected = pd.DataFrame(
        {
            "Kundennummer": ["007", "0815"],
            "name": ["Müller GmbH", None],
            "umsatz": [1234.50, -99.95],
            "belege": [2, 1],
            "letzter_beleg": pd.to_datetime(["2026-01-15", "2026-02-28"]),
            "text": ["a :b 100%", "a :b 100%"],
            "erfasst": pd.to_datetime(["2026-03-01 08:30:00", "2026-03-01 08:30:00"]),
            # ERP systems' "no end": beyond nanosecond timestamps, so in microseconds
            "bis": pd.Series([dt.datetime(9999, 12, 31)] * 2, dtype="datetime64[us]"),
        }
    )
    pd.testing.assert_frame_equal(df, expected)


def test_an_empty_result_keeps_its_columns(erp, password):
    df = read_sql(
        erp.url, PASSWORD_ENV, query='SELECT "Kundennummer" FROM erp."Umsätze" WHERE false'
    )
    assert list(df.columns) == ["Kundennummer"] and len(df) == 0


@pytest.mark.parametrize(
    "query",
    [
        """INSERT INTO kunden VALUES ('999', 'Neu') RETURNING 1""",
        "CREATE TABLE neu (a int)",
        # a COMMIT ends the read-only transaction, but the next one is read-only too
        "COMMIT; CREATE TABLE neu (a int)",
        """UPDATE erp."Umsätze" SET "Umsatz" = 0 RETURNING 1""",
    ],
)
def test_a_query_that_writes_is_refused(erp, password, query):
    with pytest.raises(KamError, match="read-only transaction") as error:
        read_sql(erp.url, PASSWORD_ENV, query=query, where="connection 'erp'")
    assert str(error.value).startswith(f"connection 'erp' ({erp.url.replace('@', ':***@')})")
    with _connect(erp) as conn:
        assert conn.execute("SELECT count(*) FROM kunden").fetchone() == (1,)
        assert conn.execute("SELECT to_regclass('neu')").fetchone() == (None,)
        assert conn.execute('SELECT sum("Umsatz") FROM erp."Umsätze"').fetchone()[0] != 0


def test_a_table_name_is_never_read_as_sql(erp, password):
    with pytest.raises(KamError, match="does not exist"):
        read_sql(erp.url, PASSWORD_ENV, table="kunden; DROP TABLE kunden")
    with _connect(erp) as conn:
        assert conn.execute("SELECT to_regclass('kunden')").fetchone() != (None,)


def test_the_password_comes_from_the_environment(password):
    url = engine_url("postgresql+psycopg://kam@erp.example.com:5432/erp", PASSWORD_ENV)
    assert url.password == PASSWORD
    assert shown(url) == "postgresql+psycopg://kam:***@erp.example.com:5432/erp"
    # no driver named: kam's PostgreSQL driver, not SQLAlchemy's default psycopg2
    assert engine_url("postgresql://kam@db/erp", None).drivername == "postgresql+psycopg"
    assert engine_url("postgresql://kam@db/erp", None).password is None


def test_the_password_never_appears_in_an_error(erp, password):
    with pytest.raises(KamError, match="no_such_table") as error:
        read_sql(erp.url, PASSWORD_ENV, query="SELECT * FROM no_such_table")
    assert ":***@" in str(error.value)
    assert PASSWORD not in _message(error)

    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://kam@127.0.0.1:{port}/kam"
    with pytest.raises(KamError) as error:
        read_sql(url, PASSWORD_ENV, table="kunden", where="connection 'crm'")
    message = str(error.value)
    assert message.startswith(
        f"connection 'crm' (postgresql+psycopg://kam:***@127.0.0.1:{port}/kam): "
    )
    assert "refused" in message or "failed" in message
    assert "\n" not in message
    assert PASSWORD not in _message(error)


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://kam:{PASSWORD}@db/erp",
        f"postgresql+psycopg://kam@db/erp?password={PASSWORD}",
        f"mssql+pyodbc://kam@db/erp?odbc_connect=DRIVER%3D18%3BPWD%3D{PASSWORD}",
    ],
)
def test_a_url_with_a_password_is_refused(url):
    with pytest.raises(KamError, match="environment variable named by password_env") as error:
        read_sql(url, None, table="kunden")
    assert PASSWORD not in _message(error)


def test_an_unreadable_url_is_not_repeated():
    with pytest.raises(KamError, match="cannot be read") as error:
        read_sql(f"postgresql://kam:{PASSWORD}@db:port/erp", None, table="kunden")
    assert PASSWORD not in _message(error)
    assert shown(f"kam:{PASSWORD}") == "(a URL that cannot be read)"


def test_a_missing_password_variable_is_named(monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(KamError) as error:
        read_sql("postgresql+psycopg://kam@db/erp", PASSWORD_ENV, table="kunden")
    assert str(error.value) == (
        "connection 'erp': the password of postgresql+psycopg://kam@db/erp is read from the "
        f"environment variable {PASSWORD_ENV}, which is not set"
    )
    monkeypatch.setenv(PASSWORD_ENV, "")
    with pytest.raises(KamError, match=f"{PASSWORD_ENV} .* is empty"):
        read_sql("postgresql+psycopg://kam@db/erp", PASSWORD_ENV, table="kunden")


@pytest.mark.parametrize(
    ("url", "module", "advice"),
    [
        (
            "mssql+pyodbc://kam@db/erp",
            "pyodbc",
            "reading from mssql needs its driver: pip install 'kamlib[mssql]'",
        ),
        (
            "hana://kam@db:30015",
            "sqlalchemy_hana",
            "reading from hana needs its driver: pip install 'kamlib[hana]'",
        ),
        ("mysql+pymysql://kam@db/erp", "pymysql", "the Python module 'pymysql'"),
        ("nosuchdb://kam@db/erp", None, "SQLAlchemy knows no database 'nosuchdb'"),
    ],
)
def test_a_missing_driver_says_what_to_install(url, module, advice, password):
    if module and importlib.util.find_spec(module) is not None:
        pytest.skip(f"{module} is installed here")
    with pytest.raises(KamError) as error:
        read_sql(url, PASSWORD_ENV, table="kunden")
    assert str(error.value).startswith("connection 'erp': ")
    assert advice in str(error.value)
    assert PASSWORD not in _message(error)


def test_exactly_one_of_query_and_table():
    with pytest.raises(KamError, match="not both"):
        read_sql("postgresql+psycopg://kam@db/erp", None, query="SELECT 1", table="kunden")
    with pytest.raises(KamError, match="not neither"):
        read_sql("postgresql+psycopg://kam@db/erp", None)


def test_a_statement_without_rows_is_refused(erp, password):
    with pytest.raises(KamError, match="no rows table"):
        read_sql(erp.url, PASSWORD_ENV, query="SET work_mem = '8MB'")


def test_a_missing_postgresql_driver_names_kams_extra(monkeypatch, password):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now fails
    with pytest.raises(KamError) as error:
        read_sql("postgresql://kam@db/erp", PASSWORD_ENV, table="kunden")
    assert str(error.value) == (
        "connection 'erp': reading from postgresql needs its driver: pip install 'kamlib[postgres]'"
    )
