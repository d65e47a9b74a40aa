"""Demo incidents and concerns: a serious incident of the high-risk credit scorer with its notification duties, a
contained minor incident of the support assistant with its nonconformity, and two concerns (one answered)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.accounts.selectors import actor_for
from openaims.inventory.models import AISystem
from openaims.oversight.incidents import services
from openaims.oversight.incidents.choices import ConcernStatus, IncidentSeverity, IncidentStatus, SeriousCategory
from openaims.oversight.incidents.models import Incident


def load_demo_incidents(actor, members) -> int:
    """Load the demo's incidents and concerns through the services; returns the number of incidents made."""
    organization = actor.organization
    if Incident.objects.filter(organization=organization).exists():
        return 0
    systems = {s.name: s for s in AISystem.objects.filter(organization=organization)}
    credit = systems.get("Retail credit scoring")
    chatbot = systems.get("Customer support assistant")
    manager = actor_for(members[Role.MANAGER], organization) if Role.MANAGER in members else actor
    now = timezone.now()

    serious = services.incident_create(
        actor=manager,
        title="Applicants from two postcodes refused regardless of income",
        ai_system=credit,
        severity=IncidentSeverity.HIGH,
        description="After the model release of last week, every applicant from two rural postcodes was refused. "
        "The postcode feature had been re-encoded upstream and the model read it as a strong risk signal.",
        serious_categories=[SeriousCategory.FUNDAMENTAL_RIGHTS],
        affected_count=214,
        affected_description="Retail loan applicants from postcodes 4711 and 4712.",
        occurred_at=now - dt.timedelta(days=6),
        detected_at=now - dt.timedelta(days=5),
    )
    services.incident_timeline_entry_create(
        actor=manager,
        incident=serious,
        what="Manual review of all refusals from the two postcodes started; automated refusals paused there.",
        at=now - dt.timedelta(days=5, hours=-2),
    )
    services.incident_update(
        actor=manager,
        incident=serious,
        status=IncidentStatus.CONTAINED,
        containment="Automated refusals paused for the two postcodes; every refusal since the release re-reviewed.",
    )
    for duty in serious.duties.all():
        services.notification_duty_mark_sent(
            actor=manager, notification_duty=duty, sent_at=now - dt.timedelta(days=1), reference="MSA-2026-0142"
        )
    services.notification_duty_create(
        actor=manager,
        incident=serious,
        recipient="Affected applicants",
        legal_basis="Lending policy: a wrong automated refusal is reversed and explained",
        deadline=now + dt.timedelta(days=7),
        notes="Letter offering a new decision by a person.",
    )
    services.incident_open_nonconformity(actor=manager, incident=serious)

    minor = services.incident_create(
        actor=manager,
        title="Assistant quoted an outdated overdraft fee",
        ai_system=chatbot,
        severity=IncidentSeverity.LOW,
        description="The support assistant quoted last year's overdraft fee to customers for two days.",
        affected_count=37,
        affected_description="Customers who asked about overdraft fees.",
        occurred_at=now - dt.timedelta(days=20),
        detected_at=now - dt.timedelta(days=18),
        status=IncidentStatus.CONTAINED,
        containment="The fee table in the retrieval index was replaced; affected chats were answered again.",
    )
    services.incident_open_nonconformity(actor=manager, incident=minor)

    answered, _code = services.concern_report(
        organization=organization,
        ai_system=credit,
        description="My loan was refused in seconds although my income is well above what you ask. I live in a "
        "small village; my neighbours were refused too.",
    )
    services.concern_reply_create(
        actor=manager,
        concern=answered,
        text="Thank you. We found an error affecting applications from your area; a person is reviewing your "
        "application again and we will write to you within a week.",
    )
    services.concern_triage(actor=manager, concern=answered, status=ConcernStatus.ACTION_TAKEN, incident=serious)
    services.concern_report(
        organization=organization,
        ai_system=chatbot,
        description="The chat assistant would not let me reach a person when I asked for one.",
        contact="",
    )
    return 2
