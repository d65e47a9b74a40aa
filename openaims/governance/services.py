"""Every write of the governance records. Keyword-only, one transaction each, trail recorded."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission
from openaims.accounts.models import Membership
from openaims.base.context import Actor
from openaims.base.locks import lock_rows
from openaims.base.models import TrailAction
from openaims.base.services import create_record, delete_record, update_record
from openaims.governance.choices import VERSION_TRANSITIONS, ScopeStatus, VersionStatus
from openaims.governance.models import (
    AIMSRole,
    AIObjective,
    CompetenceRecord,
    ContextIssue,
    Document,
    DocumentVersion,
    InterestedParty,
    ScopeStatement,
)

# Fields that name a person by user (or user id); holders of AIMS roles are memberships, checked by the base.
_MEMBER_FIELDS = ("owner", "owner_id", "member", "member_id")
_M2M_FIELDS = ("holders", "ai_systems")


def _check_members(actor: Actor, fields: dict) -> None:
    """Refuse users who are not members of the actor's organization, naming the field; refuse null lists."""
    for name in _M2M_FIELDS:
        if name in fields and fields[name] is None:
            raise ValidationError({name: ["Must be a list (an empty list for none)."]})
    wanted: dict[str, set[str]] = {}
    for name in _MEMBER_FIELDS:
        if fields.get(name) is not None:
            wanted[name] = {str(getattr(fields[name], "pk", fields[name]))}
    errors = {}
    for name, ids in wanted.items():
        found = Membership.objects.filter(organization=actor.organization, user_id__in=ids).values_list(
            "user_id", flat=True
        )
        missing = sorted(ids - {str(pk) for pk in found})
        if missing:
            errors[name] = [f"No member with id {', '.join(missing)} in this organization."]
    if errors:
        raise ValidationError(errors)


def _reload_managed(instance, *names: str) -> None:
    """Re-read fields only services change (status, approval, current version), so that saving an instance
    loaded before a transition cannot undo the transition."""
    if instance.pk is not None:
        instance.refresh_from_db(fields=list(names))


def _changed(instance, fields: dict) -> list[str]:
    """The names of ``fields`` whose value differs from the record's (foreign keys compared by id)."""
    names = []
    for name, value in fields.items():
        current = getattr(instance, name)
        if getattr(current, "pk", current) != getattr(value, "pk", value):
            names.append(name)
    return names


# --- Scope statements (4.3) ---------------------------------------------------------------------------


def scope_statement_create(*, actor: Actor, **fields) -> ScopeStatement:
    """Write a new scope statement version; it starts as a draft."""
    return create_record(ScopeStatement, actor=actor, **fields)


def scope_statement_update(*, actor: Actor, scope_statement: ScopeStatement, **fields) -> ScopeStatement:
    """Change a draft. An approved or superseded statement stays as it was approved: write a new version."""
    actor.require(Permission.CHANGE)
    _reload_managed(scope_statement, "status", "approved_by", "approved_at")
    if scope_statement.status != ScopeStatus.DRAFT and _changed(scope_statement, fields):
        status = scope_statement.get_status_display().lower()
        raise ValidationError({"__all__": [f"This scope statement is {status}: write a new version."]})
    return update_record(scope_statement, actor=actor, **fields)


def scope_statement_approve(*, actor: Actor, scope_statement: ScopeStatement) -> ScopeStatement:
    """Approve a draft: it comes into force, records who approved it and when, and supersedes the one before."""
    actor.require(Permission.APPROVE)
    with transaction.atomic():
        scope_statement = lock_rows(ScopeStatement.objects, actor.organization).get(pk=scope_statement.pk)
        if scope_statement.status != ScopeStatus.DRAFT:
            raise ValidationError(
                {"status": [f"Only a draft can be approved; this one is {scope_statement.get_status_display()}."]}
            )
        previous = (
            lock_rows(ScopeStatement.objects, actor.organization)
            .filter(organization=actor.organization, status=ScopeStatus.APPROVED)
            .first()
        )
        if previous is not None:
            update_record(
                previous,
                actor=actor,
                permission=Permission.APPROVE,
                action=TrailAction.TRANSITION,
                context={"superseded_by": str(scope_statement)},
                status=ScopeStatus.SUPERSEDED,
            )
        return update_record(
            scope_statement,
            actor=actor,
            permission=Permission.APPROVE,
            action=TrailAction.TRANSITION,
            context={"supersedes": str(previous) if previous else ""},
            status=ScopeStatus.APPROVED,
            approved_by=actor.user,
            approved_at=timezone.now(),
        )


