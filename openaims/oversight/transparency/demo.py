"""Transparency of the demo organization: card settings of the live systems, the credit scoring and support assistant
cards on the trust page with some sections public, two reporting obligations and one record of what was sent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.governance.models import InterestedParty
from openaims.governance.services import interested_party_create
from openaims.inventory.models import AISystem
from openaims.oversight.transparency import services

CARD_SETTINGS = {
    "Retail credit scoring": {
        "limitations": (
            "Less reliable for applicants with a short credit history (under 12 months) and for self-employed "
            "income, which the training data holds few examples of."
        ),
        "foreseeable_misuse": (
            "Using the score alone to refuse an application, or to price products it was not validated for."
        ),
        "contact": "ai-governance@northwind.example",
    },
    "Customer support assistant": {
        "limitations": "May give outdated product details; it does not see the customer's account.",
        "foreseeable_misuse": "Asking it for financial advice or to decide a complaint.",
        "contact": "support-ai@northwind.example",
    },
}
PUBLIC_SECTIONS = ["purpose", "limitations", "results", "oversight", "eu_ai_act", "contact"]
#: The support assistant is on the trust page too (customers raise concerns about it), with fewer sections.
ASSISTANT_SECTIONS = ["purpose", "limitations", "oversight", "contact"]


def load_demo_transparency(actor, members) -> None:
    """Card settings, two published systems, two reporting obligations (one sent once)."""
    systems = {s.name: s for s in AISystem.objects.filter(organization=actor.organization)}
    for name, fields in CARD_SETTINGS.items():
        if name in systems:
            services.card_settings_update(actor=actor, ai_system=systems[name], **fields)
    assistant = systems.get("Customer support assistant")
    if assistant is not None:
        services.publication_publish(actor=actor, ai_system=assistant, public_sections=ASSISTANT_SECTIONS)
    credit = systems.get("Retail credit scoring")
    if credit is None:
        return
    services.publication_publish(actor=actor, ai_system=credit, public_sections=PUBLIC_SECTIONS)
    regulator = InterestedParty.objects.filter(organization=actor.organization, kind="regulator").first()
    if regulator is None:
        regulator = interested_party_create(
            actor=actor,
            name="Financial conduct supervisor",
            kind="regulator",
            needs_and_expectations="Fair treatment of credit applicants; regular evidence that the scoring is fair.",
            compliance_obligation=True,
        )
    today = timezone.localdate()
    quarterly = services.reporting_obligation_create(
        actor=actor,
        ai_system=credit,
        title="Fairness and performance report",
        description="Selection rates by age band and sex with their intervals, overrides by underwriters.",
        interested_party=regulator,
        frequency="quarterly",
        first_due_date=today - dt.timedelta(days=80),
        owner=members[Role.MANAGER],
    )
    services.reporting_record_create(
        actor=actor,
        obligation=quarterly,
        sent_on=today - dt.timedelta(days=78),
        summary="Quarterly report sent through the supervisor's portal; acknowledged the same day.",
    )
    services.reporting_obligation_create(
        actor=actor,
        ai_system=credit,
        title="Notice of a significant model change",
        description="Tell the credit risk committee before a new model version is deployed.",
        recipient="Credit risk committee",
        frequency="event",
        owner=members[Role.MANAGER],
    )
