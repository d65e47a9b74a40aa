"""Where prediction logs live: engines, the relations they hold, :class:`SourceSpec` and :func:`open_data`.

An :class:`Engine` runs SQL where the data is (DuckDB in-process by default, PostgreSQL, or Spark) and
a :class:`Relation` is one table, file or query inside it. The statistics in
:mod:`openaims.metrics.stats` send SQL to the engine and get back only small aggregates.

A :class:`SourceSpec` says which engine reads a source and how (a file, a table, a query; limits on what a
query may do); every caller that opens a source by kind and location goes through it: :func:`open_data`, the
``aims metrics`` command and, wrapped in the tenant policy of :mod:`openaims.policy`, the monitors' data sources.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

from openaims.metrics._errors import MetricsError
from openaims.metrics._sql import Dialect

__all__ = ["ColumnKind", "Engine", "QueryLimits", "Relation", "SourceSpec", "open_data"]

#: The kinds a column can have, as the metrics need to know them.
ColumnKind = str
NUMERIC: ColumnKind = "numeric"
BOOLEAN: ColumnKind = "boolean"
STRING: ColumnKind = "string"
OTHER: ColumnKind = "other"

_view_numbers = itertools.count(1)
#: Absolute paths in an engine's message (replaced before the message is shown to a tenant).
_PATH_IN_MESSAGE = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?/[^\s'\"`,;()]+")


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type's name."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass(frozen=True)
class QueryLimits:
    """What a query on a source may do: read only, for at most ``statement_timeout_ms``, returning at most
    ``max_rows`` rows and ``max_bytes`` bytes (counted as text) per query."""

    statement_timeout_ms: int = 30_000
    max_rows: int = 100_000
    max_bytes: int = 64 * 1024 * 1024

    def check(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """``rows`` if within the caps; :class:`MetricsError` otherwise."""
        if len(rows) > self.max_rows:
            raise MetricsError(f"the query returned more than {self.max_rows} rows, the limit of this connection")
        size = 0
        for row in rows:
            size += sum(len(str(value)) for value in row)
            if size > self.max_bytes:
                raise MetricsError(f"the query returned more than {self.max_bytes} bytes, the limit of this connection")
        return rows


class Engine(ABC):
    """A place that runs SQL over prediction logs and returns small result sets.

    Engines are context managers; :meth:`close` releases what the engine opened itself (never a
    connection or session it was handed).
    """

    dialect: Dialect
    #: Strings a message must never show (a DSN, a host, a server path), and whether to hide every absolute path.
    redactions: tuple[str, ...] = ()
    hide_paths: bool = False

    def redact(self, message: str) -> str:
        """``message`` without the engine's secrets (and, when asked, any absolute path)."""
        for secret in sorted(self.redactions, key=len, reverse=True):
            if secret:
                message = message.replace(secret, "…")
        return _PATH_IN_MESSAGE.sub("(path)", message) if self.hide_paths else message

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
        return MetricsError(f"{self.dialect.name} query{where} failed: {self.redact(first_line(exc))}")

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
            raise MetricsError(f"cannot read {relation.label}: {self.redact(first_line(exc))}") from exc

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


#: The kinds of source a :class:`SourceSpec` opens: files (DuckDB), PostgreSQL tables or queries, Spark.
FILE, POSTGRES, SPARK = "file", "postgres", "spark"
SOURCE_KINDS = (FILE, POSTGRES, SPARK)
_SPARK_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")
#: A Spark path-based table, ``parquet.`/logs/2026/``` (its path is checked by whoever builds the spec).
SPARK_PATH_TABLE = re.compile(r"^(parquet|orc|csv|json)\.`([^`]+)`$", re.IGNORECASE)
_QUERY_STARTS = ("SELECT", "WITH", "VALUES", "TABLE")


