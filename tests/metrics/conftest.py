"""Fixtures and data generators for the monitoring engine's tests.

The oracles are independent implementations (Fairlearn, scikit-learn, scipy); the data comes from
hypothesis, with small groups, one-class groups, ties, missing values and text labels on purpose.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Multiplies every test's example count (METRICS_EXAMPLE_SCALE=10 for a long local run).
EXAMPLE_SCALE = float(os.environ.get("METRICS_EXAMPLE_SCALE", "1"))


def examples(n: int) -> settings:
    """Settings running ``n`` examples (scaled): kept small so the suite stays fast on 2 cores."""
    return settings(max_examples=max(1, int(n * EXAMPLE_SCALE)))


settings.register_profile(
    "metrics",
    max_examples=max(1, int(30 * EXAMPLE_SCALE)),
    deadline=None,
    database=None,  # nothing written outside tests/
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=os.environ.get("CI") == "true",
)
settings.load_profile("metrics")

POSTGRES_URL = os.environ.get("AIMS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

GROUPS = ["a", "b", "c"]
SCORES = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), st.floats(0, 1, allow_nan=False))


@st.composite
def classification_frames(draw: Any, *, min_rows: int = 1, max_rows: int = 40, labels: tuple = (0, 1)) -> pd.DataFrame:
    """Rows of ``y_true``, ``y_pred``, ``score``, ``group``, ``sex``: tiny and one-class groups included."""
    n = draw(st.integers(min_rows, max_rows))

    def column(strategy: Any) -> list:
        return draw(st.lists(strategy, min_size=n, max_size=n))

    return pd.DataFrame(
        {
            "y_true": column(st.sampled_from(labels)),
            "y_pred": column(st.sampled_from(labels)),
            "score": column(SCORES),
            "group": column(st.sampled_from(GROUPS)),
            "sex": column(st.sampled_from(["F", "M"])),
        }
    )


NUMBERS = st.one_of(
    st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0]),
    st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
    st.just(math.nan),
)


@st.composite
def drift_windows(draw: Any, *, min_rows: int = 0, max_rows: int = 40) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and current windows with a numeric column ``x`` (ties, NaN) and a text column ``c`` (None)."""

    def window() -> pd.DataFrame:
        n = draw(st.integers(min_rows, max_rows))
        shift = draw(st.sampled_from([0.0, 0.0, 1.0, 50.0]))
        x = [v + shift for v in draw(st.lists(NUMBERS, min_size=n, max_size=n))]
        c = draw(st.lists(st.sampled_from(["red", "green", "blue", None]), min_size=n, max_size=n))
        return pd.DataFrame({"x": pd.Series(x, dtype="float64"), "c": pd.Series(c, dtype="object")})

    return window(), window()


def _pg_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(series):
        return "BIGINT"
    if pd.api.types.is_float_dtype(series):
        return "DOUBLE PRECISION"
    return "TEXT"


def _pg_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


class PostgresLoader:
    """Loads pandas frames into temporary tables of one PostgreSQL session (NaN stays NaN, None is NULL)."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection
        self.tables: list[str] = []

    def load(self, frame: pd.DataFrame, *, temporary: bool = True) -> str:
        name = f"metrics_{uuid.uuid4().hex[:12]}"
        columns = ", ".join(f'"{column}" {_pg_type(frame[column])}' for column in frame.columns)
        kind = "TEMPORARY TABLE" if temporary else "TABLE"
        with self.connection.cursor() as cursor:
            cursor.execute(f"CREATE {kind} {name} ({columns})")
            quoted = ", ".join(f'"{column}"' for column in frame.columns)
            with cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
                for row in frame.itertuples(index=False):
                    copy.write_row([_pg_value(v) for v in row])
        self.tables.append(name)
        return name

    def drop_all(self) -> None:
        with self.connection.cursor() as cursor:
            for name in self.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
        self.tables.clear()


@pytest.fixture(scope="session")
def pg_connection() -> Iterator[psycopg.Connection]:
    """One autocommit session on the test server (temporary tables are visible to engines built on it)."""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        yield connection


@pytest.fixture()
def pg(pg_connection: psycopg.Connection) -> Iterator[PostgresLoader]:
    loader = PostgresLoader(pg_connection)
    yield loader
    loader.drop_all()


def assert_same(actual: Any, expected: Any, *, rel: float = 1e-9, abs_: float = 1e-12, path: str = "") -> None:
    """Recursive equality of JSON-like results, floats within a tolerance."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        assert list(actual) == list(expected), f"{path}: keys {list(actual)} != {list(expected)}"
        for key in expected:
            assert_same(actual[key], expected[key], rel=rel, abs_=abs_, path=f"{path}.{key}")
    elif isinstance(expected, list | tuple):
        assert len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, rel=rel, abs_=abs_, path=f"{path}[{i}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        assert actual == pytest.approx(expected, rel=rel, abs=abs_), f"{path}: {actual} != {expected}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
