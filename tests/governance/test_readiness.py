"""Every readiness rule of the governance records: not met without records, partial with gaps, met when complete."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.accounts.models import Membership
from openaims.governance import services
from openaims.governance.readiness import RULES, Derived
from openaims.inventory import services as inventory_services
from openaims.inventory.models import AISystem

DAY = dt.timedelta(days=1)


def today():
    return timezone.localdate()


def check(organization, clause: str, status: str, *words: str) -> Derived:
    derived = RULES[clause](organization)
    assert isinstance(derived, Derived)
    assert derived.status == status, derived.explanation
    for word in words:
        assert word in derived.explanation
    reverse(derived.url_name)
    return derived


def test_rules_cover_the_clauses_and_derived_is_frozen():
    assert {"4.1", "4.2", "4.3", "5.2", "5.3", "6.2", "7.2", "7.5"} <= set(RULES)
    derived = Derived("met", "ok", "governance-index")
    with pytest.raises(dataclasses.FrozenInstanceError):
        derived.status = "partial"
    with pytest.raises(ValueError):
        Derived("done", "", "governance-index")


def test_every_rule_is_not_met_for_an_empty_organization(org):
    for clause, rule in RULES.items():
        assert rule(org).status == "not_met", clause


def test_4_1_context_issues(owner_actor):
    org = owner_actor.organization
    check(org, "4.1", "not_met", "No context issues")
    services.context_issue_create(
        actor=owner_actor, title="AI Act", origin="external", category="legal", next_review_date=today() + DAY
    )
    check(org, "4.1", "partial", "no internal issue")
    issue = services.context_issue_create(
        actor=owner_actor, title="Skills gap", origin="internal", category="organizational"
    )
    check(org, "4.1", "partial", "no review date", "Skills gap")
    services.context_issue_update(actor=owner_actor, context_issue=issue, next_review_date=today() - DAY)
    check(org, "4.1", "partial", "overdue", "Skills gap")
    services.context_issue_update(actor=owner_actor, context_issue=issue, next_review_date=today())
    check(org, "4.1", "met")


def test_4_2_interested_parties(owner_actor):
    org = owner_actor.organization
    check(org, "4.2", "not_met")
    party = services.interested_party_create(actor=owner_actor, name="Regulator", kind="regulator")
    check(org, "4.2", "partial", "needs and expectations", "Regulator")
    services.interested_party_update(
        actor=owner_actor,
        interested_party=party,
        needs_and_expectations="Conformity with the AI Act.",
        how_addressed="Conformity assessment before deployment.",
        compliance_obligation=True,
    )
    check(org, "4.2", "met", "1 compliance obligation")
    services.interested_party_update(actor=owner_actor, interested_party=party, next_review_date=today() - DAY)
    check(org, "4.2", "partial", "overdue")


def test_4_3_scope(owner_actor, actor_of):
    org = owner_actor.organization
    check(org, "4.3", "not_met", "No approved scope")
    scope = services.scope_statement_create(actor=owner_actor, version="1", statement="All credit AI.")
    check(org, "4.3", "partial", "waiting for approval")
    services.scope_statement_approve(actor=actor_of(Role.MANAGER), scope_statement=scope)
    inventory_services.ai_system_create(actor=owner_actor, name="Scorer", purpose="Scores loans.")
    inventory_services.ai_system_create(
        actor=owner_actor, name="Chatbot", purpose="Answers.", in_scope=False, scope_reason="Run by the parent."
    )
    check(org, "4.3", "met", "v1", "1 of 2")
    # A decision without a reason (written around the service, as an import of old data might) is a gap.
    AISystem.objects.filter(name="Chatbot").update(scope_reason="")
    check(org, "4.3", "partial", "Chatbot")


def test_5_2_ai_policy(owner_actor):
    org = owner_actor.organization
    check(org, "5.2", "not_met", "No AI policy")
    policy = services.document_create(actor=owner_actor, title="AI policy", document_type="ai_policy")
    check(org, "5.2", "partial", "no version")
    version = services.document_version_create(actor=owner_actor, document=policy, number="1")
    check(org, "5.2", "partial", "draft")
    services.document_version_transition(actor=owner_actor, document_version=version, to_status="in_review")
    services.document_version_transition(actor=owner_actor, document_version=version, to_status="approved")
    check(org, "5.2", "met", "AI policy")
    services.document_update(actor=owner_actor, document=policy, next_review_date=today() - DAY)
    check(org, "5.2", "partial", "overdue for review")


def test_5_3_roles(owner_actor):
    org = owner_actor.organization
    check(org, "5.3", "not_met")
    role = services.aims_role_create(actor=owner_actor, name="AIMS owner", responsibilities="Runs the AIMS.")
    check(org, "5.3", "partial", "no holder", "AIMS owner")
    membership = Membership.objects.get(organization=org, user=owner_actor.user)
    services.aims_role_update(actor=owner_actor, aims_role=role, holders=[membership])
    check(org, "5.3", "met")


def test_6_2_objectives(owner_actor):
    org = owner_actor.organization
    check(org, "6.2", "not_met")
    objective = services.ai_objective_create(actor=owner_actor, objective="Fair approvals")
    check(org, "6.2", "partial", "no metric", "no target value", "no owner", "no due date")
    services.ai_objective_update(
        actor=owner_actor,
        ai_objective=objective,
        metric="demographic parity difference",
        target_value=0.05,
        owner=owner_actor.user,
        due_date=today() + 90 * DAY,
    )
    check(org, "6.2", "met")


def test_7_2_competence(owner_actor, members):
    org = owner_actor.organization
    check(org, "7.2", "not_met")
    record = services.competence_record_create(
        actor=owner_actor, member=owner_actor.user, competence="AI risk training", valid_until=today() - DAY
    )
    check(org, "7.2", "partial", "expired")
    services.competence_record_update(actor=owner_actor, competence_record=record, valid_until=today() + DAY)
    check(org, "7.2", "met")
    manager = Membership.objects.get(organization=org, user=members[Role.MANAGER])
    services.aims_role_create(actor=owner_actor, name="Risk owner", responsibilities="Owns AI risk.", holders=[manager])
    check(org, "7.2", "partial", "without a valid record", str(members[Role.MANAGER]))


def test_7_5_documents(owner_actor):
    org = owner_actor.organization
    check(org, "7.5", "not_met")
    document = services.document_create(actor=owner_actor, title="Procedure", next_review_date=today() + DAY)
    check(org, "7.5", "partial", "no approved version")
    version = services.document_version_create(actor=owner_actor, document=document, number="1")
    services.document_version_transition(actor=owner_actor, document_version=version, to_status="in_review")
    services.document_version_transition(actor=owner_actor, document_version=version, to_status="approved")
    check(org, "7.5", "met")
    services.document_update(actor=owner_actor, document=document, next_review_date=today() - DAY)
    check(org, "7.5", "partial", "overdue", "Procedure")


def test_governance_index_shows_counts_overdue_reviews_and_the_rules(owner_actor, ui_as):
    services.context_issue_create(
        actor=owner_actor, title="AI Act", origin="external", category="legal", next_review_date=today() - DAY
    )
    response = ui_as(Role.VIEWER).get(reverse("governance-index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 overdue for review" in page
    assert reverse("context-issues-list") + "?review_overdue=true" in page
    for clause in RULES:
        assert f'data-clause="{clause}"' in page
    assert f'href="{reverse("governance-index")}"' in page  # the menu entry


def test_governance_index_needs_login(org):
    from django.test import Client

    response = Client().get(reverse("governance-index"))
    assert response.status_code == 302 and "/login/" in response["Location"]
