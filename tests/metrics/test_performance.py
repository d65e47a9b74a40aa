"""AUC against scikit-learn's roc_auc_score; regression errors against scikit-learn and Fairlearn's MetricFrame."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import mean_absolute_error, mean_squared_error, roc_auc_score

from openaims.metrics import MetricsError, regression_metrics, roc_auc

from .conftest import classification_frames, examples


@examples(30)
@given(classification_frames())
def test_auc_per_group_equals_sklearn(frame):
    ours = roc_auc("y_true", "score", data=frame, sensitive_features="group", min_group_size=0)
    if frame["y_true"].nunique() == 2:
        assert ours.overall.auc == pytest.approx(roc_auc_score(frame["y_true"], frame["score"]), abs=1e-12)
    else:
        assert ours.overall.auc is None
    for group, part in frame.groupby("group"):
        metrics = ours.by_group[group]
        assert metrics.count == len(part)
        assert metrics.positives == (part["y_true"] == 1).sum()
        if part["y_true"].nunique() == 2:
            assert metrics.auc == pytest.approx(roc_auc_score(part["y_true"], part["score"]), abs=1e-12)
        else:
            assert metrics.auc is None  # sklearn refuses one-class input; ours says undefined
    assert set(ours.by_group) == set(frame["group"])


@examples(20)
@given(classification_frames(labels=("fraud", "ok")))
def test_auc_with_text_labels_and_missing_scores(frame):
    frame.loc[frame.index[::3], "score"] = np.nan
    ours = roc_auc(
        "y_true", "score", data=frame, positive="fraud", sensitive_features=["group", "sex"], min_group_size=0
    )
    kept = frame.dropna(subset=["score"])
    assert ours.rows == len(kept) and ours.rows_excluded == len(frame) - len(kept)
    for (group, sex), part in kept.groupby(["group", "sex"]):
        expected = roc_auc_score(part["y_true"] == "fraud", part["score"]) if part["y_true"].nunique() == 2 else None
        assert ours.by_group[(group, sex)].auc == (pytest.approx(expected, abs=1e-12) if expected is not None else None)


VALUES = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0.0, 1.0, math.nan]))


@examples(20)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            *[st.lists(s, min_size=n, max_size=n) for s in (VALUES, VALUES, st.sampled_from(["a", "b", "c"]))]
        )
    )
)
def test_regression_errors_equal_sklearn_and_fairlearn(columns):
    y_true, y_pred, group = columns
    frame = pd.DataFrame({"t": y_true, "p": y_pred, "g": group})
    ours = regression_metrics("t", "p", data=frame, sensitive_features="g", min_group_size=0)
    kept = frame.dropna()
    assert ours.rows == len(kept) and ours.rows_excluded == len(frame) - len(kept)
    if kept.empty:
        assert ours.overall.mean_absolute_error is None
        return
    oracle = MetricFrame(
        metrics={
            "mae": mean_absolute_error,
            "rmse": lambda t, p: math.sqrt(mean_squared_error(t, p)),
        },
        y_true=kept["t"],
        y_pred=kept["p"],
        sensitive_features=kept["g"],
    )
    assert ours.overall.mean_absolute_error == pytest.approx(oracle.overall["mae"], rel=1e-9, abs=1e-9)
    assert ours.overall.root_mean_squared_error == pytest.approx(oracle.overall["rmse"], rel=1e-9, abs=1e-9)
    for group, row in oracle.by_group.iterrows():
        assert ours.by_group[group].mean_absolute_error == pytest.approx(row["mae"], rel=1e-9, abs=1e-9)
        assert ours.by_group[group].root_mean_squared_error == pytest.approx(row["rmse"], rel=1e-9, abs=1e-9)
    assert ours.difference(include_small_groups=True)["mean_absolute_error"] == pytest.approx(
        oracle.difference()["mae"], rel=1e-9, abs=1e-9
    )


def test_regression_without_groups_and_json_shape():
    result = regression_metrics([1.0, 2.0, 4.0], [1.5, 2.0, 3.0]).to_dict()
    assert list(result) == ["rows", "overall", "by_group", "differences"]
    assert result["by_group"] == {}
    assert result["overall"]["mean_absolute_error"] == pytest.approx(0.5)
    assert result["overall"]["root_mean_squared_error"] == pytest.approx(math.sqrt(1.25 / 3))


def test_regression_refuses_text_columns():
    with pytest.raises(MetricsError, match="column 'p' must be numeric"):
        regression_metrics("t", "p", data=pd.DataFrame({"t": [1.0], "p": ["x"]}))
