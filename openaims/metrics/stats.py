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


def _positive_predicate(relation: Relation, column: str, kind: ColumnKind, positive: Any, *, role: str) -> str:
    """SQL that is true when ``column`` holds the positive label; ``positive=None`` infers it or refuses."""
    dialect = relation.engine.dialect
    ident = dialect.ident(column)
    if kind not in (NUMERIC, BOOLEAN, STRING):
        raise MetricsError(f"{role} column '{column}' has a type that cannot hold labels: use numbers, booleans, text")
    if positive is None:
        if kind == BOOLEAN:
            return f"({ident} = TRUE)"
        rows = relation.fetch(
            f"SELECT DISTINCT {ident} FROM {relation.sql} AS src WHERE {_label_valid(relation, column, kind)} LIMIT 4"
        )
        seen = sorted({normalize_value(row[0]) for row in rows}, key=str)
        numbers = {float(v) for v in seen} if kind == NUMERIC else set()
        if kind == NUMERIC and (numbers <= {0.0, 1.0} or numbers <= {-1.0, 1.0}):
            return f"({ident} = {dialect.double(1.0)})"
        if kind == STRING and set(seen) <= {"0", "1"}:
            return f"({ident} = {dialect.string('1')})"
        shown = ", ".join(repr(v) for v in seen[:3]) + (", ..." if len(seen) > 3 else "")
        raise MetricsError(
            f"{role} column '{column}' has labels {shown}, not 0/1: pass positive= to name the positive label"
        )
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
    kinds = relation.require([y_true], role="y_true")
    relation.require(groups, role="sensitive feature")
    true_valid = _label_valid(relation, y_true, kinds[y_true])
    true_expr = _indicator(true_valid, _positive_predicate(relation, y_true, kinds[y_true], positive, role="y_true"))
    dialect = relation.engine.dialect
    if y_pred is not None:
        pred_kind = relation.require([y_pred], role="y_pred")[y_pred]
        pred_valid = _label_valid(relation, y_pred, pred_kind)
        pred_expr = _indicator(pred_valid, _positive_predicate(relation, y_pred, pred_kind, positive, role="y_pred"))
    else:
        assert score is not None
        _score_kind(relation, score)
        ident = dialect.ident(score)
        pred_expr = _indicator(dialect.not_nan(ident), f"{ident} >= {dialect.double(threshold)}")
    selects, aliases = _group_select(relation, groups)
    inner = ", ".join([*selects, f"{true_expr} AS t", f"{pred_expr} AS p"])
    keys = ", ".join([*aliases, "t", "p"])
    rows = relation.fetch(
        f"SELECT {keys}, COUNT(*) FROM (SELECT {inner} FROM {relation.sql} AS src) AS b GROUP BY {keys}"
    )
    cells: dict[GroupKey, list[int]] = {}
    excluded: dict[GroupKey, int] = {}
    width = len(groups)
    for row in rows:
        key = _key(row[:width], width)
        t, p, n = row[width], row[width + 1], _int(row[width + 2])
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


# --------------------------------------------------------------------------------------------------
# Distributions: counts, quantiles, histograms, categories, merged ECDFs


def column_counts(relation: Relation, column: str, *, numeric: bool) -> tuple[int, int]:
    """``(rows, valid)``: all rows, and those whose value is present (for numbers: finite)."""
    dialect = relation.engine.dialect
    ident = dialect.ident(column)
    valid = dialect.finite(ident) if numeric else f"({ident} IS NOT NULL)"
    row = relation.fetch(f"SELECT COUNT(*), SUM(CASE WHEN {valid} THEN 1 ELSE 0 END) FROM {relation.sql} AS src")[0]
    return _int(row[0]), _int(row[1])


def quantiles(relation: Relation, column: str, probabilities: Sequence[float]) -> list[float]:
    """Linearly interpolated quantiles of the finite values (``numpy.quantile(method="linear")``)."""
    dialect = relation.engine.dialect
    ident = dialect.ident(column)
    value = dialect.to_double(ident)
    selects = ", ".join(dialect.quantile(value, q) for q in probabilities)
    row = relation.fetch(f"SELECT {selects} FROM {relation.sql} AS src WHERE {dialect.finite(ident)}")[0]
    return [float(v) for v in row]


