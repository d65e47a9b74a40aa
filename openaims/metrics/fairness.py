"""Group fairness of a binary classifier, from confusion counts per group.

The engine counts true/false positives/negatives per group (:func:`openaims.metrics.stats.confusion_counts`);
every rate, confidence interval and disparity here is arithmetic on those counts.

Definitions follow Fairlearn: demographic parity difference is the largest minus the smallest group
selection rate; the ratio is the smallest over the largest (the four-fifths rule asks it to be at least
0.8); equalized odds difference is the larger of the true and false positive rate differences; equal
opportunity difference is the true positive rate difference. Unlike Fairlearn, a rate whose denominator
is zero (say, the true positive rate of a group with no positives) is undefined (``None``), not 0, and a
group is skipped for that metric when groups are compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from openaims.metrics._frame import GroupedFrame, Method, inputs, rate
from openaims.metrics.stats import ConfusionCounts, confusion_counts, wilson_interval

__all__ = [
    "FOUR_FIFTHS",
    "RATE_METRICS",
    "ClassificationMetrics",
    "FairnessFrame",
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equalized_odds_difference",
    "fairness",
]

#: The rates reported for every group, in the order they are shown.
RATE_METRICS: tuple[str, ...] = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "true_negative_rate",
    "precision",
    "accuracy",
)

FOUR_FIFTHS = 0.8
"""The four-fifths rule: a demographic parity ratio below this indicates adverse impact."""

DEFAULT_MIN_GROUP_SIZE = 30
"""Groups with fewer rows are flagged and left out of the disparities by default."""


def _fractions(counts: ConfusionCounts) -> dict[str, tuple[int, int]]:
    """Each rate as ``(successes, trials)``."""
    tp, fp, fn, tn = counts.true_positives, counts.false_positives, counts.false_negatives, counts.true_negatives
    return {
        "selection_rate": (tp + fp, counts.count),
        "true_positive_rate": (tp, tp + fn),
        "false_positive_rate": (fp, fp + tn),
        "false_negative_rate": (fn, tp + fn),
        "true_negative_rate": (tn, fp + tn),
        "precision": (tp, tp + fp),
        "accuracy": (tp + tn, counts.count),
    }


@dataclass(frozen=True)
class ClassificationMetrics:
    """The rates of one group (or of all rows), with Wilson confidence intervals.

    A rate is ``None`` when its denominator is zero. ``confidence_intervals`` maps each rate to its
    ``(low, high)`` Wilson interval (``None`` with the rate). ``small_group`` is true when the group has
    fewer rows than the frame's ``min_group_size``.
    """

    count: int
    selection_rate: float | None
    true_positive_rate: float | None
    false_positive_rate: float | None
    false_negative_rate: float | None
    true_negative_rate: float | None
    precision: float | None
    accuracy: float | None
    confidence_intervals: dict[str, tuple[float, float] | None] = field(repr=False)
    small_group: bool
    counts: ConfusionCounts = field(repr=False)

    @classmethod
    def from_counts(cls, counts: ConfusionCounts, *, confidence: float, min_group_size: int) -> ClassificationMetrics:
        """Rates and intervals from confusion counts."""
        fractions = _fractions(counts)
        rates = {name: rate(k, n) for name, (k, n) in fractions.items()}
        intervals = {name: wilson_interval(k, n, confidence=confidence) for name, (k, n) in fractions.items()}
        return cls(
            count=counts.count,
            **rates,
            confidence_intervals=intervals,
            small_group=counts.count < min_group_size,
            counts=counts,
        )

    def to_dict(self) -> dict[str, Any]:
        """``count``, the rates, ``ci`` (rate to ``[low, high]``) and ``small_group``."""
        result: dict[str, Any] = {"count": self.count}
        result.update({name: getattr(self, name) for name in RATE_METRICS})
        result["ci"] = {
            name: None if interval is None else [interval[0], interval[1]]
            for name, interval in self.confidence_intervals.items()
        }
        result["small_group"] = self.small_group
        return result


class FairnessFrame(GroupedFrame):
    """Classification rates overall and per group, and the disparities between groups.

    See :class:`~openaims.metrics._frame.GroupedFrame` for ``overall``, ``by_group``, ``difference()`` and
    ``ratio()``; :meth:`differences` gives the named fairness metrics.
    """

    compared_metrics: ClassVar[tuple[str, ...]] = RATE_METRICS

    def differences(self, method: Method = "between_groups", *, include_small_groups: bool = False) -> dict[str, Any]:
        """The named fairness metrics.

        Returns
        -------
        dict
            ``demographic_parity_difference``, ``demographic_parity_ratio``, ``equalized_odds_difference``
            (worst case of the true and false positive rate differences), ``equal_opportunity_difference``
            (true positive rate difference), and ``four_fifths_rule_passed`` (demographic parity ratio at
            least 0.8; ``None`` when the ratio is undefined). ``None`` where undefined.
        """
        diff = self.difference(method, include_small_groups=include_small_groups)
        ratio = self.ratio(method, include_small_groups=include_small_groups)
        odds = [d for d in (diff["true_positive_rate"], diff["false_positive_rate"]) if d is not None]
        parity_ratio = ratio["selection_rate"]
        return {
            "demographic_parity_difference": diff["selection_rate"],
            "demographic_parity_ratio": parity_ratio,
            "equalized_odds_difference": max(odds) if odds else None,
            "equal_opportunity_difference": diff["true_positive_rate"],
            "four_fifths_rule_passed": None if parity_ratio is None else parity_ratio >= FOUR_FIFTHS,
        }


def fairness(
    y_true: Any,
    y_pred: Any = None,
    *,
    sensitive_features: Any,
    data: Any = None,
    score: Any = None,
    threshold: float = 0.5,
    positive: Any = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    confidence: float = 0.95,
) -> FairnessFrame:
    """Fairness of a binary classifier's decisions across groups.

    Parameters
    ----------
    y_true : str or array-like
        True labels: a column of ``data``, or an array when ``data`` is not given.
    y_pred : str or array-like, optional
        Predicted labels. Give it, or ``score``.
    sensitive_features : str, list of str, or array-like
        The column(s) whose values define the groups; several columns give their intersections
        (group keys are then tuples). Without ``data``: an array, a 2-D array, a mapping of name to array,
        or a pandas DataFrame.
    data : object, optional
        Where the columns are: anything :func:`openaims.metrics.open_data` opens (a file, a folder of
        Parquet, a pandas/polars/Arrow frame, a PostgreSQL or Spark relation).
    score : str or array-like, optional
        Scores; a row is predicted positive when ``score >= threshold``.
    threshold : float, default 0.5
        Decision threshold for ``score``.
    positive : scalar, optional
        The positive label (of both ``y_true`` and ``y_pred``); other labels are negative. Needed unless
        the labels are booleans or within ``{0, 1}`` or ``{-1, 1}``.
    min_group_size : int, default 30
        Groups with fewer rows are reported with ``small_group=True`` and left out of the disparities
        (pass ``include_small_groups=True`` to :meth:`FairnessFrame.differences` to compare them too).
    confidence : float, default 0.95
        Level of the Wilson confidence intervals.

    Returns
    -------
    FairnessFrame

    Raises
    ------
    MetricsError
        For a missing column, unreadable data, or labels that are not binary without ``positive``.

    Notes
    -----
    Rows whose true label, prediction or score is missing (NULL or NaN) are not counted; their number is
    ``rows_excluded``. A missing sensitive feature value is a group of its own (key ``None``).
    """
    roles = {"y_true": y_true, "y_pred": y_pred, "score": score}
    with inputs(data, roles, sensitive_features) as resolved:
        columns = resolved.columns
        grouped = confusion_counts(
            resolved.relation,
            y_true=columns["y_true"] or "",
            y_pred=columns["y_pred"],
            score=columns["score"],
            threshold=threshold,
            positive=positive,
            groups=resolved.sensitive_features,
        )
    total = sum(grouped.by_group.values(), ConfusionCounts())
    return FairnessFrame(
        overall=ClassificationMetrics.from_counts(total, confidence=confidence, min_group_size=0),
        by_group={
            key: ClassificationMetrics.from_counts(counts, confidence=confidence, min_group_size=min_group_size)
            for key, counts in grouped.by_group.items()
        },
        sensitive_features=resolved.sensitive_features,
        rows=total.count,
        rows_excluded=sum(grouped.excluded.values()),
        min_group_size=min_group_size,
    )


def _named(name: str, y_true: Any, y_pred: Any, kwargs: dict[str, Any]) -> Any:
    method = kwargs.pop("method", "between_groups")
    include_small_groups = kwargs.pop("include_small_groups", True)
    kwargs.setdefault("min_group_size", 0)
    frame = fairness(y_true, y_pred, **kwargs)
    return frame.differences(method, include_small_groups=include_small_groups)[name]


def demographic_parity_difference(y_true: Any, y_pred: Any = None, **kwargs: Any) -> float | None:
    """Largest minus smallest group selection rate; keyword arguments as :func:`fairness`, plus ``method``.

    Every group is compared (``min_group_size=0``) unless ``min_group_size`` and
    ``include_small_groups=False`` are given.
    """
    return _named("demographic_parity_difference", y_true, y_pred, kwargs)


def demographic_parity_ratio(y_true: Any, y_pred: Any = None, **kwargs: Any) -> float | None:
    """Smallest over largest group selection rate; keyword arguments as :func:`demographic_parity_difference`."""
    return _named("demographic_parity_ratio", y_true, y_pred, kwargs)


def equalized_odds_difference(y_true: Any, y_pred: Any = None, **kwargs: Any) -> float | None:
    """Larger of the true and false positive rate differences; arguments as :func:`demographic_parity_difference`."""
    return _named("equalized_odds_difference", y_true, y_pred, kwargs)


def equal_opportunity_difference(y_true: Any, y_pred: Any = None, **kwargs: Any) -> float | None:
    """True positive rate difference; arguments as :func:`demographic_parity_difference`."""
    return _named("equal_opportunity_difference", y_true, y_pred, kwargs)
