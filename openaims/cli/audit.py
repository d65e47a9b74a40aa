"""``aims audit``: internal audits (9.2) from the command line: programmes, planning, the sample, the checklist."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from openaims.cli.common import JsonOption, OrgOption, UserOption, console, fail, print_json, resolve_actor, run_service

app = typer.Typer(
    help="Internal audits (9.2): programmes, audits, risk-weighted samples, checklists.", no_args_is_help=True
)


def _audit_dict(audit) -> dict:
    from openaims.audits.internal_schemas import InternalAuditOut

    return InternalAuditOut.from_orm(audit).model_dump(mode="json")


def _find_audit(actor, reference: str):
    """An audit of the actor's organization by reference (IA-0001) or id; else one line and exit 1."""
    from openaims.audits.internal_selectors import REFERENCE, internal_audits
    from openaims.audits.models import InternalAudit
    from openaims.base.errors import NotFound
    from openaims.base.selectors import get_scoped

    qs = run_service(internal_audits, actor)
    if match := REFERENCE.match(reference):
        audit = qs.filter(number=int(match.group(1))).first()
    else:
        try:
            audit = get_scoped(InternalAudit, actor, reference, queryset=qs)
        except NotFound:
            audit = None
    if audit is None:
        fail(f"ID: no internal audit {reference!r} in {actor.organization.slug}")
    return audit


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")


