"""A Spark data source is monitored in place (local mode) and gives the numbers the DuckDB store gives.

One local Spark session serves the module (it takes ~10 s to start). The runner opens a fresh
``SparkEngine()`` per run, which takes the active session; so a source's location can be a path-based
table of the organization's data area (``parquet.`logs/```), which needs no catalog at all, or a table of the
session's catalog (here an external table created over the same Parquet folder). Both go through a Spark
connection the administrator declared for the organization.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from openaims.monitoring.runner import run_monitor
from tests.metrics.conftest import assert_same
from tests.monitoring.helpers import START, ingest, make_monitor, make_store, prediction_rows

pytestmark = pytest.mark.slow

WEEK2 = START + dt.timedelta(weeks=1)
CATALOG_TABLE = "aims_spark_logs"


@pytest.fixture(scope="module")
def spark(tmp_path_factory) -> Iterator[object]:
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (
        SparkSession.builder.master("local[1]")
        .appName("openaims-monitoring-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.warehouse.dir", str(warehouse))
        # Not UTC: the runner reads the windows in UTC whatever the session's zone, and gives the zone back.
        .config("spark.sql.session.timeZone", "America/New_York")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def logs(spark, tmp_path_factory) -> tuple[list[dict], str]:
    """Two weeks of predictions (unfair and drifted in the second) as a Parquet folder Spark also knows as a table."""
    rows = prediction_rows(weeks=2, per_week=400, unfair_from_week=1)
    for i, row in enumerate(rows):
        row["income"] = float(i % 100) + (60.0 if i >= 400 else 0.0)
    from django.conf import settings

    # Inside the organization's import folder: a path-based table may only read the organization's data area.
    folder = Path(settings.AIMS_DATA_DIR) / "imports" / "acme" / f"spark-logs-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    frame = pd.DataFrame(rows).assign(ts=lambda f: pd.to_datetime(f["ts"], utc=True))
    frame.to_parquet(folder / "part-0.parquet", index=False)
    spark.sql(f"CREATE TABLE {CATALOG_TABLE} USING parquet LOCATION '{folder}'")
    yield rows, str(folder)
    spark.sql(f"DROP TABLE IF EXISTS {CATALOG_TABLE}")


@pytest.fixture(autouse=True)
def spark_connection(settings):
    settings.AIMS_CONNECTIONS = [{"name": "spark-local", "kind": "spark", "organizations": ["acme"]}]


def _pair(actor, location: str, rows: list[dict], **monitor_fields):
    """The same monitor on a store (DuckDB) holding ``rows`` and on the Spark source at ``location``."""
    fields = {"protected_attributes": ["sex"], "feature_columns": ["income"]}
    store = make_store(actor, **fields)
    ingest(actor, store, rows)
    spark_source = make_store(
        actor, system=store.ai_system, kind="spark", location=location, connection="spark-local", **fields
    )
    return (
        make_monitor(actor, source=store, **monitor_fields),
        make_monitor(actor, source=spark_source, **monitor_fields),
    )


def test_spark_fairness_monitor_equals_duckdb(owner_actor, logs, spark):
    rows, folder = logs
    on_store, on_spark = _pair(owner_actor, f"parquet.`{Path(folder).name}`", rows)
    for start in (START, WEEK2):
        expected = run_monitor(actor=owner_actor, monitor=on_store, window_start=start)
        got = run_monitor(actor=owner_actor, monitor=on_spark, window_start=start)
        assert got.engine == "spark" and got.error == "", got.error
        assert got.rows == expected.rows == 400
        assert got.results == expected.results
        assert got.aggregates == expected.aggregates
        assert got.checks == expected.checks and got.status == expected.status
    assert got.status == "failed"  # the second week is unfair: the loop runs from Spark numbers too
    assert spark.conf.get("spark.sql.session.timeZone") == "America/New_York"  # the session's zone given back
    assert got.alerts.filter(metric="demographic_parity_ratio").exists()


def test_spark_drift_monitor_on_a_catalog_table_equals_duckdb(owner_actor, logs):
    rows, _ = logs
    on_store, on_spark = _pair(
        owner_actor,
        CATALOG_TABLE,
        rows,
        kind="drift",
        thresholds=[{"metric": "psi", "operator": "<", "value": 0.2}],
    )
    expected = run_monitor(actor=owner_actor, monitor=on_store, window_start=WEEK2)
    got = run_monitor(actor=owner_actor, monitor=on_spark, window_start=WEEK2)
    assert got.engine == "spark" and got.error == "", got.error
    assert got.rows == expected.rows == 400
    assert_same(got.results, expected.results)
    assert got.aggregates == expected.aggregates
    assert got.status == expected.status == "failed"
    assert got.results["columns"]["income"]["psi"] > 0.2


def test_unknown_spark_table_is_an_error_run(owner_actor, spark):
    source = make_store(owner_actor, kind="spark", location="no_such_table_here", connection="spark-local")
    run = run_monitor(actor=owner_actor, monitor=make_monitor(owner_actor, source=source), window_start=START)
    assert run.status == "error" and run.engine == "spark"
    assert "no_such_table_here" in run.error


def test_a_path_table_outside_the_data_area_is_refused(owner_actor, logs, spark):
    from django.core.exceptions import ValidationError

    for location in ("parquet.`/etc`", "parquet.`../globex`", "text.`/etc/passwd`", "csv.`{..,x}`"):
        with pytest.raises(ValidationError) as refused:
            make_store(owner_actor, kind="spark", location=location, connection="spark-local")
        assert "location" in refused.value.message_dict
        assert "/etc" not in str(refused.value)
