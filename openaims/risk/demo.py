"""Risks of the demo organization (Northwind Lending), written through the risk services.

Called by ``openaims.demo.load_demo`` after the inventory; does nothing when the organization has risks already.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.accounts.selectors import actor_for
from openaims.controls.models import SoAEntry
from openaims.controls.services import soa_ensure_entries, soa_entry_update
from openaims.inventory.models import AISystem
from openaims.risk import services
from openaims.risk.models import Risk

METHODOLOGY = (
    "Each AI system's risks are identified in a workshop with its owner, the risk manager and a data scientist, "
    "using the impact assessment and the Annex C risk sources; rated on the 5×5 matrix before (inherent) and "
    "after (residual) treatment; reviewed at least yearly and after every significant change of the system."
)


def load_demo_risks(actor, members) -> int:
    """Criteria, five risks across the demo's AI systems, treatment actions, two acceptances; returns the count."""
    if Risk.objects.filter(organization=actor.organization).exists():
        return 0
    soa_ensure_entries(actor=actor)
    today = timezone.localdate()
    systems = {s.name: s for s in AISystem.objects.filter(organization=actor.organization)}
    controls = {e.control_id: e for e in SoAEntry.objects.filter(organization=actor.organization)}
    manager, contributor = members[Role.MANAGER], members[Role.CONTRIBUTOR]
    services.risk_criteria_update(actor=actor, methodology=METHODOLOGY, review_interval_days=365)

    def system(prefix: str) -> list:
        return [s for name, s in systems.items() if name.startswith(prefix)]

    credit = services.risk_create(
        actor=actor,
        title="Credit scores disadvantage younger and migrant applicants",
        description="Thin credit files of younger and recently arrived applicants lower their scores.",
        ai_systems=system("Retail credit"),
        risk_source="C.3.4",
        affected_objectives=["C.2.5", "C.2.11"],
        consequences="Unjustified refusals or worse terms for protected groups; discrimination complaints, fines.",
        likelihood=4,
        consequence=4,
        owner=manager,
        treatment_option="modify",
        treatment_plan="Reweigh training data, monitor approval-rate parity monthly, add a human review band.",
        controls=[controls["A.6.2.4"], controls["A.7.4"], controls["A.6.2.6"]],
        residual_likelihood=2,
        residual_consequence=4,
        review_date=today + dt.timedelta(days=180),
        status="treating",
    )
    for description, days, status in [
        ("Reweigh the 2019–2024 training data by age band and nationality group", -20, "done"),
        ("Monthly demographic-parity monitor on approvals, alert above a 5-point gap", 45, "open"),
    ]:
        services.risk_action_create(
            actor=actor,
            risk=credit,
            description=description,
            owner=manager,
            due_date=today + dt.timedelta(days=days),
            status=status,
        )
    chatbot = services.risk_create(
        actor=actor,
        title="Assistant states wrong fees or rights",
        description="The general-purpose language model invents fees, deadlines or rights that do not exist.",
        ai_systems=system("Customer support"),
        risk_source="C.3.7",
        affected_objectives=["C.2.11", "C.2.1"],
        consequences="Customers act on wrong information; complaints, redress, conduct-risk findings.",
        likelihood=4,
        consequence=3,
        owner=contributor,
        treatment_option="modify",
        treatment_plan="Answers from the product catalogue only (retrieval), disclaimers, hand-over on fees.",
        controls=[controls["A.8.2"], controls["A.10.3"]],
        residual_likelihood=2,
        residual_consequence=3,
        review_date=today + dt.timedelta(days=90),
        status="treating",
    )
    services.risk_accept(
        actor=actor_for(contributor, actor.organization),
        risk=chatbot,
        rationale="Residual medium risk within appetite: retrieval-only answers and hand-over cover fee questions.",
    )
    services.risk_create(
        actor=actor,
        title="CV ranker learns gender from proxies",
        description="Career gaps and hobbies act as proxies for gender in the ranking.",
        ai_systems=system("CV"),
        risk_source="Historic hiring decisions used as labels",
        affected_objectives=["C.2.5", "C.2.7"],
        consequences="Qualified candidates never reach a recruiter; discrimination in hiring (EU AI Act high-risk).",
        likelihood=3,
        consequence=5,
        owner=manager,
        review_date=today + dt.timedelta(days=60),
        status="assessed",
    )
    services.risk_create(
        actor=actor,
        title="Fraud model drifts with new payment methods",
        description="Instant payments and wallets change transaction patterns the model was trained on.",
        ai_systems=system("Card fraud"),
        risk_source="C.3.1",
        affected_objectives=["C.2.8"],
        consequences="Missed fraud (losses) or more false blocks (customers locked out).",
        likelihood=3,
        consequence=3,
        owner=manager,
        treatment_option="modify",
        controls=[controls["A.6.2.6"]],
        review_date=today - dt.timedelta(days=30),
        status="treating",
    )
    outage = services.risk_create(
        actor=actor,
        title="Language model supplier outage",
        ai_systems=system("Customer support"),
        risk_source="C.3.5",
        affected_objectives=["C.2.6"],
        consequences="Chat falls back to agents; longer waiting times.",
        likelihood=2,
        consequence=2,
        owner=contributor,
        treatment_option="retain",
        status="assessed",
    )
    services.risk_accept(actor=actor, risk=outage, rationale="Agents cover chat; contract has a 99.5% SLA.")
    # The supplier control is excluded while it treats a high risk: the SoA and the risk page flag it.
    soa_entry_update(
        actor=actor,
        soa_entry=controls["A.10.3"],
        applicable=False,
        justification="Draft decision: supplier controls handled by procurement outside the AIMS.",
    )
    return Risk.objects.filter(organization=actor.organization).count()
