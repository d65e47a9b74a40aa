"""A data source as one :class:`~openaims.metrics.sources.SourceSpec`, through the tenant policy.

The one place that decides how a monitoring data source is read and what it may name: the model's validation
(:func:`data_source_problems`, when the source is saved) and the runner (:func:`open_data_source`, each time it
is read) both build the same specification here. Files pass :mod:`openaims.policy.files` (inside the
organization's data area), databases and Spark :mod:`openaims.policy.connections` (a connection the
administrator declared for the organization, never the application's database, read-only with limits).
Messages name the field and the problem, never a path, a DSN or an environment value.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from openaims.metrics import MetricsError, Relation
from openaims.metrics.sources import FILE, POSTGRES, SPARK, SPARK_PATH_TABLE, SourceSpec
from openaims.monitoring.choices import DataSourceKind
from openaims.policy import connections as policy_connections
from openaims.policy import files as policy_files
from openaims.policy.files import PolicyError

#: Which engine reads each kind of data source (the review queue is read by the reviews app, not an engine).
ENGINE_KIND = {
    DataSourceKind.STORE: FILE,
    DataSourceKind.PARQUET: FILE,
    DataSourceKind.POSTGRES: POSTGRES,
    DataSourceKind.SPARK: SPARK,
}
ENGINE_NAME = {FILE: "duckdb", POSTGRES: "postgres", SPARK: "spark"}


@dataclass
class OpenedSource:
    """A data source opened for a run: the engine's name and the relation to measure."""

    engine_name: str
    relation: Relation


def _spark_location(organization, location: str, *, at_read: bool) -> str:
    """A Spark location: a catalog table as it is, a path-based table with its path confined and resolved."""
    match = SPARK_PATH_TABLE.match(location.strip())
    if not match:
        return location.strip()
    resolved = policy_files.confine(organization, match.group(2), must_exist=at_read)
    return f"{match.group(1).lower()}.`{resolved}`"


def _label(source) -> str:
    return f"data source '{source.name}'"


def _spec(source, *, at_read: bool) -> SourceSpec:
    """The specification of ``source``; at read time with its connection string and confined real paths.

    Raises
    ------
    PolicyError
        When the location or connection is refused (naming the field).
    """
    organization = source.organization
    kind = source.kind
    if kind == DataSourceKind.STORE:
        location = ""
        if at_read:
            from openaims.monitoring.store import store_dir

            location = str(store_dir(source))
        return SourceSpec(FILE, location=location or "(store)", label=f"the store of {_label(source)}", hide_paths=True)
    if kind == DataSourceKind.PARQUET:
        resolved = policy_files.confine(organization, source.location, must_exist=at_read)
        label = f"location '{policy_files.label_for(organization, resolved)}'"
        return SourceSpec(FILE, location=str(resolved), label=label, hide_paths=True)
    if not source.connection:
        raise PolicyError("connection", "choose the connection (declared by the administrator) that reaches the data")
    connection = policy_connections.connection_for(organization, source.connection, kind=ENGINE_KIND[kind])
    if kind == DataSourceKind.SPARK:
        location = _spark_location(organization, source.location, at_read=at_read)
        session = _spark_session(connection) if at_read else None
        return SourceSpec(SPARK, location=location, connection=session, label=_label(source), hide_paths=True)
    dsn = None
    redactions: tuple[str, ...] = ()
    on_connect = None
    if at_read:
        dsn = connection.dsn()
        policy_connections.check_not_application_database(connection, dsn)
        redactions = _secrets_of(dsn)

        def on_connect(pg_connection, connection=connection) -> None:
            if policy_connections.same_database_as_application(pg_connection):
                raise PolicyError(
                    "connection",
                    f"the connection '{connection.name}' cannot be used: it reaches the application's own database",
                )

    return SourceSpec(
        POSTGRES,
        location=source.location,
        query=source.query,
        dsn=dsn,
        limits=connection.limits,
        label=_label(source) if source.location else f"the query of {_label(source)}",
        redactions=redactions,
        hide_paths=True,
        on_connect=on_connect,
    )