def statement_problem(sql: str) -> str | None:
    """Why ``sql`` is not one read statement (a SELECT), or None.

    Tokenized with sqlparse when it is installed (Django depends on it): one statement, parentheses that
    never close more than they opened, no ``;`` inside, beginning with SELECT, WITH, VALUES or TABLE. The
    engines add their own guard: PostgreSQL parses the query as one prepared statement, inside a subquery.
    """
    text = (sql or "").strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    if not text:
        return "give a SELECT query"
    try:
        import sqlparse
        from sqlparse import tokens
    except ImportError:  # no tokenizer: refuse what could be a second statement
        if ";" in text:
            return "one statement only: remove the ';'"
        return None if text.split(None, 1)[0].upper() in _QUERY_STARTS else "must be a SELECT query"
    statements = [statement for statement in sqlparse.parse(text) if str(statement).strip()]
    if len(statements) != 1:
        return "one statement only: a single SELECT, without ';' between statements"
    depth = 0
    for token in statements[0].flatten():
        if token.ttype in tokens.Punctuation:
            if token.value == "(":
                depth += 1
            elif token.value == ")":
                depth -= 1
                if depth < 0:
                    return "its parentheses do not match"
            elif token.value == ";":
                return "one statement only: a single SELECT, without ';' between statements"
    if depth != 0:
        return "its parentheses do not match"
    first = statements[0].token_first(skip_cm=True)
    if first is None or first.normalized.upper() not in _QUERY_STARTS:
        return "must be a SELECT query"
    if statements[0].get_type() in ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "MERGE"):
        return "must only read (a SELECT)"
    return None


