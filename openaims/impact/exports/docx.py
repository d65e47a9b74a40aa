"""An impact assessment as a Word document (python-docx): cover table, answers by section, harms table."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.shared import Pt

from openaims.controls.exports.docx import _repeat_header
from openaims.impact.exports.document import HARM_COLUMNS, AssessmentDocument


def _small(cells) -> None:
    for cell in cells:
        for paragraph in cell.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(9)


def render_docx(document: AssessmentDocument) -> bytes:
    doc = Document()
    doc.core_properties.title = document.title
    doc.add_heading(document.title, level=0)
    cover = doc.add_table(rows=0, cols=2)
    cover.style = "Table Grid"
    for label, value in document.cover:
        cells = cover.add_row().cells
        cells[0].text = label
        cells[0].paragraphs[0].runs[0].bold = True
        cells[1].text = value
    for section in document.sections:
        doc.add_heading(section.title, level=1)
        for row in section.rows:
            question = doc.add_paragraph()
            question.add_run(row.question + (" *" if row.required else "")).bold = True
            doc.add_paragraph(row.answer)
    doc.add_heading("Conclusion", level=1)
    doc.add_paragraph(document.conclusion or "—")

    landscape = doc.add_section(WD_SECTION.NEW_PAGE)
    landscape.orientation = WD_ORIENT.LANDSCAPE
    landscape.page_width, landscape.page_height = landscape.page_height, landscape.page_width
    doc.add_heading("Harms identified", level=1)
    if not document.harms:
        doc.add_paragraph("No harms recorded.")
    else:
        table = doc.add_table(rows=1, cols=len(HARM_COLUMNS))
        table.style = "Table Grid"
        for cell, name in zip(table.rows[0].cells, HARM_COLUMNS, strict=True):
            cell.text = name
            cell.paragraphs[0].runs[0].bold = True
        _repeat_header(table.rows[0])
        for harm in document.harms:
            cells = table.add_row().cells
            for cell, value in zip(cells, harm, strict=True):
                cell.text = value
            _small(cells)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
