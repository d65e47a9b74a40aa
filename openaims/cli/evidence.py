"""``aims evidence``: list and add evidence, and verify the stored files against their hashes."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import typer
from rich.table import Table

from openaims.cli.common import JsonOption, OrgOption, UserOption, console, fail, print_json, resolve_actor, run_service

app = typer.Typer(help="Evidence: files, links and records, with expiry.", no_args_is_help=True)


def _as_dict(item) -> dict:
    from openaims.evidence.schemas import EvidenceOut

    return EvidenceOut.from_orm(item).model_dump(mode="json")


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")


@app.command("list")
def list_evidence(
    q: str = typer.Option(None, "--q", help="Search in title, description, file name, URL, or a SHA-256."),
    kind: str = typer.Option(None, "--kind", help="file, url or record."),
    expired: bool = typer.Option(None, "--expired/--valid", help="Only expired (or only unexpired) items."),
    system: str = typer.Option(None, "--system", help="Only items linked to this AI system (id)."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """List evidence items with their expiry."""
    from openaims.evidence.selectors import evidence_items, filter_evidence

    actor = resolve_actor(org, user)
    filters = {"q": q, "kind": kind, "expired": expired, "ai_system_id": system}
    if system:
        try:
            uuid.UUID(system)
        except ValueError:
            fail(f"--system: {system!r} is not an AI system id")
    items = list(filter_evidence(run_service(evidence_items, actor), filters))
    if json_output:
        print_json([_as_dict(i) for i in items])
        return
    table = Table(title=f"Evidence of {actor.organization.name}")
    for column in ("Title", "Kind", "Expiry", "Collected", "File, link or record", "Id"):
        table.add_column(column)
    for i in items:
        expiry = i.expiry
        style = {"red": "bold red", "orange": "yellow"}.get(expiry.colour, "")
        shown = f"[{style}]{expiry}[/]" if style else str(expiry)
        table.add_row(i.title, i.get_kind_display(), shown, str(i.collected_on), i.reference, str(i.pk))
    console.print(table)


@app.command("add")
def add(
    title: str = typer.Argument(..., help="What the evidence shows, in a few words."),
    file: Path = typer.Option(None, "--file", help="A file to upload (stored by its SHA-256)."),
    url: str = typer.Option(None, "--url", help="A link, instead of a file."),
    description: str = typer.Option("", "--description"),
    collected_on: str = typer.Option(None, "--collected-on", help="YYYY-MM-DD (default: today)."),
    valid_until: str = typer.Option(None, "--valid-until", help="YYYY-MM-DD; after it the item is expired."),
    system: list[str] = typer.Option([], "--system", help="Id of a linked AI system (repeat)."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Add evidence: upload a file (--file) or record a link (--url)."""
    from openaims.evidence import services
    from openaims.evidence.storage import read_chunks

    if bool(file) == bool(url):
        fail("give either --file or --url")
    actor = resolve_actor(org, user)
    fields = {
        "title": title,
        "description": description,
        "collected_on": _date(collected_on, "--collected-on"),
        "valid_until": _date(valid_until, "--valid-until"),
        "ai_systems": system,
    }
    if file is not None:
        if not file.is_file():
            fail(f"--file: {file}: no such file")
        with file.open("rb") as handle:
            item = run_service(
                services.evidence_upload, actor=actor, content=read_chunks(handle), file_name=file.name, **fields
            )
    else:
        item = run_service(services.evidence_create, actor=actor, kind="url", url=url, **fields)
    if json_output:
        print_json(_as_dict(item))
    else:
        console.print(f"Evidence {item.title!r} added ({item.pk}).")


@app.command("verify")
def verify(org: str = OrgOption, user: str = UserOption) -> None:
    """Re-hash every stored file of the organization's evidence; name each missing or damaged one, exit 1.

    First sweeps the staging files that interrupted uploads and ingests left in the data directory (older than an
    hour) and says how many.
    """
    from openaims.base.staging import STALE_AFTER, sweep_stale
    from openaims.evidence import storage
    from openaims.evidence.selectors import evidence_items

    actor = resolve_actor(org, user)
    swept = sweep_stale()
    hours = STALE_AFTER.total_seconds() / 3600
    console.print(
        f"swept {swept.files} staging file(s) ({storage.human_size(swept.bytes)}) left by interrupted uploads or "
        f"ingests (unchanged for {hours:g} h)",
        highlight=False,
    )
    items = run_service(evidence_items, actor).exclude(file_sha256="")
    problems = 0
    checked: dict[str, str | None] = {}
    for item in items:
        if item.file_sha256 not in checked:
            checked[item.file_sha256] = storage.check(item.file_sha256)
        if problem := checked[item.file_sha256]:
            problems += 1
            console.print(f"[red]bad[/] {item.pk} {item.title!r}: {problem}", highlight=False)
    if problems:
        fail(f"{problems} of {len(items)} evidence file(s) missing or damaged")
    console.print(f"ok, {len(checked)} stored file(s) of {len(items)} evidence item(s) match their SHA-256")
