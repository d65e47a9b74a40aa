"""The governance API: CRUD through ``register_crud``, plus approving scopes and moving document versions."""

import uuid

from ninja import Router

from openaims.base.api import register_crud
from openaims.base.schemas import WRITE_ERRORS
from openaims.base.selectors import get_scoped
from openaims.governance import schemas as s
from openaims.governance import selectors, services
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

router = Router(tags=["Governance"])

register_crud(
    router,
    path="scope-statements",
    model=ScopeStatement,
    out=s.ScopeStatementOut,
    create_in=s.ScopeStatementIn,
    patch_in=s.ScopeStatementPatch,
    filters=s.ScopeStatementFilters,
    filter_queryset=selectors.filter_scope_statements,
    create=services.scope_statement_create,
    update=services.scope_statement_update,
    delete=services.scope_statement_delete,
    instance_kwarg="scope_statement",
)


@router.post(
    "/scope-statements/{id}/approve",
    response={200: s.ScopeStatementOut, **WRITE_ERRORS},
    summary="Approve a draft scope statement (supersedes the one in force)",
    operation_id="approve_scope-statements",
)
def approve_scope_statement(request, id: uuid.UUID):
    scope_statement = get_scoped(ScopeStatement, request.auth, id)
    services.scope_statement_approve(actor=request.auth, scope_statement=scope_statement)
    return get_scoped(ScopeStatement, request.auth, id)


register_crud(
    router,
    path="context-issues",
    model=ContextIssue,
    out=s.ContextIssueOut,
    create_in=s.ContextIssueIn,
    patch_in=s.ContextIssuePatch,
    filters=s.ContextIssueFilters,
    filter_queryset=selectors.filter_context_issues,
    create=services.context_issue_create,
    update=services.context_issue_update,
    delete=services.context_issue_delete,
    instance_kwarg="context_issue",
)

register_crud(
    router,
    path="interested-parties",
    model=InterestedParty,
    out=s.InterestedPartyOut,
    create_in=s.InterestedPartyIn,
    patch_in=s.InterestedPartyPatch,
    filters=s.InterestedPartyFilters,
    filter_queryset=selectors.filter_interested_parties,
    create=services.interested_party_create,
    update=services.interested_party_update,
    delete=services.interested_party_delete,
    instance_kwarg="interested_party",
)

register_crud(
    router,
    path="documents",
    model=Document,
    out=s.DocumentOut,
    create_in=s.DocumentIn,
    patch_in=s.DocumentPatch,
    filters=s.DocumentFilters,
    filter_queryset=selectors.filter_documents,
    create=services.document_create,
    update=services.document_update,
    delete=services.document_delete,
    instance_kwarg="document",
    queryset=lambda qs: qs.select_related("current_version"),
)

register_crud(
    router,
    path="document-versions",
    model=DocumentVersion,
    out=s.DocumentVersionOut,
    create_in=s.DocumentVersionIn,
    patch_in=s.DocumentVersionPatch,
    filters=s.DocumentVersionFilters,
    filter_queryset=selectors.filter_document_versions,
    create=services.document_version_create,
    update=services.document_version_update,
    delete=services.document_version_delete,
    instance_kwarg="document_version",
)


@router.post(
    "/document-versions/{id}/transition",
    response={200: s.DocumentVersionOut, **WRITE_ERRORS},
    summary="Move a document version: submit for review, return to draft, or approve (needs the approve right)",
    operation_id="transition_document-versions",
)
def transition_document_version(request, id: uuid.UUID, payload: s.VersionTransitionIn):
    version = get_scoped(DocumentVersion, request.auth, id)
    services.document_version_transition(
        actor=request.auth, document_version=version, to_status=payload.to_status, note=payload.note
    )
    return get_scoped(DocumentVersion, request.auth, id)


register_crud(
    router,
    path="aims-roles",
    model=AIMSRole,
    out=s.AIMSRoleOut,
    create_in=s.AIMSRoleIn,
    patch_in=s.AIMSRolePatch,
    filters=s.AIMSRoleFilters,
    filter_queryset=selectors.filter_aims_roles,
    create=services.aims_role_create,
    update=services.aims_role_update,
    delete=services.aims_role_delete,
    instance_kwarg="aims_role",
    queryset=lambda qs: qs.prefetch_related("holders__user", "ai_systems"),
)

register_crud(
    router,
    path="ai-objectives",
    model=AIObjective,
    out=s.AIObjectiveOut,
    create_in=s.AIObjectiveIn,
    patch_in=s.AIObjectivePatch,
    filters=s.AIObjectiveFilters,
    filter_queryset=selectors.filter_ai_objectives,
    create=services.ai_objective_create,
    update=services.ai_objective_update,
    delete=services.ai_objective_delete,
    instance_kwarg="ai_objective",
    queryset=lambda qs: qs.prefetch_related("ai_systems"),
)

register_crud(
    router,
    path="competence-records",
    model=CompetenceRecord,
    out=s.CompetenceRecordOut,
    create_in=s.CompetenceRecordIn,
    patch_in=s.CompetenceRecordPatch,
    filters=s.CompetenceRecordFilters,
    filter_queryset=selectors.filter_competence_records,
    create=services.competence_record_create,
    update=services.competence_record_update,
    delete=services.competence_record_delete,
    instance_kwarg="competence_record",
)
