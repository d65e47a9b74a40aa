"""The demo organization: a lender with several AI systems in different stages, loaded through the services."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from openaims.accounts.choices import Role
from openaims.accounts.models import Organization, User
from openaims.accounts.selectors import actor_for
from openaims.accounts.services import membership_add, organization_create, user_create
from openaims.base.context import request_scope
from openaims.impact.demo import load_demo_impact
from openaims.inventory import services as inventory
from openaims.management_review.demo import load_demo_management_review
from openaims.monitoring.demo import load_demo_monitoring
from openaims.oversight.incidents.demo import load_demo_incidents
from openaims.oversight.reviews.demo import load_demo_reviews
from openaims.oversight.transparency.demo import load_demo_transparency
from openaims.risk.demo import load_demo_risks

DEMO_SLUG = "demo"
DEMO_PASSWORD = "northwind-demo"
DEMO_USERS = [
    ("demo@openaims.local", Role.OWNER),
    ("maria.manager@openaims.local", Role.MANAGER),
    ("chen.contributor@openaims.local", Role.CONTRIBUTOR),
    ("rita.reviewer@openaims.local", Role.REVIEWER),
    ("alex.auditor@openaims.local", Role.AUDITOR),
    ("val.viewer@openaims.local", Role.VIEWER),
]


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        first = username.split("@")[0].split(".")[0].capitalize()
        user = user_create(username=username, password=DEMO_PASSWORD, first_name=first)
    return user


def load_demo() -> tuple[Organization, bool]:
    """Create the demo organization unless it exists. Returns it and whether it was created."""
    existing = Organization.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return existing, False
    with transaction.atomic(), request_scope():
        owner = _user(DEMO_USERS[0][0])
        organization = organization_create(name="Northwind Lending (demo)", slug=DEMO_SLUG, owner=owner)
        actor = actor_for(owner, organization)
        members = {role: _user(name) for name, role in DEMO_USERS}
        for _name, role in DEMO_USERS[1:]:
            membership_add(actor=actor, user=members[role], role=role)
        _load_inventory(actor, members)
        load_demo_risks(actor, members)
        load_demo_impact(actor, members)
        load_demo_monitoring(actor, members)
        load_demo_reviews(actor, members)
        load_demo_transparency(actor, members)  # before the concerns: the public form names published systems only
        load_demo_incidents(actor, members)
        load_demo_management_review(actor, members)
    return organization, True


def _load_inventory(actor, members) -> None:
    manager = members[Role.MANAGER]
    data = {
        "loans": inventory.dataset_create(
            actor=actor,
            name="Loan applications 2019–2024",
            source="Core banking system export",
            provenance="Applications and repayment outcomes of retail customers; consent under the loan contract.",
            contains_personal_data=True,
            quality_notes="3% missing income; outcomes censored for loans younger than 12 months.",
            licence="Internal",
        ),
        "bureau": inventory.dataset_create(
            actor=actor,
            name="Credit bureau attributes",
            source="DataBridge Bureau API",
            provenance="Licensed bureau attributes joined on application id.",
            contains_personal_data=True,
            licence="Commercial licence DB-2023-114",
        ),
        "cvs": inventory.dataset_create(
            actor=actor,
            name="Historical CVs and hiring outcomes",
            source="Applicant tracking system",
            provenance="CVs of applicants 2020–2024 with interview and hire outcomes.",
            contains_personal_data=True,
            quality_notes="Outcomes reflect past recruiter decisions; known under-representation of women in IT roles.",
            licence="Internal",
        ),
        "tickets": inventory.dataset_create(
            actor=actor,
            name="Support tickets (anonymised)",
            source="Helpdesk",
            provenance="Tickets with names, e-mails and account numbers removed by the redaction pipeline.",
            licence="Internal",
        ),
        "transactions": inventory.dataset_create(
            actor=actor,
            name="Card transactions with fraud labels",
            source="Card processor feed",
            provenance="Transactions with chargeback-confirmed fraud labels.",
            contains_personal_data=True,
            licence="Internal",
        ),
    }
    vendors = {
        "llm": inventory.supplier_create(
            actor=actor,
            name="Aurora Cloud AI",
            supplies="Hosted large language model behind the support assistant.",
            contract_reference="MSA-2024-031",
            assessment_status="conditional",
        ),
        "bureau": inventory.supplier_create(
            actor=actor,
            name="DataBridge Bureau",
            supplies="Credit bureau attributes.",
            contract_reference="DB-2023-114",
            assessment_status="approved",
        ),
        "cvparse": inventory.supplier_create(
            actor=actor,
            name="TalentSift",
            supplies="CV parsing component.",
            assessment_status="not_assessed",
        ),
    }
    credit = inventory.ai_system_create(
        actor=actor,
        name="Retail credit scoring",
        purpose="Scores retail loan applications for probability of default.",
        intended_use=(
            "Underwriters see the score and the main reasons; applications below the cut-off go to manual review."
        ),
        owner=manager,
        business_unit="Retail lending",
        ai_roles=["provider"],
        deployment_context="Loan origination system, all retail branches and online channel.",
        affected_stakeholders="Loan applicants, underwriters, the credit risk function, the regulator.",
        human_oversight="human_in_the_loop",
        automation_level="partial",
        uses_personal_data=True,
        personal_data_categories="Income, employment, credit history, age, postcode.",
        tags=["credit", "high-risk", "eu-ai-act-annex-iii"],
        datasets=[data["loans"], data["bureau"]],
        suppliers=[vendors["bureau"]],
    )
    cv = inventory.ai_system_create(
        actor=actor,
        name="CV screening ranker",
        purpose="Ranks applicants for recruiter review by fit to the job profile.",
        intended_use="Recruiters review the top of the ranking first; no applicant is rejected by the ranker alone.",
        owner=manager,
        business_unit="People & Culture",
        ai_roles=["provider", "customer"],
        affected_stakeholders="Job applicants, recruiters, hiring managers.",
        human_oversight="human_in_the_loop",
        automation_level="advisory",
        uses_personal_data=True,
        personal_data_categories="CV content: education, work history, possibly gender and age by inference.",
        tags=["hr", "high-risk"],
        datasets=[data["cvs"]],
        suppliers=[vendors["cvparse"]],
    )
    chatbot = inventory.ai_system_create(
        actor=actor,
        name="Customer support assistant",
        purpose="Answers customers' questions about accounts and products in chat.",
        intended_use=(
            "Answers general questions; hands over to an agent for complaints, disputes and vulnerable customers."
        ),
        owner=members[Role.CONTRIBUTOR],
        business_unit="Customer service",
        ai_roles=["customer"],
        human_oversight="human_on_the_loop",
        automation_level="full",
        affected_stakeholders="Customers using chat, support agents.",
        tags=["genai", "transparency"],
        datasets=[data["tickets"]],
        suppliers=[vendors["llm"]],
    )
    fraud = inventory.ai_system_create(
        actor=actor,
        name="Card fraud detector",
        purpose="Flags card transactions likely to be fraudulent for blocking or review.",
        owner=manager,
        business_unit="Payments",
        ai_roles=["provider"],
        human_oversight="human_on_the_loop",
        automation_level="full",
        uses_personal_data=True,
        personal_data_categories="Transaction history, merchant, device and location data.",
        tags=["payments"],
        datasets=[data["transactions"]],
    )
    inventory.ai_system_create(
        actor=actor,
        name="Churn predictor",
        purpose="Predicts which customers are likely to close their accounts in the next quarter.",
        owner=None,
        business_unit="Marketing",
        ai_roles=["provider"],
        automation_level="advisory",
        tags=["marketing"],
    )
    legacy = inventory.ai_system_create(
        actor=actor,
        name="Legacy affordability rules",
        purpose="Rule-based affordability check replaced by the credit scoring model.",
        in_scope=False,
        scope_reason="Deterministic rules, no machine learning; kept for the record until decommissioning completes.",
        business_unit="Retail lending",
        lifecycle_stage="verification",
    )
    # Life cycles, through the same transitions users make.
    for system, stages in [
        (credit, ["design", "development", "verification", "deployed", "operating"]),
        (cv, ["design", "development", "verification"]),
        (chatbot, ["design", "development", "verification", "deployed"]),
        (fraud, ["design", "development", "verification", "deployed", "operating"]),
    ]:
        for stage in stages:
            inventory.ai_system_transition(actor=actor, ai_system=system, to_stage=stage)
    inventory.ai_system_transition(
        actor=actor, ai_system=legacy, to_stage="retired", reason="Replaced by Retail credit scoring v3 in 2025."
    )
    today = dt.date(2026, 10, 1)
    for system, version, status, days, source, metrics in [
        (credit, "3.1.0", "deployed", 120, "mlflow://models/credit-scoring/12", "AUC 0.81; KS 0.46"),
        (credit, "3.2.0", "validated", 20, "mlflow://models/credit-scoring/14", "AUC 0.83; KS 0.48"),
        (cv, "0.9.0", "candidate", 30, "mlflow://models/cv-ranker/3", "nDCG@20 0.64"),
        (
            chatbot,
            "2026-09",
            "deployed",
            60,
            "Aurora Cloud AI, model aurora-chat-2 with our prompt v7",
            "Deflection 41%",
        ),
        (fraud, "5.4.2", "deployed", 200, "mlflow://models/fraud/31", "Recall@1%FPR 0.72"),
    ]:
        inventory.model_version_create(
            actor=actor,
            ai_system=system,
            version=version,
            status=status,
            released_on=today - dt.timedelta(days=days),
            source=source,
            metrics_summary=metrics,
            training_data="See linked datasets.",
        )
    # EU AI Act classifications, as the compliance officer answered the questionnaire.
    from openaims.inventory.classification import ai_system_classify

    both = ["provider", "deployer"]
    for system, answers in [
        (credit, {"roles": both, "a3_5b_creditworthiness": True, "profiling": True}),
        (cv, {"roles": both, "a3_4a_recruitment": True, "profiling": True, "deployer_workplace": True}),
        (chatbot, {"roles": both, "t50_1_interacts_with_people": True, "t50_2_synthetic_content": True}),
        (fraud, {"roles": both}),  # fraud detection is carved out of Annex III point 5(b)
    ]:
        ai_system_classify(actor=actor, ai_system=system, answers=answers)
