"""The SoA as a Word document (python-docx): a cover page, then a landscape table with one row per control."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from openaims.controls.exports.document import COLUMNS, SoADocument


def _repeat_header(row) -> None:
    """Mark a table row as the header that Word repeats on every page."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def render_docx(document: SoADocument) -> bytes:
    doc = Document()
    doc.core_properties.title = f"Statement of Applicability — {document.organization}"
    doc.core_properties.subject = document.version_label
    doc.add_heading("Statement of Applicability", level=0)
    cover = doc.add_table(rows=0, cols=2)
    cover.style = "Table Grid"
    for label, value in document.cover:
        cells = cover.add_row().cells
        cells[0].text = label
        cells[0].paragraphs[0].runs[0].bold = True
        cells[1].text = value

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    doc.add_heading(f"Controls — {document.version_label}", level=1)
    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = name
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(table.rows[0])
    for row in document.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row.cells(), strict=True):
            cell.text = value
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
