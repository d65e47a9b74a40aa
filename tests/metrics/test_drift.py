"""Drift metrics against scipy (ks_2samp, wasserstein_distance, jensenshannon) and an independent numpy PSI."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp, wasserstein_distance

from openaims.metrics import DriftThresholds, MetricsError, drift

from .conftest import drift_windows, examples

METRIC_KEYS = {"psi", "jensen_shannon", "ks_statistic", "ks_pvalue", "wasserstein", "drifted"}


def _numpy_bins(reference: np.ndarray, current: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Reference decile bins, right-closed, counted by numpy: the binning the drift module documents."""
    edges = np.unique(np.quantile(reference, np.arange(1, bins) / bins))
    ref = np.bincount(np.searchsorted(edges, reference, side="left"), minlength=len(edges) + 1)
    cur = np.bincount(np.searchsorted(edges, current, side="left"), minlength=len(edges) + 1)
    return ref, cur


def _numpy_psi(ref_counts: np.ndarray, cur_counts: np.ndarray, epsilon: float = 1e-4) -> float:
    p = np.maximum(ref_counts / ref_counts.sum(), epsilon)
    q = np.maximum(cur_counts / cur_counts.sum(), epsilon)
    return float(np.sum((q - p) * np.log(q / p)))


def _finite(series: pd.Series) -> np.ndarray:
    values = series.to_numpy(dtype=float)
    return values[np.isfinite(values)]


@examples(40)
@given(drift_windows())
def test_numeric_drift_matches_scipy(windows):
    reference, current = windows
    result = drift(reference, current, columns=["x"]).columns["x"]
    ref, cur = _finite(reference["x"]), _finite(current["x"])
    assert result.kind == "numeric"
    assert (result.reference_count, result.current_count) == (len(ref), len(cur))
    assert result.reference_missing == len(reference) - len(ref)
    assert result.current_missing == len(current) - len(cur)
    if len(ref) == 0 or len(cur) == 0:
        assert result.psi is result.ks_statistic is result.wasserstein is None
        assert result.drifted is False
        return
    # With one value per window the asymptotic formula is undefined; the exact p-value (1) is reported.
    expected = ks_2samp(ref, cur, method="exact" if len(ref) == len(cur) == 1 else "asymp")
    assert result.ks_statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert result.ks_pvalue == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    assert result.wasserstein == pytest.approx(wasserstein_distance(ref, cur), rel=1e-9, abs=1e-9)
    ref_counts, cur_counts = _numpy_bins(ref, cur)
    assert result.jensen_shannon == pytest.approx(jensenshannon(ref_counts, cur_counts, base=2), abs=1e-7)
    assert result.psi == pytest.approx(_numpy_psi(ref_counts, cur_counts), rel=1e-9, abs=1e-12)
    assert result.drifted is (result.psi >= 0.2)


@examples(40)
@given(drift_windows())
def test_categorical_drift_matches_scipy_on_category_frequencies(windows):
    reference, current = windows
    result = drift(reference, current, columns=["c"]).columns["c"]
    ref, cur = reference["c"].dropna(), current["c"].dropna()
    assert result.kind == "categorical"
    assert (result.reference_missing, result.current_missing) == (
        reference["c"].isna().sum(),
        current["c"].isna().sum(),
    )
    assert result.ks_statistic is None and result.wasserstein is None
    if len(ref) == 0 or len(cur) == 0:
        assert result.psi is None and result.drifted is False
        return
    categories = sorted(set(ref) | set(cur))
    ref_counts = np.array([(ref == c).sum() for c in categories])
    cur_counts = np.array([(cur == c).sum() for c in categories])
    assert result.jensen_shannon == pytest.approx(jensenshannon(ref_counts, cur_counts, base=2), abs=1e-7)
    assert result.psi == pytest.approx(_numpy_psi(ref_counts, cur_counts), rel=1e-9)


def test_a_shifted_distribution_drifts_and_a_resample_does_not():
    rng = np.random.default_rng(7)
    reference = pd.DataFrame({"income": rng.normal(50, 10, 5000), "region": rng.choice(["n", "s"], 5000)})
    same = pd.DataFrame({"income": rng.normal(50, 10, 5000), "region": rng.choice(["n", "s"], 5000)})
    shifted = pd.DataFrame({"income": rng.normal(60, 10, 5000), "region": rng.choice(["n", "s"], 5000, p=[0.9, 0.1])})
    assert not drift(reference, same).drifted
    report = drift(reference, shifted)
    assert report.drifted_columns == ["income", "region"]
    strict = drift(reference, same, thresholds=DriftThresholds(psi=None, wasserstein=0.01))
    assert strict.columns["income"].drifted and not strict.columns["region"].drifted


def test_to_dict_shape_is_json():
    reference = pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0], "c": ["a", "b", None, "a"]})
    current = pd.DataFrame({"x": [1.0, 5.0, 6.0, np.inf], "c": ["a", "a", "a", "c"]})
    result = drift(reference, current).to_dict()
    assert list(result) == ["columns"]
    assert list(result["columns"]) == ["x", "c"]
    for column in result["columns"].values():
        assert set(column) >= METRIC_KEYS
        assert isinstance(column["drifted"], bool)
    assert result["columns"]["x"]["reference_missing"] == 1
    assert result["columns"]["x"]["current_missing"] == 1  # infinity is not a distribution value
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_numeric_codes_can_be_compared_as_categories():
    reference = pd.DataFrame({"code": [1, 1, 2, 3]})
    current = pd.DataFrame({"code": [1, 2, 2, 3]})
    result = drift(reference, current, categorical=["code"]).columns["code"]
    assert result.kind == "categorical" and result.ks_statistic is None


def test_empty_windows_have_no_metrics_and_do_not_drift():
    empty = pd.DataFrame({"x": pd.Series([], dtype="float64")})
    full = pd.DataFrame({"x": [1.0, 2.0]})
    for reference, current in [(empty, full), (full, empty), (empty, empty)]:
        column = drift(reference, current).columns["x"]
        assert column.psi is None and column.ks_pvalue is None and column.drifted is False


def test_bad_drift_requests_are_refused_by_name():
    reference = pd.DataFrame({"x": [1.0], "name": ["a"]})
    current = pd.DataFrame({"x": ["text"], "other": [1]})
    with pytest.raises(MetricsError, match="column 'name' not found in pandas DataFrame"):
        drift(reference, current, columns=["name"])
    with pytest.raises(MetricsError, match="column 'x' is numeric in one window and not in the other"):
        drift(reference, current, columns=["x"])
    with pytest.raises(MetricsError, match="categorical column 'y'"):
        drift(reference, reference, categorical=["y"])


def test_one_value_per_window_has_p_value_one():
    result = drift(pd.DataFrame({"x": [1.0]}), pd.DataFrame({"x": [2.0]})).columns["x"]
    assert result.ks_statistic == 1.0 and result.ks_pvalue == 1.0 and result.wasserstein == 1.0


def test_single_bin_and_constant_columns():
    reference = pd.DataFrame({"x": [3.0] * 10})
    current = pd.DataFrame({"x": [3.0] * 5 + [4.0] * 5})
    result = drift(reference, current, bins=10).columns["x"]
    assert result.ks_statistic == pytest.approx(0.5)
    assert result.wasserstein == pytest.approx(0.5)
    assert math.isfinite(result.psi) and result.drifted
