"""``aims connection``: the external databases and Spark that monitors may read, declared by the administrator.

A tenant's data source names a connection; only the instance administrator, on the server's shell, declares
one: its kind, where its connection string is held (an environment variable or a file, never the string
itself), which organizations may use it, and its limits. See README, "Connections and data sources".
"""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from openaims.cli.common import JsonOption, console, fail, print_json

app = typer.Typer(
    help="Connections to external databases and Spark that monitors' data sources may name (administrator).",
    no_args_is_help=True,
)


def _held_in(connection) -> str:
    if connection.dsn_env:
        return f"env {connection.dsn_env}"
    if connection.dsn_file:
        return f"file {connection.dsn_file}"
    return connection.master or "(running session)"


def _as_dict(connection) -> dict:
    data = connection.as_dict()
    data["declared_in"] = connection.declared_in
    return data


@app.command("list")
def list_connections(json_output: bool = JsonOption) -> None:
    """List the declared connections: kind, where the connection string is held, organizations, limits."""
    from openaims.policy.connections import declared_connections
    from openaims.policy.files import PolicyError

    try:
        found = declared_connections()
    except PolicyError as exc:
        fail(str(exc))
    if json_output:
        print_json([_as_dict(c) for c in found])
        return
    if not found:
        console.print("No connection declared: `aims connection add NAME --kind postgres --dsn-env VAR --org SLUG`.")
        return
    table = Table(title="Declared connections")
    for column in ("Name", "Kind", "Held in", "Organizations", "Timeout (ms)", "Max rows", "Declared in"):
        table.add_column(column)
    for c in found:
        table.add_row(
            escape(c.name),
            c.kind,
            escape(_held_in(c)),
            escape(", ".join(c.organizations)),
            str(c.statement_timeout_ms),
            str(c.max_rows),
            c.declared_in,
        )
    console.print(table)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="The name data sources use (lower-case letters, digits, - and _)."),
    kind: str = typer.Option(..., "--kind", help="postgres or spark."),
    org: list[str] = typer.Option(..., "--org", help="An organization (slug) that may use it; repeat, or * for all."),
    dsn_env: str = typer.Option("", "--dsn-env", help="PostgreSQL: the environment variable holding the DSN."),
    dsn_file: str = typer.Option("", "--dsn-file", help="PostgreSQL: the file holding the DSN (absolute path)."),
    master: str = typer.Option("", "--master", help="Spark: the master URL (default: the running session)."),
    statement_timeout_ms: int = typer.Option(30_000, "--statement-timeout-ms", help="Longest query, in ms."),
    max_rows: int = typer.Option(100_000, "--max-rows", help="Most rows one query may return."),
    max_bytes: int = typer.Option(64 * 1024 * 1024, "--max-bytes", help="Most bytes one query may return."),
    description: str = typer.Option("", "--description", help="What it reaches, as members see it."),
    replace: bool = typer.Option(False, "--replace", help="Redeclare an existing connection of that name."),
    json_output: bool = JsonOption,
) -> None:
    """Declare a connection (refused when its DSN points to the application's own database)."""
    from openaims.accounts.models import Organization
    from openaims.policy.connections import ALL_ORGANIZATIONS, Connection, connection_declare

    slugs = [s.strip() for value in org for s in value.split(",") if s.strip()]
    unknown = [s for s in slugs if s != ALL_ORGANIZATIONS and not Organization.objects.filter(slug=s).exists()]
    if unknown:
        fail(f"--org: no organization {unknown[0]!r}")
    connection = Connection(
        name=name,
        kind=kind,
        organizations=tuple(slugs),
        dsn_env=dsn_env,
        dsn_file=dsn_file,
        master=master,
        statement_timeout_ms=statement_timeout_ms,
        max_rows=max_rows,
        max_bytes=max_bytes,
        description=description,
        declared_in="file",
    )
    try:
        connection_declare(connection, replace=replace)
    except ValueError as exc:
        problems = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {"connection": str(exc)}
        option, message = next(iter(problems.items()))
        fail(f"{'--' + option if option not in ('name', 'connection') else option.upper()}: {message}")
    if json_output:
        print_json(_as_dict(connection))
        return
    console.print(f"Connection {escape(name)} ({kind}) declared for {escape(', '.join(slugs))}.", highlight=False)


@app.command("remove")
def remove(name: str = typer.Argument(..., help="The connection to remove.")) -> None:
    """Remove a connection declared with `aims connection add` (data sources naming it stop reading)."""
    from openaims.policy.connections import connection_remove

    if not connection_remove(name):
        fail(f"NAME: no connection {name!r} declared with `aims connection add`")
    console.print(f"Connection {escape(name)} removed.", highlight=False)


@app.command("check")
def check(name: str = typer.Argument(..., help="The connection to check."), json_output: bool = JsonOption) -> None:
    """Connect as a run would and say what the role may do (it should be read-only and no superuser)."""
    from openaims.policy.connections import connection_check, declared_connections

    found = next((c for c in declared_connections() if c.name == name), None)
    if found is None:
        fail(f"NAME: no connection {name!r}")
    report = connection_check(found)
    if json_output:
        print_json(report)
    elif report["problem"]:
        console.print(f"{escape(name)}: {escape(report['problem'])}", highlight=False)
    else:
        warnings = []
        if report["superuser"]:
            warnings.append("its role is a superuser")
        if not report["default_read_only"]:
            warnings.append("its role is not read-only by default (default_transaction_read_only)")
        if report["can_create"]:
            warnings.append("its role may create objects")
        verdict = "; ".join(warnings) if warnings else "reachable, read-only role, no superuser"
        console.print(f"{escape(name)}: {escape(verdict)}", highlight=False)
    if report["problem"]:
        raise typer.Exit(1)
    if report.get("superuser") or not report.get("default_read_only") or report.get("can_create"):
        raise typer.Exit(2)
