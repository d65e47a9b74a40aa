"""``aims card``: an AI system card (HTML, Markdown or PDF), generated from the records."""

from __future__ import annotations

from pathlib import Path

import typer

from openaims.cli.common import OrgOption, UserOption, console, fail, resolve_actor, run_service


def card(
    system: str = typer.Argument(..., help="The AI system: its id or exact name."),
    fmt: str = typer.Option("pdf", "--format", help="pdf, html or markdown."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    org: str = OrgOption,
    user: str = UserOption,
) -> None:
    """Write an AI system's card: purpose, limitations, data, models, latest results, oversight, risks, tier."""
    from openaims.cli.systems import _find
    from openaims.oversight.transparency.exports import FORMATS, export_card

    if fmt not in FORMATS:
        fail(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    actor = resolve_actor(org, user)
    found = run_service(_find, actor, system)
    exported = run_service(export_card, actor=actor, ai_system=found, fmt=fmt)
    try:
        out.write_bytes(exported.content)
    except OSError as exc:
        fail(f"--out: {exc.strerror or exc}")
    console.print(f"wrote {out} (card of {found.name}, {fmt}, {len(exported.content)} bytes)", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("card")(card)
