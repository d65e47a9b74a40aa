"""``aims metrics``: fairness and drift of prediction logs, computed where the logs are.

A thin layer over :mod:`openaims.metrics`: it opens the data on the chosen engine, calls
:func:`~openaims.metrics.fairness` or :func:`~openaims.metrics.drift`, and prints JSON or tables. Other
tools call these commands, so the JSON shape is a contract (issue 5, "CLI"). Nothing here touches the
application database.

These commands are the operator's, on the operator's own machine: DATA is opened as the operator names it
(any file, or any table or query of the ``--dsn`` database), through the same
:class:`~openaims.metrics.sources.SourceSpec` that monitors' data sources use, but without a tenant's
confinement (tenants reach files and databases only through :mod:`openaims.policy`).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from openaims.cli.common import JsonOption, console, fail, print_json

app = typer.Typer(
    help="Fairness and drift of prediction logs (CSV, Parquet, PostgreSQL, Spark); no database needed.",
    no_args_is_help=True,
)

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")


class EngineName(StrEnum):
    """Where the metrics are computed."""

    duckdb = "duckdb"
    postgres = "postgres"
    spark = "spark"


EngineOption = typer.Option(
    EngineName.duckdb,
    "--engine",
    help="duckdb: a CSV/Parquet file or a folder of Parquet. postgres: a table or a SQL query. "
    "spark: a file, folder, table or SQL query, in Spark local mode.",
    case_sensitive=False,
)
DsnOption = typer.Option(
    None,
    "--dsn",
    envvar="AIMS_METRICS_DSN",
    help=f"PostgreSQL connection for --engine postgres (default {DEFAULT_DSN}); the operator's own, never a "
    "tenant's: monitors reach databases only through connections declared with `aims connection`.",
    show_default=False,
)


# ---------------------------------------------------------------- engines and sources


def _spark_session() -> Any:
    """A local Spark session for one command: quiet, without its web UI, on the loopback interface."""
    # PySpark warns that it does not yet support pandas 3; the metrics never convert to pandas.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[*]")
        .appName("aims-metrics")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(max(2, os.cpu_count() or 2)))
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


@contextlib.contextmanager
def _engine(name: EngineName, dsn: str | None) -> Iterator[Any]:
    """The engine a command computes on, closed when the command ends."""
    from openaims.metrics import DuckDBEngine, MetricsError, PostgresEngine, SparkEngine

    if name == EngineName.spark:
        try:
            session = _spark_session()
        except Exception as exc:  # no pyspark, no Java, a port refused: py4j and pyspark raise many types
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            fail(f"cannot start Spark in local mode: {first_line}")
        try:
            with SparkEngine(session) as engine:
                yield engine
        finally:
            session.stop()  # started for this command
        return
    try:
        engine = PostgresEngine(dsn or DEFAULT_DSN) if name == EngineName.postgres else DuckDBEngine()
    except MetricsError as exc:
        fail(str(exc))
    with engine:
        yield engine


def _open(engine: Any, source: str, role: str) -> Any:
    """Open DATA, REFERENCE or CURRENT on ``engine``: a path, a table name or a SQL query (one SourceSpec)."""
    from openaims.metrics import DuckDBEngine, PostgresEngine
    from openaims.metrics.sources import FILE, POSTGRES, SPARK, SourceSpec

    if isinstance(engine, DuckDBEngine):
        if not Path(source).exists():
            fail(f"{role}: file not found: {source}")
        spec = SourceSpec(FILE, location=source)
    elif isinstance(engine, PostgresEngine):
        spec = SourceSpec(POSTGRES, **({"location": source} if _TABLE_NAME.match(source) else {"query": source}))
    elif Path(source).exists():
        spec = SourceSpec(FILE, location=source)  # Spark reads the file or folder itself
    else:
        spec = SourceSpec(SPARK, **({"location": source} if _TABLE_NAME.match(source) else {"query": source}))
    if problems := spec.problems():
        fail(f"{role}: {next(iter(problems.values()))}")
    return spec.open(engine=engine)


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Bad input (:class:`MetricsError`) becomes one line on standard error and exit code 1."""
    from openaims.metrics import MetricsError

    try:
        yield
    except MetricsError as exc:
        # The engine speaks Python (``positive=``); here the same advice is a flag.
        fail(str(exc).replace("pass positive=", "pass --positive"))


