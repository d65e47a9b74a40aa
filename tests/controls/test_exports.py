"""SoA exports read back with real readers (openpyxl, python-docx, pypdf): cover, rows, justifications."""

from __future__ import annotations

import io

import docx
import openpyxl
import pypdf
import pytest
from typer.testing import CliRunner

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.cli.main import app
from openaims.controls import services
from openaims.controls.exports import export_soa
from openaims.controls.models import SoAEntry
from tests.controls.conftest import make_evidence

runner = CliRunner()


def text_of(fmt: str, content: bytes) -> str:
    """All the text a reader finds in an export."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell
        )
    if fmt == "docx":
        document = docx.Document(io.BytesIO(content))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def issued(justified_soa, members):
    actor = justified_soa
    entry = SoAEntry.objects.get(organization=actor.organization, control_id="A.10.4")
    evidence = make_evidence(actor, title="Customer notice")
    services.soa_entry_update(
        actor=actor,
        soa_entry=entry,
        applicable=False,
        justification="No customers outside the group.",
        owner=members[Role.MANAGER],
        evidence=[evidence],
    )
    services.soa_entry_create(actor=actor, control_id="ORG-1", title="Model cards", justification="Contracts.")
    return services.soa_issue_version(actor=actor, approved_by=members[Role.MANAGER])


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "pdf"])
def test_issued_version_reads_back(fmt, issued, owner_actor, members):
    exported = export_soa(actor=owner_actor, fmt=fmt, version=1)
    assert exported.filename == f"soa-acme-v1.{fmt}"
    text = text_of(fmt, exported.content)
    for expected in (
        "Acme AI",
        "SoA v1",
        f"Approved by {members[Role.MANAGER]}",
        "A.2.2",
        "A.6.2.4",
        "A.10.4",
        "ORG-1",
        "No customers outside the group.",
        "Excluded",
        "Customer notice",
        "evidence.example.org",
        members[Role.MANAGER].username,
    ):
        assert expected in text, (fmt, expected)
    assert "Draft" not in text
    # one row per control: every control id appears
    for entry in SoAEntry.objects.filter(organization=owner_actor.organization):
        assert entry.control_id in text


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "pdf"])
def test_draft_says_not_approved(fmt, owner_actor):
    exported = export_soa(actor=owner_actor, fmt=fmt)
    text = text_of(fmt, exported.content)
    assert "Draft — not approved" in text and "Acme AI" in text and "A.9.4" in text
    assert exported.filename == f"soa-acme-draft.{fmt}"


def test_xlsx_has_one_row_per_control(issued, owner_actor):
    book = openpyxl.load_workbook(io.BytesIO(export_soa(actor=owner_actor, fmt="xlsx", version=1).content))
    rows = list(book["SoA"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Control", "Title", "Applicability", "Justification")
    assert len(rows) == 1 + 39
    row = next(r for r in rows if r[0] == "A.10.4")
    assert row[2] == "Excluded" and row[3] == "No customers outside the group."


def test_export_needs_the_export_right_and_is_recorded(issued, actor_of):
    with pytest.raises(PermissionDenied):
        export_soa(actor=actor_of(Role.CONTRIBUTOR), fmt="pdf", version=1)
    export_soa(actor=actor_of(Role.AUDITOR), fmt="xlsx", version=1)
    event = TrailEvent.objects.filter(action="access").get()
    assert event.object_type == "controls.soaexport" and event.changes_dict["version"] == [None, "v1"]


def test_api_and_ui_downloads(issued, api_as, ui_as):
    response = api_as(Role.AUDITOR).get("/api/v1/soa-export", {"format": "docx", "version": 1})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert "attachment" in response["Content-Disposition"]
    assert "SoA v1" in text_of("docx", response.content)
    assert api_as(Role.CONTRIBUTOR).get("/api/v1/soa-export", {"format": "pdf"}).status_code == 403
    assert api_as(Role.AUDITOR).get("/api/v1/soa-export", {"format": "pdf", "version": 9}).status_code == 404
    bad = api_as(Role.AUDITOR).get("/api/v1/soa-export", {"format": "odt"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "format"
    page = ui_as(Role.AUDITOR).get("/soa/export/", {"format": "pdf", "version": 1})
    assert page.status_code == 200 and page["Content-Type"] == "application/pdf"
    assert "SoA v1" in text_of("pdf", page.content)
    assert ui_as(Role.CONTRIBUTOR).get("/soa/export/", {"format": "pdf"}).status_code == 403


def test_cli_export(issued, tmp_path, org, members):
    out = tmp_path / "soa.xlsx"
    result = runner.invoke(
        app, ["soa", "export", "--format", "xlsx", "--out", str(out), "--version", "1", "--org", "acme"]
    )
    assert result.exit_code == 0, result.output
    assert "A.10.4" in text_of("xlsx", out.read_bytes())
    pdf = tmp_path / "draft.pdf"
    auditor = members[Role.AUDITOR].username
    ok = runner.invoke(app, ["soa", "export", "--format", "pdf", "--out", str(pdf), "--org", "acme", "--user", auditor])
    assert ok.exit_code == 0 and "Draft — not approved" in text_of("pdf", pdf.read_bytes())
    contributor = members[Role.CONTRIBUTOR].username
    refused = runner.invoke(
        app, ["soa", "export", "--format", "pdf", "--out", str(pdf), "--org", "acme", "--user", contributor]
    )
    assert refused.exit_code == 1 and "does not allow" in refused.output
    bad = runner.invoke(app, ["soa", "export", "--format", "odt", "--out", str(pdf), "--org", "acme"])
    assert bad.exit_code == 1 and "--format" in bad.output and len(bad.output.strip().splitlines()) == 1
    missing = runner.invoke(app, ["soa", "export", "--format", "pdf", "--out", str(pdf), "--version", "7"])
    assert missing.exit_code == 1 and "No SoA version 7" in missing.output
