"""The demo's internal audit and management review: an audit programme and one audit reported with findings (a
conformity, an opportunity for improvement that goes into the improvement register, a minor nonconformity), and a
management review held today with decisions and actions (one done, one open), its minutes issued; then the next
review planned a year on. Everything goes through the services, so the trail holds every step."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.audits import internal_services as audits
from openaims.audits.choices import AuditFinding, ImprovementStatus
from openaims.audits.internal_selectors import checklist
from openaims.management_review import services
from openaims.management_review.models import add_months

#: The finding the demo's auditor records on each checklist line, by requirement id.
FINDINGS = {
    "9.2.1": (AuditFinding.CONFORMITY, "Audits follow the programme; last year's audit reported on time."),
    "9.2.2": (
        AuditFinding.OPPORTUNITY,
        "Audit checklists are built by hand each time; generating them from the scope would save a day per audit.",
    ),
    "10.2": (
        AuditFinding.MINOR_NONCONFORMITY,
        "Two corrective actions were closed without recording how their effectiveness was checked.",
    ),
}


def _audit(actor, members) -> None:
    today = timezone.localdate()
    programme = audits.audit_programme_create(
        actor=actor,
        name="AIMS internal audit programme",
        objectives="Check every year that the AIMS conforms to ISO/IEC 42001 and our AI policy, and works.",
        frequency="annual",
        methods="Interviews, sampling of records, observation of the review queue.",
        responsibilities="The compliance lead plans; the internal auditor audits; the board receives the report.",
        criteria="ISO/IEC 42001 clauses 4-10 and the AI policy.",
    )
    audit = audits.internal_audit_create(
        actor=actor,
        title="Audit of performance evaluation and improvement",
        programme=programme,
        clause_ids=["9.2", "10.2"],
        lead_auditor=members[Role.AUDITOR],
        planned_start=today - dt.timedelta(days=14),
        planned_end=today - dt.timedelta(days=10),
    )
    audits.internal_audit_start(actor=actor, internal_audit=audit)
    audits.internal_audit_generate_checklist(actor=actor, audit=audit)
    for line in checklist(audit):
        finding, notes = FINDINGS.get(line.reference, (AuditFinding.CONFORMITY, "Conforms."))
        audits.audit_checklist_item_record_finding(actor=actor, item=line, finding=finding, notes=notes)
    audits.internal_audit_report(
        actor=actor,
        internal_audit=audit,
        summary="The audit process conforms; one minor nonconformity on verifying corrective actions; one "
        "opportunity to generate checklists from the audit scope.",
    )
    for line in checklist(audit):
        if line.improvement is not None:
            audits.improvement_update(
                actor=actor, improvement=line.improvement, owner=members[Role.MANAGER], status=ImprovementStatus.PLANNED
            )


def load_demo_management_review(actor, members) -> None:
    """An internal audit reported with findings, one held management review with its minutes, the next planned."""
    _audit(actor, members)
    today = timezone.localdate()
    top_management = [members[Role.OWNER], members[Role.MANAGER]]
    review = services.management_review_create(
        actor=actor,
        title="Annual management review",
        planned_for=today,
        interval_months=12,
        chair=members[Role.OWNER],
        attendees=top_management,
        other_attendees="Head of risk (guest); external ISO adviser",
    )
    review = services.management_review_hold(actor=actor, management_review=review)
    improve = services.review_decision_create(
        actor=actor,
        review=review,
        category="improvement",
        text="Generate internal audit checklists from the audit scope (from the internal audit's opportunity).",
    )
    services.review_decision_create(
        actor=actor,
        review=review,
        category="resource_need",
        text="Fund a second fairness reviewer for the credit and hiring systems.",
    )
    services.review_decision_create(
        actor=actor,
        review=review,
        category="aims_change",
        text="Record how each corrective action's effectiveness was checked before closing it.",
    )
    done = services.review_action_create(
        actor=actor,
        review=review,
        decision=improve,
        title="Brief the audit team on generated checklists",
        owner=members[Role.MANAGER],
        due_date=today + dt.timedelta(days=14),
    )
    services.review_action_create(
        actor=actor,
        review=review,
        title="Recruit a second fairness reviewer",
        owner=members[Role.MANAGER],
        due_date=today + dt.timedelta(days=90),
    )
    services.management_review_update(
        actor=actor,
        management_review=review,
        summary="The AIMS remains suitable and effective. Monitoring breaches are handled through nonconformities; "
        "oversight needs a second reviewer; corrective actions must record how effectiveness is verified.",
    )
    services.management_review_issue_minutes(actor=actor, management_review=review)
    services.review_action_close(
        actor=actor, review_action=done, note="Audit team briefed; the next audit uses the generated checklist."
    )
    services.management_review_create(
        actor=actor,
        title="Annual management review (next)",
        planned_for=add_months(today, 12),
        interval_months=12,
        chair=members[Role.OWNER],
        attendees=top_management,
    )
