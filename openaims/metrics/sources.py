"""Where prediction logs live: engines, the relations they hold, and :func:`open_data`.

An :class:`Engine` runs SQL where the data is (DuckDB in-process by default, PostgreSQL, or Spark) and
a :class:`Relation` is one table, file or query inside it. The statistics in
:mod:`openaims.metrics.stats` send SQL to the engine and get back only small aggregates.
"""

from __future__ import annotations

import itertools
import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Self

from openaims.metrics._errors import MetricsError
from openaims.metrics._sql import Dialect

__all__ = ["ColumnKind", "Engine", "Relation", "open_data"]

#: The kinds a column can have, as the metrics need to know them.
ColumnKind = str
NUMERIC: ColumnKind = "numeric"
BOOLEAN: ColumnKind = "boolean"
STRING: ColumnKind = "string"
OTHER: ColumnKind = "other"

_view_numbers = itertools.count(1)


class Engine(ABC):
    """A place that runs SQL over prediction logs and returns small result sets.

    Engines are context managers; :meth:`close` releases what the engine opened itself (never a
    connection or session it was handed).
    """

    dialect: Dialect

    def fetch(self, sql: str, *, relation: Relation | None = None) -> list[tuple[Any, ...]]:
        """Run one query and return all its rows as tuples.

        Raises
        ------
        MetricsError
            When the engine refuses the query; the message names the relation.
        """
        try:
            return self._execute(sql)
        except MetricsError:
            raise
        except Exception as exc:  # the engines' own error classes differ; each is reported the same way
            raise self._query_failed(exc, relation) from exc

    @property
    def parallel_queries(self) -> int:
        """How many queries :meth:`fetch_many` runs at once (1: one after the other)."""
        return 1

    def fetch_many(self, queries: Sequence[tuple[str, Relation | None]]) -> list[list[tuple[Any, ...]]]:
        """Run independent queries, ``(sql, relation)`` pairs, and return their rows in the same order.

        Engines that can run queries side by side (DuckDB on its own connections) do; the others run
        them one after the other. Errors are reported as :meth:`fetch` reports them.
        """
        return [self.fetch(sql, relation=relation) for sql, relation in queries]

    def _query_failed(self, exc: Exception, relation: Relation | None) -> MetricsError:
        where = f" on {relation.label}" if relation is not None else ""
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return MetricsError(f"{self.dialect.name} query{where} failed: {first_line}")

    @abstractmethod
    def _execute(self, sql: str) -> list[tuple[Any, ...]]:
        """Run ``sql`` and return its rows."""

    @abstractmethod
    def _describe(self, relation_sql: str) -> dict[str, ColumnKind]:
        """Return the columns of a relation and their kinds, in order."""

    def describe(self, relation: Relation) -> dict[str, ColumnKind]:
        """Columns of ``relation`` and their kinds, in the relation's order."""
        try:
            return self._describe(relation.sql)
        except MetricsError:
            raise
        except Exception as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise MetricsError(f"cannot read {relation.label}: {first_line}") from exc

    def _new_view_name(self) -> str:
        return f"openaims_data_{next(_view_numbers)}"

    def close(self) -> None:  # noqa: B027 - engines with nothing to release keep the default
        """Release the connection or session this engine opened itself."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Relation:
    """One table, file or query inside an :class:`Engine`.

    Parameters
    ----------
    engine : Engine
        The engine that holds the data.
    sql : str
        SQL that can follow ``FROM`` and take an alias: a quoted view or table name, or ``(query)``.
    label : str
        What the relation is, for messages: a file path, a table name, ``"SQL query"``.
    """

    def __init__(self, engine: Engine, sql: str, label: str) -> None:
        self.engine = engine
        self.sql = sql
        self.label = label
        self._columns: dict[str, ColumnKind] | None = None

    def __repr__(self) -> str:
        return f"Relation({self.engine.dialect.name}, {self.label!r})"

    @property
    def columns(self) -> dict[str, ColumnKind]:
        """Column names and kinds (``numeric``, ``boolean``, ``string`` or ``other``), described once."""
        if self._columns is None:
            self._columns = self.engine.describe(self)
        return self._columns

    def require(self, names: Sequence[str], *, role: str = "column") -> dict[str, ColumnKind]:
        """Return the kinds of ``names``; raise :class:`MetricsError` naming the first one missing."""
        columns = self.columns
        kinds = {}
        for name in names:
            if not isinstance(name, str):
                raise MetricsError(f"{role} must be a column name (str) when data is given, not {type(name).__name__}")
            if name not in columns:
                listed = ", ".join(columns) or "(none)"
                raise MetricsError(f"{role} '{name}' not found in {self.label}; its columns are: {listed}")
            kinds[name] = columns[name]
        return kinds

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """Run ``sql`` on this relation's engine; errors name this relation."""
        return self.engine.fetch(sql, relation=self)