def _secrets_of(dsn: str) -> tuple[str, ...]:
    """What of a connection string no message may show: the string, its password and its host."""
    found = [dsn]
    with contextlib.suppress(Exception):
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(dsn)
        found += [str(params[key]) for key in ("password", "host", "hostaddr") if params.get(key)]
    return tuple(found)


def _spark_session(connection):
    """The Spark session of a connection: its ``master`` when declared, else the running one (or local mode)."""
    if not connection.master:
        return None
    from pyspark.sql import SparkSession

    return SparkSession.builder.master(connection.master).appName("openaims").getOrCreate()


def _sentence(message: str) -> str:
    message = message.strip()
    return (message[:1].upper() + message[1:]).rstrip(".") + "."


def data_source_problems(source) -> dict[str, str]:
    """What is wrong with where a data source reads from, ``{field: message}`` (checked when it is saved)."""
    kind = source.kind
    problems: dict[str, str] = {}
    if kind in (DataSourceKind.STORE, DataSourceKind.REVIEWS):
        if source.location or source.query:
            what = (
                "the store's place is derived from the AI system"
                if kind == DataSourceKind.STORE
                else ("the review queue is the AI system's own")
            )
            problems["location"] = f"{what}: leave location and query empty"
        if source.connection:
            problems["connection"] = "only PostgreSQL and Spark sources have a connection"
        return {field: _sentence(message) for field, message in problems.items()}
    if kind != DataSourceKind.POSTGRES and source.query:
        problems["query"] = "only PostgreSQL sources have a query"
    if kind == DataSourceKind.PARQUET and source.connection:
        problems["connection"] = "a Parquet source reads a file of this organization's data area, not a connection"
    if kind == DataSourceKind.PARQUET and not source.location:
        problems["location"] = "give the Parquet file or folder, inside this organization's data area"
    if kind == DataSourceKind.SPARK and not source.location:
        problems["location"] = "give the Spark table name"
    if not problems:
        try:
            spec = _spec(source, at_read=False)
        except PolicyError as exc:
            problems[exc.field] = exc.message
        else:
            problems.update(spec.problems())
    return {field: _sentence(message) for field, message in problems.items()}


def open_data_source(source, stack: contextlib.ExitStack) -> OpenedSource:
    """Open a data source for a run, checking the policy again (engines are closed when ``stack`` closes).

    Raises
    ------
    MetricsError
        With a message safe to keep in the run (the field and the problem; no path, DSN or variable).
    """
    if source.kind == DataSourceKind.STORE:
        from openaims.monitoring.store import store_parts

        if not store_parts(source):
            raise MetricsError(f"no predictions ingested into {_label(source)} yet")
    try:
        spec = _spec(source, at_read=True)
        if problems := spec.problems():
            field, message = next(iter(problems.items()))
            raise PolicyError(field, message)
        relation = spec.open(stack=stack)
    except PolicyError as exc:
        raise MetricsError(f"{exc.field}: {exc.message}") from exc
    except MetricsError:
        raise
    except ImportError:
        raise
    except Exception as exc:  # a driver's own error while connecting: reported without its details
        raise MetricsError(f"{_label(source)} could not be opened ({type(exc).__name__})") from exc
    _utc_session(relation.engine, spec.kind, stack)
    return OpenedSource(ENGINE_NAME[spec.kind], relation)


def _utc_session(engine, kind: str, stack: contextlib.ExitStack) -> None:
    """Windows are in UTC: time-zone-aware timestamps are compared in UTC whatever the engine's zone."""
    if kind == SPARK:
        # Spark reads the windows' TIMESTAMP literals in the session's zone: UTC for this run, then as it was.
        conf, key = engine.spark.conf, "spark.sql.session.timeZone"
        stack.callback(conf.set, key, conf.get(key))
        conf.set(key, "UTC")
        return
    statement = "SET TimeZone = 'UTC'" if kind == FILE else "SET TIME ZONE 'UTC'"
    # DuckDB without its ICU extension has no zones (and then already works in UTC).
    with contextlib.suppress(Exception):
        engine.connection.execute(statement)
