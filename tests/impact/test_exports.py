"""Assessment exports read back with real readers (python-docx, pypdf): cover, answers by section, harms."""

from __future__ import annotations

import io

import docx
import pypdf
import pytest
from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.impact import services
from openaims.impact.exports import export_assessment
from openaims.inventory import services as inventory_services


def text_of(fmt: str, content: bytes) -> str:
    if fmt == "docx":
        document = docx.Document(io.BytesIO(content))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def assessed(contributor, manager):
    from tests.impact.conftest import complete_answers, make_assessment

    answers = complete_answers() | {"worst_case": "A family is refused credit it could repay."}
    assessment = make_assessment(contributor, answers=answers)
    harm = services.harm_create(
        actor=contributor,
        assessment=assessment,
        description="Refusals concentrate in one postcode.",
        affected_groups="Residents of low-income areas",
        rights_affected=["non_discrimination"],
        severity=4,
        likelihood=3,
    )
    services.harm_create(actor=contributor, assessment=assessment, description="Unexplained refusal.", severity=2)
    services.harm_to_risk(actor=contributor, harm=harm)
    services.impact_assessment_submit(actor=contributor, impact_assessment=assessment)
    return services.impact_assessment_approve(actor=manager, impact_assessment=assessment)


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_export_reads_back(fmt, assessed, owner_actor, members):
    exported = export_assessment(actor=owner_actor, impact_assessment=assessed, fmt=fmt)
    assert exported.filename == f"impact-assessment-loan-scorer-rev1.{fmt}"
    text = text_of(fmt, exported.content)
    for words in (
        "Acme AI",
        "Loan scorer",
        "AI system impact assessment",
        "Approved",
        f"Approved by {members[Role.MANAGER]}",
        "Fundamental rights touched",
        "Environmental impact",
        "What is the worst realistic outcome for an affected person?",
        "A family is refused credit it could repay.",
        "5 of 5 (Severe)",
        "Refusals concentrate in one postcode.",
        "Non-discrimination (Art. 21)",
        "Harm: Refusals concentrate in one postcode.",  # the linked risk
        "Not in the risk register",
    ):
        assert words in text, words
    event = TrailEvent.objects.filter(object_id=str(assessed.pk)).order_by("sequence").last()
    assert event.action == "access" and event.changes_dict == {"export": [None, fmt]}


def test_export_of_a_stale_assessment_says_so(assessed, owner_actor):
    inventory_services.ai_system_update(actor=owner_actor, ai_system=assessed.ai_system, purpose="New purpose.")
    assessed.refresh_from_db()
    text = text_of("docx", export_assessment(actor=owner_actor, impact_assessment=assessed, fmt="docx").content)
    assert "Due for reassessment: New purpose or intended use: purpose changed" in text


def test_export_needs_the_export_right(assessed, contributor):
    with pytest.raises(PermissionDenied):
        export_assessment(actor=contributor, impact_assessment=assessed, fmt="pdf")


def test_export_api_and_view(assessed, api_as, ui_as):
    response = api_as(Role.AUDITOR).get(f"/api/v1/impact-assessments/{assessed.pk}/export", {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Loan scorer" in text_of("pdf", response.content)
    assert (
        api_as(Role.AUDITOR).get(f"/api/v1/impact-assessments/{assessed.pk}/export", {"format": "xlsx"}).status_code
        == 422
    )
    assert (
        api_as(Role.CONTRIBUTOR).get(f"/api/v1/impact-assessments/{assessed.pk}/export", {"format": "pdf"}).status_code
        == 403
    )
    url = reverse("impact-assessments-export", args=[assessed.pk])
    response = ui_as(Role.AUDITOR).get(url, {"format": "docx"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert "Loan scorer" in text_of("docx", response.content)
    assert ui_as(Role.AUDITOR).get(url, {"format": "odt"}).status_code == 400