def scope_statement_delete(*, actor: Actor, scope_statement: ScopeStatement) -> None:
    delete_record(scope_statement, actor=actor)


# --- Context issues (4.1) and interested parties (4.2) -------------------------------------------------


def context_issue_create(*, actor: Actor, **fields) -> ContextIssue:
    return create_record(ContextIssue, actor=actor, **fields)


def context_issue_update(*, actor: Actor, context_issue: ContextIssue, **fields) -> ContextIssue:
    return update_record(context_issue, actor=actor, **fields)


def context_issue_delete(*, actor: Actor, context_issue: ContextIssue) -> None:
    delete_record(context_issue, actor=actor)


def interested_party_create(*, actor: Actor, **fields) -> InterestedParty:
    return create_record(InterestedParty, actor=actor, **fields)


def interested_party_update(*, actor: Actor, interested_party: InterestedParty, **fields) -> InterestedParty:
    return update_record(interested_party, actor=actor, **fields)


def interested_party_delete(*, actor: Actor, interested_party: InterestedParty) -> None:
    delete_record(interested_party, actor=actor)


# --- Documents and their versions (5.2, A.2, 7.5) ------------------------------------------------------


def document_create(*, actor: Actor, **fields) -> Document:
    actor.require(Permission.CREATE)
    _check_members(actor, fields)
    return create_record(Document, actor=actor, **fields)


def document_update(*, actor: Actor, document: Document, **fields) -> Document:
    actor.require(Permission.CHANGE)
    _check_members(actor, fields)
    _reload_managed(document, "current_version")
    return update_record(document, actor=actor, **fields)


def document_delete(*, actor: Actor, document: Document) -> None:
    """Delete a document with all its versions (the trail keeps the document's last values)."""
    delete_record(document, actor=actor)


def _set_current_version(actor: Actor, document: Document, version, permission: str) -> None:
    """Point the document at another current version, as a state change of the document."""
    if document.current_version_id != getattr(version, "pk", None):
        update_record(
            document, actor=actor, permission=permission, action=TrailAction.TRANSITION, current_version=version
        )


def document_version_create(*, actor: Actor, **fields) -> DocumentVersion:
    """Add a draft version. Until a version is approved, the newest version is the document's current one."""
    with transaction.atomic():
        version = create_record(DocumentVersion, actor=actor, **fields)
        document = lock_rows(Document.objects, actor.organization).get(pk=version.document_id)
        current = document.current_version
        if current is None or current.status != VersionStatus.APPROVED:
            _set_current_version(actor, document, version, Permission.CREATE)
        return version


def document_version_update(*, actor: Actor, document_version: DocumentVersion, **fields) -> DocumentVersion:
    """Change a draft version; versions in review or approved are frozen (return one to draft to change it)."""
    actor.require(Permission.CHANGE)
    _reload_managed(document_version, "document", "status", "approved_by", "approved_at")
    if document_version.status != VersionStatus.DRAFT and _changed(document_version, fields):
        raise ValidationError(
            {"__all__": [f"This version is {document_version.get_status_display().lower()}: only drafts change."]}
        )
    return update_record(document_version, actor=actor, **fields)


