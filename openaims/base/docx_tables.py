"""Tables of the DOCX reports (internal audit report, management review minutes), drawn the same way."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def grid_table(doc, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """A gridded table: a bold header row of ``columns``, then one row per item of ``rows``."""
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, columns, strict=True):
        cell.text = name
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value


def label_table(doc, pairs: Iterable[tuple[str, str]]) -> None:
    """A gridded two-column table of ``(label, value)`` pairs, labels in bold: a report's cover."""
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in pairs:
        cells = table.add_row().cells
        cells[0].text = label
        cells[0].paragraphs[0].runs[0].bold = True
        cells[1].text = value
