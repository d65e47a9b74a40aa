"""Spark (PySpark, local mode) gives the DuckDB numbers on the same data.

Marked ``slow``: a local Spark session takes ~15 s to start and each query ~1 s, so this module alone
takes about half a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from openaims.metrics import SparkEngine, drift, fairness, regression_metrics, roc_auc

from .conftest import assert_same

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[SparkEngine]:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("openaims-metrics-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    engine = SparkEngine(spark)
    yield engine
    engine.close()
    spark.stop()


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 400
    frame = pd.DataFrame(
        {
            "y_true": rng.integers(0, 2, n),
            "y_pred": rng.integers(0, 2, n),
            "score": np.round(rng.random(n), 2),
            "group": rng.choice(["a", "b", "c", "d"], n, p=[0.5, 0.3, 0.19, 0.01]),
            "sex": rng.choice(["F", "M"], n),
        }
    )
    frame.loc[frame.index[::5], "score"] = np.nan
    return frame


def test_spark_classification_and_regression_equal_duckdb(spark_engine, sample, tmp_path):
    sample.to_parquet(tmp_path / "log.parquet")
    relation = spark_engine.read(tmp_path / "log.parquet")
    assert_same(
        fairness("y_true", "y_pred", sensitive_features=["group", "sex"], data=relation, min_group_size=5).to_dict(),
        fairness("y_true", "y_pred", sensitive_features=["group", "sex"], data=sample, min_group_size=5).to_dict(),
    )
    assert_same(
        roc_auc("y_true", "score", sensitive_features="group", data=relation).to_dict(),
        roc_auc("y_true", "score", sensitive_features="group", data=sample).to_dict(),
    )
    assert_same(
        regression_metrics("score", "y_true", data=relation).to_dict(),
        regression_metrics("score", "y_true", data=sample).to_dict(),
    )


def test_spark_drift_equals_duckdb(spark_engine, sample, tmp_path):
    reference, current = (
        sample[sample["sex"] == "F"],
        sample[sample["sex"] == "M"].assign(score=lambda f: f["score"] ** 2),
    )
    reference.to_parquet(tmp_path / "reference.parquet")
    current.to_parquet(tmp_path / "current.parquet")
    actual = drift(
        spark_engine.read(tmp_path / "reference.parquet"),
        spark_engine.read(str(tmp_path / "current.parquet")),
        columns=["score", "group"],
    )
    assert_same(actual.to_dict(), drift(reference, current, columns=["score", "group"]).to_dict())
    assert actual.columns["score"].drifted
