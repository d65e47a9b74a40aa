"""The same request gives the same numbers on every engine and input type, on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given

from openaims.metrics import PostgresEngine, drift, fairness, open_data, regression_metrics, roc_auc

from .conftest import POSTGRES_URL, assert_same, classification_frames, drift_windows, examples


def _requests(data):
    """Every metric family on one relation, as JSON-like dicts."""
    return {
        "fairness": fairness(
            "y_true", "y_pred", sensitive_features=["group", "sex"], data=data, min_group_size=2
        ).to_dict(),
        "score": fairness("y_true", score="score", threshold=0.5, sensitive_features="group", data=data).to_dict(),
        "auc": roc_auc("y_true", "score", sensitive_features="group", data=data, min_group_size=0).to_dict(),
        "regression": regression_metrics("score", "y_true", sensitive_features="sex", data=data).to_dict(),
    }


def _with_missing_scores(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[frame.index[::4], "score"] = np.nan
    return frame


@examples(15)
@given(frame=classification_frames())
def test_postgres_gives_the_duckdb_numbers(frame, pg):
    frame = _with_missing_scores(frame)
    expected = _requests(frame)
    engine = PostgresEngine(connection=pg.connection)
    assert_same(_requests(engine.table(pg.load(frame))), expected)


@examples(15)
@given(windows=drift_windows(min_rows=1))
def test_postgres_drift_gives_the_duckdb_numbers(windows, pg):
    reference, current = windows
    expected = drift(reference, current).to_dict()
    engine = PostgresEngine(connection=pg.connection)
    actual = drift(engine.table(pg.load(reference)), engine.table(pg.load(current))).to_dict()
    assert_same(actual, expected)


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 600
    return pd.DataFrame(
        {
            "y_true": rng.integers(0, 2, n),
            "y_pred": rng.integers(0, 2, n),
            "score": np.round(rng.random(n), 2),
            "group": rng.choice(["a", "b", "c", "d"], n, p=[0.5, 0.3, 0.19, 0.01]),
            "sex": rng.choice(["F", "M"], n),
        }
    )


def test_every_duckdb_input_gives_the_same_numbers(sample, tmp_path):
    sample = _with_missing_scores(sample)
    expected = _requests(sample)
    sample.to_csv(tmp_path / "log.csv", index=False)
    sample.to_parquet(tmp_path / "log.parquet")
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, start in enumerate(range(0, len(sample), 250)):
        sample.iloc[start : start + 250].to_parquet(folder / f"part-{i}.parquet")
    table = pa.Table.from_pandas(sample, preserve_index=False)
    for data in [
        tmp_path / "log.csv",
        str(tmp_path / "log.parquet"),
        folder,
        table,
        pl.from_pandas(sample),
        open_data(table),
    ]:
        assert_same(_requests(data), expected)
    arrays = fairness(
        sample["y_true"].to_numpy(),
        sample["y_pred"].to_numpy(),
        sensitive_features=sample[["group", "sex"]],
        min_group_size=2,
    )
    assert_same(arrays.to_dict(), expected["fairness"])


def test_postgres_by_url_table_and_query(sample, pg_connection):
    loader_table = "metrics_shared_sample"
    with pg_connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {loader_table}")
    from .conftest import PostgresLoader

    loader = PostgresLoader(pg_connection)
    name = loader.load(sample, temporary=False)
    try:
        expected = _requests(sample)
        assert_same(
            fairness(
                "y_true",
                "y_pred",
                sensitive_features=["group", "sex"],
                data=open_data(POSTGRES_URL, table=name),
                min_group_size=2,
            ).to_dict(),
            expected["fairness"],
        )
        with PostgresEngine(POSTGRES_URL) as engine:
            assert_same(_requests(engine.table(f"public.{name}")), expected)
            recent = engine.query(f"SELECT * FROM {name} WHERE sex = 'F'")
            assert_same(
                regression_metrics("score", "y_true", data=recent).to_dict(),
                regression_metrics("score", "y_true", data=sample[sample["sex"] == "F"]).to_dict(),
            )
            reference = engine.query(f"SELECT * FROM {name} WHERE sex = 'F'")
            current = engine.query(f"SELECT * FROM {name} WHERE sex = 'M'")
            assert_same(
                drift(reference, current, columns=["score", "group"]).to_dict(),
                drift(sample[sample["sex"] == "F"], sample[sample["sex"] == "M"], columns=["score", "group"]).to_dict(),
            )
    finally:
        loader.drop_all()


def test_postgres_nan_and_null_are_both_missing(pg):
    frame = pd.DataFrame({"x": [1.0, float("nan"), 3.0, 4.0]})
    frame_null = pd.DataFrame({"x": [1.0, None, 3.0, None]}, dtype="object")
    engine = PostgresEngine(connection=pg.connection)
    nan_table, null_table = pg.load(frame), pg.load(frame_null.astype("float64"))
    with pg.connection.cursor() as cursor:
        cursor.execute(f"UPDATE {null_table} SET x = NULL WHERE x = 'NaN'")
    result = drift(engine.table(nan_table), engine.table(null_table)).columns["x"]
    assert result.reference_missing == 1 and result.current_missing == 2
