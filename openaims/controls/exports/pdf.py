"""The SoA as a PDF (WeasyPrint, from an HTML template): a cover page, then the controls table."""

from __future__ import annotations

from django.template.loader import render_to_string

from openaims.controls.exports.document import COLUMNS, SoADocument


def render_pdf(document: SoADocument) -> bytes:
    from weasyprint import HTML  # imported here: loading pango costs time that other exports need not pay

    html = render_to_string("controls/soa_export.html", {"document": document, "columns": COLUMNS})
    return HTML(string=html, base_url=None).write_pdf()
