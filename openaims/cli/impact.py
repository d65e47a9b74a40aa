"""``aims impact``: impact assessments from the command line (reassessment due dates, exports, templates)."""

from __future__ import annotations

from pathlib import Path

import typer

from openaims.cli.common import JsonOption, OrgOption, UserOption, console, fail, print_json, resolve_actor, run_service

app = typer.Typer(help="AI system impact assessments (ISO/IEC 42001 6.1.4, 8.4).", no_args_is_help=True)


@app.command("mark-due")
def mark_due(org: str = OrgOption, user: str = UserOption, as_json: bool = JsonOption) -> None:
    """Mark approved assessments past their review date as due for reassessment (run it daily, e.g. from cron)."""
    from openaims.impact.services import mark_due_assessments

    actor = resolve_actor(org, user)
    marked = run_service(mark_due_assessments, actor=actor)
    if as_json:
        print_json([{"id": str(a.pk), "title": str(a), "ai_system": a.ai_system.name} for a in marked])
        return
    for assessment in marked:
        console.print(f"due: {assessment} — {assessment.ai_system.name}", highlight=False)
    console.print(f"{len(marked)} assessment(s) marked due for reassessment", highlight=False)


@app.command("templates")
def list_templates(as_json: bool = JsonOption) -> None:
    """List the assessment templates (validates the template files: a broken one names its file and entry)."""
    from openaims.impact.questionnaires import TemplateError, templates

    try:
        found = templates()
    except TemplateError as exc:
        fail(str(exc))
    rows = [{"id": t.id, "title": t.title, "version": t.version, "questions": len(t.questions)} for t in found.values()]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(f"{row['id']}\tv{row['version']}\t{row['questions']} questions\t{row['title']}", highlight=False)


@app.command("export")
def export(
    assessment_id: str = typer.Argument(..., help="The assessment's id."),
    fmt: str = typer.Option(..., "--format", help="docx or pdf."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    org: str = OrgOption,
    user: str = UserOption,
) -> None:
    """Export an impact assessment as DOCX or PDF; needs the export right."""
    import uuid

    from openaims.impact.exports import FORMATS, export_assessment
    from openaims.impact.models import ImpactAssessment

    if fmt not in FORMATS:
        fail(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    actor = resolve_actor(org, user)
    try:
        pk = uuid.UUID(assessment_id)
    except ValueError:
        fail(f"ASSESSMENT_ID: {assessment_id!r} is not an id")
    assessment = ImpactAssessment.objects.filter(pk=pk, organization=actor.organization).first()
    if assessment is None:
        fail(f"ASSESSMENT_ID: no impact assessment {assessment_id} in {actor.organization.slug}")
    exported = run_service(export_assessment, actor=actor, impact_assessment=assessment, fmt=fmt)
    try:
        out.write_bytes(exported.content)
    except OSError as exc:
        fail(f"--out: {exc.strerror or exc}")
    console.print(f"wrote {out} ({assessment}, {fmt}, {len(exported.content)} bytes)", highlight=False)
