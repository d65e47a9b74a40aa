"""Writes of the Statement of Applicability: its entries and its issued versions. One transaction each."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission, role_allows
from openaims.accounts.models import Membership
from openaims.base.context import Actor, system_actor
from openaims.base.services import create_record, delete_record, lock_organization, next_number, update_record
from openaims.controls.annex import annex_a_controls
from openaims.controls.models import SoAEntry, SoAVersion
from openaims.controls.snapshots import build_snapshot

#: Fields a person may change on any entry; the organization's own controls also change their id and title.
ENTRY_FIELDS = {
    "applicable",
    "justification",
    "implementation_status",
    "owner",
    "owner_id",
    "evidence",
    "ai_systems",
    "notes",
}
CUSTOM_ENTRY_FIELDS = ENTRY_FIELDS | {"control_id", "title"}
_LIST_FIELDS = ("evidence", "ai_systems")


def justification_problem(applicable: bool, justification: str) -> str | None:
    """Why an entry's justification is not enough, or None: every decision, in or out, needs its reason."""
    if (justification or "").strip():
        return None
    if applicable:
        return "Say which risks or obligations make this control necessary."
    return "Say why this control is excluded."


def _check_fields(fields: dict, allowed: set[str]) -> None:
    errors = {name: ["This field cannot be changed here."] for name in sorted(set(fields) - allowed)}
    for name in _LIST_FIELDS:
        if name in fields and fields[name] is None:
            errors[name] = ["Must be a list (an empty list for none)."]
    if errors:
        raise ValidationError(errors)


def _check_owner(actor: Actor, fields: dict) -> None:
    name = "owner_id" if "owner_id" in fields else "owner"
    owner = fields.get(name)
    if owner is None:
        return
    owner_id = getattr(owner, "pk", owner)
    if not Membership.objects.filter(organization=actor.organization, user_id=owner_id).exists():
        raise ValidationError({name: [f"No member with id {owner_id} in this organization."]})


def _check_custom_control_id(actor: Actor, control_id: str, entry: SoAEntry | None = None) -> None:
    control_id = (control_id or "").strip()
    if control_id in {item.id for item in annex_a_controls()}:
        raise ValidationError({"control_id": [f"{control_id} is an Annex A control: it is already in the SoA."]})
    clash = SoAEntry.objects.filter(organization=actor.organization, control_id=control_id)
    if entry is not None:
        clash = clash.exclude(pk=entry.pk)
    if clash.exists():
        raise ValidationError({"control_id": [f"The SoA already has a control {control_id}."]})


def soa_ensure_entries(*, actor: Actor) -> int:
    """Give the organization one SoA entry per Annex A control; return how many were missing.

    Called on first access by any member who may read: the entries are the fixed frame of the SoA, so they
    are written by the system (the trail names who opened it), never in the name of a read-only member.
    """
    actor.require(Permission.VIEW)
    controls = annex_a_controls()
    have = SoAEntry.objects.filter(organization=actor.organization, custom=False).count()
    if have >= len(controls):
        return 0
    writer = system_actor(actor.organization, label=f"system (SoA opened by {actor.label})")
    created = 0
    with transaction.atomic():
        lock_organization(actor.organization)
        existing = set(SoAEntry.objects.filter(organization=actor.organization).values_list("control_id", flat=True))
        for position, item in enumerate(controls):
            if item.id in existing:
                continue
            create_record(
                SoAEntry,
                actor=writer,
                control_id=item.id,
                title=item.title,
                group_id=item.parent or "",
                custom=False,
                position=position,
            )
            created += 1
    return created


def soa_entry_create(*, actor: Actor, control_id: str, title: str, justification: str = "", **fields) -> SoAEntry:
    """Add one of the organization's own controls to the SoA (a custom control id and title, and why)."""
    actor.require(Permission.CREATE)
    _check_fields(fields, ENTRY_FIELDS)
    problem = justification_problem(fields.get("applicable", True), justification)
    if problem:
        raise ValidationError({"justification": [problem]})
    with transaction.atomic():
        _check_custom_control_id(actor, control_id)
        _check_owner(actor, fields)
        return create_record(
            SoAEntry,
            actor=actor,
            control_id=control_id.strip(),
            title=title.strip(),
            justification=justification,
            custom=True,
            **fields,
        )


