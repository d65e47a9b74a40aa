"""The audit report exported as DOCX and PDF, read back with python-docx and pypdf; the export is in the trail."""

from __future__ import annotations

import io

import docx
import pypdf
import pytest
from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.audits import internal_services as services
from openaims.audits.internal_report import export_audit_report
from openaims.audits.models import AuditChecklistItem
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from tests.audits.helpers import make_system
from tests.audits.internal_helpers import make_audit


def text_of(fmt: str, content: bytes) -> str:
    if fmt == "docx":
        document = docx.Document(io.BytesIO(content))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def reported(owner_actor):
    make_system(owner_actor, name="Loan scorer")
    audit = make_audit(owner_actor, title="Spring audit", clause_ids=["9.2"], lead_auditor=owner_actor.user)
    services.internal_audit_draw_sample(actor=owner_actor, audit=audit, size=1, seed=11)
    services.internal_audit_generate_checklist(actor=owner_actor, audit=audit)
    services.internal_audit_start(actor=owner_actor, internal_audit=audit)
    lines = list(AuditChecklistItem.objects.filter(audit=audit).order_by("position"))
    services.audit_checklist_item_record_finding(
        actor=owner_actor, item=lines[0], finding="major_nonconformity", notes="No audit programme approved."
    )
    for line in lines[1:]:
        services.audit_checklist_item_record_finding(actor=owner_actor, item=line, finding="conformity")
    return services.internal_audit_report(actor=owner_actor, internal_audit=audit, summary="One major finding.")


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_report_reads_back(reported, owner_actor, fmt):
    exported = export_audit_report(actor=owner_actor, internal_audit=reported, fmt=fmt)
    assert exported.filename == f"internal-audit-ia-0001.{fmt}"
    text = text_of(fmt, exported.content)
    for expected in (
        "Internal audit report IA-0001: Spring audit",
        "One major finding.",
        "Loan scorer",
        "Sample seed",
        "9.2.1",
        "Major nonconformity",
        "No audit programme approved.",
        "NC-0001",
    ):
        assert expected in text, expected
    event = TrailEvent.objects.filter(object_id=str(reported.pk)).order_by("-sequence").first()
    assert event.action == "access" and event.changes_dict == {"export": [None, fmt]}


def test_export_api_and_page(reported, api_as, ui_as, actor_of):
    client = api_as(Role.AUDITOR)
    pdf = client.get(f"/api/v1/internal-audits/{reported.pk}/export", {"format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    bad = client.get(f"/api/v1/internal-audits/{reported.pk}/export", {"format": "odt"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "format"
    page = ui_as(Role.VIEWER).get(reverse("internal-audits-export", args=[reported.pk]), {"format": "docx"})
    assert page.status_code == 403
    with pytest.raises(PermissionDenied):
        export_audit_report(actor=actor_of(Role.VIEWER), internal_audit=reported, fmt="pdf")
    docx_page = ui_as(Role.AUDITOR).get(reverse("internal-audits-export", args=[reported.pk]), {"format": "docx"})
    assert docx_page.status_code == 200 and "Spring audit" in text_of("docx", docx_page.content)