@contextlib.contextmanager
def _progress(enabled: bool, total: int | None, description: str) -> Iterator[Any]:
    """A rich progress bar on a terminal; a no-op (``None``) in JSON mode or when stdout is a pipe."""
    if not enabled or not sys.stdout.isatty():
        yield None
        return
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn()]
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
        progress.add_task(description, total=total)
        yield progress


def _describe(progress: Any, description: str) -> None:
    """Say what the bar is doing now."""
    if progress is not None:
        progress.update(progress.task_ids[0], description=description)


def _advance(progress: Any) -> None:
    """One step done."""
    if progress is not None:
        progress.update(progress.task_ids[0], advance=1)


def _print_table(table: Table) -> None:
    """Print a table whole: on a pipe, wider than 80 columns rather than with cut cells."""
    if console.is_terminal:
        console.print(table)
        return
    Console(width=max(console.width, 200), soft_wrap=True).print(table)


def _number(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    return names or None


# ---------------------------------------------------------------- fairness


_SHORT = {
    "selection_rate": "selection",
    "true_positive_rate": "TPR",
    "false_positive_rate": "FPR",
    "false_negative_rate": "FNR",
    "true_negative_rate": "TNR",
    "precision": "precision",
    "accuracy": "accuracy",
}


def _fairness_tables(result: dict[str, Any], title: str) -> None:
    from openaims.metrics.fairness import RATE_METRICS

    table = Table(title=title)
    table.add_column("group")
    table.add_column("count", justify="right")
    for metric in RATE_METRICS:
        table.add_column(_SHORT[metric], justify="right")
    table.add_column("small")
    rows = [("(overall)", result["overall"]), *result["by_group"].items()]
    for label, metrics in rows:
        cells = [_number(metrics[m], 3) for m in RATE_METRICS]
        table.add_row(label, f"{metrics['count']:,}", *cells, "yes" if metrics["small_group"] else "")
    _print_table(table)
    differences = Table(title="Differences between groups", show_header=True)
    differences.add_column("metric")
    differences.add_column("value", justify="right")
    for name, value in result["differences"].items():
        shown = ("yes" if value else "no") if isinstance(value, bool) else _number(value)
        differences.add_row(name, shown)
    _print_table(differences)


@app.command("fairness")
def fairness_command(
    data: str = typer.Argument(..., help="CSV or Parquet file, folder of Parquet, or a table/SQL query."),
    group: list[str] = typer.Option(..., "--group", help="Sensitive feature column; twice for intersections."),
    y_true: str = typer.Option(..., "--y-true", help="Column of true labels."),
    y_pred: str = typer.Option(None, "--y-pred", help="Column of predicted labels (or use --score)."),
    score: str = typer.Option(None, "--score", help="Column of scores; predicted positive when score >= --threshold."),
    threshold: float = typer.Option(None, "--threshold", help="Decision threshold for --score."),
    positive: str = typer.Option(None, "--positive", help="The positive label, when labels are not 0/1 or booleans."),
    engine: EngineName = EngineOption,
    dsn: str = DsnOption,
    min_group_size: int = typer.Option(
        30, "--min-group-size", min=0, help="Smaller groups are flagged and left out of the differences."
    ),
    json_output: bool = JsonOption,
) -> None:
    """Selection, error rates and disparities of a binary classifier per group (Fairlearn's definitions)."""
    from openaims.metrics import fairness

    if (y_pred is None) == (score is None):
        fail("give exactly one of --y-pred COL or --score COL --threshold T")
    if score is not None and threshold is None:
        fail("--score needs --threshold T (predicted positive when score >= T)")
    if score is None and threshold is not None:
        fail("--threshold only applies with --score")
    if len(group) > 2:
        fail("--group: give one or two columns (two give their intersections)")
    with _errors(), _engine(engine, dsn) as eng, _progress(not json_output, None, f"fairness of {data}") as progress:
        relation = _open(eng, data, "DATA")
        _describe(progress, f"counting {', '.join(group)} × labels on {engine.value}")
        frame = fairness(
            y_true,
            y_pred,
            score=score,
            threshold=0.5 if threshold is None else threshold,
            positive=positive,
            sensitive_features=list(group),
            data=relation,
            min_group_size=min_group_size,
        )
    result = frame.to_dict()
    if json_output:
        print_json(result)
        return
    excluded = f", {frame.rows_excluded:,} left out (missing label or score)" if frame.rows_excluded else ""
    _fairness_tables(result, f"Fairness by {' × '.join(group)}: {frame.rows:,} rows{excluded}")


# ---------------------------------------------------------------- drift


def _drift_table(result: dict[str, Any]) -> None:
    table = Table(title="Drift, reference → current (drifted: PSI >= 0.2)")
    for name in ("column", "kind", "PSI", "Jensen-Shannon", "KS", "KS p-value", "Wasserstein", "drifted"):
        table.add_column(name, justify="left" if name in ("column", "kind", "drifted") else "right")
    for name, column in result["columns"].items():
        table.add_row(
            name,
            column["kind"],
            _number(column["psi"]),
            _number(column["jensen_shannon"]),
            _number(column["ks_statistic"]),
            "–" if column["ks_pvalue"] is None else f"{column['ks_pvalue']:.3g}",
            "–" if column["wasserstein"] is None else f"{column['wasserstein']:.4g}",
            "[bold red]yes[/]" if column["drifted"] else "no",
        )
    _print_table(table)


@app.command("drift")
def drift_command(
    reference: str = typer.Argument(..., help="Reference window: file, folder of Parquet, or table/SQL query."),
    current: str = typer.Argument(..., help="Current window, in the same form."),
    columns: str = typer.Option(None, "--columns", help="Comma-separated columns (default: every shared column)."),
    categorical: str = typer.Option(
        None, "--categorical", help="Comma-separated numeric columns to compare as categories (codes)."
    ),
    engine: EngineName = EngineOption,
    dsn: str = DsnOption,
    json_output: bool = JsonOption,
) -> None:
    """PSI, Jensen-Shannon, Kolmogorov-Smirnov and Wasserstein per column, reference against current."""
    from openaims.metrics import DriftReport, DriftThresholds, MetricsError, drift

    wanted, as_categories = _split(columns), _split(categorical) or []
    with _errors(), _engine(engine, dsn) as eng:
        ref = _open(eng, reference, "REFERENCE")
        cur = _open(eng, current, "CURRENT")
        names = wanted if wanted is not None else [c for c in ref.columns if c in cur.columns]
        if not names:
            raise MetricsError(f"{ref.label} and {cur.label} share no column")
        ref.require(names)
        cur.require(names)
        unknown = [c for c in as_categories if c not in names]
        if unknown:
            raise MetricsError(f"--categorical: column '{unknown[0]}' is not among the compared columns")
        report_columns = {}
        with _progress(not json_output, len(names), "drift") as progress:
            for name in names:  # one column at a time, so that the bar moves on long runs
                _describe(progress, f"drift: {name}")
                one = drift(ref, cur, columns=[name], categorical=[name] if name in as_categories else [])
                report_columns.update(one.columns)
                _advance(progress)
    result = DriftReport(columns=report_columns, thresholds=DriftThresholds()).to_dict()
    if json_output:
        print_json(result)
        return
    _drift_table(result)
