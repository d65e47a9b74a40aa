"""``aims nc``: nonconformities (10.2) from the command line."""

from __future__ import annotations

import typer
from rich.table import Table

from openaims.cli.common import JsonOption, OrgOption, UserOption, console, fail, print_json, resolve_actor, run_service

app = typer.Typer(help="Nonconformities and their corrective actions (10.2).", no_args_is_help=True)


def _as_dict(nonconformity) -> dict:
    from openaims.audits.schemas import NonconformityOut

    return NonconformityOut.from_orm(nonconformity).model_dump(mode="json")


@app.command("list")
def list_nonconformities(
    status: str = typer.Option(
        None,
        "--status",
        help="open, action_planned, awaiting_verification, closed_effective or closed_not_effective.",
    ),
    source: str = typer.Option(None, "--source", help="monitoring, internal_audit, external_audit, incident, …"),
    system: str = typer.Option(None, "--system", help="Only nonconformities of this AI system (exact name)."),
    overdue: bool = typer.Option(None, "--overdue/--not-overdue", help="Only those past (or within) the due date."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """List the nonconformities, newest first."""
    from openaims.audits.choices import NonconformitySource, NonconformityStatus
    from openaims.audits.selectors import api_nonconformities, filter_nonconformities, nonconformities
    from openaims.inventory.models import AISystem

    actor = resolve_actor(org, user)
    if status and status not in NonconformityStatus.values:
        fail(f"--status: {status!r} is not one of {', '.join(NonconformityStatus.values)}")
    if source and source not in NonconformitySource.values:
        fail(f"--source: {source!r} is not one of {', '.join(NonconformitySource.values)}")
    filters: dict = {"status": status, "source": source, "overdue": overdue}
    if system:
        found = AISystem.objects.filter(organization=actor.organization, name=system).first()
        if found is None:
            fail(f"--system: no AI system {system!r} in {actor.organization.slug}")
        filters["ai_system_id"] = found.pk
    qs = api_nonconformities(filter_nonconformities(run_service(nonconformities, actor), filters))
    if json_output:
        print_json([_as_dict(nc) for nc in qs])
        return
    table = Table(title=f"Nonconformities of {actor.organization.name}")
    table.add_column("Reference", no_wrap=True)
    for column in ("Title", "Source", "Severity", "AI system", "Owner", "Due", "Status"):
        table.add_column(column)
    for nc in qs:
        table.add_row(
            nc.reference,
            nc.title,
            nc.source,
            nc.severity,
            str(nc.ai_system or "—"),
            str(nc.owner or "—"),
            f"{nc.due_date or '—'}{' overdue' if nc.overdue else ''}",
            nc.status,
        )
    console.print(table)
