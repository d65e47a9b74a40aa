"""An impact assessment as a PDF (WeasyPrint, from an HTML template)."""

from __future__ import annotations

from django.template.loader import render_to_string

from openaims.impact.exports.document import HARM_COLUMNS, AssessmentDocument


def render_pdf(document: AssessmentDocument) -> bytes:
    from weasyprint import HTML  # imported here: loading pango costs time that DOCX exports need not pay

    html = render_to_string("impact/assessment_export.html", {"document": document, "columns": HARM_COLUMNS})
    return HTML(string=html, base_url=None).write_pdf()
