"""The demo publishes the credit scoring and support assistant cards with some sections, and records two reporting
obligations."""

from __future__ import annotations

from django.test import Client

from openaims.demo import load_demo
from openaims.oversight.transparency.card import build_card
from openaims.oversight.transparency.models import CardSettings, ReportingObligation, ReportingRecord


def test_demo_transparency(db):
    organization, created = load_demo()
    assert created
    assert CardSettings.objects.filter(organization=organization).count() == 2
    obligations = ReportingObligation.objects.filter(organization=organization).order_by("title")
    assert [o.frequency for o in obligations] == ["quarterly", "event"]
    assert ReportingRecord.objects.filter(organization=organization).count() == 1
    assert obligations[0].to_whom == "Financial conduct supervisor" and not obligations[0].overdue
    credit = obligations[0].ai_system
    card = build_card(credit)
    assert card.results and card.results[0].passed is False  # the last demo weeks breach parity
    assert card.eu_ai_act.tier == "high_risk" and card.risks
    page = Client().get("/trust/demo/")
    html = page.content.decode()
    assert page.status_code == 200 and "Retail credit scoring" in html and "demographic_parity_ratio" in html
    assert "Customer support assistant" in html
    assert "CV screening ranker" not in html and "Loan applications 2019" not in html  # unpublished, private data
