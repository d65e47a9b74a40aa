"""The evidence API: CRUD for links and records, a multipart upload, and a verified download."""

from __future__ import annotations

import uuid
from http import HTTPStatus

from ninja import File, Form, Router, Status, UploadedFile
from ninja.decorators import decorate_view

from openaims.base.api import register_crud
from openaims.base.errors import field_errors
from openaims.base.schemas import READ_ERRORS, Problem, file_answer
from openaims.base.selectors import get_scoped
from openaims.evidence import schemas as s
from openaims.evidence import selectors, services
from openaims.evidence.downloads import file_response
from openaims.evidence.filetypes import ALLOWED_EXTENSIONS, UnsupportedFileType
from openaims.evidence.models import Evidence
from openaims.evidence.storage import FileTooLarge, StoredFileProblem
from openaims.evidence.uploads import limit_api_upload

router = Router(tags=["Evidence"])


def _queryset(qs):
    return qs.select_related("owner").prefetch_related("ai_systems")


def _problem(status: int, detail: str, errors: list[dict] | None = None) -> Status:
    body = {"status": status, "title": HTTPStatus(status).phrase, "detail": detail, "errors": errors or []}
    return Status(status, body)


@router.post(
    "/evidence/upload",
    response={201: s.EvidenceOut, **s.UPLOAD_ERRORS},
    summary="Upload a file as evidence",
    description=(
        "Multipart form: `file` plus the item's fields. The file is stored once per content (SHA-256). "
        f"Accepted extensions: {', '.join(ALLOWED_EXTENSIONS)}; the content must match the extension. "
        "413: larger than AIMS_EVIDENCE_MAX_BYTES; 415: type refused. Nothing is kept when refused."
    ),
    operation_id="upload_evidence",
)
@decorate_view(limit_api_upload)
def upload(request, file: File[UploadedFile], data: Form[s.EvidenceUploadIn]):
    try:
        obj = services.evidence_upload(
            actor=request.auth, content=file.chunks(), file_name=file.name or "", **data.model_dump()
        )
    except FileTooLarge as exc:
        return _problem(413, exc.messages[0], field_errors(exc))
    except UnsupportedFileType as exc:
        return _problem(415, exc.messages[0], field_errors(exc))
    return Status(201, get_scoped(Evidence, request.auth, obj.pk, queryset=selectors.evidence_items(request.auth)))


@router.get(
    "/evidence/{id}/download",
    response={200: None, 409: Problem, **READ_ERRORS},
    summary="Download an evidence file (checked against its SHA-256 first)",
    description=(
        "Answers the stored bytes as an attachment. 404: no such item, or the item has no file; "
        "409: the stored file is missing or no longer matches its SHA-256 (the bytes are not sent)."
    ),
    operation_id="download_evidence",
    openapi_extra=file_answer("The file, as an attachment", ["application/octet-stream"]),
)
def download(request, id: uuid.UUID):
    evidence = get_scoped(Evidence, request.auth, id)
    if not evidence.has_file:
        return _problem(404, "This evidence item has no stored file.")
    try:
        return file_response(evidence)
    except StoredFileProblem as exc:
        return _problem(409, str(exc))


# After the upload and download routes: /evidence/{id} would otherwise match /evidence/upload.
register_crud(
    router,
    path="evidence",
    model=Evidence,
    out=s.EvidenceOut,
    create_in=s.EvidenceIn,
    patch_in=s.EvidencePatch,
    filters=s.EvidenceFilters,
    filter_queryset=selectors.filter_evidence,
    create=services.evidence_create,
    update=services.evidence_update,
    delete=services.evidence_delete,
    instance_kwarg="evidence",
    queryset=_queryset,
)
