"""Spark SQL (PySpark): metrics over logs that outgrow one machine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from openaims.metrics._errors import MetricsError
from openaims.metrics._sql import SPARK
from openaims.metrics.sources import BOOLEAN, NUMERIC, OTHER, STRING, ColumnKind, Engine, Relation, first_line

__all__ = ["SparkEngine"]

_NUMERIC_TYPES = ("ByteType", "ShortType", "IntegerType", "LongType", "FloatType", "DoubleType", "DecimalType")


def _kind(data_type: Any) -> ColumnKind:
    name = type(data_type).__name__
    if name in _NUMERIC_TYPES:
        return NUMERIC
    if name == "BooleanType":
        return BOOLEAN
    if name in ("StringType", "VarcharType", "CharType"):
        return STRING
    return OTHER


class SparkEngine(Engine):
    """A Spark session; relations are temporary views, queries run as Spark SQL.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession, optional
        The session to use (never stopped by :meth:`close`). By default the active session, or a new
        local one (``local[*]``), which :meth:`close` stops.
    """

    dialect = SPARK

    def __init__(self, spark: Any = None) -> None:
        from pyspark.sql import SparkSession

        self._owns_session = False
        if spark is None:
            spark = SparkSession.getActiveSession()
            if spark is None:
                spark = SparkSession.builder.master("local[*]").appName("openaims-metrics").getOrCreate()
                self._owns_session = True
        self.spark = spark
        self._views: list[str] = []

    def _execute(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.spark.sql(sql).collect()]

    def _describe(self, relation_sql: str) -> dict[str, ColumnKind]:
        schema = self.spark.sql(f"SELECT * FROM {relation_sql} AS src").schema
        return {field.name: _kind(field.dataType) for field in schema.fields}

    def _register(self, frame: Any, label: str) -> Relation:
        name = self._new_view_name()
        frame.createOrReplaceTempView(name)
        self._views.append(name)
        relation = Relation(self, self.dialect.ident(name), label)
        relation.columns  # noqa: B018 - fail here when the data cannot be read
        return relation

    def read(self, data: Any) -> Relation:
        """Register a Spark DataFrame, or a CSV/Parquet file or folder, as a temporary view."""
        if isinstance(data, str | os.PathLike):
            path = Path(data)
            if not path.exists():
                raise MetricsError(f"file not found: {path}")
            try:
                if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
                    frame = self.spark.read.parquet(str(path))
                elif path.suffix.lower() in (".csv", ".tsv", ".txt"):
                    sep = "\t" if path.suffix.lower() == ".tsv" else ","
                    frame = self.spark.read.csv(str(path), header=True, inferSchema=True, sep=sep)
                else:
                    suffix = path.suffix or "(none)"
                    raise MetricsError(f"unsupported file type {suffix} for {path}: use CSV or Parquet")
            except MetricsError:
                raise
            except Exception as exc:
                raise MetricsError(f"cannot read {path}: {str(exc).strip().splitlines()[0]}") from exc
            return self._register(frame, str(path))
        if not hasattr(data, "createOrReplaceTempView"):
            raise MetricsError(f"Spark cannot read {type(data).__name__} data: pass a Spark DataFrame or a path")
        return self._register(data, "Spark DataFrame")

    def table(self, name: str) -> Relation:
        """A table of the session's catalog."""
        try:
            frame = self.spark.table(name)
        except Exception as exc:
            raise MetricsError(self.redact(f"cannot read table {name}: {first_line(exc)}")) from exc
        return self._register(frame, f"table {name}")

    def query(self, sql: str) -> Relation:
        """The result of a Spark SQL query."""
        try:
            frame = self.spark.sql(sql.strip().rstrip(";"))
        except Exception as exc:
            raise MetricsError(f"Spark SQL query failed: {self.redact(first_line(exc))}") from exc
        return self._register(frame, "SQL query")

    def close(self) -> None:
        """Drop the temporary views registered here; stop the session if this engine started it."""
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        self._views.clear()
        if self._owns_session:
            self.spark.stop()
