"""``aims systems``: the AI system inventory from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from openaims.cli.common import (
    JsonOption,
    OrgOption,
    UserOption,
    console,
    fail,
    import_file,
    print_json,
    resolve_actor,
    run_service,
)

app = typer.Typer(help="The AI system inventory.", no_args_is_help=True)


def _as_dict(system) -> dict:
    from openaims.inventory.schemas import AISystemOut

    return AISystemOut.from_orm(system).model_dump(mode="json")


@app.command("list")
def list_systems(
    q: str = typer.Option(None, "--q", help="Search in name, purpose, description, business unit."),
    stage: str = typer.Option(None, "--stage", help="Life cycle stage, e.g. deployed."),
    tag: str = typer.Option(None, "--tag"),
    in_scope: bool = typer.Option(None, "--in-scope/--out-of-scope", help="Only systems in (or out of) scope."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """List AI systems."""
    from openaims.inventory.selectors import ai_systems, filter_ai_systems

    actor = resolve_actor(org, user)
    qs = run_service(ai_systems, actor)
    qs = filter_ai_systems(qs, {"q": q, "lifecycle_stage": stage, "tag": tag, "in_scope": in_scope})
    if json_output:
        print_json([_as_dict(s) for s in qs])
        return
    table = Table(title=f"AI systems of {actor.organization.name}")
    for column in ("Name", "Stage", "Owner", "Business unit", "In scope", "Id"):
        table.add_column(column)
    for s in qs:
        table.add_row(
            s.name,
            s.get_lifecycle_stage_display(),
            str(s.owner or "—"),
            s.business_unit,
            "yes" if s.in_scope else "no",
            str(s.pk),
        )
    console.print(table)


def _find(actor, ref: str):
    from openaims.base.errors import NotFound
    from openaims.base.selectors import get_scoped
    from openaims.inventory.models import AISystem
    from openaims.inventory.selectors import ai_systems

    qs = ai_systems(actor)
    try:
        return get_scoped(AISystem, actor, ref, queryset=qs)
    except NotFound:
        found = qs.filter(name=ref).first()
        if found is None:
            fail(f"no AI system {ref!r} in {actor.organization.slug}")
        return found


@app.command("show")
def show(
    ref: str = typer.Argument(..., help="Id or exact name."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Show one AI system."""
    actor = resolve_actor(org, user)
    system = run_service(_find, actor, ref)
    data = _as_dict(system)
    if json_output:
        print_json(data)
        return
    table = Table(show_header=False, title=system.name)
    for key, value in data.items():
        table.add_row(key, ", ".join(map(str, value)) if isinstance(value, list) else str(value))
    console.print(table)


@app.command("add")
def add(
    name: str = typer.Argument(...),
    purpose: str = typer.Option(..., "--purpose", help="What the system is for, in one sentence."),
    stage: str = typer.Option("idea", "--stage", help="Life cycle stage to start in."),
    owner: str = typer.Option(None, "--owner", help="Username of the owner (a member)."),
    business_unit: str = typer.Option("", "--business-unit"),
    ai_role: list[str] = typer.Option([], "--ai-role", help="provider, producer, customer, partner, subject (repeat)."),
    tag: list[str] = typer.Option([], "--tag", help="Tag (repeat)."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Register an AI system."""
    from openaims.inventory import services
    from openaims.inventory.transfer import _resolve

    actor = resolve_actor(org, user)
    row = {"name": name, "purpose": purpose, "lifecycle_stage": stage, "business_unit": business_unit}
    row.update({"ai_roles": ai_role, "tags": tag, "owner": owner})
    try:
        fields = _resolve(actor, {k: v for k, v in row.items() if v not in (None, "")})
    except ValueError as exc:
        fail(str(exc))
    system = run_service(services.ai_system_create, actor=actor, **fields)
    if json_output:
        print_json(_as_dict(system))
    else:
        console.print(f"AI system {system.name!r} registered ({system.pk}).")


@app.command("export")
def export(
    fmt: str = typer.Option("yaml", "--format", help="yaml or csv."),
    out: Path = typer.Option(None, "--out", help="File to write (default: standard output)."),
    org: str = OrgOption,
    user: str = UserOption,
) -> None:
    """Export the inventory as YAML or CSV (the format `aims systems import` reads)."""
    from openaims.accounts.choices import Permission
    from openaims.inventory.selectors import ai_systems
    from openaims.inventory.transfer import dump, export_rows

    if fmt not in {"yaml", "csv"}:
        fail(f"--format: {fmt!r} is not yaml or csv")
    actor = resolve_actor(org, user)
    run_service(actor.require, Permission.EXPORT)
    text = dump(export_rows(ai_systems(actor)), fmt)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"Wrote {out}")


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="A .yaml/.yml or .csv file, as written by `aims systems export`."),
    update: bool = typer.Option(False, "--update", help="Change systems that exist (matched by name)."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Import AI systems, all or nothing: any bad row means nothing is written, and every bad row is reported."""
    from openaims.inventory.transfer import import_systems, read_rows

    if not file.is_file():
        fail(f"{file}: no such file")
    actor = resolve_actor(org, user)
    result = import_file(file, read_rows, import_systems, actor=actor, update=update)
    if json_output:
        print_json(result)
    else:
        console.print(f"Imported {result['created']} new and {result['updated']} changed AI systems.")
