"""A PostgreSQL data source is monitored in place and gives the numbers the store gives for the same rows."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import psycopg
import pytest

from openaims.monitoring.runner import run_monitor
from tests.monitoring.helpers import START, ingest, make_monitor, make_store, prediction_rows

POSTGRES_URL = os.environ.get("AIMS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


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


def test_postgres_source_equals_the_store(owner_actor, logs_table, monkeypatch):
    table, rows = logs_table
    monkeypatch.setenv("AIMS_TEST_LOGS_DSN", POSTGRES_URL)
    store_monitor = make_monitor(owner_actor)
    ingest(owner_actor, store_monitor.data_source, rows)
    pg_source = make_store(owner_actor, kind="postgres", location=table, dsn_env="AIMS_TEST_LOGS_DSN")
    pg_monitor = make_monitor(owner_actor, source=pg_source)
    for week in range(2):
        start = START + dt.timedelta(weeks=week)
        from_store = run_monitor(actor=owner_actor, monitor=store_monitor, window_start=start)
        in_place = run_monitor(actor=owner_actor, monitor=pg_monitor, window_start=start)
        assert in_place.engine == "postgres" and in_place.error == ""
        assert in_place.rows == from_store.rows == 400
        assert in_place.results == from_store.results and in_place.checks == from_store.checks


def test_missing_connection_variable_is_an_error_run(owner_actor, monkeypatch):
    monkeypatch.delenv("AIMS_NO_SUCH_DSN", raising=False)
    source = make_store(owner_actor, kind="postgres", location="logs", dsn_env="AIMS_NO_SUCH_DSN")
    run = run_monitor(actor=owner_actor, monitor=make_monitor(owner_actor, source=source), window_start=START)
    assert run.status == "error" and "AIMS_NO_SUCH_DSN" in run.error