def document_version_transition(
    *, actor: Actor, document_version: DocumentVersion, to_status: str, note: str = ""
) -> DocumentVersion:
    """Move a version: draft → in review → approved (needs the approve right), or in review → back to draft.

    Approving records who and when, sets the effective date to today if none was given, supersedes the
    version approved before and makes this one the document's current version.
    """
    actor.require(Permission.APPROVE if to_status == VersionStatus.APPROVED else Permission.CHANGE)
    with transaction.atomic():
        version = lock_rows(DocumentVersion.objects, actor.organization).get(pk=document_version.pk)
        if to_status not in VERSION_TRANSITIONS.get(version.status, set()):
            target = VersionStatus(to_status).label if to_status in VersionStatus.values else to_status
            raise ValidationError(
                {"to_status": [f"A version that is {version.get_status_display().lower()} cannot move to {target!r}."]}
            )
        note = (note or "").strip()
        if to_status != VersionStatus.APPROVED:
            return update_record(
                version, actor=actor, action=TrailAction.TRANSITION, context={"note": note}, status=to_status
            )
        document = lock_rows(Document.objects, actor.organization).get(pk=version.document_id)
        previous = document.versions.filter(status=VersionStatus.APPROVED).exclude(pk=version.pk).first()
        if previous is not None:
            update_record(
                previous,
                actor=actor,
                permission=Permission.APPROVE,
                action=TrailAction.TRANSITION,
                context={"superseded_by": version.number},
                status=VersionStatus.SUPERSEDED,
            )
        fields = {"status": VersionStatus.APPROVED, "approved_by": actor.user, "approved_at": timezone.now()}
        if version.effective_date is None:
            fields["effective_date"] = timezone.localdate()
        update_record(
            version,
            actor=actor,
            permission=Permission.APPROVE,
            action=TrailAction.TRANSITION,
            context={"note": note},
            **fields,
        )
        _set_current_version(actor, document, version, Permission.APPROVE)
        return version


def document_version_delete(*, actor: Actor, document_version: DocumentVersion) -> None:
    """Delete a draft or in-review version. Approved and superseded versions stay as the document's history."""
    actor.require(Permission.DELETE)
    _reload_managed(document_version, "status")
    if document_version.status in (VersionStatus.APPROVED, VersionStatus.SUPERSEDED):
        raise ValidationError(
            {"__all__": [f"An {document_version.get_status_display().lower()} version stays in the history."]}
        )
    with transaction.atomic():
        document = lock_rows(Document.objects, actor.organization).get(pk=document_version.document_id)
        if document.current_version_id == document_version.pk:
            successor = document.versions.exclude(pk=document_version.pk).order_by("-created_at").first()
            _set_current_version(actor, document, successor, Permission.DELETE)
        delete_record(document_version, actor=actor)


# --- Roles (5.3, A.3.2), objectives (6.2), competence (7.2) ---------------------------------------------


def aims_role_create(*, actor: Actor, **fields) -> AIMSRole:
    actor.require(Permission.CREATE)
    _check_members(actor, fields)
    return create_record(AIMSRole, actor=actor, **fields)


def aims_role_update(*, actor: Actor, aims_role: AIMSRole, **fields) -> AIMSRole:
    actor.require(Permission.CHANGE)
    _check_members(actor, fields)
    return update_record(aims_role, actor=actor, **fields)


def aims_role_delete(*, actor: Actor, aims_role: AIMSRole) -> None:
    delete_record(aims_role, actor=actor)


def ai_objective_create(*, actor: Actor, **fields) -> AIObjective:
    actor.require(Permission.CREATE)
    _check_members(actor, fields)
    return create_record(AIObjective, actor=actor, **fields)


def ai_objective_update(*, actor: Actor, ai_objective: AIObjective, **fields) -> AIObjective:
    actor.require(Permission.CHANGE)
    _check_members(actor, fields)
    return update_record(ai_objective, actor=actor, **fields)


def ai_objective_delete(*, actor: Actor, ai_objective: AIObjective) -> None:
    delete_record(ai_objective, actor=actor)


def competence_record_create(*, actor: Actor, **fields) -> CompetenceRecord:
    actor.require(Permission.CREATE)
    _check_members(actor, fields)
    return create_record(CompetenceRecord, actor=actor, **fields)


def competence_record_update(*, actor: Actor, competence_record: CompetenceRecord, **fields) -> CompetenceRecord:
    actor.require(Permission.CHANGE)
    _check_members(actor, fields)
    return update_record(competence_record, actor=actor, **fields)


def competence_record_delete(*, actor: Actor, competence_record: CompetenceRecord) -> None:
    delete_record(competence_record, actor=actor)
