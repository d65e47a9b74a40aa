"""Distribution statistics of drift: counts, quantiles, bin counts, category counts, merged ECDFs.

Each statistic is a :class:`Query` (its SQL and how to read its rows), so that drift can hand several
independent ones to the engine at once (:func:`run_queries`: side by side on DuckDB, one after the other
elsewhere). The plain functions run one query each. Only small aggregates come back to Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openaims.metrics._errors import MetricsError
from openaims.metrics.sources import Relation

__all__ = [
    "Query",
    "bin_counts",
    "category_counts",
    "category_counts_query",
    "column_counts",
    "columns_bin_counts",
    "columns_bin_counts_query",
    "columns_counts",
    "columns_counts_query",
    "columns_quantiles",
    "columns_quantiles_query",
    "ecdf_distances",
    "ecdf_distances_query",
    "quantiles",
    "run_queries",
]


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _float(value: Any) -> float:
    return 0.0 if value is None else float(value)


def _normalize(value: Any) -> Any:
    from openaims.metrics.stats import normalize_value

    return normalize_value(value)


@dataclass(frozen=True)
class Query:
    """One statistic as a query: the relation it reads, its SQL, and how its rows become the result."""

    relation: Relation
    sql: str
    read: Callable[[list[tuple[Any, ...]]], Any]


def run_queries(queries: Sequence[Query]) -> list[Any]:
    """Run independent queries of one engine, side by side where the engine can; results in order."""
    if not queries:
        return []
    engine = queries[0].relation.engine
    if any(query.relation.engine is not engine for query in queries):
        raise MetricsError("queries run together must read relations of one engine")
    rows = engine.fetch_many([(query.sql, query.relation) for query in queries])
    return [query.read(result) for query, result in zip(queries, rows, strict=True)]


def _one(query: Query) -> Any:
    return run_queries([query])[0]


# ----------------------------------------------------------------------------------------------- counts


def columns_counts_query(relation: Relation, numeric: Sequence[str], other: Sequence[str] = ()) -> Query:
    """``{column: (rows, valid)}`` of several columns in one scan (valid: present, and for numbers finite)."""
    dialect = relation.engine.dialect
    names = [*numeric, *other]
    counts = []
    for column in names:
        ident = dialect.ident(column)
        counts.append(dialect.count_where(dialect.finite(ident) if column in numeric else f"({ident} IS NOT NULL)"))
    sql = f"SELECT {', '.join(['COUNT(*)', *counts])} FROM {relation.sql} AS src"

    def read(rows: list[tuple[Any, ...]]) -> dict[str, tuple[int, int]]:
        row = rows[0]
        return {column: (_int(row[0]), _int(row[i + 1])) for i, column in enumerate(names)}

    return Query(relation, sql, read)


def columns_counts(relation: Relation, numeric: Sequence[str], other: Sequence[str] = ()) -> dict[str, tuple[int, int]]:
    """:func:`column_counts` of several columns in one scan: ``{column: (rows, valid)}``."""
    if not [*numeric, *other]:
        return {}
    return _one(columns_counts_query(relation, numeric, other))


def column_counts(relation: Relation, column: str, *, numeric: bool) -> tuple[int, int]:
    """``(rows, valid)``: all rows, and those whose value is present (for numbers: finite)."""
    return columns_counts(relation, [column] if numeric else [], [] if numeric else [column])[column]


# -------------------------------------------------------------------------------------------- quantiles


def columns_quantiles_query(relation: Relation, columns: Sequence[str], probabilities: Sequence[float]) -> Query:
    """The linearly interpolated quantiles of the finite values of several columns, in one scan.

    The result is ``{column: [quantile, ...]}``, ``None`` for a column without a finite value. DuckDB
    computes all the probabilities of a column in one aggregate (one sort instead of one per
    probability); the other engines get one aggregate per probability.
    """
    dialect = relation.engine.dialect
    selects, widths = [], []
    for column in columns:
        ident = dialect.ident(column)
        value = f"CASE WHEN {dialect.finite(ident)} THEN {dialect.to_double(ident)} END"  # NULLs are ignored
        if dialect.quantile_function == "quantile_cont":
            listed = ", ".join(repr(float(q)) for q in probabilities)
            selects.append(f"quantile_cont({value}, [{listed}])")
            widths.append(1)
        else:
            selects.extend(dialect.quantile(value, q) for q in probabilities)
            widths.append(len(probabilities))
    sql = f"SELECT {', '.join(selects)} FROM {relation.sql} AS src"

    def read(rows: list[tuple[Any, ...]]) -> dict[str, list[float] | None]:
        row = rows[0]
        result: dict[str, list[float] | None] = {}
        position = 0
        for column, width in zip(columns, widths, strict=True):
            if width == 1:
                values = list(row[position]) if row[position] is not None else []
            else:
                values = list(row[position : position + width])
            position += width
            result[column] = None if not values or any(v is None for v in values) else [float(v) for v in values]
        return result

    return Query(relation, sql, read)


def columns_quantiles(
    relation: Relation, columns: Sequence[str], probabilities: Sequence[float]
) -> dict[str, list[float] | None]:
    """:func:`quantiles` of several columns in one scan; ``None`` for a column without a finite value."""
    if not columns or not probabilities:
        return {column: [] for column in columns}
    return _one(columns_quantiles_query(relation, columns, probabilities))


def quantiles(relation: Relation, column: str, probabilities: Sequence[float]) -> list[float]:
    """Linearly interpolated quantiles of the finite values (``numpy.quantile(method="linear")``)."""
    values = columns_quantiles(relation, [column], probabilities)[column]
    if values is None:
        raise MetricsError(f"column '{column}' of {relation.label} has no finite value to take quantiles of")
    return values


# ------------------------------------------------------------------------------------------- histograms


def columns_bin_counts_query(relation: Relation, edges: Mapping[str, Sequence[float]]) -> Query:
    """Counts of each column's finite values in the bins ``(-inf, e1], (e1, e2], ..., (ek, inf)``, in one scan.

    The engine counts the finite values, the values at minus infinity, and the values at or below each
    (finite) edge: NULL and NaN are never at or below an edge, so those counts less the minus
    infinities are the finite values at or below it, and the bins are the differences. One comparison
    per edge keeps the scan about as cheap as reading the columns.
    The result is ``{column: [count, ...]}`` with ``len(edges[column]) + 1`` counts.
    """
    dialect = relation.engine.dialect
    counts = []
    for column, column_edges in edges.items():
        ident = dialect.ident(column)
        value = dialect.to_double(ident)
        counts.append(dialect.count_where(dialect.finite(ident)))
        counts.append(dialect.count_where(f"{value} = {dialect.double(-math.inf)}"))
        counts.extend(dialect.count_where(f"{value} <= {dialect.double(edge)}") for edge in column_edges)
    sql = f"SELECT {', '.join(counts)} FROM {relation.sql} AS src"

    def read(rows: list[tuple[Any, ...]]) -> dict[str, list[int]]:
        values = [_int(v) for v in rows[0]]
        result, position = {}, 0
        for column, column_edges in edges.items():
            valid, minus_infinite = values[position], values[position + 1]
            at_or_below = [n - minus_infinite for n in values[position + 2 : position + 2 + len(column_edges)]]
            position += 2 + len(column_edges)
            cumulative = [*at_or_below, valid]
            result[column] = [cumulative[0]] + [cumulative[i] - cumulative[i - 1] for i in range(1, len(cumulative))]
        return result

    return Query(relation, sql, read)


def columns_bin_counts(relation: Relation, edges: Mapping[str, Sequence[float]]) -> dict[str, list[int]]:
    """:func:`bin_counts` of several columns in one scan."""
    if not edges:
        return {}
    return _one(columns_bin_counts_query(relation, edges))


def bin_counts(relation: Relation, column: str, edges: Sequence[float]) -> list[int]:
    """Counts of finite values in the bins ``(-inf, e1], (e1, e2], ..., (ek, inf)``: ``len(edges) + 1`` bins."""
    return columns_bin_counts(relation, {column: list(edges)})[column]


def category_counts_query(relation: Relation, column: str) -> Query:
    """Rows per category (distinct non-NULL value): ``{category: count}``."""
    ident = relation.engine.dialect.ident(column)
    sql = f"SELECT {ident}, COUNT(*) FROM {relation.sql} AS src WHERE {ident} IS NOT NULL GROUP BY {ident}"

    def read(rows: list[tuple[Any, ...]]) -> dict[Any, int]:
        counts: dict[Any, int] = {}
        for value, n in rows:
            key = _normalize(value)
            counts[key] = counts.get(key, 0) + _int(n)
        return counts

    return Query(relation, sql, read)


def category_counts(relation: Relation, column: str) -> dict[Any, int]:
    """Rows per category (distinct non-NULL value)."""
    return _one(category_counts_query(relation, column))


# -------------------------------------------------------------------------------------- merged ECDFs


def ecdf_distances_query(reference: Relation, current: Relation, column: str, counts: tuple[int, int]) -> Query:
    """The query of :func:`ecdf_distances` when the numbers of finite values ``(nr, nc)`` are known.

    Each reference value weighs ``nc`` and each current value ``-nr``; summed per distinct value and
    run in value order, the weights give ``cr * nc - cc * nr`` at every value in one window pass (one
    sort of the merged distinct values).
    """
    if reference.engine is not current.engine:
        raise MetricsError(f"{reference.label} and {current.label} must be opened in the same engine")
    dialect = reference.engine.dialect
    ident = dialect.ident(column)
    value, finite = dialect.to_double(ident), dialect.finite(ident)
    nr, nc = counts
    ordered = "ORDER BY x"
    sql = (
        f"WITH u AS (SELECT {value} AS x, {nc} AS w FROM {reference.sql} AS ref WHERE {finite} "
        f"UNION ALL SELECT {value} AS x, {-nr} AS w FROM {current.sql} AS cur WHERE {finite}), "
        f"d AS (SELECT x, SUM(w) AS w FROM u GROUP BY x), "
        f"e AS (SELECT SUM(w) OVER ({ordered} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS gap, "
        f"LEAD(x) OVER ({ordered}) - x AS dx FROM d) "
        f"SELECT MAX(ABS(gap)), SUM(ABS(gap) * dx) FROM e"
    )

    def read(rows: list[tuple[Any, ...]]) -> tuple[int, int, float]:
        if nr == 0 or nc == 0:
            return 0, 0, 0.0
        max_gap, area = rows[0]
        return nr * nc, _int(max_gap), _float(area)

    return Query(reference, sql, read)


def ecdf_distances(
    reference: Relation, current: Relation, column: str, *, counts: tuple[int, int] | None = None
) -> tuple[int, int, float]:
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

    ``counts``, the numbers of finite values ``(nr, nc)`` when the caller already has them, saves two scans.
    """
    if reference.engine is not current.engine:
        raise MetricsError(f"{reference.label} and {current.label} must be opened in the same engine")
    if counts is None:
        counts = column_counts(reference, column, numeric=True)[1], column_counts(current, column, numeric=True)[1]
    if counts[0] == 0 or counts[1] == 0:
        return 0, 0, 0.0
    return _one(ecdf_distances_query(reference, current, column, counts))
