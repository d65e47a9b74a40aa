"""Readiness rules 6.1.4 and 8.4: derived from the assessments; stale or due ones are blockers naming the system."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from openaims.controls.selectors.readiness import collect_rules
from openaims.impact import services
from openaims.impact.models import ImpactAssessment
from openaims.impact.readiness import RULES
from openaims.inventory import services as inventory_services
from tests.impact.conftest import make_assessment, system_for


def check(organization, clause: str, status: str, *words: str):
    derived = RULES[clause](organization)
    assert derived.status == status, derived.explanation
    for word in words:
        assert word in derived.explanation, derived.explanation
    reverse(derived.url_name)
    return derived


def approve(contributor, manager, **kwargs):
    assessment = make_assessment(contributor, **kwargs)
    services.impact_assessment_submit(actor=contributor, impact_assessment=assessment)
    return services.impact_assessment_approve(actor=manager, impact_assessment=assessment)


def test_rules_are_collected_by_the_readiness_engine():
    rules = collect_rules()
    assert rules["6.1.4"] is RULES["6.1.4"] and rules["8.4"] is RULES["8.4"]


def test_no_systems_and_no_assessments(org, contributor):
    check(org, "6.1.4", "not_met", "No AI system in scope")
    check(org, "8.4", "not_met", "No impact assessment has been approved")
    make_assessment(contributor)  # a draft does not count
    check(org, "6.1.4", "not_met", "No approved, current impact assessment")


def test_met_partial_and_blockers(org, contributor, manager, owner_actor):
    scorer = approve(contributor, manager)
    check(org, "6.1.4", "met", "All 1 AI systems in scope")
    check(org, "8.4", "met", "1 approved impact assessments are current")

    chatbot = system_for(owner_actor, "Chatbot")
    check(org, "6.1.4", "partial", "no approved impact assessment for “Chatbot”")
    inventory_services.ai_system_update(
        actor=owner_actor, ai_system=chatbot, in_scope=False, scope_reason="Run by the parent company."
    )
    check(org, "6.1.4", "met")

    inventory_services.ai_system_update(actor=owner_actor, ai_system=scorer.ai_system, purpose="Sets interest rates.")
    check(org, "6.1.4", "not_met")
    check(org, "8.4", "partial", "“Loan scorer”: New purpose or intended use: purpose changed")

    second_system = system_for(owner_actor, "Old system")
    approve(contributor, manager, system=second_system, title="Old system assessment")
    check(org, "6.1.4", "partial", "“Loan scorer” needs reassessment (New purpose")


def test_overdue_review_date_blocks_before_mark_due(org, contributor, manager):
    assessment = approve(contributor, manager)
    past = timezone.localdate() - dt.timedelta(days=2)
    ImpactAssessment.objects.filter(pk=assessment.pk).update(next_review_date=past)
    check(org, "6.1.4", "not_met")
    check(org, "8.4", "partial", f"review date {past.isoformat()} passed")


def test_serious_untraced_harms_make_it_partial(org, contributor, manager):
    assessment = make_assessment(contributor)
    harm = services.harm_create(actor=contributor, assessment=assessment, description="Wrongful refusal.", severity=5)
    services.impact_assessment_submit(actor=contributor, impact_assessment=assessment)
    services.impact_assessment_approve(actor=manager, impact_assessment=assessment)
    check(org, "6.1.4", "partial", "serious harms not traced to the risk register for “Loan scorer”")
    services.harm_to_risk(actor=contributor, harm=harm)
    check(org, "6.1.4", "met")


def test_demo_loads_an_approved_assessment_through_the_services(db):
    from openaims.demo import load_demo
    from openaims.impact.models import ImpactAssessment

    organization, created = load_demo()
    assert created
    assessment = ImpactAssessment.objects.get(organization=organization)
    assert assessment.status == "approved" and assessment.approved_by != assessment.author
    harms = list(assessment.harms.order_by("-severity"))
    assert len(harms) == 2 and harms[0].linked_risk is not None
    assert harms[0].linked_risk.ai_systems.filter(pk=assessment.ai_system_id).exists()