def _is_postgres_url(data: object) -> bool:
    return isinstance(data, str) and data.startswith(("postgresql://", "postgres://"))


def _is_spark_frame(data: object) -> bool:
    return type(data).__module__.startswith("pyspark.") and hasattr(data, "createOrReplaceTempView")


def _is_psycopg_connection(data: object) -> bool:
    return type(data).__module__.startswith("psycopg") and hasattr(data, "cursor")


def open_data(
    data: Any = None,
    *,
    engine: Engine | None = None,
    table: str | None = None,
    query: str | None = None,
) -> Relation:
    """Open prediction logs as a :class:`Relation`, on the engine that should compute over them.

    Parameters
    ----------
    data : object, optional
        One of

        - a :class:`Relation` (returned as it is);
        - a path: a ``.csv``/``.tsv`` file, a ``.parquet``/``.pq`` file, a ``.json``/``.jsonl`` file, or a
          folder of Parquet files (read recursively) - read by DuckDB;
        - a pandas or polars DataFrame, a pyarrow Table, RecordBatch or Dataset, or a mapping of column
          name to array - scanned in place by DuckDB;
        - a ``postgresql://`` URL or a psycopg 3 connection, with ``table`` or ``query``;
        - a PySpark DataFrame - computed by Spark.
    engine : Engine, optional
        Register the data in this engine instead of a new one (to compare two relations in one engine).
    table : str, optional
        Table name (PostgreSQL or Spark), optionally schema-qualified.
    query : str, optional
        A SQL query whose result is the data (PostgreSQL or Spark).

    Returns
    -------
    Relation

    Raises
    ------
    MetricsError
        For a missing or unreadable file, an unsupported type, or a database that refuses the connection.
    """
    if isinstance(data, Relation):
        if engine is not None and data.engine is not engine:
            raise MetricsError(f"{data.label} lives in another engine than the one given")
        return data
    if _is_postgres_url(data) or _is_psycopg_connection(data):
        from openaims.metrics._postgres import PostgresEngine

        if engine is not None:
            raise MetricsError("engine= cannot be combined with a PostgreSQL URL or connection")
        if isinstance(data, str):
            return PostgresEngine(data).open(table=table, query=query)
        return PostgresEngine(connection=data).open(table=table, query=query)
    if _is_spark_frame(data):
        from openaims.metrics._spark import SparkEngine

        spark_engine = engine if engine is not None else SparkEngine(data.sparkSession)
        if not isinstance(spark_engine, SparkEngine):
            raise MetricsError("a Spark DataFrame can only be opened in a SparkEngine")
        return spark_engine.read(data)
    if data is None:
        if engine is None:
            raise MetricsError("no data given: pass a file, a data frame, or a table/query with its engine")
        if table is not None and query is None:
            return engine.table(table)  # type: ignore[attr-defined]
        if query is not None and table is None:
            return engine.query(query)  # type: ignore[attr-defined]
        raise MetricsError("pass exactly one of table= or query=")
    if table is not None or query is not None:
        raise MetricsError("table= and query= need a database: a postgresql:// URL, a connection, or an engine")
    if engine is None:
        from openaims.metrics._duckdb import DuckDBEngine

        engine = DuckDBEngine()
    reader = getattr(engine, "read", None)
    if reader is None:
        raise MetricsError(f"the {engine.dialect.name} engine cannot read {type(data).__name__} data")
    if isinstance(data, os.PathLike):
        data = os.fspath(data)
    return reader(data)
