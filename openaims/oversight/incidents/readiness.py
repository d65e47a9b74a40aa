"""Annex A controls that incident and concern records decide: ``RULES[control id](organization) -> Derived``.

A.8.4 (communication of incidents): no notification duty is past its deadline unsent, and none was sent late.
A.3.3 (reporting of concerns): every concern was looked at (none left as received for more than ``TRIAGE_DAYS``).
With no incident (or no concern) recorded, the process is not shown by records: partial.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import F
from django.utils import timezone

from openaims.accounts.models import Organization
from openaims.governance.readiness import Derived
from openaims.oversight.incidents.models import Concern, Incident, NotificationDuty
from openaims.oversight.incidents.selectors import overdue_duties_of, untriaged_concerns_of

#: A concern left unanswered longer than this shows the reporting channel is not worked.
TRIAGE_DAYS = 14


def _refs(references: list[str], total: int, limit: int = 3) -> str:
    shown = ", ".join(references[:limit])
    return shown + (f" and {total - limit} more" if total > limit else "")


def incident_communication_rule(organization: Organization) -> Derived:
    """A.8.4: every notification duty sent by its deadline."""
    url = "incidents-list"
    if not Incident.objects.filter(organization=organization).exists():
        return Derived("partial", "No incident recorded yet: no record shows incidents being communicated.", url)
    overdue = overdue_duties_of(organization)
    if overdue.exists():
        refs = sorted({d.incident.reference for d in overdue[:50]})
        return Derived("not_met", f"Notifications past their deadline, not sent: {_refs(refs, len(refs))}.", url)
    late = (
        NotificationDuty.objects.filter(organization=organization, sent_at__gt=F("deadline"))
        .select_related("incident")
        .order_by("deadline")
    )
    if late.exists():
        refs = sorted({d.incident.reference for d in late[:50]})
        return Derived("partial", f"Notifications sent after their deadline: {_refs(refs, len(refs))}.", url)
    duties = NotificationDuty.objects.filter(organization=organization)
    sent = duties.filter(sent_at__isnull=False).count()
    return Derived("met", f"{duties.count()} notification duties, {sent} sent, none late or overdue.", url)


def concern_rule(organization: Organization) -> Derived:
    """A.3.3: concerns are received and looked at in time."""
    url = "concerns-list"
    if not Concern.objects.filter(organization=organization).exists():
        return Derived("partial", "No concern received yet: publish the concern form's address.", url)
    waiting = untriaged_concerns_of(organization).filter(created_at__lt=timezone.now() - dt.timedelta(days=TRIAGE_DAYS))
    if waiting.exists():
        refs = [c.reference for c in waiting[:50]]
        return Derived("partial", f"Concerns not triaged within {TRIAGE_DAYS} days: {_refs(refs, len(refs))}.", url)
    return Derived("met", "Every concern was triaged in time.", url)


RULES: dict[str, Callable[[Organization], Derived]] = {
    "A.3.3": concern_rule,
    "A.8.4": incident_communication_rule,
}
