"""Model performance per group: regression errors and the area under the ROC curve.

Computed from sufficient statistics counted by the engine: error sums per group
(:func:`openaims.metrics.stats.regression_sums`) and rank sums per group
(:func:`openaims.metrics.stats.rank_sums`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from openaims.metrics._frame import GroupedFrame, inputs
from openaims.metrics.fairness import DEFAULT_MIN_GROUP_SIZE
from openaims.metrics.stats import RankSums, RegressionSums, rank_sums, regression_sums

__all__ = ["AUCFrame", "AUCMetrics", "RegressionFrame", "RegressionMetrics", "regression_metrics", "roc_auc"]


@dataclass(frozen=True)
class RegressionMetrics:
    """Errors of one group (or of all rows); ``None`` when the group has no row."""

    count: int
    mean_absolute_error: float | None
    root_mean_squared_error: float | None
    mean_error: float | None
    small_group: bool
    sums: RegressionSums = field(repr=False)

    @classmethod
    def from_sums(cls, sums: RegressionSums, *, min_group_size: int) -> RegressionMetrics:
        """Metrics from error sums."""
        n = sums.count
        return cls(
            count=n,
            mean_absolute_error=sums.sum_absolute_error / n if n else None,
            root_mean_squared_error=math.sqrt(sums.sum_squared_error / n) if n else None,
            mean_error=sums.sum_error / n if n else None,
            small_group=n < min_group_size,
            sums=sums,
        )

    def to_dict(self) -> dict[str, Any]:
        """``count``, the errors and ``small_group``."""
        return {
            "count": self.count,
            "mean_absolute_error": self.mean_absolute_error,
            "root_mean_squared_error": self.root_mean_squared_error,
            "mean_error": self.mean_error,
            "small_group": self.small_group,
        }


class RegressionFrame(GroupedFrame):
    """Regression errors overall and per group (``mean_error`` is ``y_true - y_pred`` on average)."""

    compared_metrics: ClassVar[tuple[str, ...]] = ("mean_absolute_error", "root_mean_squared_error", "mean_error")


def regression_metrics(
    y_true: Any,
    y_pred: Any,
    *,
    data: Any = None,
    sensitive_features: Any = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> RegressionFrame:
    """Mean absolute error, root mean squared error and mean error, overall and per group.

    Parameters
    ----------
    y_true, y_pred : str or array-like
        Numeric columns of ``data``, or arrays when ``data`` is not given.
    data : object, optional
        Anything :func:`openaims.metrics.open_data` opens.
    sensitive_features : str, list of str, or array-like, optional
        The groups, as for :func:`openaims.metrics.fairness`; without them ``by_group`` is empty.
    min_group_size : int, default 30
        Smaller groups are flagged and left out of ``difference()``/``ratio()`` by default.

    Returns
    -------
    RegressionFrame
        Rows where either value is missing or infinite are excluded and counted in ``rows_excluded``.
    """
    with inputs(data, {"y_true": y_true, "y_pred": y_pred}, sensitive_features) as resolved:
        grouped = regression_sums(
            resolved.relation,
            y_true=resolved.columns["y_true"] or "",
            y_pred=resolved.columns["y_pred"] or "",
            groups=resolved.sensitive_features,
        )
    total = sum(grouped.by_group.values(), RegressionSums())
    by_group = {}
    if resolved.sensitive_features:
        by_group = {
            key: RegressionMetrics.from_sums(sums, min_group_size=min_group_size)
            for key, sums in grouped.by_group.items()
        }
    return RegressionFrame(
        overall=RegressionMetrics.from_sums(total, min_group_size=0),
        by_group=by_group,
        sensitive_features=resolved.sensitive_features,
        rows=total.count,
        rows_excluded=sum(grouped.excluded.values()),
        min_group_size=min_group_size,
    )


@dataclass(frozen=True)
class AUCMetrics:
    """Area under the ROC curve of one group (``None`` unless it has both positives and negatives)."""

    count: int
    positives: int
    negatives: int
    auc: float | None
    small_group: bool
    sums: RankSums = field(repr=False)

    @classmethod
    def from_sums(cls, sums: RankSums, *, min_group_size: int) -> AUCMetrics:
        """AUC from rank sums: the probability that a positive outscores a negative (ties count half)."""
        pairs = sums.positives * sums.negatives
        count = sums.positives + sums.negatives
        return cls(
            count=count,
            positives=sums.positives,
            negatives=sums.negatives,
            auc=sums.twice_u / (2 * pairs) if pairs else None,
            small_group=count < min_group_size,
            sums=sums,
        )

    def to_dict(self) -> dict[str, Any]:
        """``count``, ``positives``, ``negatives``, ``auc`` and ``small_group``."""
        return {
            "count": self.count,
            "positives": self.positives,
            "negatives": self.negatives,
            "auc": self.auc,
            "small_group": self.small_group,
        }


class AUCFrame(GroupedFrame):
    """ROC AUC overall and per group. The overall AUC is computed over all rows, not from the groups'."""

    compared_metrics: ClassVar[tuple[str, ...]] = ("auc",)


def roc_auc(
    y_true: Any,
    y_score: Any,
    *,
    data: Any = None,
    sensitive_features: Any = None,
    positive: Any = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> AUCFrame:
    """Area under the ROC curve, overall and per group, from rank statistics computed in the engine.

    Parameters
    ----------
    y_true : str or array-like
        True labels; ``positive`` names the positive one unless they are booleans or within ``{0, 1}``.
    y_score : str or array-like
        Numeric scores, higher meaning more likely positive.
    data : object, optional
        Anything :func:`openaims.metrics.open_data` opens.
    sensitive_features : str, list of str, or array-like, optional
        The groups, as for :func:`openaims.metrics.fairness`.
    positive : scalar, optional
        The positive label.
    min_group_size : int, default 30
        Smaller groups are flagged and left out of ``difference()``/``ratio()`` by default.

    Returns
    -------
    AUCFrame
        Equal to ``sklearn.metrics.roc_auc_score`` where both classes are present; rows whose label or
        score is missing are excluded and counted in ``rows_excluded``.
    """
    with inputs(data, {"y_true": y_true, "score": y_score}, sensitive_features) as resolved:
        relation, columns = resolved.relation, resolved.columns
        overall = rank_sums(relation, y_true=columns["y_true"] or "", score=columns["score"] or "", positive=positive)
        grouped = None
        if resolved.sensitive_features:
            grouped = rank_sums(
                relation,
                y_true=columns["y_true"] or "",
                score=columns["score"] or "",
                positive=positive,
                groups=resolved.sensitive_features,
            )
    total = overall.by_group.get((), RankSums())
    by_group = {}
    if grouped is not None:
        by_group = {key: AUCMetrics.from_sums(s, min_group_size=min_group_size) for key, s in grouped.by_group.items()}
    return AUCFrame(
        overall=AUCMetrics.from_sums(total, min_group_size=0),
        by_group=by_group,
        sensitive_features=resolved.sensitive_features,
        rows=total.positives + total.negatives,
        rows_excluded=overall.excluded.get((), 0),
        min_group_size=min_group_size,
    )