def bin_counts(relation: Relation, column: str, edges: Sequence[float]) -> list[int]:
    """Counts of finite values in the bins ``(-inf, e1], (e1, e2], ..., (ek, inf)``: ``len(edges) + 1`` bins."""
    dialect = relation.engine.dialect
    ident = dialect.ident(column)
    value = dialect.to_double(ident)
    cases = " ".join(f"WHEN {value} <= {dialect.double(edge)} THEN {i}" for i, edge in enumerate(edges))
    bin_expr = f"CASE {cases} ELSE {len(edges)} END" if edges else "0"
    rows = relation.fetch(
        f"SELECT bin, COUNT(*) FROM (SELECT {bin_expr} AS bin FROM {relation.sql} AS src "
        f"WHERE {dialect.finite(ident)}) AS b GROUP BY bin"
    )
    counts = [0] * (len(edges) + 1)
    for bin_index, n in rows:
        counts[int(bin_index)] = _int(n)
    return counts


def category_counts(relation: Relation, column: str) -> dict[Any, int]:
    """Rows per category (distinct non-NULL value)."""
    ident = relation.engine.dialect.ident(column)
    rows = relation.fetch(
        f"SELECT {ident}, COUNT(*) FROM {relation.sql} AS src WHERE {ident} IS NOT NULL GROUP BY {ident}"
    )
    counts: dict[Any, int] = {}
    for value, n in rows:
        key = normalize_value(value)
        counts[key] = counts.get(key, 0) + _int(n)
    return counts


def ecdf_distances(reference: Relation, current: Relation, column: str) -> tuple[int, int, float]:
    """Distances between the empirical distribution functions of two samples, from one sorted merge.

    The engine merges the two samples' distinct-value counts in sorted order and keeps running counts
    ``cr`` and ``cc`` (values at or below ``x``) in each. With ``nr`` and ``nc`` finite values,
    ``F(x) - G(x) = (cr * nc - cc * nr) / (nr * nc)``.

    Returns
    -------
    tuple
        ``(nr * nc, max |cr * nc - cc * nr|, sum |cr * nc - cc * nr| * (next x - x))``. The
        Kolmogorov-Smirnov statistic is the second divided by the first (exact integers), the
        Wasserstein-1 distance (the area between the two distribution functions) the third divided by
        the first. ``(0, 0, 0.0)`` when either sample is empty.
    """
    if reference.engine is not current.engine:
        raise MetricsError(f"{reference.label} and {current.label} must be opened in the same engine")
    dialect = reference.engine.dialect
    ident = dialect.ident(column)
    value = dialect.to_double(ident)
    finite = dialect.finite(ident)
    nr = column_counts(reference, column, numeric=True)[1]
    nc = column_counts(current, column, numeric=True)[1]
    if nr == 0 or nc == 0:
        return 0, 0, 0.0
    running = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    sql = (
        f"WITH u AS (SELECT {value} AS x, 1 AS r, 0 AS c FROM {reference.sql} AS ref WHERE {finite} "
        f"UNION ALL SELECT {value} AS x, 0 AS r, 1 AS c FROM {current.sql} AS cur WHERE {finite}), "
        f"d AS (SELECT x, SUM(r) AS r, SUM(c) AS c FROM u GROUP BY x), "
        f"e AS (SELECT SUM(r) OVER (ORDER BY x {running}) * {nc} - SUM(c) OVER (ORDER BY x {running}) * {nr} AS gap, "
        f"LEAD(x) OVER (ORDER BY x) - x AS dx FROM d) "
        f"SELECT MAX(ABS(gap)), SUM(ABS(gap) * dx) FROM e"
    )
    row = reference.fetch(sql)[0]
    return nr * nc, _int(row[0]), _float(row[1])
