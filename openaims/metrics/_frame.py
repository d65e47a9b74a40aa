"""What every grouped result shares: ``overall``, ``by_group``, ``difference()``, ``ratio()``, and input handling."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from openaims.metrics._errors import MetricsError
from openaims.metrics.sources import Relation, open_data

__all__ = ["GroupedFrame", "group_label"]

Method = Literal["between_groups", "to_overall"]

MISSING_GROUP = "(missing)"
"""How a missing (NULL/NaN) sensitive feature value is shown in :meth:`GroupedFrame.to_dict`."""


def _text(value: Any) -> str:
    return MISSING_GROUP if value is None else str(value)


def group_label(key: Any, sensitive_features: Sequence[str]) -> str:
    """The text of a group key: the value for one feature, ``"sex=F & race=B"`` for an intersection."""
    if len(sensitive_features) <= 1:
        return _text(key)
    return " & ".join(f"{name}={_text(value)}" for name, value in zip(sensitive_features, key, strict=True))


def _sort_key(value: Any) -> tuple[Any, ...]:
    if isinstance(value, tuple):
        return tuple(_sort_key(v) for v in value)
    if value is None:
        return (2, "", 0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, "", value)
    return (1, type(value).__name__, str(value))


def sorted_groups(keys: Any) -> list[Any]:
    """Group keys in a stable order: numbers, then other values by text, then missing."""
    return sorted(keys, key=_sort_key)


class GroupedFrame:
    """Metrics overall and per group, shaped like Fairlearn's ``MetricFrame``.

    Attributes
    ----------
    overall : metrics object
        The metrics over all rows.
    by_group : dict
        The metrics of each group, keyed by the group's value (a tuple of values for an intersection of
        several sensitive features; ``None`` for a missing value).
    sensitive_features : tuple of str
        The columns that define the groups.
    rows : int
        Rows counted.
    rows_excluded : int
        Rows left out because a needed value was missing (NULL or NaN).
    min_group_size : int
        Groups with fewer rows are flagged ``small_group`` and left out of :meth:`difference` and
        :meth:`ratio` unless ``include_small_groups=True``.
    """

    #: The metrics that :meth:`difference` and :meth:`ratio` compare across groups.
    compared_metrics: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        overall: Any,
        by_group: Mapping[Any, Any],
        sensitive_features: Sequence[str],
        rows: int,
        rows_excluded: int,
        min_group_size: int,
    ) -> None:
        self.overall = overall
        self.by_group = {key: by_group[key] for key in sorted_groups(by_group)}
        self.sensitive_features = tuple(sensitive_features)
        self.rows = rows
        self.rows_excluded = rows_excluded
        self.min_group_size = min_group_size

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rows={self.rows}, groups={len(self.by_group)})"

    def _values(self, metric: str, include_small_groups: bool) -> list[float]:
        values = []
        for metrics in self.by_group.values():
            value = getattr(metrics, metric)
            if value is not None and (include_small_groups or not metrics.small_group):
                values.append(value)
        return values

    def group_min(self, *, include_small_groups: bool = False) -> dict[str, float | None]:
        """Smallest value of each metric over the groups where it is defined."""
        return {m: min(self._values(m, include_small_groups), default=None) for m in self.compared_metrics}

    def group_max(self, *, include_small_groups: bool = False) -> dict[str, float | None]:
        """Largest value of each metric over the groups where it is defined."""
        return {m: max(self._values(m, include_small_groups), default=None) for m in self.compared_metrics}

    def difference(self, method: Method = "between_groups", *, include_small_groups: bool = False) -> dict[str, Any]:
        """Largest difference of each metric, between groups or from the overall value.

        Parameters
        ----------
        method : {"between_groups", "to_overall"}
            ``between_groups``: largest minus smallest group value. ``to_overall``: largest absolute
            difference between a group's value and the overall value.
        include_small_groups : bool, default False
            Also compare groups smaller than ``min_group_size``.

        Returns
        -------
        dict
            Metric name to difference; ``None`` where fewer than one group has the metric defined.
            Groups where a metric is undefined (a rate with no denominator) are skipped for that metric.
        """
        result: dict[str, Any] = {}
        for metric in self.compared_metrics:
            values = self._values(metric, include_small_groups)
            overall = getattr(self.overall, metric)
            if not values:
                result[metric] = None
            elif method == "between_groups":
                result[metric] = max(values) - min(values)
            elif method == "to_overall":
                result[metric] = None if overall is None else max(abs(v - overall) for v in values)
            else:
                raise MetricsError(f"method must be 'between_groups' or 'to_overall', not {method!r}")
        return result

    def ratio(self, method: Method = "between_groups", *, include_small_groups: bool = False) -> dict[str, Any]:
        """Smallest ratio (at most 1) of each metric, between groups or to the overall value.

        Parameters
        ----------
        method : {"between_groups", "to_overall"}
            ``between_groups``: smallest group value over largest. ``to_overall``: smallest of
            ``group / overall`` and ``overall / group`` over the groups.
        include_small_groups : bool, default False
            Also compare groups smaller than ``min_group_size``.

        Returns
        -------
        dict
            Metric name to ratio; ``None`` where undefined (no group, or a zero denominator).
        """
        result: dict[str, Any] = {}
        for metric in self.compared_metrics:
            values = self._values(metric, include_small_groups)
            overall = getattr(self.overall, metric)
            if not values:
                result[metric] = None
            elif method == "between_groups":
                result[metric] = None if max(values) == 0 else min(values) / max(values)
            elif method == "to_overall":
                if overall is None or overall == 0:
                    result[metric] = None
                else:
                    ratios = [v / overall for v in values]
                    result[metric] = min(r if r <= 1 else 1 / r for r in ratios) if all(ratios) else 0.0
            else:
                raise MetricsError(f"method must be 'between_groups' or 'to_overall', not {method!r}")
        return result

    def differences(self) -> dict[str, Any]:
        """The headline comparison written under ``"differences"`` in :meth:`to_dict`."""
        return self.difference()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary: ``{"rows", "overall", "by_group", "differences"}``."""
        return {
            "rows": self.rows,
            "overall": self.overall.to_dict(),
            "by_group": {
                group_label(key, self.sensitive_features): metrics.to_dict() for key, metrics in self.by_group.items()
            },
            "differences": self.differences(),
        }


