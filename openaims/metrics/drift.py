"""Data drift per column, between a reference window and a current window.

Numeric columns
    The engine computes the reference deciles (:func:`~openaims.metrics.stats.columns_quantiles`, linear
    interpolation) and both windows' counts in the bins they bound
    (:func:`~openaims.metrics.stats.columns_bin_counts`), each for all columns in one scan per window.
    PSI and Jensen-Shannon distance are read off those counts. The Kolmogorov-Smirnov statistic and
    the Wasserstein distance come from one exact merge of the two windows' sorted distinct values
    (:func:`~openaims.metrics.stats.ecdf_distances`); both equal scipy's ``ks_2samp`` and
    ``wasserstein_distance`` on the same values. Independent queries run side by side where the engine
    can (DuckDB reading files: one connection per core), which halves the time of the sorts.
Categorical columns (text, booleans, or numbers listed in ``categorical=``)
    PSI and Jensen-Shannon distance over category frequencies; KS and Wasserstein do not apply (``None``).

Binning
    ``bins`` (default 10) reference quantile bins: the edges are the reference quantiles at
    ``1/bins, 2/bins, ..., (bins-1)/bins`` (repeated edges merged, so a column with few distinct values
    gets fewer bins), and bin ``i`` holds the values ``x`` with ``edge[i-1] < x <= edge[i]``; the first
    and last bins are open-ended, so every current value falls in a bin.

PSI
    ``sum((c_i - r_i) * ln(c_i / r_i))`` over the bins (or categories), with ``r_i`` and ``c_i`` the
    reference and current proportions; an empty bin's proportion is replaced by ``epsilon`` (default
    ``1e-4``) so that the logarithm is defined.

Jensen-Shannon distance
    The square root of the Jensen-Shannon divergence in base 2, on the same bins (or categories):
    between 0 (same distribution) and 1 (disjoint).

KS p-value
    Two-sided, from Smirnov's asymptotic distribution as scipy's ``ks_2samp(method="asymp")`` computes
    it: ``scipy.stats.kstwo.sf(D, round(n * m / (n + m)))`` (1 when each window has one value, where
    that formula is undefined and the exact p-value is 1).

Missing values
    NULL (and, for numbers, NaN and infinities) are counted in ``reference_missing`` and
    ``current_missing`` and left out of every distribution.

Drift decision
    A column has ``drifted`` when any threshold that is set is crossed. By default only PSI is:
    ``psi >= 0.2``, the usual "significant shift" level (below 0.1 is commonly read as no shift, 0.1 to
    0.2 as moderate). :class:`DriftThresholds` also sets a Jensen-Shannon distance, a KS p-value or a
    Wasserstein distance threshold. A column with an empty window (no value in reference or current)
    has no metrics and ``drifted=False``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from openaims.metrics._distributions import (
    category_counts_query,
    columns_bin_counts_query,
    columns_counts_query,
    columns_quantiles_query,
    ecdf_distances_query,
    run_queries,
)
from openaims.metrics._errors import MetricsError
from openaims.metrics.sources import NUMERIC, Relation, open_data

__all__ = [
    "ColumnDrift",
    "DriftReport",
    "DriftThresholds",
    "drift",
    "jensen_shannon_distance",
    "population_stability_index",
]

DEFAULT_BINS = 10
DEFAULT_EPSILON = 1e-4


@dataclass(frozen=True)
class DriftThresholds:
    """When a column counts as drifted: any threshold that is not ``None`` and is crossed.

    Parameters
    ----------
    psi : float or None, default 0.2
        Drifted when PSI is at least this.
    jensen_shannon : float or None, default None
        Drifted when the Jensen-Shannon distance is at least this (0.1 is a common choice).
    ks_pvalue : float or None, default None
        Drifted when the KS p-value is below this (numeric columns only; with large windows even
        negligible shifts are significant).
    wasserstein : float or None, default None
        Drifted when the Wasserstein distance (in the column's unit) is at least this.
    """

    psi: float | None = 0.2
    jensen_shannon: float | None = None
    ks_pvalue: float | None = None
    wasserstein: float | None = None


@dataclass(frozen=True)
class ColumnDrift:
    """Drift of one column. Metrics are ``None`` where they do not apply or a window is empty."""

    column: str
    kind: str
    reference_count: int
    current_count: int
    reference_missing: int
    current_missing: int
    psi: float | None
    jensen_shannon: float | None
    ks_statistic: float | None
    ks_pvalue: float | None
    wasserstein: float | None
    drifted: bool

    def to_dict(self) -> dict[str, Any]:
        """The metrics, ``drifted``, the kind and the counts, JSON-able."""
        result = asdict(self)
        del result["column"]
        return result


@dataclass(frozen=True)
class DriftReport:
    """Drift of every compared column."""

    columns: dict[str, ColumnDrift]
    thresholds: DriftThresholds

    @property
    def drifted(self) -> bool:
        """Whether any column drifted."""
        return any(column.drifted for column in self.columns.values())

    @property
    def drifted_columns(self) -> list[str]:
        """Names of the drifted columns."""
        return [name for name, column in self.columns.items() if column.drifted]

    def to_dict(self) -> dict[str, Any]:
        """``{"columns": {"<column>": {"psi", "jensen_shannon", "ks_statistic", "ks_pvalue", ...}}}``."""
        return {"columns": {name: column.to_dict() for name, column in self.columns.items()}}


def population_stability_index(
    reference_counts: Sequence[int], current_counts: Sequence[int], *, epsilon: float = DEFAULT_EPSILON
) -> float:
    """PSI of two histograms over the same bins; an empty bin's proportion becomes ``epsilon``."""
    n_ref, n_cur = sum(reference_counts), sum(current_counts)
    total = 0.0
    for r, c in zip(reference_counts, current_counts, strict=True):
        p = max(r / n_ref, epsilon)
        q = max(c / n_cur, epsilon)
        total += (q - p) * math.log(q / p)
    return total


def jensen_shannon_distance(reference_counts: Sequence[int], current_counts: Sequence[int]) -> float:
    """Jensen-Shannon distance (base 2) of two histograms over the same bins, in ``[0, 1]``."""
    n_ref, n_cur = sum(reference_counts), sum(current_counts)
    divergence = 0.0
    for r, c in zip(reference_counts, current_counts, strict=True):
        p, q = r / n_ref, c / n_cur
        m = (p + q) / 2
        if p > 0:
            divergence += p * math.log2(p / m) / 2
        if q > 0:
            divergence += q * math.log2(q / m) / 2
    return math.sqrt(min(1.0, max(0.0, divergence)))


def _ks_pvalue(statistic: float, n_ref: int, n_cur: int) -> float:
    from scipy.stats import kstwo

    m, n = sorted([float(n_ref), float(n_cur)], reverse=True)
    effective = round(m * n / (m + n))
    if effective < 1:
        return 1.0  # one value in each window (n * m / (n + m) = 1/2): the exact p-value is 1 whatever D is
    return float(min(1.0, max(0.0, kstwo.sf(statistic, effective))))


def _decide(thresholds: DriftThresholds, metrics: dict[str, float | None]) -> bool:
    checks = [
        (metrics["psi"], thresholds.psi, lambda v, t: v >= t),
        (metrics["jensen_shannon"], thresholds.jensen_shannon, lambda v, t: v >= t),
        (metrics["ks_pvalue"], thresholds.ks_pvalue, lambda v, t: v < t),
        (metrics["wasserstein"], thresholds.wasserstein, lambda v, t: v >= t),
    ]
    return any(value is not None and limit is not None and crossed(value, limit) for value, limit, crossed in checks)


def _counts_only(kind: str, reference: tuple[int, int], current: tuple[int, int]) -> dict[str, Any]:
    """A column's result before its metrics: kind, valid and missing counts, every metric ``None``."""
    return {
        "kind": kind,
        "reference_count": reference[1],
        "current_count": current[1],
        "reference_missing": reference[0] - reference[1],
        "current_missing": current[0] - current[1],
        "psi": None,
        "jensen_shannon": None,
        "ks_statistic": None,
        "ks_pvalue": None,
        "wasserstein": None,
    }


def _chunks(names: list[str], parts: int) -> list[list[str]]:
    """``names`` dealt into at most ``parts`` non-empty lists."""
    parts = max(1, min(parts, len(names)))
    return [names[i::parts] for i in range(parts)] if names else []


def _compare(
    reference: Relation,
    current: Relation,
    numeric: list[str],
    categorical: list[str],
    *,
    bins: int,
    epsilon: float,
    distances: bool,
) -> dict[str, dict[str, Any]]:
    """The metrics of every column, from batched statistics in three rounds of independent queries.

    1. The counts of all columns in each window, the reference quantiles of the numeric columns, and
       the category counts; 2. the bin counts of all numeric columns in each window; 3. one sorted merge
       per numeric column for KS and Wasserstein. The queries of a round run side by side where the
       engine can (DuckDB): an exact quantile or a window over a whole table finishes on one thread, so
       the reference quantiles are split into as many queries as the engine runs at once.
    """
    engine = reference.engine
    probabilities = [i / bins for i in range(1, bins)] if bins > 1 else []
    quantile_parts = _chunks(numeric, engine.parallel_queries) if probabilities else []
    first = [columns_counts_query(reference, numeric, categorical), columns_counts_query(current, numeric, categorical)]
    first += [columns_quantiles_query(reference, part, probabilities) for part in quantile_parts]
    first += [category_counts_query(window, name) for name in categorical for window in (reference, current)]
    answers = run_queries(first) if [*numeric, *categorical] else [{}, {}]
    ref_counts, cur_counts = answers[0], answers[1]
    deciles: dict[str, list[float] | None] = {name: [] for name in numeric}
    for part in answers[2 : 2 + len(quantile_parts)]:
        deciles.update(part)
    categories = answers[2 + len(quantile_parts) :]

    results = {}
    for name in numeric:
        results[name] = _counts_only("numeric", ref_counts[name], cur_counts[name])
    for name in categorical:
        results[name] = _counts_only("categorical", ref_counts[name], cur_counts[name])
    filled = {name for name in [*numeric, *categorical] if ref_counts[name][1] and cur_counts[name][1]}
    usable = [name for name in numeric if name in filled]

    edges = {name: sorted(set(deciles[name] or [])) for name in usable}
    second = [columns_bin_counts_query(reference, edges), columns_bin_counts_query(current, edges)] if usable else []
    if distances:
        second += [
            ecdf_distances_query(reference, current, name, (ref_counts[name][1], cur_counts[name][1]))
            for name in usable
        ]
    answers = run_queries(second)
    ref_hists, cur_hists = (answers[0], answers[1]) if usable else ({}, {})
    merges = dict(zip(usable, answers[2:], strict=False))
    for name in usable:
        ref_hist, cur_hist = ref_hists[name], cur_hists[name]
        results[name].update(
            psi=population_stability_index(ref_hist, cur_hist, epsilon=epsilon),
            jensen_shannon=jensen_shannon_distance(ref_hist, cur_hist),
        )
        if distances:
            pairs, max_gap, area = merges[name]
            statistic = max_gap / pairs
            results[name].update(
                ks_statistic=statistic,
                ks_pvalue=_ks_pvalue(statistic, ref_counts[name][1], cur_counts[name][1]),
                wasserstein=area / pairs,
            )
    for index, name in enumerate(categorical):
        if name not in filled:
            continue
        ref_categories, cur_categories = categories[2 * index], categories[2 * index + 1]
        keys = list(ref_categories) + [c for c in cur_categories if c not in ref_categories]
        ref_hist = [ref_categories.get(c, 0) for c in keys]
        cur_hist = [cur_categories.get(c, 0) for c in keys]
        results[name].update(
            psi=population_stability_index(ref_hist, cur_hist, epsilon=epsilon),
            jensen_shannon=jensen_shannon_distance(ref_hist, cur_hist),
        )
    return results


def drift(
    reference: Any,
    current: Any,
    *,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] = (),
    bins: int = DEFAULT_BINS,
    epsilon: float = DEFAULT_EPSILON,
    thresholds: DriftThresholds | None = None,
    distances: bool = True,
) -> DriftReport:
    """Compare each column's distribution in a current window with a reference window.

    Parameters
    ----------
    reference, current : object
        The two windows: anything :func:`openaims.metrics.open_data` opens. Both must be in the same
        engine (two files or frames are opened in one DuckDB; two relations of one
        :class:`~openaims.metrics.PostgresEngine` or :class:`~openaims.metrics.SparkEngine` also work).
    columns : sequence of str, optional
        The columns to compare; by default every column the two windows share.
    categorical : sequence of str, optional
        Numeric columns to compare as categories (codes, small integers).
    bins : int, default 10
        Number of reference quantile bins for PSI and Jensen-Shannon on numeric columns.
    epsilon : float, default 1e-4
        Proportion given to an empty bin in PSI.
    thresholds : DriftThresholds, optional
        When a column counts as drifted; by default PSI of at least 0.2.
    distances : bool, default True
        Compute the KS statistic and p-value and the Wasserstein distance of numeric columns. They need
        one sorted merge of both windows per column, the costliest step; ``False`` leaves them ``None``
        and keeps only PSI and Jensen-Shannon.

    Returns
    -------
    DriftReport

    Raises
    ------
    MetricsError
        For a column missing from either window, a column numeric in one window and not the other, or
        windows in different engines.
    """
    thresholds = thresholds or DriftThresholds()
    if bins < 1:
        raise MetricsError(f"bins must be at least 1, not {bins}")
    owned = []
    ref = open_data(reference)
    if not isinstance(reference, Relation):
        owned.append(ref.engine)
    try:
        cur = open_data(current, engine=None if isinstance(current, Relation) else ref.engine)
        if cur.engine is not ref.engine:
            raise MetricsError(f"{ref.label} and {cur.label} must be opened in the same engine to be compared")
        names = list(columns) if columns is not None else [c for c in ref.columns if c in cur.columns]
        ref_kinds = ref.require(names)
        cur_kinds = cur.require(names)
        unknown = [c for c in categorical if c not in names]
        if unknown:
            raise MetricsError(f"categorical column '{unknown[0]}' is not among the compared columns")
        numeric_names: list[str] = []
        categorical_names: list[str] = []
        for name in names:
            numeric = ref_kinds[name] == NUMERIC and name not in categorical
            if numeric != (cur_kinds[name] == NUMERIC and name not in categorical):
                raise MetricsError(f"column '{name}' is numeric in one window and not in the other")
            (numeric_names if numeric else categorical_names).append(name)
        computed = _compare(ref, cur, numeric_names, categorical_names, bins=bins, epsilon=epsilon, distances=distances)
        results = {
            name: ColumnDrift(column=name, **computed[name], drifted=_decide(thresholds, computed[name]))
            for name in names
        }
        return DriftReport(columns=results, thresholds=thresholds)
    finally:
        for engine in owned:
            engine.close()