def _ids(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@app.command("programme")
def programme(
    name: str = typer.Argument(..., help="The programme's name."),
    objectives: str = typer.Option(..., "--objectives", help="What its audits are for."),
    frequency: str = typer.Option("annual", "--frequency", help="quarterly, semiannual or annual."),
    methods: str = typer.Option("", "--methods"),
    responsibilities: str = typer.Option("", "--responsibilities"),
    criteria: str = typer.Option("", "--criteria"),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Record an audit programme."""
    from openaims.audits.choices import AuditFrequency
    from openaims.audits.internal_schemas import AuditProgrammeOut
    from openaims.audits.internal_services import audit_programme_create

    actor = resolve_actor(org, user)
    if frequency not in AuditFrequency.values:
        fail(f"--frequency: {frequency!r} is not one of {', '.join(AuditFrequency.values)}")
    created = run_service(
        audit_programme_create,
        actor=actor,
        name=name,
        objectives=objectives,
        frequency=frequency,
        methods=methods,
        responsibilities=responsibilities,
        criteria=criteria,
    )
    if json_output:
        print_json(AuditProgrammeOut.from_orm(created).model_dump(mode="json"))
        return
    console.print(f"Audit programme “{created.name}” recorded ({created.get_frequency_display().lower()}).")


@app.command("list")
def list_audits(
    status: str = typer.Option(None, "--status", help="planned, in_progress, reported or closed."),
    due: bool = typer.Option(None, "--due/--not-due", help="Only audits past their planned start and not started."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """List the internal audits, latest planned start first."""
    from openaims.audits.choices import InternalAuditStatus
    from openaims.audits.internal_selectors import api_internal_audits, filter_internal_audits, internal_audits

    actor = resolve_actor(org, user)
    if status and status not in InternalAuditStatus.values:
        fail(f"--status: {status!r} is not one of {', '.join(InternalAuditStatus.values)}")
    qs = api_internal_audits(
        filter_internal_audits(run_service(internal_audits, actor), {"status": status, "due": due})
    )
    if json_output:
        print_json([_audit_dict(audit) for audit in qs])
        return
    table = Table(title=f"Internal audits of {actor.organization.name}")
    table.add_column("Reference", no_wrap=True)
    for column in ("Title", "Programme", "Lead auditor", "Planned", "Status"):
        table.add_column(column)
    for audit in qs:
        table.add_row(
            audit.reference,
            audit.title,
            str(audit.programme),
            str(audit.lead_auditor or "—"),
            f"{audit.planned_start} to {audit.planned_end}",
            audit.status + (" (due)" if audit.due else ""),
        )
    console.print(table)


@app.command("plan")
def plan(
    title: str = typer.Argument(..., help="The audit's title."),
    programme: str = typer.Option(..., "--programme", help="The audit programme (exact name)."),
    start: str = typer.Option(..., "--start", help="Planned start, YYYY-MM-DD."),
    end: str = typer.Option(..., "--end", help="Planned end, YYYY-MM-DD."),
    clauses: str = typer.Option("", "--clauses", help="Clause or requirement ids, comma-separated: 9.2,6.1.3."),
    controls: str = typer.Option("", "--controls", help="Annex A control ids, comma-separated: A.6.2.6,A.7.4."),
    system: list[str] = typer.Option(None, "--system", help="An AI system in scope (exact name); repeat for more."),
    lead: str = typer.Option(None, "--lead", help="The lead auditor (username of a member)."),
    team: list[str] = typer.Option(None, "--team", help="A team member (username); repeat for more."),
    criteria: str = typer.Option("", "--criteria"),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Plan an internal audit from a programme (number IA-0001, …)."""
    from openaims.accounts.models import User
    from openaims.audits.internal_services import internal_audit_create
    from openaims.audits.models import AuditProgramme
    from openaims.inventory.models import AISystem

    actor = resolve_actor(org, user)
    found = AuditProgramme.objects.filter(organization=actor.organization, name=programme).first()
    if found is None:
        fail(f"--programme: no audit programme {programme!r} in {actor.organization.slug}")
    systems = []
    for name in system or []:
        match = AISystem.objects.filter(organization=actor.organization, name=name).first()
        if match is None:
            fail(f"--system: no AI system {name!r} in {actor.organization.slug}")
        systems.append(match)

    def person(username: str, option: str):
        match = User.objects.filter(username=username, memberships__organization=actor.organization).first()
        if match is None:
            fail(f"{option}: {username!r} is not a member of {actor.organization.slug}")
        return match

    audit = run_service(
        internal_audit_create,
        actor=actor,
        title=title,
        programme=found,
        planned_start=_date(start, "--start"),
        planned_end=_date(end, "--end"),
        clause_ids=_ids(clauses),
        control_ids=_ids(controls),
        ai_systems=systems,
        lead_auditor=person(lead, "--lead") if lead else None,
        team=[person(name, "--team") for name in team or []],
        criteria=criteria,
    )
    if json_output:
        print_json(_audit_dict(audit))
        return
    console.print(f"{audit.reference} “{audit.title}” planned from {audit.planned_start} to {audit.planned_end}.")


@app.command("sample")
def sample(
    reference: str = typer.Argument(..., metavar="ID", help="The audit: IA-0001 or its id."),
    size: int = typer.Option(..., "--size", help="How many AI systems to draw."),
    seed: int = typer.Option(..., "--seed", help="The seed: the same seed draws the same sample."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Draw the audit's risk-weighted sample of AI systems, reproducible from the seed."""
    from openaims.audits.internal_services import internal_audit_draw_sample

    actor = resolve_actor(org, user)
    audit = _find_audit(actor, reference)
    drawn = run_service(internal_audit_draw_sample, actor=actor, audit=audit, size=size, seed=seed)
    if json_output:
        print_json(_audit_dict(drawn))
        return
    chosen = {str(pk) for pk in drawn.sampled_systems.values_list("pk", flat=True)}
    table = Table(title=f"Sample of {drawn.reference} (seed {seed})")
    for column in ("AI system", "Weight", "Why", "Drawn"):
        table.add_column(column)
    for row in drawn.sample_weights:
        table.add_row(row["name"], str(row["weight"]), row["basis"], "yes" if row["ai_system_id"] in chosen else "")
    console.print(table)


@app.command("checklist")
def checklist(
    reference: str = typer.Argument(..., metavar="ID", help="The audit: IA-0001 or its id."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Generate the audit's checklist from its scope (lines already there stay) and print it with the findings."""
    from openaims.audits.internal_schemas import AuditChecklistItemOut
    from openaims.audits.internal_selectors import checklist as checklist_of
    from openaims.audits.internal_services import internal_audit_generate_checklist

    actor = resolve_actor(org, user)
    audit = _find_audit(actor, reference)
    if audit.status in ("planned", "in_progress"):
        run_service(internal_audit_generate_checklist, actor=actor, audit=audit)
    lines = list(checklist_of(audit))
    if json_output:
        print_json([AuditChecklistItemOut.from_orm(line).model_dump(mode="json") for line in lines])
        return
    table = Table(title=f"Checklist of {audit.reference}")
    for column in ("#", "Kind", "Reference", "Checks", "Finding", "Raised"):
        table.add_column(column)
    for line in lines:
        raised = line.nonconformity.reference if line.nonconformity else ("improvement" if line.improvement else "")
        table.add_row(str(line.position), line.kind, line.reference, line.title, line.finding or "—", raised)
    console.print(table)


@app.command("pack")
def pack(
    out: str = typer.Option(..., "--out", help="The zip file to write."),
    audit_reference: str = typer.Option(
        None, "--audit", help="The internal audit (IA-0001 or its id): pack its scope. Default: the whole AIMS."
    ),
    framework: str = typer.Option("iso42001", "--framework", help="The framework the pack is organized by."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Write the auditor's evidence pack: index, SoA, readiness, clauses and controls with their evidence files,
    the AI systems' records, audit reports, and the trail; check it with python -m openaims.trail.verify FILE."""
    import hashlib
    import os
    import tempfile
    from pathlib import Path

    from openaims.audits.pack import FRAMEWORKS, build_pack

    if framework not in FRAMEWORKS:
        fail(f"--framework: unknown framework {framework!r} (use {', '.join(FRAMEWORKS)})")
    actor = resolve_actor(org, user)
    audit = None
    if audit_reference:
        from openaims.audits.internal_selectors import REFERENCE, internal_audits
        from openaims.audits.models import InternalAudit
        from openaims.base.errors import NotFound
        from openaims.base.selectors import get_scoped

        qs = run_service(internal_audits, actor)
        if match := REFERENCE.match(audit_reference):
            audit = qs.filter(number=int(match.group(1))).first()
        else:
            try:
                audit = get_scoped(InternalAudit, actor, audit_reference, queryset=qs)
            except NotFound:
                audit = None
        if audit is None:
            fail(f"--audit: no internal audit {audit_reference!r} in {actor.organization.slug}")
    target = Path(out)
    try:
        fd, staged = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError:
        fail("--out: cannot write that file")
    try:
        with os.fdopen(fd, "w+b") as handle:
            summary = run_service(build_pack, actor, handle, audit=audit, framework=framework)
            handle.flush()
            os.fsync(handle.fileno())
            handle.seek(0)
            digest = hashlib.sha256()
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        os.chmod(staged, 0o644)
        os.replace(staged, target)
    except OSError:
        fail("--out: cannot write that file")
    finally:
        Path(staged).unlink(missing_ok=True)
    result = {
        "file": str(target),
        "files": summary.files,
        "bytes": summary.bytes,
        "zip_bytes": target.stat().st_size,
        "sha256": digest.hexdigest(),
        "audit": summary.audit or None,
        "missing": [f"{where}: {what}" for where, what in summary.missing],
        "problems": summary.problems,
    }
    if json_output:
        print_json(result)
        return
    covers = f"internal audit {summary.audit}" if summary.audit else "the whole AIMS"
    console.print(
        f"Evidence pack of {covers} written: {summary.files} files, {summary.bytes} bytes "
        f"({result['zip_bytes']} zipped), sha256 {result['sha256']}",
        highlight=False,
    )
    if summary.missing:
        console.print(f"{len(summary.missing)} gaps listed in its index.html (What is missing).", highlight=False)
    for problem in summary.problems:
        console.print(f"PROBLEM: {problem}", highlight=False)
    console.print("Check it with: python -m openaims.trail.verify FILE", highlight=False)
