"""A PostgreSQL data source is monitored in place, through a declared connection with a least-privilege role,
and gives the numbers the store gives for the same rows."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import psycopg
import pytest

from openaims.monitoring.runner import run_monitor
from tests.monitoring.helpers import START, ingest, make_monitor, make_store, prediction_rows

POSTGRES_URL = os.environ.get("AIMS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def reader_url(role: str) -> str:
    """The logs database reached as ``role`` (the machine's server trusts local connections)."""
    info = psycopg.conninfo.conninfo_to_dict(POSTGRES_URL)
    info["user"] = role
    info.pop("password", None)
    return psycopg.conninfo.make_conninfo(**info)


@pytest.fixture
def logs_table():
    """A uniquely named table on the machine's PostgreSQL server (which make test requires: no skip)."""
    connection = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    name = f"aims_logs_{uuid.uuid4().hex[:12]}"
    rows = prediction_rows(weeks=2, unfair_from_week=1)
    with connection:
        connection.execute(f"CREATE TABLE {name} (ts timestamptz, label integer, approved integer, sex text)")
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {name} VALUES (%s, %s, %s, %s)",
                [(dt.datetime.fromisoformat(r["ts"]), r["label"], r["approved"], r["sex"]) for r in rows],
            )
        yield name, rows
        connection.execute(f"DROP TABLE {name}")


@pytest.fixture
def reader_role(logs_table):
    """The role README tells operators to give a connection: login, no superuser, SELECT on the log table only,
    read-only by default, with a statement timeout."""
    table, _ = logs_table
    role = f"aims_reader_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT")
        connection.execute(f"ALTER ROLE {role} SET default_transaction_read_only = on")
        connection.execute(f"ALTER ROLE {role} SET statement_timeout = '60s'")
        connection.execute(f"GRANT SELECT ON {table} TO {role}")
        yield role
        connection.execute(f"REVOKE ALL ON {table} FROM {role}")
        connection.execute(f"DROP OWNED BY {role}")
        connection.execute(f"DROP ROLE {role}")


@pytest.fixture
def logs_connection(settings, monkeypatch, reader_role):
    """A connection the administrator declared for the test organization, its DSN in an environment variable."""
    monkeypatch.setenv("AIMS_TEST_LOGS_DSN", reader_url(reader_role))
    settings.AIMS_CONNECTIONS = [
        {"name": "decisions", "kind": "postgres", "dsn_env": "AIMS_TEST_LOGS_DSN", "organizations": ["acme"]}
    ]
    return "decisions"


def test_postgres_source_equals_the_store(owner_actor, logs_table, logs_connection):
    table, rows = logs_table
    store_monitor = make_monitor(owner_actor)
    ingest(owner_actor, store_monitor.data_source, rows)
    pg_source = make_store(owner_actor, kind="postgres", location=table, connection=logs_connection)
    pg_monitor = make_monitor(owner_actor, source=pg_source)
    for week in range(2):
        start = START + dt.timedelta(weeks=week)
        from_store = run_monitor(actor=owner_actor, monitor=store_monitor, window_start=start)
        in_place = run_monitor(actor=owner_actor, monitor=pg_monitor, window_start=start)
        assert in_place.engine == "postgres" and in_place.error == ""
        assert in_place.rows == from_store.rows == 400
        assert in_place.results == from_store.results and in_place.checks == from_store.checks


def test_a_query_source_equals_the_table_source(owner_actor, logs_table, logs_connection):
    table, _ = logs_table
    by_table = make_store(owner_actor, kind="postgres", location=table, connection=logs_connection)
    by_query = make_store(
        owner_actor, kind="postgres", query=f"SELECT * FROM {table} WHERE sex IS NOT NULL", connection=logs_connection
    )
    expected = run_monitor(actor=owner_actor, monitor=make_monitor(owner_actor, source=by_table), window_start=START)
    got = run_monitor(actor=owner_actor, monitor=make_monitor(owner_actor, source=by_query), window_start=START)
    assert got.error == "" and got.results == expected.results


def test_unset_connection_string_is_an_error_run_that_names_no_variable(owner_actor, settings, monkeypatch):
    monkeypatch.delenv("AIMS_NO_SUCH_DSN", raising=False)
    settings.AIMS_CONNECTIONS = [
        {"name": "unset", "kind": "postgres", "dsn_env": "AIMS_NO_SUCH_DSN", "organizations": ["acme"]}
    ]
    source = make_store(owner_actor, kind="postgres", location="logs", connection="unset")
    run = run_monitor(actor=owner_actor, monitor=make_monitor(owner_actor, source=source), window_start=START)
    assert run.status == "error" and "not set up on this server" in run.error
    assert "AIMS_NO_SUCH_DSN" not in run.error


def test_unreachable_database_is_an_error_run_without_host_or_dsn(owner_actor, settings, monkeypatch):
    dsn = "postgresql://aims_nobody:s3cret-pw@127.0.0.1:1/nowhere?connect_timeout=2"
    monkeypatch.setenv("AIMS_TEST_DOWN_DSN", dsn)
    settings.AIMS_CONNECTIONS = [
        {"name": "down", "kind": "postgres", "dsn_env": "AIMS_TEST_DOWN_DSN", "organizations": ["acme"]}
    ]
    source = make_store(owner_actor, kind="postgres", location="logs", connection="down")
    run = run_monitor(actor=owner_actor, monitor=make_monitor(owner_actor, source=source), window_start=START)
    assert run.status == "error" and "cannot connect" in run.error
    for secret in ("s3cret-pw", "aims_nobody", "127.0.0.1", "nowhere", "AIMS_TEST_DOWN_DSN"):
        assert secret not in run.error
