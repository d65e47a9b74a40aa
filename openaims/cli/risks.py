"""``aims risks``: the AI risk register from the command line."""

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

app = typer.Typer(help="The AI risk register.", no_args_is_help=True)


def _as_dict(risk) -> dict:
    from openaims.risk.schemas import RiskOut

    return RiskOut.from_orm(risk).model_dump(mode="json")


@app.command("list")
def list_risks(
    q: str = typer.Option(None, "--q", help="Search in title, description, risk source, consequences."),
    system: str = typer.Option(None, "--system", help="Only risks of this AI system (exact name)."),
    level: str = typer.Option(None, "--level", help="low, medium, high or critical (residual once rated)."),
    status: str = typer.Option(None, "--status", help="identified, assessed, treating, accepted or closed."),
    owner: str = typer.Option(None, "--owner", help="Username of the owner."),
    overdue: bool = typer.Option(None, "--overdue/--not-overdue", help="Only risks past (or within) review date."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """List the risks of the register."""
    from openaims.accounts.models import User
    from openaims.inventory.models import AISystem
    from openaims.risk.choices import RiskLevel, RiskStatus
    from openaims.risk.selectors import api_risks, filter_risks, risks

    actor = resolve_actor(org, user)
    if level and level not in RiskLevel.values:
        fail(f"--level: {level!r} is not one of {', '.join(RiskLevel.values)}")
    if status and status not in RiskStatus.values:
        fail(f"--status: {status!r} is not one of {', '.join(RiskStatus.values)}")
    filters: dict = {"q": q, "level": level, "status": status, "overdue": overdue}
    if system:
        found = AISystem.objects.filter(organization=actor.organization, name=system).first()
        if found is None:
            fail(f"--system: no AI system {system!r} in {actor.organization.slug}")
        filters["ai_system_id"] = found.pk
    if owner:
        found = User.objects.filter(username=owner, memberships__organization=actor.organization).first()
        if found is None:
            fail(f"--owner: no member {owner!r}")
        filters["owner_id"] = found.pk
    qs = api_risks(filter_risks(run_service(risks, actor), filters))
    if json_output:
        print_json([_as_dict(r) for r in qs])
        return
    table = Table(title=f"Risks of {actor.organization.name}")
    for column in ("Title", "AI systems", "Inherent", "Residual", "Owner", "Review", "Status", "Id"):
        table.add_column(column)
    for r in qs:
        table.add_row(
            r.title,
            r.ai_system_names,
            f"{r.inherent_level} ({r.likelihood}×{r.consequence})",
            f"{r.residual_level} ({r.residual_likelihood}×{r.residual_consequence})" if r.residual_level else "—",
            str(r.owner or "—"),
            f"{r.review_date or '—'}{' overdue' if r.review_overdue else ''}",
            r.get_status_display(),
            str(r.pk),
        )
    console.print(table)


@app.command("add")
def add(
    title: str = typer.Argument(...),
    likelihood: int = typer.Option(..., "--likelihood", help="1 (lowest) to the size of the likelihood scale."),
    consequence: int = typer.Option(..., "--consequence", help="1 (lowest) to the size of the consequence scale."),
    system: list[str] = typer.Option([], "--system", help="AI system concerned, by name (repeat)."),
    description: str = typer.Option("", "--description"),
    risk_source: str = typer.Option("", "--risk-source", help="Annex C risk source id or title, or your own."),
    objective: list[str] = typer.Option([], "--objective", help="Annex C objective id or title (repeat)."),
    consequences: str = typer.Option("", "--consequences", help="What happens, and to whom."),
    owner: str = typer.Option(None, "--owner", help="Username of the risk owner (a member)."),
    treatment_option: str = typer.Option(None, "--treatment-option", help="modify, avoid, share or retain."),
    control: list[str] = typer.Option([], "--control", help="SoA control id that treats it, e.g. A.6.2.4 (repeat)."),
    review_date: str = typer.Option(None, "--review-date", help="YYYY-MM-DD (default: after the review interval)."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Add a risk to the register; its level comes from the organization's risk criteria."""
    from openaims.risk import services
    from openaims.risk.selectors import api_risks, risks
    from openaims.risk.transfer import resolve_row

    actor = resolve_actor(org, user)
    row = {
        "title": title,
        "description": description,
        "ai_systems": system,
        "risk_source": risk_source,
        "affected_objectives": objective,
        "consequences": consequences,
        "likelihood": likelihood,
        "consequence": consequence,
        "owner": owner,
        "treatment_option": treatment_option,
        "controls": control,
        "review_date": review_date,
    }
    try:
        fields = resolve_row(actor, {k: v for k, v in row.items() if v not in (None, "", [])})
    except ValueError as exc:
        fail(str(exc))
    risk = run_service(services.risk_create, actor=actor, **fields)
    if json_output:
        print_json(_as_dict(api_risks(risks(actor)).get(pk=risk.pk)))
    else:
        console.print(f"Risk {risk.title!r} added: inherent level {risk.inherent_level} ({risk.pk}).")


@app.command("export")
def export(
    fmt: str = typer.Option("yaml", "--format", help="yaml or csv."),
    out: Path = typer.Option(None, "--out", help="File to write (default: standard output)."),
    org: str = OrgOption,
    user: str = UserOption,
) -> None:
    """Export the risk register as YAML or CSV (the format `aims risks import` reads)."""
    from openaims.accounts.choices import Permission
    from openaims.risk.selectors import risks
    from openaims.risk.transfer import dump, export_rows

    if fmt not in {"yaml", "csv"}:
        fail(f"--format: {fmt!r} is not yaml or csv")
    actor = resolve_actor(org, user)
    run_service(actor.require, Permission.EXPORT)
    text = dump(export_rows(risks(actor)), fmt)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"Wrote {out}")


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="A .yaml/.yml or .csv file, as written by `aims risks export`."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Import risks, all or nothing: any bad row means nothing is written, and every bad row is reported."""
    from openaims.risk.transfer import import_risks, read_rows

    if not file.is_file():
        fail(f"{file}: no such file")
    actor = resolve_actor(org, user)
    result = import_file(file, read_rows, import_risks, actor=actor)
    if json_output:
        print_json(result)
    else:
        console.print(f"Imported {result['created']} risks.")
