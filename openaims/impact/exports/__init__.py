"""Exports of an impact assessment for an auditor or an authority: DOCX and PDF.

>>> exported = export_assessment(actor=actor, impact_assessment=assessment, fmt="pdf")  # doctest: +SKIP
>>> exported.filename, exported.content_type  # doctest: +SKIP
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.models import TrailAction
from openaims.base.trail import record_event
from openaims.controls.exports import ExportedFile
from openaims.impact.exports.document import AssessmentDocument, build_document

FORMATS = {
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("pdf", "application/pdf"),
}

__all__ = ["FORMATS", "AssessmentDocument", "build_document", "export_assessment", "render"]


def render(document: AssessmentDocument, fmt: str) -> bytes:
    if fmt == "docx":
        from openaims.impact.exports.docx import render_docx

        return render_docx(document)
    if fmt == "pdf":
        from openaims.impact.exports.pdf import render_pdf

        return render_pdf(document)
    raise ValidationError({"format": [f"Unknown format {fmt!r} (use {', '.join(FORMATS)})."]})


def export_assessment(*, actor: Actor, impact_assessment, fmt: str) -> ExportedFile:
    """Export one assessment as ``fmt``; needs the export right. Recorded in the trail as an access event."""
    actor.require(Permission.EXPORT)
    if fmt not in FORMATS:
        raise ValidationError({"format": [f"Unknown format {fmt!r} (use {', '.join(FORMATS)})."]})
    document = build_document(actor, impact_assessment)
    content = render(document, fmt)
    extension, content_type = FORMATS[fmt]
    with transaction.atomic():
        record_event(
            actor=actor,
            action=TrailAction.ACCESS,
            instance=impact_assessment,
            changes={"export": [None, fmt]},
        )
    name = slugify(f"impact-assessment-{impact_assessment.ai_system.name}-rev{impact_assessment.revision}")
    return ExportedFile(content, f"{name}.{extension}", content_type)
