"""PostgreSQL through psycopg 3: metrics over tables or queries where they are stored."""

from __future__ import annotations

import itertools
from typing import Any

from openaims.metrics._errors import MetricsError
from openaims.metrics._sql import POSTGRES
from openaims.metrics.sources import (
    BOOLEAN,
    NUMERIC,
    OTHER,
    STRING,
    ColumnKind,
    Engine,
    QueryLimits,
    Relation,
    first_line,
)

__all__ = ["PostgresEngine"]

_cursor_numbers = itertools.count(1)

# Type OIDs from pg_type: int2, int4, int8, float4, float8, numeric, oid / bool / name, text, bpchar, varchar.
_NUMERIC_OIDS = {21, 23, 20, 700, 701, 1700, 26}
_BOOLEAN_OIDS = {16}
_STRING_OIDS = {19, 25, 1042, 1043}


def _kind(oid: int) -> ColumnKind:
    if oid in _NUMERIC_OIDS:
        return NUMERIC
    if oid in _BOOLEAN_OIDS:
        return BOOLEAN
    if oid in _STRING_OIDS:
        return STRING
    return OTHER


def _where(conninfo: str) -> str:
    """Host, port and database of a connection string, never its password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(conninfo)
    except Exception:
        return "PostgreSQL (unparsable connection string)"
    host = params.get("host", "localhost")
    port = params.get("port", "5432")
    return f"PostgreSQL at {host}:{port}/{params.get('dbname', '')}"


class PostgresEngine(Engine):
    """A PostgreSQL database reached with psycopg 3.

    Parameters
    ----------
    conninfo : str, optional
        A ``postgresql://`` URL or ``key=value`` connection string; the engine opens (and closes) an
        autocommit connection.
    connection : psycopg.Connection, optional
        Use this open connection instead (it is not closed; temporary tables on it are visible). Each
        query runs in its own transaction or savepoint, so a refused query leaves the connection usable.
    limits : QueryLimits, optional
        Run every query in a read-only transaction with this statement timeout, as one prepared statement
        (PostgreSQL refuses a second statement in it), and refuse results past the row and byte caps.
    """

    dialect = POSTGRES

    def __init__(
        self, conninfo: str | None = None, *, connection: Any = None, limits: QueryLimits | None = None
    ) -> None:
        import psycopg

        if (conninfo is None) == (connection is None):
            raise MetricsError("PostgresEngine needs exactly one of conninfo or connection=")
        self._owns_connection = connection is None
        self.limits = limits
        if connection is None:
            assert conninfo is not None
            timeout = {"connect_timeout": 10} if limits is not None else {}
            try:
                connection = psycopg.connect(conninfo, autocommit=True, **timeout)
            except psycopg.Error as exc:
                raise MetricsError(f"cannot connect to {_where(conninfo)}: {first_line(exc)}") from exc
        self.connection = connection

    @property
    def owns_connection(self) -> bool:
        """Whether :meth:`close` closes the connection (the engine opened it)."""
        return self._owns_connection

    def _run(self, cursor: Any, sql: str) -> None:
        """Run one statement of ours around a source; with limits, read-only, timed, and as one statement."""
        if self.limits is None:
            cursor.execute(sql.encode())
            return
        cursor.execute(b"SET TRANSACTION READ ONLY")
        cursor.execute(f"SET LOCAL statement_timeout = {int(self.limits.statement_timeout_ms)}".encode())
        # Prepared: the extended protocol, in which the server refuses more than one statement.
        cursor.execute(sql.encode(), prepare=True)

    def _execute(self, sql: str) -> list[tuple[Any, ...]]:
        if self.limits is None:
            with self.connection.transaction(), self.connection.cursor() as cursor:
                cursor.execute(sql.encode())
                return cursor.fetchall()
        with self.connection.transaction():
            with self.connection.cursor() as cursor:
                cursor.execute(b"SET TRANSACTION READ ONLY")
                cursor.execute(f"SET LOCAL statement_timeout = {int(self.limits.statement_timeout_ms)}".encode())
            # A server-side cursor: sent as one statement of the extended protocol (a second one is refused), and
            # only the rows up to the cap ever leave the server.
            with self.connection.cursor(name=f"openaims_{next(_cursor_numbers)}") as cursor:
                cursor.execute(sql)
                return self.limits.check(cursor.fetchmany(self.limits.max_rows + 1))

    def _describe(self, relation_sql: str) -> dict[str, ColumnKind]:
        with self.connection.transaction(), self.connection.cursor() as cursor:
            self._run(cursor, f"SELECT * FROM {relation_sql} AS src LIMIT 0")
            return {column.name: _kind(column.type_code) for column in cursor.description or ()}

    def table(self, name: str) -> Relation:
        """A table or view, optionally schema-qualified (``"monitoring.predictions"``)."""
        relation = Relation(self, self.dialect.qualified(name), f"table {name}")
        relation.columns  # noqa: B018 - fail here when the table does not exist
        return relation

    def query(self, sql: str) -> Relation:
        """The result of a ``SELECT`` query, computed inside PostgreSQL as a subquery."""
        relation = Relation(self, f"({sql.strip().rstrip(';')})", "SQL query")
        relation.columns  # noqa: B018 - fail here when the query is invalid
        return relation

    def open(self, *, table: str | None = None, query: str | None = None) -> Relation:
        """A table or a query: exactly one of the two."""
        if (table is None) == (query is None):
            self.close()
            raise MetricsError("a PostgreSQL source needs exactly one of table= or query=")
        try:
            return self.table(table) if table is not None else self.query(query or "")
        except MetricsError:
            self.close()
            raise

    def close(self) -> None:
        """Close the connection if this engine opened it."""
        if self._owns_connection:
            self.connection.close()
