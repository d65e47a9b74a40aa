"""The controls API: SoA entries and versions, SoA exports, coverage across frameworks, readiness.

A thin layer over services and selectors; the SoA entries exist from the first read (``soa_ensure_entries``).
"""

from __future__ import annotations

import uuid

from django.http import HttpResponse
from ninja import Query, Router, Status

from openaims.base.api import paginate
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, TrailEventOut, file_answer, page_schema
from openaims.base.selectors import get_scoped
from openaims.base.trail import history_for
from openaims.controls import schemas as s
from openaims.controls import services
from openaims.controls.exports import FORMATS, export_soa
from openaims.controls.models import SoAEntry, SoAVersion
from openaims.controls.selectors import coverage, readiness, soa

router = Router(tags=["Controls"])
ENTRY_PATH = "/soa-entries/{id}"


def _entries(actor):
    services.soa_ensure_entries(actor=actor)
    return soa.soa_entries(actor)


def _entry(actor, id):
    return get_scoped(SoAEntry, actor, id, queryset=soa.soa_entries(actor))


@router.get(
    "/soa-entries",
    response={200: page_schema(s.SoAEntryOut), **READ_ERRORS},
    summary="List the entries of the Statement of Applicability (Annex A order, then the organization's own)",
    operation_id="list_soa-entries",
)
def list_entries(request, filters: Query[s.SoAEntryFilters], limit: int = 50, offset: int = 0):
    return paginate(soa.filter_soa_entries(_entries(request.auth), filters), limit, offset)


@router.post(
    "/soa-entries",
    response={201: s.SoAEntryOut, **WRITE_ERRORS},
    summary="Add one of the organization's own controls to the SoA",
    operation_id="create_soa-entries",
)
def create_entry(request, payload: s.SoAEntryIn):
    entry = services.soa_entry_create(actor=request.auth, **payload.model_dump())
    return Status(201, _entry(request.auth, entry.pk))


@router.get(
    ENTRY_PATH,
    response={200: s.SoAEntryOut, **READ_ERRORS},
    summary="Read a SoA entry",
    operation_id="read_soa-entries",
)
def read_entry(request, id: uuid.UUID):
    return _entry(request.auth, id)


@router.patch(
    ENTRY_PATH,
    response={200: s.SoAEntryOut, **WRITE_ERRORS},
    summary="Change a SoA entry (a justification is required, applicable or excluded)",
    operation_id="update_soa-entries",
)
def update_entry(request, id: uuid.UUID, payload: s.SoAEntryPatch):
    entry = _entry(request.auth, id)
    services.soa_entry_update(actor=request.auth, soa_entry=entry, **payload.model_dump(exclude_unset=True))
    return _entry(request.auth, id)


@router.delete(
    ENTRY_PATH,
    response={204: None, **WRITE_ERRORS},
    summary="Remove one of the organization's own controls (Annex A controls stay; exclude them instead)",
    operation_id="delete_soa-entries",
)
def delete_entry(request, id: uuid.UUID):
    services.soa_entry_delete(actor=request.auth, soa_entry=_entry(request.auth, id))
    return Status(204, None)


@router.get(
    f"{ENTRY_PATH}/history",
    response={200: list[TrailEventOut], **READ_ERRORS},
    summary="Trail events of a SoA entry, newest first",
    operation_id="history_soa-entries",
)
def entry_history(request, id: uuid.UUID):
    return list(history_for(_entry(request.auth, id))[:500])


def _version_detail(version: SoAVersion) -> SoAVersion:
    """The version with its difference against the one before (``entries`` come from its snapshot)."""
    previous = soa.previous_version(version)
    version.diff = soa.version_diff(version).as_dict()
    version.previous_number = previous.number if previous else None
    return version


@router.get(
    "/soa-versions",
    response={200: page_schema(s.SoAVersionOut), **READ_ERRORS},
    summary="List the issued versions of the SoA, newest first",
    operation_id="list_soa-versions",
)
def list_versions(request, limit: int = 50, offset: int = 0):
    return paginate(soa.soa_versions(request.auth), limit, offset)


@router.post(
    "/soa-versions",
    response={201: s.SoAVersionDetailOut, **WRITE_ERRORS},
    summary="Issue the next SoA version, approved by a member with the approve right",
    description="Refused (422, field `justification`) while any entry lacks a justification; the error lists them.",
    operation_id="create_soa-versions",
)
def issue_version(request, payload: s.SoAVersionIn):
    version = services.soa_issue_version(
        actor=request.auth, approved_by=payload.approved_by_id, approved_on=payload.approved_on, note=payload.note
    )
    return Status(201, _version_detail(get_scoped(SoAVersion, request.auth, version.pk)))


@router.get(
    "/soa-versions/{id}",
    response={200: s.SoAVersionDetailOut, **READ_ERRORS},
    summary="Read a SoA version: its frozen entries and what changed against the version before",
    operation_id="read_soa-versions",
)
def read_version(request, id: uuid.UUID):
    return _version_detail(get_scoped(SoAVersion, request.auth, id, queryset=soa.soa_versions(request.auth)))


@router.get(
    "/soa-export",
    response={200: None, **READ_ERRORS},
    summary="Export the SoA (a version, or the current draft) as XLSX, DOCX or PDF",
    description="Needs the export right. Cover: organization, version, approval (or 'draft — not approved').",
    operation_id="export_soa",
    openapi_extra=file_answer("The document, as an attachment", [ctype for _, ctype in FORMATS.values()]),
)
def export(request, query: Query[s.SoAExportQuery]):
    exported = export_soa(actor=request.auth, fmt=query.format, version=query.version)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


@router.get(
    "/coverage",
    response={200: list[s.FrameworkCoverageOut], **READ_ERRORS},
    summary="Coverage summary of every framework mapped to ISO/IEC 42001",
    operation_id="list_coverage",
)
def coverage_list(request, query: Query[s.CoverageQuery]):
    return coverage.coverage_summaries(request.auth, query.basis)


@router.get(
    "/coverage/{framework_id}",
    response={200: s.CoverageOut, **READ_ERRORS},
    summary="Coverage of one framework: each requirement, the ISO/IEC 42001 items mapped to it, their status",
    operation_id="read_coverage",
)
def coverage_read(request, framework_id: str, query: Query[s.CoverageQuery]):
    return coverage.coverage_report(request.auth, framework_id, query.basis)


@router.get(
    "/readiness",
    response={200: s.ReadinessOut, **READ_ERRORS},
    summary="Readiness for certification: overall, per clause, and the blockers in order",
    operation_id="read_readiness",
)
def readiness_read(request):
    return readiness.readiness_report(request.auth)


@router.get(
    "/readiness/requirements/{requirement_id}",
    response={200: s.RequirementReadinessOut, **READ_ERRORS},
    summary="Readiness of one clause requirement",
    operation_id="read_requirement_readiness",
)
def requirement_read(request, requirement_id: str):
    return readiness.requirement_readiness(request.auth, requirement_id)


@router.put(
    "/readiness/requirements/{requirement_id}",
    response={200: s.RequirementReadinessOut, **WRITE_ERRORS},
    summary="Assess a clause requirement that no rule derives ('met' needs unexpired evidence)",
    operation_id="assess_requirement",
)
def requirement_assess(request, requirement_id: str, payload: s.AssessmentIn):
    readiness.requirement_readiness(request.auth, requirement_id)  # 404 for an unknown id
    services.requirement_assessment_set(actor=request.auth, requirement_id=requirement_id, **payload.model_dump())
    return readiness.requirement_readiness(request.auth, requirement_id)