@dataclass(frozen=True)
class SourceSpec:
    """One source of prediction logs: which engine reads it, what it names, and the limits of its queries.

    Parameters
    ----------
    kind : {"file", "postgres", "spark"}
        ``file``: a CSV/Parquet/JSON file or a folder of Parquet, read by DuckDB. ``postgres``: a table or a
        query in PostgreSQL. ``spark``: a table, a path-based table (``parquet.`/path```), a file or a query.
    location : str
        The path (file) or the table name (postgres, spark).
    query : str
        A SELECT to read instead of a table (postgres, spark).
    dsn : str, optional
        The PostgreSQL connection string (or pass an open ``connection``).
    connection : object, optional
        An open psycopg connection, or the Spark session to use.
    limits : QueryLimits, optional
        Read-only transactions, a statement timeout and caps on what comes back (PostgreSQL); None: none.
    label : str
        What messages call the source (by default the location, or "SQL query").
    redactions : tuple of str
        Strings no message may show (a DSN, a host); ``hide_paths`` also hides every absolute path.
    on_connect : callable, optional
        Called with a new PostgreSQL connection before any query (e.g. to refuse a database).
    """

    kind: str
    location: str = ""
    query: str = ""
    dsn: str | None = None
    connection: Any = None
    limits: QueryLimits | None = None
    label: str = ""
    redactions: tuple[str, ...] = ()
    hide_paths: bool = False
    on_connect: Any = None

    def problems(self) -> dict[str, str]:
        """What is wrong with the specification, ``{field: message}`` (empty when it can be opened)."""
        problems: dict[str, str] = {}
        location, query = self.location.strip(), self.query.strip()
        if self.kind not in SOURCE_KINDS:
            problems["kind"] = f"must be one of {', '.join(SOURCE_KINDS)}"
        elif self.kind == FILE:
            if not location:
                problems["location"] = "give the file or folder"
            if query:
                problems["query"] = "only PostgreSQL and Spark sources have a query"
        elif bool(location) == bool(query):
            problems["location"] = "give a table name or a query (one of them)"
        elif location and "\x00" in location:
            problems["location"] = "not a table name"
        elif location and self.kind == SPARK and not (_SPARK_TABLE.match(location) or SPARK_PATH_TABLE.match(location)):
            problems["location"] = (
                "a Spark table is table, database.table or a path-based table such as parquet.`logs/`"
            )
        elif location and self.kind == POSTGRES and len(location.split(".")) > 3:
            problems["location"] = "a table name is table, schema.table or database.schema.table"
        elif query and (problem := statement_problem(query)):
            problems["query"] = problem
        return problems

    def _check(self) -> None:
        if problems := self.problems():
            field, message = next(iter(problems.items()))
            raise MetricsError(f"{field}: {message}")

    def _label(self) -> str:
        return self.label or (self.location if self.location else "SQL query")

    def _configure(self, engine: Engine) -> None:
        if self.redactions:
            engine.redactions = tuple(engine.redactions) + tuple(self.redactions)
        if self.hide_paths:
            engine.hide_paths = True

    def _relabelled(self, relation: Relation) -> Relation:
        if self.label:
            relation.label = self.label
        return relation

    def open(self, *, engine: Engine | None = None, stack: contextlib.ExitStack | None = None) -> Relation:
        """Open the source as a :class:`Relation`, in ``engine`` or in a new engine of its kind.

        A new engine is closed when ``stack`` closes (without a stack, by the caller: ``relation.engine``).

        Raises
        ------
        MetricsError
            For a problem of the specification, or data the engine cannot read (paths and secrets hidden
            as the specification asks).
        """
        self._check()
        if self.kind == FILE:
            return self._open_file(engine, stack)
        if self.kind == POSTGRES:
            return self._open_postgres(engine, stack)
        return self._open_spark(engine, stack)

    def _adopt(self, engine: Engine, stack: contextlib.ExitStack | None) -> Engine:
        self._configure(engine)
        if stack is not None:
            stack.callback(engine.close)
        return engine

    def _open_file(self, engine: Engine | None, stack: contextlib.ExitStack | None) -> Relation:
        if engine is None:
            from openaims.metrics._duckdb import DuckDBEngine

            engine = self._adopt(DuckDBEngine(), stack)
        else:
            self._configure(engine)
        reader = getattr(engine, "read", None)
        if reader is None:
            raise MetricsError(f"the {engine.dialect.name} engine cannot read files")
        try:
            return self._relabelled(reader(self.location))
        except MetricsError as exc:
            if not (self.hide_paths or self.redactions):
                raise
            raise MetricsError(f"cannot read {self._label()}: {engine.redact(str(exc))}") from exc

    def _open_postgres(self, engine: Engine | None, stack: contextlib.ExitStack | None) -> Relation:
        from openaims.metrics._postgres import PostgresEngine

        if engine is None:
            if (self.dsn is None) == (self.connection is None):
                raise MetricsError("a PostgreSQL source needs its connection string or an open connection")
            try:
                if self.dsn is not None:
                    engine = PostgresEngine(self.dsn, limits=self.limits)
                else:
                    engine = PostgresEngine(connection=self.connection, limits=self.limits)
            except MetricsError as exc:
                if not (self.hide_paths or self.redactions):
                    raise
                raise MetricsError(f"cannot connect to the database of {self._label()}") from exc
            self._adopt(engine, stack)
            if self.on_connect is not None:
                try:
                    self.on_connect(engine.connection)
                except BaseException:
                    if stack is None:
                        engine.close()
                    raise
        else:
            self._configure(engine)
        if not isinstance(engine, PostgresEngine):
            raise MetricsError("a PostgreSQL source opens in a PostgresEngine")
        close = stack is None and engine.owns_connection
        try:
            relation = engine.table(self.location) if self.location.strip() else engine.query(self.query)
        except MetricsError:
            if close:
                engine.close()
            raise
        return self._relabelled(relation)

    def _open_spark(self, engine: Engine | None, stack: contextlib.ExitStack | None) -> Relation:
        from openaims.metrics._spark import SparkEngine

        if engine is None:
            engine = self._adopt(SparkEngine(self.connection), stack)
        else:
            self._configure(engine)
        if not isinstance(engine, SparkEngine):
            raise MetricsError("a Spark source opens in a SparkEngine")
        location = self.location.strip()
        if self.query.strip():
            return self._relabelled(engine.query(self.query))
        return self._relabelled(engine.table(location))


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
        if engine is not None:
            raise MetricsError("engine= cannot be combined with a PostgreSQL URL or connection")
        if (table is None) == (query is None):
            raise MetricsError("a PostgreSQL source needs exactly one of table= or query=")
        url = data if isinstance(data, str) else None
        spec = SourceSpec(POSTGRES, location=table or "", query=query or "", dsn=url, connection=None if url else data)
        return spec.open()
    if _is_spark_frame(data):
        from openaims.metrics._spark import SparkEngine

        spark_engine = engine if engine is not None else SparkEngine(data.sparkSession)
        if not isinstance(spark_engine, SparkEngine):
            raise MetricsError("a Spark DataFrame can only be opened in a SparkEngine")
        return spark_engine.read(data)
    if data is None:
        if engine is None:
            raise MetricsError("no data given: pass a file, a data frame, or a table/query with its engine")
        if (table is None) == (query is None):
            raise MetricsError("pass exactly one of table= or query=")
        if table is not None:
            return engine.table(table)  # type: ignore[attr-defined]
        return engine.query(query)  # type: ignore[attr-defined]
    if table is not None or query is not None:
        raise MetricsError("table= and query= need a database: a postgresql:// URL, a connection, or an engine")
    if isinstance(data, str | os.PathLike):
        return SourceSpec(FILE, location=os.fspath(data)).open(engine=engine)
    if engine is None:
        from openaims.metrics._duckdb import DuckDBEngine

        engine = DuckDBEngine()
    reader = getattr(engine, "read", None)
    if reader is None:
        raise MetricsError(f"the {engine.dialect.name} engine cannot read {type(data).__name__} data")
    return reader(data)
