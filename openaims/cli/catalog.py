"""``aims catalog``: the standards and regulations OpenAIMS knows, their crosswalks, OSCAL in and out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from openaims.cli.common import JsonOption, console, fail, print_json

app = typer.Typer(
    help="Standards as data: frameworks, their items and crosswalks; OSCAL import and export.", no_args_is_help=True
)


def _framework(framework_id: str):
    from openaims.controls.catalog_store import find_framework

    try:
        return find_framework(framework_id)
    except KeyError as exc:
        fail(str(exc.args[0]))


def _catalog_errors(fn, *args):
    from openaims.catalog import CatalogError

    try:
        return fn(*args)
    except CatalogError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or ''}: {exc.strerror or exc}")


@app.command("list")
def list_frameworks(json_output: bool = JsonOption) -> None:
    """List the frameworks: built in, then imported."""
    from openaims.catalog import builtin_frameworks
    from openaims.controls.catalog_store import all_frameworks

    builtin = builtin_frameworks()
    frameworks = _catalog_errors(all_frameworks)
    rows = [
        {
            "id": f.id,
            "name": f.name,
            "version": f.version,
            "publisher": f.publisher,
            "items": len(f),
            "origin": "built-in" if f.id in builtin else "imported",
        }
        for f in frameworks.values()
    ]
    if json_output:
        print_json(rows)
        return
    table = Table(title="Frameworks")
    for column in ("Id", "Name", "Version", "Items", "Origin"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["id"], row["name"], row["version"], str(row["items"]), row["origin"])
    console.print(table)


@app.command("show")
def show(framework_id: str = typer.Argument(..., help="e.g. iso42001"), json_output: bool = JsonOption) -> None:
    """Show a framework: every item with its id, title, kind and crosswalk mappings."""
    from openaims.controls.catalog_store import mapping_index

    framework = _framework(framework_id)
    index = mapping_index()
    items = []
    for item in framework:
        mappings = []
        for m in index.get((framework.id, item.id), []):
            other_framework, other_item = m.other_side(framework.id, item.id)
            mappings.append(
                {
                    "framework": other_framework,
                    "item": other_item,
                    "relation": m.relation,
                    "basis": m.basis,
                    "source": m.source,
                    "locator": m.locator,
                }
            )
        items.append(
            {"id": item.id, "title": item.title, "kind": item.kind, "parent": item.parent, "mappings": mappings}
        )
    if json_output:
        print_json(
            {
                "id": framework.id,
                "name": framework.name,
                "version": framework.version,
                "publisher": framework.publisher,
                "items": items,
            }
        )
        return
    table = Table(title=f"{framework.name} ({framework.version})")
    for column in ("Id", "Kind", "Title", "Mappings"):
        table.add_column(column)
    for item in items:
        table.add_row(item["id"], item["kind"], item["title"], str(len(item["mappings"])))
    console.print(table)


@app.command("import")
def import_file(file: Path = typer.Argument(..., help="An OSCAL catalog (.json) or an OpenAIMS framework (.yaml).")):
    """Import a framework: validated, then stored as YAML under AIMS_DATA_DIR/catalog."""
    from openaims.controls.catalog_store import import_framework

    framework, stored = _catalog_errors(import_framework, file)
    console.print(
        f"imported {framework.id} ({framework.name}, {len(framework)} items) as {stored.name}", highlight=False
    )


@app.command("export")
def export(
    framework_id: str = typer.Argument(..., help="e.g. iso42001"),
    fmt: str = typer.Option("oscal", "--format", help="oscal (an OSCAL 1.1 catalog, JSON)."),
    out: Path = typer.Option(None, "--out", help="File to write (default: standard output)."),
) -> None:
    """Export a framework as an OSCAL catalog."""
    from openaims.catalog import export_oscal_catalog

    if fmt != "oscal":
        fail(f"--format: {fmt!r} is not supported (use oscal)")
    framework = _framework(framework_id)
    document = _catalog_errors(export_oscal_catalog, framework)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"--out: {exc.strerror or exc}")
    console.print(f"wrote {out} ({framework.id}, OSCAL)", highlight=False)
