"""The internal audit API (9.2): programmes and audits (CRUD), the audit's life (start, sample, checklist, report,
close), findings on checklist lines, and the improvement register (10.1)."""

import uuid
from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema

from openaims.accounts.choices import Permission
from openaims.audits import internal_schemas as s
from openaims.audits import internal_selectors as selectors
from openaims.audits import internal_services as services
from openaims.audits.internal_report import FORMATS, export_audit_report
from openaims.audits.models import AuditChecklistItem, AuditProgramme, Improvement, InternalAudit
from openaims.base.api import register_crud, requires
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, file_answer
from openaims.base.selectors import get_scoped, scoped

router = Router(tags=["Internal audit"])

register_crud(
    router,
    path="audit-programmes",
    model=AuditProgramme,
    out=s.AuditProgrammeOut,
    create_in=s.AuditProgrammeIn,
    patch_in=s.AuditProgrammePatch,
    filters=s.AuditProgrammeFilters,
    filter_queryset=selectors.filter_audit_programmes,
    create=services.audit_programme_create,
    update=services.audit_programme_update,
    delete=services.audit_programme_delete,
    instance_kwarg="audit_programme",
)

register_crud(
    router,
    path="internal-audits",
    model=InternalAudit,
    out=s.InternalAuditOut,
    create_in=s.InternalAuditIn,
    patch_in=s.InternalAuditPatch,
    filters=s.InternalAuditFilters,
    filter_queryset=selectors.filter_internal_audits,
    create=services.internal_audit_create,
    update=services.internal_audit_update,
    delete=services.internal_audit_delete,
    instance_kwarg="internal_audit",
    queryset=selectors.api_internal_audits,
)


def _audit(request, id: uuid.UUID) -> InternalAudit:
    queryset = selectors.api_internal_audits(scoped(InternalAudit, request.auth))
    return get_scoped(InternalAudit, request.auth, id, queryset=queryset)


@router.post(
    "/internal-audits/{id}/start",
    response={200: s.InternalAuditOut, **WRITE_ERRORS},
    summary="Start a planned internal audit",
    operation_id="start_internal_audits",
    auth=requires(Permission.CHANGE),
)
def start_audit(request, id: uuid.UUID):
    services.internal_audit_start(actor=request.auth, internal_audit=_audit(request, id))
    return _audit(request, id)


@router.post(
    "/internal-audits/{id}/sample",
    response={200: s.InternalAuditOut, **WRITE_ERRORS},
    summary="Draw the audit's risk-weighted sample of AI systems, reproducible from the seed",
    operation_id="sample_internal_audits",
    auth=requires(Permission.CHANGE),
)
def sample_audit(request, id: uuid.UUID, payload: s.InternalAuditSampleIn):
    services.internal_audit_draw_sample(
        actor=request.auth, audit=_audit(request, id), size=payload.size, seed=payload.seed
    )
    return _audit(request, id)


@router.get(
    "/internal-audits/{id}/checklist",
    response={200: list[s.AuditChecklistItemOut], **READ_ERRORS},
    summary="The audit's checklist lines and their findings",
    operation_id="checklist_internal_audits",
)
def read_checklist(request, id: uuid.UUID):
    return list(selectors.checklist(_audit(request, id)))


@router.post(
    "/internal-audits/{id}/checklist",
    response={200: list[s.AuditChecklistItemOut], **WRITE_ERRORS},
    summary="Generate the checklist lines the audit's scope calls for (lines already there stay)",
    operation_id="generate_checklist_internal_audits",
    auth=requires(Permission.CHANGE),
)
def generate_checklist(request, id: uuid.UUID):
    audit = _audit(request, id)
    services.internal_audit_generate_checklist(actor=request.auth, audit=audit)
    return list(selectors.checklist(audit))


@router.post(
    "/internal-audits/{id}/report",
    response={200: s.InternalAuditOut, **WRITE_ERRORS},
    summary="Report the audit's results (every checklist line has a finding)",
    operation_id="report_internal_audits",
    auth=requires(Permission.CHANGE),
)
def report_audit(request, id: uuid.UUID, payload: s.InternalAuditReportIn):
    services.internal_audit_report(actor=request.auth, internal_audit=_audit(request, id), summary=payload.summary)
    return _audit(request, id)


@router.post(
    "/internal-audits/{id}/close",
    response={200: s.InternalAuditOut, **WRITE_ERRORS},
    summary="Close a reported audit (every nonconformity finding has its nonconformity); needs the approve right",
    operation_id="close_internal_audits",
    auth=requires(Permission.APPROVE),
)
def close_audit(request, id: uuid.UUID):
    services.internal_audit_close(actor=request.auth, internal_audit=_audit(request, id))
    return _audit(request, id)


class InternalAuditExportQuery(Schema):
    format: Literal["docx", "pdf"]


@router.get(
    "/internal-audits/{id}/export",
    response={200: None, **READ_ERRORS},
    summary="Export the audit's report as DOCX or PDF",
    description="Needs the export right. Cover (programme, scope, auditors, dates), summary, sample, findings.",
    operation_id="export_internal-audits",
    openapi_extra=file_answer("The report, as an attachment", [ctype for _, ctype in FORMATS.values()]),
)
def export_report(request, id: uuid.UUID, query: Query[InternalAuditExportQuery]):
    exported = export_audit_report(actor=request.auth, internal_audit=_audit(request, id), fmt=query.format)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


@router.get(
    "/internal-audits/{id}/pack",
    response={200: None, **READ_ERRORS},
    summary="Download the audit's evidence pack (zip)",
    description="Needs the export and trail rights. The audit's scope: index, SoA, readiness, its clauses and "
    "controls with their evidence files, its sampled AI systems, its report, and the trail with its signed "
    "checkpoints; check it offline with python -m openaims.trail.verify PACK.zip.",
    operation_id="pack_internal-audits",
    openapi_extra=file_answer("The evidence pack, as an attachment", ["application/zip"]),
)
def evidence_pack(request, id: uuid.UUID):
    from django.http import FileResponse

    from openaims.audits.pack import CONTENT_TYPE, pack_filename, staged_pack

    audit = _audit(request, id)
    handle = staged_pack(request.auth, audit=audit)
    return FileResponse(
        handle, as_attachment=True, filename=pack_filename(request.auth, audit), content_type=CONTENT_TYPE
    )


@router.post(
    "/audit-checklist-items/{id}/finding",
    response={200: s.AuditChecklistItemOut, **WRITE_ERRORS},
    summary="Record the finding on a checklist line (a nonconformity finding opens a nonconformity, an "
    "opportunity for improvement an improvement)",
    operation_id="finding_audit_checklist_items",
    auth=requires(Permission.CHANGE),
)
def record_finding(request, id: uuid.UUID, payload: s.AuditFindingIn):
    item = get_scoped(AuditChecklistItem, request.auth, id)
    services.audit_checklist_item_record_finding(
        actor=request.auth, item=item, finding=payload.finding, notes=payload.notes, evidence=payload.evidence
    )
    return get_scoped(AuditChecklistItem, request.auth, id)


register_crud(
    router,
    path="improvements",
    model=Improvement,
    out=s.ImprovementOut,
    create_in=s.ImprovementIn,
    patch_in=s.ImprovementPatch,
    filters=s.ImprovementFilters,
    filter_queryset=selectors.filter_improvements,
    create=services.improvement_create,
    update=services.improvement_update,
    delete=services.improvement_delete,
    instance_kwarg="improvement",
    queryset=lambda qs: qs.select_related("owner"),
)
