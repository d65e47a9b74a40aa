"""Exports of the Statement of Applicability an external auditor accepts: XLSX, DOCX and PDF.

>>> exported = export_soa(actor=actor, fmt="pdf", version=2)     # doctest: +SKIP
>>> exported.filename, exported.content_type, len(exported.content)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.models import TrailAction
from openaims.base.trail import record_event
from openaims.controls.exports.document import SoADocument, build_document

#: Formats and their file extension and content type.
FORMATS = {
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("pdf", "application/pdf"),
}

__all__ = ["FORMATS", "ExportedFile", "SoADocument", "build_document", "export_soa", "render"]


@dataclass(frozen=True)
class ExportedFile:
    """The bytes of one export, with the file name and content type to serve or save them under."""

    content: bytes
    filename: str
    content_type: str


def render(document: SoADocument, fmt: str) -> bytes:
    """``document`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "xlsx":
        from openaims.controls.exports.xlsx import render_xlsx

        return render_xlsx(document)
    if fmt == "docx":
        from openaims.controls.exports.docx import render_docx

        return render_docx(document)
    if fmt == "pdf":
        from openaims.controls.exports.pdf import render_pdf

        return render_pdf(document)
    raise ValidationError({"format": [f"Unknown format {fmt!r} (use {', '.join(FORMATS)})."]})


def export_soa(*, actor: Actor, fmt: str, version: int | None = None) -> ExportedFile:
    """Export SoA version ``version`` (the current draft when None) as ``fmt``; needs the export right.

    The export is recorded in the trail as an access event: who took which version out, in which format.
    """
    actor.require(Permission.EXPORT)
    if fmt not in FORMATS:
        raise ValidationError({"format": [f"Unknown format {fmt!r} (use {', '.join(FORMATS)})."]})
    if version is None:
        from openaims.controls.services import soa_ensure_entries

        soa_ensure_entries(actor=actor)
    document = build_document(actor, version)
    content = render(document, fmt)
    extension, content_type = FORMATS[fmt]
    label = f"v{version}" if version is not None else "draft"
    with transaction.atomic():
        record_event(
            actor=actor,
            action=TrailAction.ACCESS,
            object_type="controls.soaexport",
            object_id=str(actor.organization.pk),
            object_label=f"Statement of Applicability {label} ({fmt})",
            changes={"format": [None, fmt], "version": [None, label]},
        )
    return ExportedFile(content, f"soa-{actor.organization.slug}-{label}.{extension}", content_type)
