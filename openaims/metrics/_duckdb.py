"""DuckDB, in-process: the default engine, for files and in-memory frames."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from openaims.metrics._errors import MetricsError
from openaims.metrics._sql import DUCKDB
from openaims.metrics.sources import BOOLEAN, NUMERIC, OTHER, STRING, ColumnKind, Engine, Relation

__all__ = ["DuckDBEngine"]

_NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
)
_CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}


def _kind(type_name: str) -> ColumnKind:
    base = type_name.split("(")[0].strip().upper()
    if base in _NUMERIC_TYPES:
        return NUMERIC
    if base == "BOOLEAN":
        return BOOLEAN
    if base == "VARCHAR":
        return STRING
    return OTHER


_shared_database: Any = None
_shared_lock = threading.Lock()


def _new_connection() -> Any:
    """A new connection to one in-memory database shared by the process.

    Opening a DuckDB database costs about 0.1 s; a connection to an open one (``cursor()``) costs
    microseconds. Each engine only creates temporary views and registrations, which belong to its own
    connection and disappear when it closes, so engines never see each other's data.
    """
    global _shared_database
    import duckdb

    with _shared_lock:
        if _shared_database is None:
            _shared_database = duckdb.connect(":memory:")
        return _shared_database.cursor()


class DuckDBEngine(Engine):
    """An in-process DuckDB database that reads files and scans frames in place.

    Parameters
    ----------
    connection : duckdb.DuckDBPyConnection, optional
        Use this connection (it is not closed by :meth:`close`). By default a new connection to an
        in-memory database, closed by :meth:`close`.
    """

    dialect = DUCKDB

    def __init__(self, connection: Any = None) -> None:
        self._owns_connection = connection is None
        self.connection = _new_connection() if connection is None else connection
        # Views of files go into a schema of this engine in the shared database, so that the other
        # connections :meth:`fetch_many` runs queries on see them (temporary views belong to one
        # connection). Frames registered on this connection, or a connection handed in, keep queries on
        # this one connection.
        self._schema = f"openaims_engine_{uuid.uuid4().hex}" if self._owns_connection else None
        self._schema_created = False
        self._parallel = self._owns_connection

    def _execute(self, sql: str) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql).fetchall()

    @property
    def parallel_queries(self) -> int:
        return (os.cpu_count() or 1) if self._parallel else 1

    def fetch_many(self, queries: Sequence[tuple[str, Relation | None]]) -> list[list[tuple[Any, ...]]]:
        """Run independent queries side by side, one connection each, as many at once as there are cores.

        DuckDB parallelises a scan over its threads, but finishes some aggregates on one thread (an
        exact quantile sorts its column there; a window over a whole table runs on one thread): two such
        queries at once use two cores. Results equal those of :meth:`fetch` one by one.
        """
        workers = min(len(queries), self.parallel_queries)
        if workers < 2:
            return super().fetch_many(queries)
        settings = self._session_settings()

        def run(query: tuple[str, Relation | None]) -> list[tuple[Any, ...]]:
            sql, relation = query
            cursor = self.connection.cursor()
            try:
                for statement in settings:
                    cursor.execute(statement)
                return cursor.execute(sql).fetchall()
            except Exception as exc:  # reported as fetch() reports it
                raise self._query_failed(exc, relation) from exc
            finally:
                cursor.close()

        with ThreadPoolExecutor(workers, thread_name_prefix="openaims-duckdb") as pool:
            return list(pool.map(run, queries))

    def _session_settings(self) -> list[str]:
        """The statements that give another connection this one's session settings (its time zone)."""
        with contextlib.suppress(Exception):  # without the ICU extension there are no zones to copy
            zone = self.connection.execute("SELECT current_setting('TimeZone')").fetchone()[0]
            return [f"SET TimeZone = {self.dialect.string(str(zone))}"]
        return []

    def _describe(self, relation_sql: str) -> dict[str, ColumnKind]:
        rows = self.connection.execute(f"DESCRIBE SELECT * FROM {relation_sql} AS src").fetchall()
        return {row[0]: _kind(row[1]) for row in rows}

    def read(self, data: Any) -> Relation:
        """Register a file, folder, frame or mapping of arrays as a view and return it.

        Raises
        ------
        MetricsError
            For a missing, unreadable or unsupported file, or an unsupported object.
        """
        if isinstance(data, str | os.PathLike):
            return self._read_path(Path(data))
        name = self._new_view_name()
        label = f"{type(data).__module__.split('.')[0]} {type(data).__name__}"
        if type(data).__module__.startswith("polars"):
            data = data.to_arrow()
        elif isinstance(data, Mapping):
            import numpy as np

            data = {str(key): np.asarray(values) for key, values in data.items()}
            label = "arrays"
        self._parallel = False  # a registered frame is visible to this connection only
        try:
            self.connection.register(name, data)
        except Exception as exc:  # duckdb raises several unrelated types for objects it cannot scan
            raise MetricsError(f"DuckDB cannot scan {label} data: {str(exc).splitlines()[0]}") from exc
        relation = Relation(self, self.dialect.ident(name), label)
        relation.columns  # noqa: B018 - describe now, so that unreadable data fails here
        return relation

    def _read_path(self, path: Path) -> Relation:
        if not path.exists():
            raise MetricsError(f"file not found: {path}")
        literal = self.dialect.string
        if path.is_dir():
            if not any(path.rglob("*.parquet")):
                raise MetricsError(f"no .parquet files in folder {path}")
            source = f"read_parquet({literal(str(path / '**' / '*.parquet'))})"
        elif path.suffix.lower() in _PARQUET_SUFFIXES:
            source = f"read_parquet({literal(str(path))})"
        elif path.suffix.lower() in _CSV_SUFFIXES:
            source = f"read_csv({literal(str(path))})"
        elif path.suffix.lower() in _JSON_SUFFIXES:
            source = f"read_json_auto({literal(str(path))})"
        else:
            raise MetricsError(f"unsupported file type {path.suffix or '(none)'} for {path}: use CSV, Parquet or JSON")
        name = self._new_view_name()
        if self._schema is None:
            relation = Relation(self, self.dialect.ident(name), str(path))
            create = "CREATE TEMPORARY VIEW"
        else:
            relation = Relation(self, f"{self.dialect.ident(self._schema)}.{self.dialect.ident(name)}", str(path))
            create = "CREATE VIEW"
            if not self._schema_created:
                self.connection.execute(f"CREATE SCHEMA {self.dialect.ident(self._schema)}")
                self._schema_created = True
        try:
            self.connection.execute(f"{create} {relation.sql} AS SELECT * FROM {source}")
        except Exception as exc:
            raise MetricsError(f"cannot read {path}: {str(exc).strip().splitlines()[0]}") from exc
        relation.columns  # noqa: B018 - describe now, so that an unreadable file fails here
        return relation

    def close(self) -> None:
        """Close the database if this engine opened it."""
        if self._owns_connection:
            if self._schema_created:
                with contextlib.suppress(Exception):  # closing twice, or after the database went away
                    self.connection.execute(f"DROP SCHEMA {self.dialect.ident(self._schema)} CASCADE")
                self._schema_created = False
            self.connection.close()
