"""``aims external-audit``: guest auditor invitations and evidence requests from the command line."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from openaims.cli.common import JsonOption, OrgOption, UserOption, console, fail, print_json, resolve_actor, run_service

app = typer.Typer(help="The external auditor: guest invitations and evidence requests.", no_args_is_help=True)


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")


def _invitation_dict(invitation) -> dict:
    from openaims.external_audit.schemas import GuestInvitationOut

    return GuestInvitationOut.from_orm(invitation).model_dump(mode="json")


def _request_dict(evidence_request) -> dict:
    from openaims.external_audit.schemas import EvidenceRequestOut

    return EvidenceRequestOut.from_orm(evidence_request).model_dump(mode="json")


def _system(actor, value: str, option: str):
    """An AI system the actor sees, by id or exact name; else one line and exit 1."""
    from openaims.base.errors import NotFound
    from openaims.base.selectors import get_scoped, scoped
    from openaims.inventory.models import AISystem

    found = run_service(scoped, AISystem, actor).filter(name=value).first()
    if found is None:
        try:
            found = get_scoped(AISystem, actor, value)
        except NotFound:
            fail(f"{option}: no AI system {value!r} in {actor.organization.slug}")
    return found


def _member(actor, username: str, option: str):
    from openaims.accounts.models import Membership

    membership = Membership.objects.filter(organization=actor.organization, user__username=username).first()
    if membership is None:
        fail(f"{option}: {username!r} is not a member of {actor.organization.slug}")
    return membership.user


def _find_request(actor, reference: str):
    """A request the actor sees by reference (ER-0001) or id; else one line and exit 1."""
    from openaims.base.errors import NotFound
    from openaims.base.selectors import get_scoped
    from openaims.external_audit.models import EvidenceRequest
    from openaims.external_audit.selectors import REFERENCE, api_evidence_requests, evidence_requests

    qs = api_evidence_requests(run_service(evidence_requests, actor))
    if match := REFERENCE.match(reference):
        found = qs.filter(number=int(match.group(1))).first()
    else:
        try:
            found = get_scoped(EvidenceRequest, actor, reference, queryset=qs)
        except NotFound:
            found = None
    if found is None:
        fail(f"REFERENCE: no evidence request {reference!r} in {actor.organization.slug}")
    return found


# --- Invitations ----------------------------------------------------------------------------------------------


@app.command("invite")
def invite(
    email: str = typer.Option(..., "--email", help="The auditor's e-mail address."),
    name: str = typer.Option(..., "--name", help="The auditor's name."),
    firm: str = typer.Option(..., "--firm", help="The certification body they work for."),
    expires: str = typer.Option(..., "--expires", help="Access until the end of this day (YYYY-MM-DD)."),
    system: list[str] = typer.Option(None, "--system", help="An AI system in scope (id or name); repeat. None: all."),
    framework: list[str] = typer.Option(None, "--framework", help="A framework in scope (e.g. iso42001); repeat."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Invite a guest auditor: prints the acceptance link once (only its fingerprint is kept)."""
    from openaims.external_audit.forms import end_of_day
    from openaims.external_audit.services import guest_invitation_create

    actor = resolve_actor(org, user)
    expires_at = end_of_day(_date(expires, "--expires"))
    systems = [_system(actor, value, "--system") for value in system or ()]
    invitation, raw = run_service(
        guest_invitation_create,
        actor=actor,
        email=email,
        name=name,
        firm=firm,
        expires_at=expires_at,
        scope_systems=systems,
        scope_frameworks=list(framework or ()),
    )
    path = f"/guest/accept/{raw}/"
    if json_output:
        print_json({**_invitation_dict(invitation), "token": raw, "accept_path": path})
        return
    console.print(f"Guest auditor {invitation.name} ({invitation.firm}) invited until {expires_at:%Y-%m-%d}.")
    console.print(f"Send this link (shown once), on your server's address: {path}", highlight=False)


