"""Sufficient statistics, computed by the engine that holds the data.

Each function here sends one SQL query to a :class:`~openaims.metrics.sources.Relation`'s engine and
returns a small aggregate: confusion counts per group, error sums per group, rank sums per group,
quantiles, histogram counts, category counts, and the two distances read off the merged empirical
distribution functions of two samples. Every metric of :mod:`~openaims.metrics.fairness`,
:mod:`~openaims.metrics.performance` and :mod:`~openaims.metrics.drift` is computed from these alone, so
no row of the data comes back to Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import NormalDist
from typing import Any

from openaims.metrics._distributions import (
    bin_counts,
    category_counts,
    column_counts,
    columns_bin_counts,
    columns_counts,
    columns_quantiles,
    ecdf_distances,
    quantiles,
)
from openaims.metrics._errors import MetricsError
from openaims.metrics.sources import BOOLEAN, NUMERIC, STRING, ColumnKind, Relation

__all__ = [
    "ConfusionCounts",
    "GroupedCounts",
    "RankSums",
    "RegressionSums",
    "bin_counts",
    "category_counts",
    "column_counts",
    "columns_bin_counts",
    "columns_counts",
    "columns_quantiles",
    "confusion_counts",
    "ecdf_distances",
    "quantiles",
    "rank_sums",
    "regression_sums",
    "wilson_interval",
]

GroupKey = Any
"""A group: one value for one sensitive feature, a tuple of values for several; ``None`` for missing."""


def normalize_value(value: Any) -> Any:
    """Turn an engine's value into the plain Python value used as a group or category key.

    Decimals become ``int`` when integral and ``float`` otherwise, and NaN becomes ``None``, so that the
    same data gives the same keys on every engine.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None if value.is_nan() else float(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _key(values: Sequence[Any], width: int) -> GroupKey:
    normalized = tuple(normalize_value(v) for v in values)
    if width == 0:
        return ()
    return normalized[0] if width == 1 else normalized


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _float(value: Any) -> float:
    return 0.0 if value is None else float(value)


def wilson_interval(successes: int, trials: int, *, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes, trials : int
        Counts; ``trials`` may be 0, in which case there is no interval.
    confidence : float, default 0.95
        Two-sided confidence level.

    Returns
    -------
    tuple of float or None
        ``(low, high)``, within ``[0, 1]``; ``None`` when ``trials`` is 0.
    """
    if trials <= 0:
        return None
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    center = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # At 0 and n successes the bound is exactly 0 or 1; rounding would leave it a hair inside.
    low = 0.0 if successes == 0 else max(0.0, center - half)
    high = 1.0 if successes == trials else min(1.0, center + half)
    return low, high


# --------------------------------------------------------------------------------------------------
# Labels


def _label_valid(relation: Relation, column: str, kind: ColumnKind) -> str:
    dialect = relation.engine.dialect
    ident = dialect.ident(column)
    return dialect.not_nan(ident) if kind == NUMERIC else f"({ident} IS NOT NULL)"


def _binary_positive(column: str, kind: ColumnKind, seen: Sequence[Any], *, role: str) -> Any:
    """The positive label inferred from the distinct (normalized, non-missing) labels ``seen``; refuse others.

    Booleans: ``True``. Numbers within ``{0, 1}`` or ``{-1, 1}``: ``1``. Text within ``{"0", "1"}``: ``"1"``.
    """
    if kind == BOOLEAN:
        return True
    if kind == NUMERIC:
        numbers = {float(v) for v in seen}
        if numbers <= {0.0, 1.0} or numbers <= {-1.0, 1.0}:
            return 1.0
    if kind == STRING and set(seen) <= {"0", "1"}:
        return "1"
    ordered = sorted(set(seen), key=lambda v: (0, v, "") if isinstance(v, int | float) else (1, 0, str(v)))
    shown = ", ".join(repr(v) for v in ordered[:3]) + (", ..." if len(ordered) > 3 else "")
    raise MetricsError(
        f"{role} column '{column}' has labels {shown}, not 0/1: pass positive= to name the positive label"
    )


def _check_label_kind(column: str, kind: ColumnKind, *, role: str) -> None:
    if kind not in (NUMERIC, BOOLEAN, STRING):
        raise MetricsError(f"{role} column '{column}' has a type that cannot hold labels: use numbers, booleans, text")


def _positive_predicate(relation: Relation, column: str, kind: ColumnKind, positive: Any, *, role: str) -> str:
    """SQL that is true when ``column`` holds the positive label; ``positive=None`` infers it or refuses."""
    dialect = relation.engine.dialect
    ident = dialect.ident(column)
    _check_label_kind(column, kind, role=role)
    if positive is None:
        if kind == BOOLEAN:
            return f"({ident} = TRUE)"
        rows = relation.fetch(
            f"SELECT DISTINCT {ident} FROM {relation.sql} AS src WHERE {_label_valid(relation, column, kind)} LIMIT 4"
        )
        inferred = _binary_positive(column, kind, [normalize_value(row[0]) for row in rows], role=role)
        if kind == NUMERIC:
            return f"({ident} = {dialect.double(1.0)})"
        return f"({ident} = {dialect.string(inferred)})"
    if kind == BOOLEAN:
        truth = {True: True, False: False, "true": True, "false": False}  # 1 == True and 0 == False as keys
        key = positive.lower() if isinstance(positive, str) else positive
        if key not in truth:
            raise MetricsError(f"positive={positive!r} is not a boolean, but {role} column '{column}' is boolean")
        return f"({ident} = {'TRUE' if truth[key] else 'FALSE'})"
    if kind == NUMERIC:
        try:
            number = float(positive)
        except (TypeError, ValueError):
            raise MetricsError(
                f"positive={positive!r} is not a number, but {role} column '{column}' is numeric"
            ) from None
        return f"({ident} = {dialect.double(number)})"
    return f"({ident} = {dialect.string(str(positive))})"


def _indicator(valid: str, predicate: str) -> str:
    """1 when the predicate holds, 0 when not, NULL when the value is missing."""
    return f"CASE WHEN {valid} THEN (CASE WHEN {predicate} THEN 1 ELSE 0 END) END"


def _score_kind(relation: Relation, score: str) -> None:
    if relation.require([score], role="score")[score] != NUMERIC:
        raise MetricsError(f"score column '{score}' must be numeric")


# --------------------------------------------------------------------------------------------------
# Classification: confusion counts per group


@dataclass(frozen=True)
class ConfusionCounts:
    """True/false positives and negatives: the sufficient statistics of every binary classification rate."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0

    @property
    def count(self) -> int:
        """Number of rows counted."""
        return self.true_positives + self.false_positives + self.false_negatives + self.true_negatives

    def __add__(self, other: ConfusionCounts) -> ConfusionCounts:
        return ConfusionCounts(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
            self.true_negatives + other.true_negatives,
        )


@dataclass(frozen=True)
class GroupedCounts:
    """Statistics per group, with the rows of each group left out because a value was missing."""

    by_group: dict[GroupKey, Any]
    excluded: dict[GroupKey, int]


def _group_select(relation: Relation, groups: Sequence[str]) -> tuple[list[str], list[str]]:
    """Select expressions ``<col> AS g0`` and the aliases."""
    dialect = relation.engine.dialect
    aliases = [f"g{i}" for i in range(len(groups))]
    return [f"{dialect.ident(col)} AS {alias}" for col, alias in zip(groups, aliases, strict=True)], aliases


def confusion_counts(
    relation: Relation,
    *,
    y_true: str,
    y_pred: str | None = None,
    score: str | None = None,
    threshold: float = 0.5,
    positive: Any = None,
    groups: Sequence[str] = (),
) -> GroupedCounts:
    """Confusion counts per group, counted by the engine.

    Parameters
    ----------
    relation : Relation
        The prediction log.
    y_true : str
        Column of true labels.
    y_pred : str, optional
        Column of predicted labels; give it or ``score``.
    score : str, optional
        Column of scores; a row is predicted positive when ``score >= threshold``.
    threshold : float, default 0.5
        Decision threshold for ``score``.
    positive : scalar, optional
        The positive label of ``y_true`` and ``y_pred``. Inferred only when the labels are booleans or
        within ``{0, 1}`` / ``{-1, 1}``; any other label is negative (one-vs-rest).
    groups : sequence of str
        Sensitive feature columns; their value combinations are the groups.

    Returns
    -------
    GroupedCounts
        :class:`ConfusionCounts` per group, and the rows per group left out because a label or score
        was missing (NULL or NaN).
    """
    if (y_pred is None) == (score is None):
        raise MetricsError("pass exactly one of y_pred or score")
    kinds = dict(relation.require([y_true], role="y_true"))
    relation.require(groups, role="sensitive feature")
    labels = {"y_true": y_true} if y_pred is None else {"y_true": y_true, "y_pred": y_pred}
    if y_pred is not None:
        kinds.update(relation.require([y_pred], role="y_pred"))
    else:
        assert score is not None
        _score_kind(relation, score)
    for role, column in labels.items():
        _check_label_kind(column, kinds[column], role=role)
    # Labels to infer are grouped by their raw values and mapped in Python, so that no separate scan looks
    # for the distinct labels; when there are too many raw values, the labels are inferred first instead.
    raw = {role for role, column in labels.items() if positive is None and kinds[column] != BOOLEAN}
    if raw:
        counted = _confusion_rows(relation, labels, kinds, score, threshold, positive, groups, raw=raw)
        if counted is not None:
            return counted
    counted = _confusion_rows(relation, labels, kinds, score, threshold, positive, groups, raw=set())
    assert counted is not None
    return counted


_MAX_RAW_CELLS = 100_000
"""Most result rows of the raw-label count; beyond, the labels are not a classifier's (and are refused)."""


def _confusion_rows(
    relation: Relation,
    labels: dict[str, str],
    kinds: dict[str, ColumnKind],
    score: str | None,
    threshold: float,
    positive: Any,
    groups: Sequence[str],
    *,
    raw: set[str],
) -> GroupedCounts | None:
    """Count rows per group and label pair; ``None`` when the ``raw`` label columns hold too many values."""
    dialect = relation.engine.dialect
    expressions = {}
    for role, column in labels.items():
        if role in raw:
            ident = dialect.ident(column)
            valid = _label_valid(relation, column, kinds[column])
            expressions[role] = f"CASE WHEN {valid} THEN {ident} END"
        else:
            valid = _label_valid(relation, column, kinds[column])
            predicate = _positive_predicate(relation, column, kinds[column], positive, role=role)
            expressions[role] = _indicator(valid, predicate)
    if score is not None:
        ident = dialect.ident(score)
        expressions["y_pred"] = _indicator(dialect.not_nan(ident), f"{ident} >= {dialect.double(threshold)}")
    selects, aliases = _group_select(relation, groups)
    inner = ", ".join([*selects, f"{expressions['y_true']} AS t", f"{expressions['y_pred']} AS p"])
    keys = ", ".join([*aliases, "t", "p"])
    limit = f" LIMIT {_MAX_RAW_CELLS + 1}" if raw else ""
    rows = relation.fetch(
        f"SELECT {keys}, COUNT(*) FROM (SELECT {inner} FROM {relation.sql} AS src) AS b GROUP BY {keys}{limit}"
    )
    if raw and len(rows) > _MAX_RAW_CELLS:
        return None
    width = len(groups)
    mappings: dict[int, dict[Any, int | None]] = {}
    for index, role in ((width, "y_true"), (width + 1, "y_pred")):
        if role not in raw:
            continue
        column = labels[role]
        values = {normalize_value(row[index]) for row in rows} - {None}
        inferred = _binary_positive(column, kinds[column], sorted(values, key=str), role=role)
        if kinds[column] == NUMERIC:
            mappings[index] = {v: int(float(v) == inferred) for v in values}
        else:
            mappings[index] = {v: int(v == inferred) for v in values}
    cells: dict[GroupKey, list[int]] = {}
    excluded: dict[GroupKey, int] = {}
    for row in rows:
        key = _key(row[:width], width)
        t, p, n = row[width], row[width + 1], _int(row[width + 2])
        if width in mappings:
            t = mappings[width].get(normalize_value(t))
        if width + 1 in mappings:
            p = mappings[width + 1].get(normalize_value(p))
        cell = cells.setdefault(key, [0, 0, 0, 0])
        excluded.setdefault(key, 0)
        if t is None or p is None:
            excluded[key] += n
        else:
            # index: tp=0, fp=1, fn=2, tn=3
            cell[(0 if int(p) else 3) if int(t) == int(p) else (1 if int(p) else 2)] += n
    return GroupedCounts({key: ConfusionCounts(*cell) for key, cell in cells.items()}, excluded)


# --------------------------------------------------------------------------------------------------
# Regression: error sums per group


@dataclass(frozen=True)
class RegressionSums:
    """Count, sum of absolute errors, sum of squared errors and sum of errors (``y_true - y_pred``)."""

    count: int = 0
    sum_absolute_error: float = 0.0
    sum_squared_error: float = 0.0
    sum_error: float = 0.0

    def __add__(self, other: RegressionSums) -> RegressionSums:
        return RegressionSums(
            self.count + other.count,
            self.sum_absolute_error + other.sum_absolute_error,
            self.sum_squared_error + other.sum_squared_error,
            self.sum_error + other.sum_error,
        )


def regression_sums(relation: Relation, *, y_true: str, y_pred: str, groups: Sequence[str] = ()) -> GroupedCounts:
    """Error sums per group; rows where either value is missing or infinite are counted as excluded."""
    kinds = relation.require([y_true, y_pred], role="column")
    for column, kind in kinds.items():
        if kind != NUMERIC:
            raise MetricsError(f"column '{column}' must be numeric for regression metrics")
    relation.require(groups, role="sensitive feature")
    dialect = relation.engine.dialect
    t, p = dialect.ident(y_true), dialect.ident(y_pred)
    difference = f"{dialect.to_double(t)} - {dialect.to_double(p)}"
    error = f"CASE WHEN {dialect.finite(t)} AND {dialect.finite(p)} THEN {difference} END"
    selects, aliases = _group_select(relation, groups)
    inner = ", ".join([*selects, f"{error} AS e"])
    group_by = f" GROUP BY {', '.join(aliases)}" if aliases else ""
    head = "".join(f"{alias}, " for alias in aliases)
    # PostgreSQL raises an error when a product underflows to zero; squares below 1e-300 add nothing anyway.
    square = f"CASE WHEN ABS(e) < {dialect.double(1e-150)} THEN {dialect.double(0.0)} ELSE e * e END"
    rows = relation.fetch(
        f"SELECT {head}COUNT(e), COUNT(*), SUM(ABS(e)), SUM({square}), SUM(e) "
        f"FROM (SELECT {inner} FROM {relation.sql} AS src) AS b{group_by}"
    )
    width = len(groups)
    sums: dict[GroupKey, RegressionSums] = {}
    excluded: dict[GroupKey, int] = {}
    for row in rows:
        n, total = _int(row[width]), _int(row[width + 1])
        if total == 0:
            continue  # an empty table still returns one row when there is no GROUP BY
        key = _key(row[:width], width)
        sums[key] = RegressionSums(n, _float(row[width + 2]), _float(row[width + 3]), _float(row[width + 4]))
        excluded[key] = total - n
    return GroupedCounts(sums, excluded)


# --------------------------------------------------------------------------------------------------
# Scores: rank sums per group (the Mann-Whitney statistic behind the AUC)


@dataclass(frozen=True)
class RankSums:
    """Positives, negatives, and twice the Mann-Whitney U of the positives' scores (ties count half).

    ``AUC = twice_u / (2 * positives * negatives)``.
    """

    positives: int = 0
    negatives: int = 0
    twice_u: int = 0


def rank_sums(
    relation: Relation, *, y_true: str, score: str, positive: Any = None, groups: Sequence[str] = ()
) -> GroupedCounts:
    """Rank sums per group, from score counts merged in sorted order by the engine.

    The engine counts positives and negatives at each distinct score of each group, then a running sum
    over the sorted scores gives, for each score, the negatives scored strictly below it. ``2U`` is
    ``sum(2 * positives * negatives_below + positives * negatives_tied)``: exact, in integers.
    """
    kinds = relation.require([y_true], role="y_true")
    relation.require(groups, role="sensitive feature")
    _score_kind(relation, score)
    dialect = relation.engine.dialect
    label = _indicator(
        _label_valid(relation, y_true, kinds[y_true]),
        _positive_predicate(relation, y_true, kinds[y_true], positive, role="y_true"),
    )
    s = dialect.ident(score)
    score_expr = f"CASE WHEN {dialect.not_nan(s)} THEN {dialect.to_double(s)} END"
    selects, aliases = _group_select(relation, groups)
    head = "".join(f"{alias}, " for alias in aliases)
    partition = f"PARTITION BY {', '.join(aliases)} " if aliases else ""
    group_by = f" GROUP BY {', '.join(aliases)}" if aliases else ""
    base = f"(SELECT {', '.join([*selects, f'{label} AS t', f'{score_expr} AS s'])} FROM {relation.sql} AS src) AS b"
    sql = (
        f"WITH v AS (SELECT {head}s, SUM(t) AS pos, SUM(1 - t) AS neg FROM {base} "
        f"WHERE t IS NOT NULL AND s IS NOT NULL GROUP BY {head}s), "
        f"c AS (SELECT {head}pos, neg, SUM(neg) OVER ({partition}ORDER BY s "
        f"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - neg AS below FROM v) "
        f"SELECT {head}SUM(pos), SUM(neg), SUM(2 * pos * below + pos * neg) FROM c{group_by}"
    )
    width = len(groups)
    sums: dict[GroupKey, RankSums] = {}
    for row in relation.fetch(sql):
        if row[width] is None:
            continue  # no valid row at all
        sums[_key(row[:width], width)] = RankSums(_int(row[width]), _int(row[width + 1]), _int(row[width + 2]))
    excluded_rows = relation.fetch(f"SELECT {head}COUNT(*) FROM {base} WHERE t IS NULL OR s IS NULL{group_by}")
    excluded = {_key(row[:width], width): _int(row[width]) for row in excluded_rows if _int(row[width])}
    for key in excluded:
        sums.setdefault(key, RankSums())
    return GroupedCounts(sums, {key: excluded.get(key, 0) for key in sums})
