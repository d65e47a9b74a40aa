"""Fairness metrics against Fairlearn's MetricFrame and named metrics, and scipy's Wilson intervals."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as fm
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest
from sklearn.metrics import accuracy_score, precision_score

from openaims.metrics import MetricsError, fairness, wilson_interval
from openaims.metrics import demographic_parity_difference as our_dpd
from openaims.metrics import equalized_odds_difference as our_eod
from openaims.metrics.fairness import RATE_METRICS

from .conftest import classification_frames, examples


def _precision(pos_label):
    def precision(y_true, y_pred):
        return precision_score(y_true, y_pred, pos_label=pos_label, zero_division=np.nan)

    return precision


def _oracle(frame: pd.DataFrame, features: list[str], pos_label=1, y_pred: str = "y_pred") -> fm.MetricFrame:
    def rate(function):
        return lambda t, p: function(t, p, pos_label=pos_label)

    metrics = {
        "selection_rate": rate(fm.selection_rate),
        "true_positive_rate": rate(fm.true_positive_rate),
        "false_positive_rate": rate(fm.false_positive_rate),
        "false_negative_rate": rate(fm.false_negative_rate),
        "true_negative_rate": rate(fm.true_negative_rate),
        "precision": _precision(pos_label),
        "accuracy": accuracy_score,
    }
    sensitive = frame[features[0]] if len(features) == 1 else frame[features]
    return fm.MetricFrame(metrics=metrics, y_true=frame["y_true"], y_pred=frame[y_pred], sensitive_features=sensitive)


def _direct_oracle(frame: pd.DataFrame, features: list[str], pos_label=1, y_pred: str = "y_pred"):
    """Fairlearn's metric functions applied group by group: MetricFrame's numbers at a fraction of its cost."""

    def evaluate(part: pd.DataFrame) -> dict[str, float]:
        t, p = part["y_true"].to_numpy(), part[y_pred].to_numpy()
        return {
            "selection_rate": fm.selection_rate(t, p, pos_label=pos_label),
            "true_positive_rate": fm.true_positive_rate(t, p, pos_label=pos_label),
            "false_positive_rate": fm.false_positive_rate(t, p, pos_label=pos_label),
            "false_negative_rate": fm.false_negative_rate(t, p, pos_label=pos_label),
            "true_negative_rate": fm.true_negative_rate(t, p, pos_label=pos_label),
            "precision": _precision(pos_label)(t, p),
            "accuracy": accuracy_score(t, p),
        }

    key = features[0] if len(features) == 1 else features
    rows = {group: evaluate(part) for group, part in frame.groupby(key)}
    return pd.DataFrame.from_dict(rows, orient="index"), pd.Series(evaluate(frame))


def _denominators(t: np.ndarray, p: np.ndarray) -> dict[str, int]:
    return {
        "selection_rate": len(t),
        "true_positive_rate": int(t.sum()),
        "false_positive_rate": int((~t).sum()),
        "false_negative_rate": int(t.sum()),
        "true_negative_rate": int((~t).sum()),
        "precision": int(p.sum()),
        "accuracy": len(t),
    }


def _check_against_oracle(ours, frame, features, *, positive=1, y_pred="y_pred", metric_frame=False) -> None:
    if metric_frame:
        oracle = _oracle(frame, features, positive, y_pred)
        by_group, overall = oracle.by_group, oracle.overall
    else:
        by_group, overall = _direct_oracle(frame, features, positive, y_pred)
    masked = by_group.copy()
    assert ours.rows == len(frame)
    present = 0
    for key, row in by_group.iterrows():
        selector = np.ones(len(frame), dtype=bool)
        for name, value in zip(features, key if isinstance(key, tuple) else (key,), strict=True):
            selector &= (frame[name] == value).to_numpy()
        if not selector.any():
            masked = masked.drop(index=key)  # Fairlearn lists every combination of the features' values
            continue
        present += 1
        group = ours.by_group[key]
        t = (frame["y_true"][selector] == positive).to_numpy()
        p = (frame[y_pred][selector] == positive).to_numpy()
        assert group.count == selector.sum()
        for metric, denominator in _denominators(t, p).items():
            value = getattr(group, metric)
            if denominator == 0:
                # Fairlearn reports 0 (or NaN) for an undefined rate; ours says it is undefined.
                assert value is None, (key, metric)
                masked.loc[key, metric] = np.nan
            else:
                assert value == pytest.approx(row[metric], rel=1e-12, abs=1e-15), (key, metric)
                low, high = group.confidence_intervals[metric]
                assert low <= value <= high  # the interval itself is checked against scipy below
    assert len(ours.by_group) == present
    for metric in RATE_METRICS:
        if getattr(ours.overall, metric) is not None:
            assert getattr(ours.overall, metric) == pytest.approx(overall[metric])
    # Differences and ratios over the groups where each rate is defined (pandas skips NaN like ours skips None).
    expected_diff = masked.max() - masked.min()
    ours_diff = ours.difference(include_small_groups=True)
    for metric in RATE_METRICS:
        if math.isnan(expected_diff[metric]):
            assert ours_diff[metric] is None
        else:
            assert ours_diff[metric] == pytest.approx(expected_diff[metric], abs=1e-12)
    to_overall = ours.difference("to_overall", include_small_groups=True)
    expected_to_overall = (masked - overall).abs().max()
    for metric in RATE_METRICS:
        if ours.overall is not None and getattr(ours.overall, metric) is not None and to_overall[metric] is not None:
            assert to_overall[metric] == pytest.approx(expected_to_overall[metric], abs=1e-12)


@examples(12)
@given(classification_frames())
def test_rates_match_fairlearn_by_group(frame):
    ours = fairness(frame["y_true"], frame["y_pred"], sensitive_features=frame["group"], min_group_size=0)
    _check_against_oracle(ours, frame, ["group"], metric_frame=True)


@examples(12)
@given(classification_frames())
def test_intersections_match_fairlearn_multiindex(frame):
    ours = fairness("y_true", "y_pred", sensitive_features=["group", "sex"], data=frame, min_group_size=0)
    _check_against_oracle(ours, frame, ["group", "sex"])
    assert all(isinstance(key, tuple) and len(key) == 2 for key in ours.by_group)


@examples(20)
@given(classification_frames(labels=("approved", "denied", "referred")))
def test_string_labels_with_a_positive_label_are_one_vs_rest(frame):
    ours = fairness("y_true", "y_pred", sensitive_features="group", data=frame, positive="approved", min_group_size=0)
    binary = frame.assign(
        y_true=(frame["y_true"] == "approved").astype(int), y_pred=(frame["y_pred"] == "approved").astype(int)
    )
    _check_against_oracle(ours, binary, ["group"])


@examples(15)
@given(classification_frames(), st.sampled_from([0.0, 0.25, 0.3, 0.5, 1.0]))
def test_score_and_threshold_select_when_score_reaches_threshold(frame, threshold):
    ours = fairness(
        "y_true", score="score", threshold=threshold, sensitive_features="group", data=frame, min_group_size=0
    )
    decided = frame.assign(decision=(frame["score"] >= threshold).astype(int))
    _check_against_oracle(ours, decided, ["group"], y_pred="decision")


@examples(8)
@given(classification_frames(min_rows=2))
def test_named_metrics_match_fairlearn_when_every_rate_is_defined(frame):
    t, p, g = frame["y_true"], frame["y_pred"], frame["group"]
    assert our_dpd(t, p, sensitive_features=g) == pytest.approx(
        fm.demographic_parity_difference(t, p, sensitive_features=g)
    )
    defined = all(set(part["y_true"]) == {0, 1} for _, part in frame.groupby("group"))
    if defined:
        expected = fm.equalized_odds_difference(t, p, sensitive_features=g)
        assert our_eod(t, p, sensitive_features=g) == pytest.approx(expected, abs=1e-12)
        ours = fairness(t, p, sensitive_features=g, min_group_size=0).differences()
        assert ours["equal_opportunity_difference"] == pytest.approx(
            fm.equal_opportunity_difference(t, p, sensitive_features=g), abs=1e-12
        )
    ratio = fm.demographic_parity_ratio(t, p, sensitive_features=g)
    ours_ratio = fairness(t, p, sensitive_features=g, min_group_size=0).differences()["demographic_parity_ratio"]
    if math.isnan(ratio):
        assert ours_ratio is None
    else:
        assert ours_ratio == pytest.approx(ratio)


def test_named_metrics_on_a_larger_sample_equal_fairlearn():
    rng = np.random.default_rng(42)
    n = 5000
    group = rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1])
    y_true = rng.integers(0, 2, n)
    y_pred = (rng.random(n) < np.where(group == "a", 0.6, 0.4)).astype(int)
    frame = pd.DataFrame({"y": y_true, "p": y_pred, "g": group})
    differences = fairness("y", "p", sensitive_features="g", data=frame).differences()
    kwargs = {"sensitive_features": group}
    assert differences["demographic_parity_difference"] == pytest.approx(
        fm.demographic_parity_difference(y_true, y_pred, **kwargs)
    )
    assert differences["demographic_parity_ratio"] == pytest.approx(
        fm.demographic_parity_ratio(y_true, y_pred, **kwargs)
    )
    assert differences["equalized_odds_difference"] == pytest.approx(
        fm.equalized_odds_difference(y_true, y_pred, **kwargs)
    )
    assert differences["equal_opportunity_difference"] == pytest.approx(
        fm.equal_opportunity_difference(y_true, y_pred, **kwargs)
    )
    assert differences["four_fifths_rule_passed"] is (differences["demographic_parity_ratio"] >= 0.8)


@given(st.integers(0, 200), st.integers(1, 200), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_interval_equals_scipy(successes, trials, confidence):
    successes = min(successes, trials)
    expected = binomtest(successes, trials).proportion_ci(confidence, method="wilson")
    assert wilson_interval(successes, trials, confidence=confidence) == pytest.approx(
        (expected.low, expected.high), abs=1e-12
    )


def test_wilson_interval_of_no_trials_is_none():
    assert wilson_interval(0, 0) is None


def test_to_dict_has_the_documented_shape_and_is_json():
    frame = pd.DataFrame(
        {"y": [1, 0, 1, 1, 0, 0, 1, 0], "p": [1, 0, 0, 1, 1, 0, 1, 1], "g": ["a", "a", "a", "b", "b", "b", "b", None]}
    )
    result = fairness("y", "p", sensitive_features="g", data=frame, min_group_size=3).to_dict()
    assert list(result) == ["rows", "overall", "by_group", "differences"]
    assert result["rows"] == 8
    assert list(result["by_group"]) == ["a", "b", "(missing)"]
    expected_keys = ["count", *RATE_METRICS, "ci", "small_group"]
    for metrics in [result["overall"], *result["by_group"].values()]:
        assert list(metrics) == expected_keys
        assert list(metrics["ci"]) == list(RATE_METRICS)
    assert result["by_group"]["(missing)"]["small_group"] is True
    assert result["by_group"]["a"]["small_group"] is False
    assert set(result["differences"]) >= {
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equalized_odds_difference",
        "equal_opportunity_difference",
    }
    # a: selection 1/3, b: 3/4; the one-row missing group is reported but not compared.
    assert result["differences"]["demographic_parity_difference"] == pytest.approx(3 / 4 - 1 / 3)
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_small_groups_are_flagged_not_dropped_and_can_be_compared():
    frame = pd.DataFrame({"y": [1] * 40 + [1], "p": [1] * 20 + [0] * 20 + [0], "g": ["big"] * 40 + ["tiny"]})
    ours = fairness("y", "p", sensitive_features="g", data=frame)
    assert set(ours.by_group) == {"big", "tiny"}
    assert ours.by_group["tiny"].small_group and not ours.by_group["big"].small_group
    assert ours.differences()["demographic_parity_difference"] == 0.0
    assert ours.differences(include_small_groups=True)["demographic_parity_difference"] == pytest.approx(0.5)


def test_missing_labels_are_excluded_and_counted():
    frame = pd.DataFrame({"y": [1.0, 0.0, np.nan, 1.0], "p": [1.0, 1.0, 1.0, None], "g": ["a", "a", "b", "b"]})
    ours = fairness("y", "p", sensitive_features="g", data=frame, min_group_size=0)
    assert ours.rows == 2 and ours.rows_excluded == 2
    assert ours.by_group["b"].count == 0 and ours.by_group["b"].selection_rate is None


def test_boolean_labels_need_no_positive_label():
    frame = pd.DataFrame({"y": [True, False, True], "p": [True, True, False], "g": ["a", "a", "b"]})
    ours = fairness("y", "p", sensitive_features="g", data=frame, min_group_size=0)
    assert ours.by_group["a"].selection_rate == 1.0
    assert ours.by_group["b"].true_positive_rate == 0.0


def test_non_binary_labels_without_positive_label_name_the_column():
    frame = pd.DataFrame({"outcome": ["yes", "no"], "p": [1, 0], "g": ["a", "b"]})
    with pytest.raises(MetricsError, match="y_true column 'outcome' has labels 'no', 'yes'.*positive="):
        fairness("outcome", "p", sensitive_features="g", data=frame)
    frame = pd.DataFrame({"y": [0, 1, 2], "p": [1, 0, 1], "g": ["a", "b", "b"]})
    with pytest.raises(MetricsError, match="'y' has labels 0, 1, 2"):
        fairness("y", "p", sensitive_features="g", data=frame)


def test_missing_column_is_named():
    frame = pd.DataFrame({"y": [0, 1], "p": [1, 0], "g": ["a", "b"]})
    with pytest.raises(
        MetricsError, match="sensitive feature 'race' not found in pandas DataFrame; its columns are: y, p, g"
    ):
        fairness("y", "p", sensitive_features="race", data=frame)
    with pytest.raises(MetricsError, match="y_pred 'pred' not found"):
        fairness("y", "pred", sensitive_features="g", data=frame)


def test_exactly_one_of_prediction_and_score():
    frame = pd.DataFrame({"y": [0, 1], "p": [1, 0], "g": ["a", "b"]})
    with pytest.raises(MetricsError, match="exactly one of y_pred or score"):
        fairness("y", sensitive_features="g", data=frame)
    with pytest.raises(MetricsError, match="score column 'g' must be numeric"):
        fairness("y", score="g", sensitive_features="g", data=frame)


def test_empty_data_gives_no_rates():
    frame = pd.DataFrame(
        {"y": pd.Series([], dtype="int64"), "p": pd.Series([], dtype="int64"), "g": pd.Series([], dtype="object")}
    )
    ours = fairness("y", "p", sensitive_features="g", data=frame)
    assert ours.rows == 0 and ours.by_group == {}
    assert ours.overall.selection_rate is None
    assert ours.to_dict()["differences"]["demographic_parity_difference"] is None