def rate(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator``, or ``None`` when the denominator is 0 (the rate is undefined)."""
    return numerator / denominator if denominator else None


def json_number(value: float | None) -> float | None:
    """A float JSON can hold: NaN and infinities become ``None``."""
    return None if value is None or not math.isfinite(value) else value


# --------------------------------------------------------------------------------------------------
# Inputs: columns of a relation, or arrays


@dataclass(frozen=True)
class Inputs:
    """The relation to compute over and the column that plays each role."""

    relation: Relation
    columns: dict[str, str | None]
    sensitive_features: tuple[str, ...]


def _sensitive_names(sensitive_features: Any) -> tuple[str, ...]:
    if sensitive_features is None:
        return ()
    if isinstance(sensitive_features, str):
        return (sensitive_features,)
    if isinstance(sensitive_features, Sequence) and all(isinstance(s, str) for s in sensitive_features):
        return tuple(sensitive_features)
    raise MetricsError("sensitive_features must be a column name or a list of column names when data is given")


def _sensitive_arrays(sensitive_features: Any) -> dict[str, Any]:
    """Named 1-D arrays from an array, a 2-D array, a mapping, a pandas Series or DataFrame."""
    import numpy as np

    if sensitive_features is None:
        return {}
    if isinstance(sensitive_features, Mapping):
        return {str(name): values for name, values in sensitive_features.items()}
    columns = getattr(sensitive_features, "columns", None)
    if columns is not None:  # a pandas or polars DataFrame
        return {str(name): sensitive_features[name] for name in columns}
    name = getattr(sensitive_features, "name", None)
    if isinstance(name, str) and name:
        return {name: sensitive_features}
    array = np.asarray(sensitive_features, dtype=object)
    if array.ndim == 2:
        return {f"sensitive_feature_{i}": array[:, i] for i in range(array.shape[1])}
    return {"sensitive_feature_0": sensitive_features}


def _column_array(values: Any, role: str) -> Any:
    """A 1-D numpy array DuckDB can scan: text as objects, numbers and booleans as they are."""
    import numpy as np

    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    array = np.asarray(values)
    if array.ndim != 1:
        raise MetricsError(f"{role} must be one-dimensional, not of shape {array.shape}")
    if array.dtype.kind in "USO":
        array = np.array(
            [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in array.tolist()], dtype=object
        )
        kinds = {type(v) for v in array.tolist() if v is not None}
        if kinds - {str} and len(kinds) > 1:
            array = np.array([None if v is None else str(v) for v in array.tolist()], dtype=object)
    return array


@contextmanager
def inputs(data: Any, roles: Mapping[str, Any], sensitive_features: Any) -> Iterator[Inputs]:
    """Resolve the inputs of a metric function to a relation and column names.

    With ``data``, every role and sensitive feature is a column name. Without it, they are arrays, put
    side by side in a DuckDB table. A relation opened here is closed when the block ends.
    """
    if data is not None:
        for role, value in roles.items():
            if value is not None and not isinstance(value, str):
                raise MetricsError(f"{role} must be a column name (str) when data is given")
        owned = not isinstance(data, Relation)
        relation = open_data(data)
        try:
            yield Inputs(relation, dict(roles), _sensitive_names(sensitive_features))
        finally:
            if owned:
                relation.engine.close()
        return
    arrays: dict[str, Any] = {}
    columns: dict[str, str | None] = {}
    for role, values in roles.items():
        if values is None:
            columns[role] = None
            continue
        if isinstance(values, str):
            raise MetricsError(f"{role}={values!r} is a column name, but no data= was given")
        arrays[role] = _column_array(values, role)
        columns[role] = role
    named = _sensitive_arrays(sensitive_features)
    for name, values in named.items():
        if name in arrays:
            raise MetricsError(f"sensitive feature name '{name}' clashes with an input; name it otherwise")
        arrays[name] = _column_array(values, f"sensitive feature '{name}'")
    lengths = {name: len(values) for name, values in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise MetricsError(f"inputs differ in length: {shown}")
    from openaims.metrics._duckdb import DuckDBEngine

    with DuckDBEngine() as engine:
        yield Inputs(engine.read(arrays), columns, tuple(named))