def soa_entry_update(*, actor: Actor, soa_entry: SoAEntry, **fields) -> SoAEntry:
    """Decide an entry: applicable or excluded with its justification, status, owner, evidence, AI systems, notes.

    The justification is required whichever way the decision goes; the error names the field.
    """
    actor.require(Permission.CHANGE)
    _check_fields(fields, CUSTOM_ENTRY_FIELDS if soa_entry.custom else ENTRY_FIELDS)
    applicable = fields.get("applicable", soa_entry.applicable)
    problem = justification_problem(applicable, fields.get("justification", soa_entry.justification))
    if problem:
        raise ValidationError({"justification": [problem]})
    with transaction.atomic():
        if "control_id" in fields:
            fields["control_id"] = (fields["control_id"] or "").strip()
            _check_custom_control_id(actor, fields["control_id"], soa_entry)
        _check_owner(actor, fields)
        return update_record(soa_entry, actor=actor, **fields)


def soa_entry_link_evidence(*, actor: Actor, soa_entry: SoAEntry, evidence) -> SoAEntry:
    """Add one evidence item to an entry (e.g. a metric run of a monitor serving the control).

    Only the link changes, so the entry is not decided again: the justification rule applies to decisions.
    """
    linked = list(soa_entry.evidence.values_list("pk", flat=True))
    if evidence.pk in linked:
        return soa_entry
    return update_record(soa_entry, actor=actor, permission=Permission.CREATE, evidence=[*linked, evidence.pk])


def soa_entry_delete(*, actor: Actor, soa_entry: SoAEntry) -> None:
    """Remove one of the organization's own controls; Annex A controls stay (exclude them instead)."""
    actor.require(Permission.DELETE)
    if not soa_entry.custom:
        raise ValidationError(
            {"control_id": [f"{soa_entry.control_id} is an Annex A control: exclude it with a justification instead."]}
        )
    delete_record(soa_entry, actor=actor)


def _approver(actor: Actor, approved_by):
    """The member named as approver; their role must allow approving."""
    approved_by = approved_by if approved_by is not None else actor.user
    if approved_by is None:
        raise ValidationError({"approved_by": ["Name the member who approved this version."]})
    user_id = getattr(approved_by, "pk", approved_by)
    membership = (
        Membership.objects.filter(organization=actor.organization, user_id=user_id).select_related("user").first()
    )
    if membership is None:
        raise ValidationError({"approved_by": [f"No member with id {user_id} in this organization."]})
    if not role_allows(membership.role, Permission.APPROVE):
        raise ValidationError(
            {
                "approved_by": [
                    f"{membership.user} is a {membership.get_role_display().lower()}: that role cannot approve."
                ]
            }
        )
    return membership.user


def soa_issue_version(
    *, actor: Actor, approved_by=None, approved_on: dt.date | None = None, note: str = ""
) -> SoAVersion:
    """Freeze the SoA as its next version ("SoA vN"), approved by a named member with the approve right.

    Refused while any entry lacks a justification; the error lists them. ``approved_by`` defaults to the
    acting user, ``approved_on`` to today (it cannot lie in the future).
    """
    actor.require(Permission.APPROVE)
    user = _approver(actor, approved_by)
    approved_on = approved_on or timezone.localdate()
    if approved_on > timezone.localdate():
        raise ValidationError({"approved_on": ["An approval cannot be dated in the future."]})
    soa_ensure_entries(actor=actor)
    with transaction.atomic():
        lock_organization(actor.organization)
        entries = list(
            SoAEntry.objects.filter(organization=actor.organization)
            .select_related("owner")
            .prefetch_related("evidence", "ai_systems")
            .order_by("position", "control_id")
        )
        lacking = [e.control_id for e in entries if justification_problem(e.applicable, e.justification)]
        if lacking:
            raise ValidationError(
                {"justification": [f"{len(lacking)} controls have no justification yet: {', '.join(lacking)}."]}
            )
        return create_record(
            SoAVersion,
            actor=actor,
            permission=Permission.APPROVE,
            number=next_number(SoAVersion, actor.organization),
            snapshot=build_snapshot(entries),
            approved_by=user,
            approved_by_name=str(user),
            approved_on=approved_on,
            issued_by=actor.label[:300],
            note=note,
        )
