"""The clause requirements the risk records decide (6.1.1, 6.1.2, 8.2, 8.3), and the demo's risks."""

from __future__ import annotations

from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.controls.selectors.readiness import collect_rules
from openaims.risk import services
from openaims.risk.models import Risk
from openaims.risk.readiness import RULES, assessment_rule, criteria_rule, currency_rule, treatment_rule
from tests.risk.helpers import make_risk, make_system


def test_rules_are_collected_by_the_readiness_engine():
    rules = collect_rules()
    for clause in ("6.1.1", "6.1.2", "8.2", "8.3"):
        assert rules[clause] is RULES[clause]


def test_criteria_rule(owner_actor, org):
    assert criteria_rule(org).status == "not_met"
    services.risk_criteria_update(actor=owner_actor, acceptance_threshold="low")
    assert criteria_rule(org).status == "partial" and "methodology" in criteria_rule(org).explanation
    services.risk_criteria_update(actor=owner_actor, methodology="Workshops per system, 5×5 matrix.")
    derived = criteria_rule(org)
    assert derived.status == "met" and "5×5" in derived.explanation and derived.url_name == "risk-criteria"
    reverse(derived.url_name)


def test_assessment_rule_names_systems_without_assessed_risks(owner_actor, org):
    assert assessment_rule(org).status == "not_met"
    scorer, chatbot = make_system(owner_actor, name="Scorer"), make_system(owner_actor, name="Chatbot")
    make_system(owner_actor, name="Old rules", in_scope=False, scope_reason="No ML.")
    make_risk(owner_actor, ai_systems=[scorer])  # only identified
    assert assessment_rule(org).status == "not_met"
    make_risk(owner_actor, ai_systems=[scorer], status="assessed")
    derived = assessment_rule(org)
    assert derived.status == "partial" and "“Chatbot”" in derived.explanation and "Scorer" not in derived.explanation
    make_risk(owner_actor, ai_systems=[chatbot], status="treating", treatment_option="avoid")
    assert assessment_rule(org).status == "met"


def test_currency_rule_names_overdue_risks(owner_actor, org):
    assert currency_rule(org).status == "not_met"
    make_risk(owner_actor, title="Fresh")
    assert currency_rule(org).status == "met"
    make_risk(owner_actor, title="Stale", review_date="2020-01-01")
    make_risk(owner_actor, title="Closed long ago", review_date="2020-01-01", status="closed")
    derived = currency_rule(org)
    assert derived.status == "partial" and "“Stale”" in derived.explanation and "Closed" not in derived.explanation


def test_treatment_rule_every_risk_above_threshold_treated_or_accepted(owner_actor, org):
    assert treatment_rule(org).status == "not_met"
    make_risk(owner_actor, title="Small", likelihood=1, consequence=1)  # low: within the threshold
    assert treatment_rule(org).status == "met"
    big = make_risk(owner_actor, title="Big", likelihood=5, consequence=5)
    derived = treatment_rule(org)
    assert derived.status == "partial" and "“Big”" in derived.explanation
    services.risk_update(actor=owner_actor, risk=big, treatment_option="modify")
    assert treatment_rule(org).status == "partial"  # modify with no control and no action
    action = services.risk_action_create(actor=owner_actor, risk=big, description="Retrain", due_date="2020-01-01")
    derived = treatment_rule(org)
    assert (
        derived.status == "partial"
        and "past their due date" in derived.explanation
        and "“Big”" not in derived.explanation
    )
    services.risk_action_update(actor=owner_actor, risk_action=action, status="done")
    assert treatment_rule(org).status == "met"
    other = make_risk(owner_actor, title="Accepted big", likelihood=5, consequence=4)
    assert treatment_rule(org).status == "partial"
    services.risk_accept(actor=owner_actor, risk=other, rationale="Board accepted it.")
    assert treatment_rule(org).status == "met"


def test_overview_shows_the_rules(ui_as, owner_actor):
    html = ui_as(Role.VIEWER).get(reverse("risk-overview")).content.decode()
    for clause in ("6.1.1", "6.1.2", "8.2", "8.3"):
        assert f'data-clause="{clause}"' in html


def test_demo_loads_risks_through_the_services(db):
    from openaims.demo import load_demo

    organization, created = load_demo()
    assert created
    risks = Risk.objects.filter(organization=organization)
    assert risks.count() == 5
    assert set(risks.values_list("status", flat=True)) >= {"treating", "accepted", "assessed"}
    assert criteria_rule(organization).status == "met"
    assert currency_rule(organization).status == "partial"  # the fraud risk is overdue on purpose
    assert load_demo() == (organization, False) and risks.count() == 5