@app.command("invitations")
def invitations(
    status: str = typer.Option(None, "--status", help="pending, active, lapsed or revoked."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """List the guest auditor invitations with their status."""
    from openaims.external_audit.choices import InvitationStatus
    from openaims.external_audit.selectors import filter_guest_invitations, guest_invitations

    actor = resolve_actor(org, user)
    if status and status not in InvitationStatus.values:
        fail(f"--status: {status!r} is not one of {', '.join(InvitationStatus.values)}")
    qs = filter_guest_invitations(run_service(guest_invitations, actor), {"status": status})
    if json_output:
        print_json([_invitation_dict(i) for i in qs])
        return
    table = Table(title=f"Guest auditors of {actor.organization.name}")
    for column in ("Id", "Name", "E-mail", "Certification body", "Until", "Scope", "Status"):
        table.add_column(column)
    for i in qs:
        scope = "whole organization" if i.scope_all_systems else ", ".join(s.name for s in i.scope_systems.all())
        table.add_row(str(i.pk), i.name, i.email, i.firm, f"{i.expires_at:%Y-%m-%d}", scope, i.status)
    console.print(table)


@app.command("revoke")
def revoke(
    invitation_id: str = typer.Argument(..., help="The invitation's id (see `aims external-audit invitations`)."),
    org: str = OrgOption,
    user: str = UserOption,
) -> None:
    """Revoke an invitation: the guest's access ends at once."""
    from openaims.base.errors import NotFound
    from openaims.base.selectors import get_scoped
    from openaims.external_audit.models import GuestInvitation
    from openaims.external_audit.selectors import guest_invitations
    from openaims.external_audit.services import guest_invitation_revoke

    actor = resolve_actor(org, user)
    qs = run_service(guest_invitations, actor)
    try:
        invitation = get_scoped(GuestInvitation, actor, invitation_id, queryset=qs)
    except NotFound:
        fail(f"INVITATION_ID: no guest invitation {invitation_id!r} in {actor.organization.slug}")
    run_service(guest_invitation_revoke, actor=actor, invitation=invitation)
    console.print(f"The invitation of {invitation} is revoked; their access ended.")


# --- Evidence requests ----------------------------------------------------------------------------------------


@app.command("request")
def request(
    title: str = typer.Argument(..., help="What is needed, in a line."),
    due: str = typer.Option(..., "--due", help="The due date (YYYY-MM-DD)."),
    description: str = typer.Option("", "--description"),
    clause: str = typer.Option("", "--clause", help="An ISO/IEC 42001 clause or requirement id, e.g. 6.1.3."),
    control: str = typer.Option("", "--control", help="An Annex A control id, e.g. A.6.2.6."),
    system: str = typer.Option(None, "--system", help="The AI system it is about (id or name)."),
    owner: str = typer.Option(None, "--owner", help="The member who answers (username)."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Request evidence (numbered ER-0001)."""
    from openaims.external_audit.services import evidence_request_create

    actor = resolve_actor(org, user)
    fields = {
        "title": title,
        "description": description,
        "clause_id": clause,
        "control_id": control,
        "due_date": _date(due, "--due"),
        "ai_system": _system(actor, system, "--system") if system else None,
        "owner": _member(actor, owner, "--owner") if owner else None,
    }
    created = run_service(evidence_request_create, actor=actor, **fields)
    if json_output:
        print_json(_request_dict(created))
        return
    console.print(f"{created.reference} “{created.title}” requested, due {created.due_date}.")


@app.command("requests")
def requests(
    status: str = typer.Option(None, "--status", help="open, answered, accepted, reopened or withdrawn."),
    overdue: bool = typer.Option(None, "--overdue/--not-overdue", help="Past the due date and not accepted."),
    owner: str = typer.Option(None, "--owner", help="The member who answers (username)."),
    system: str = typer.Option(None, "--system", help="An AI system (id or name)."),
    clause: str = typer.Option(None, "--clause"),
    control: str = typer.Option(None, "--control"),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """List the evidence requests, newest first."""
    from openaims.external_audit.choices import EvidenceRequestStatus
    from openaims.external_audit.selectors import api_evidence_requests, evidence_requests, filter_evidence_requests

    actor = resolve_actor(org, user)
    if status and status not in EvidenceRequestStatus.values:
        fail(f"--status: {status!r} is not one of {', '.join(EvidenceRequestStatus.values)}")
    filters = {
        "status": status,
        "overdue": overdue,
        "owner_id": _member(actor, owner, "--owner").pk if owner else None,
        "ai_system_id": _system(actor, system, "--system").pk if system else None,
        "clause_id": clause,
        "control_id": (control or "").upper() or None,
    }
    qs = api_evidence_requests(filter_evidence_requests(run_service(evidence_requests, actor), filters))
    if json_output:
        print_json([_request_dict(r) for r in qs])
        return
    table = Table(title=f"Evidence requests of {actor.organization.name}")
    table.add_column("Reference", no_wrap=True)
    for column in ("Title", "About", "Owner", "Due", "Status"):
        table.add_column(column)
    for r in qs:
        status_text = r.status + (" (overdue)" if r.overdue else "")
        table.add_row(r.reference, r.title, r.subject, str(r.owner or "—"), str(r.due_date), status_text)
    console.print(table)


@app.command("answer")
def answer(
    reference: str = typer.Argument(..., help="ER-0001 or the request's id."),
    evidence: list[str] = typer.Option(..., "--evidence", help="An evidence item id; repeat for several."),
    note: str = typer.Option("", "--note"),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Answer a request with evidence items of the organization."""
    from openaims.external_audit.services import evidence_request_answer

    actor = resolve_actor(org, user)
    found = _find_request(actor, reference)
    updated = run_service(evidence_request_answer, actor=actor, evidence_request=found, evidence=evidence, note=note)
    if json_output:
        print_json(_request_dict(updated))
        return
    console.print(f"{updated.reference} answered with {len(evidence)} evidence item(s).")


@app.command("accept")
def accept(
    reference: str = typer.Argument(..., help="ER-0001 or the request's id."),
    org: str = OrgOption,
    user: str = UserOption,
) -> None:
    """Accept the evidence answered to a request."""
    from openaims.external_audit.services import evidence_request_accept

    actor = resolve_actor(org, user)
    updated = run_service(evidence_request_accept, actor=actor, evidence_request=_find_request(actor, reference))
    console.print(f"{updated.reference} accepted.")


@app.command("comment")
def comment(
    reference: str = typer.Argument(..., help="ER-0001 or the request's id."),
    body: str = typer.Argument(..., help="The message."),
    org: str = OrgOption,
    user: str = UserOption,
) -> None:
    """Comment on a request (the auditor and the organization talk in its thread)."""
    from openaims.external_audit.services import evidence_request_comment

    actor = resolve_actor(org, user)
    found = _find_request(actor, reference)
    run_service(evidence_request_comment, actor=actor, evidence_request=found, body=body)
    console.print(f"Comment added to {found.reference}.")
