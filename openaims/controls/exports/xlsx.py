"""The SoA as an Excel workbook (openpyxl): a cover sheet and one row per control, every cell neutralized against
formulas (:mod:`openaims.policy.cells`)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from openaims.controls.exports.document import COLUMNS, SoADocument
from openaims.policy.cells import safe_cell, safe_row

_WIDTHS = (10, 40, 14, 60, 22, 24, 50)


def render_xlsx(document: SoADocument) -> bytes:
    workbook = Workbook()
    cover = workbook.active
    cover.title = "Cover"
    cover["A1"] = safe_cell("Statement of Applicability")
    cover["A1"].font = Font(size=16, bold=True)
    for row, (label, value) in enumerate(document.cover, start=3):
        cover.cell(row=row, column=1, value=safe_cell(label)).font = Font(bold=True)
        cover.cell(row=row, column=2, value=safe_cell(value)).alignment = Alignment(wrap_text=True, vertical="top")
    cover.column_dimensions["A"].width = 18
    cover.column_dimensions["B"].width = 90

    sheet = workbook.create_sheet("SoA")
    sheet.append(safe_row(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1D2330")
    for row in document.rows:
        sheet.append(safe_row(row.cells()))
    for column, width in zip("ABCDEFG", _WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
