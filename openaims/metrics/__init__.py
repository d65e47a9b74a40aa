"""The monitoring engine: fairness, drift and performance metrics computed where the data lives.

Framework-free (nothing here imports Django). Metrics are computed from sufficient statistics - counts
per group and label, error and rank sums, quantiles, histograms, sorted merges - that the engine holding
the prediction logs aggregates: DuckDB in-process by default (CSV, Parquet, Arrow, pandas, polars),
PostgreSQL, or Spark. Only those small aggregates come back to Python.

>>> from openaims.metrics import fairness
>>> frame = fairness("label", "approved", sensitive_features="sex", data="predictions.parquet")  # doctest: +SKIP
>>> frame.differences()["demographic_parity_ratio"]  # doctest: +SKIP
"""

from openaims.metrics._errors import MetricsError
from openaims.metrics._frame import GroupedFrame
from openaims.metrics.drift import (
    ColumnDrift,
    DriftReport,
    DriftThresholds,
    drift,
    jensen_shannon_distance,
    population_stability_index,
)
from openaims.metrics.fairness import (
    ClassificationMetrics,
    FairnessFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    fairness,
)
from openaims.metrics.performance import (
    AUCFrame,
    AUCMetrics,
    RegressionFrame,
    RegressionMetrics,
    regression_metrics,
    roc_auc,
)
from openaims.metrics.sources import Engine, Relation, open_data
from openaims.metrics.stats import ConfusionCounts, wilson_interval

__all__ = [
    "AUCFrame",
    "AUCMetrics",
    "ClassificationMetrics",
    "ColumnDrift",
    "ConfusionCounts",
    "DriftReport",
    "DriftThresholds",
    "DuckDBEngine",
    "Engine",
    "FairnessFrame",
    "GroupedFrame",
    "MetricsError",
    "PostgresEngine",
    "Relation",
    "RegressionFrame",
    "RegressionMetrics",
    "SparkEngine",
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "drift",
    "equal_opportunity_difference",
    "equalized_odds_difference",
    "fairness",
    "jensen_shannon_distance",
    "open_data",
    "population_stability_index",
    "regression_metrics",
    "roc_auc",
    "wilson_interval",
]


def __getattr__(name: str) -> object:
    """Import an engine class only when asked for, so that its driver (duckdb, psycopg, pyspark) is optional."""
    if name == "DuckDBEngine":
        from openaims.metrics._duckdb import DuckDBEngine

        return DuckDBEngine
    if name == "PostgresEngine":
        from openaims.metrics._postgres import PostgresEngine

        return PostgresEngine
    if name == "SparkEngine":
        from openaims.metrics._spark import SparkEngine

        return SparkEngine
    raise AttributeError(f"module 'openaims.metrics' has no attribute {name!r}")
