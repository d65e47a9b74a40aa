"""DuckDB runs drift's independent queries side by side on files; the numbers equal the one-by-one path."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp, wasserstein_distance

from openaims.metrics import DuckDBEngine, MetricsError, drift
from openaims.metrics._distributions import Query, columns_counts_query, run_queries

from .conftest import assert_same


def _window(seed: int, rows: int, shift: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.normal(shift * (i % 2), 1 + i, rows) for i in range(5)})
    frame.loc[::7, "x0"] = np.nan
    frame.loc[::11, "x1"] = -math.inf
    frame.loc[::13, "x2"] = math.inf
    frame["x3"] = frame["x3"].round(1)  # ties
    frame["kind"] = rng.choice(["a", "b", "c"], rows)
    frame.loc[::5, "kind"] = None
    return frame


@pytest.fixture
def windows(tmp_path):
    reference, current = _window(1, 3000, 0.0), _window(2, 2500, 0.4)
    reference.to_parquet(tmp_path / "reference.parquet")
    current.to_parquet(tmp_path / "current.parquet")
    return reference, current, tmp_path / "reference.parquet", tmp_path / "current.parquet"


def test_files_run_side_by_side_and_give_the_frame_numbers(windows, monkeypatch):
    reference, current, reference_path, current_path = windows
    monkeypatch.setattr("os.cpu_count", lambda: 2)  # side by side even on a one-core machine
    with DuckDBEngine() as engine:
        assert engine.parallel_queries == 2
        ref, cur = engine.read(reference_path), engine.read(current_path)
        from_files = drift(ref, cur).to_dict()
    with DuckDBEngine() as engine:
        ref = engine.read(reference)
        assert engine.parallel_queries == 1  # a registered frame is visible to one connection only
        from_frames = drift(ref, engine.read(current)).to_dict()
    assert_same(from_files, from_frames)  # floats: sums in another order differ in the last bits
    for name in ("x0", "x1", "x2", "x3", "x4"):
        ref_values = reference[name].to_numpy()
        cur_values = current[name].to_numpy()
        ref_values, cur_values = ref_values[np.isfinite(ref_values)], cur_values[np.isfinite(cur_values)]
        column = from_files["columns"][name]
        assert column["reference_count"] == len(ref_values)
        assert column["ks_statistic"] == pytest.approx(ks_2samp(ref_values, cur_values).statistic, abs=1e-12)
        assert column["wasserstein"] == pytest.approx(wasserstein_distance(ref_values, cur_values), rel=1e-9)


def test_a_failing_query_side_by_side_names_its_relation(windows, monkeypatch):
    _, _, reference_path, current_path = windows
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    with DuckDBEngine() as engine:
        ref, cur = engine.read(reference_path), engine.read(current_path)
        broken = Query(cur, f"SELECT no_such_column FROM {cur.sql} AS src", lambda rows: rows)
        with pytest.raises(MetricsError, match=r"duckdb query on .*current\.parquet failed"):
            run_queries([columns_counts_query(ref, ["x0"]), broken])


def test_side_by_side_queries_keep_the_session_time_zone(tmp_path, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    pd.DataFrame({"x": [1.0]}).to_parquet(tmp_path / "one.parquet")
    with DuckDBEngine() as engine:
        relation = engine.read(tmp_path / "one.parquet")
        try:
            engine.connection.execute("SET TimeZone = 'Asia/Tokyo'")
        except Exception:  # noqa: BLE001 - without the ICU extension DuckDB has no zones: nothing to keep
            return
        zone = Query(relation, "SELECT current_setting('TimeZone')", lambda rows: rows[0][0])
        assert run_queries([zone, zone]) == ["Asia/Tokyo", "Asia/Tokyo"]


def test_closing_the_engine_drops_its_views(windows):
    _, _, reference_path, _ = windows
    engine = DuckDBEngine()
    relation = engine.read(reference_path)
    other = DuckDBEngine()
    assert other.fetch(f"SELECT COUNT(*) FROM {relation.sql}")[0][0] == 3000  # visible to workers
    engine.close()
    with pytest.raises(MetricsError):
        other.fetch(f"SELECT COUNT(*) FROM {relation.sql}")
    other.close()
