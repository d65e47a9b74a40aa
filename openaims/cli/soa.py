"""``aims soa``: the Statement of Applicability from the command line."""

from __future__ import annotations

from pathlib import Path

import typer

from openaims.cli.common import OrgOption, UserOption, console, fail, resolve_actor, run_service

app = typer.Typer(help="The Statement of Applicability (ISO/IEC 42001 6.1.3).", no_args_is_help=True)


@app.command("export")
def export(
    fmt: str = typer.Option(..., "--format", help="xlsx, docx or pdf."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    version: int = typer.Option(None, "--version", help="Issued version number (default: the current draft)."),
    org: str = OrgOption,
    user: str = UserOption,
) -> None:
    """Export the SoA (a version, or the current draft) for an auditor; needs the export right."""
    from openaims.controls.exports import FORMATS, export_soa

    if fmt not in FORMATS:
        fail(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if version is not None and version < 1:
        fail("--version: must be 1 or more")
    actor = resolve_actor(org, user)
    exported = run_service(export_soa, actor=actor, fmt=fmt, version=version)
    try:
        out.write_bytes(exported.content)
    except OSError as exc:
        fail(f"--out: {exc.strerror or exc}")
    label = f"SoA v{version}" if version else "SoA draft"
    console.print(f"wrote {out} ({label}, {fmt}, {len(exported.content)} bytes)", highlight=False)
