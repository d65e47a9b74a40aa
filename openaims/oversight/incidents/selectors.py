"""Reads of incidents, notification duties and concerns, shared by UI, API, the dashboard and the readiness rule."""

from __future__ import annotations

import hmac
import re

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from openaims.accounts.models import Organization
from openaims.base.context import Actor
from openaims.base.prefetch import ids_only
from openaims.base.selectors import filter_getter, scoped
from openaims.inventory.choices import LifecycleStage
from openaims.inventory.models import AISystem
from openaims.oversight.incidents.choices import UNTRIAGED_STATUSES
from openaims.oversight.incidents.models import (
    Concern,
    Incident,
    IncidentTimelineEntry,
    NotificationDuty,
)
from openaims.oversight.incidents.services import follow_up_hash, require_triage

_INCIDENT_REFERENCE = re.compile(r"^\s*INC-?0*(\d{1,9})\s*$", re.IGNORECASE)
_CONCERN_REFERENCE = re.compile(r"^\s*CON-?0*(\d{1,9})\s*$", re.IGNORECASE)


def duty_overdue_q(prefix: str = "") -> Q:
    """Not sent and past its deadline."""
    return Q(**{f"{prefix}sent_at__isnull": True, f"{prefix}deadline__lt": timezone.now()})


def overdue_duties_of(organization: Organization) -> QuerySet[NotificationDuty]:
    return (
        NotificationDuty.objects.filter(organization=organization)
        .filter(duty_overdue_q())
        .select_related("incident")
        .order_by("deadline")
    )


def _with_overdue(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    overdue = NotificationDuty.objects.filter(incident=OuterRef("pk")).filter(duty_overdue_q())
    return qs.annotate(has_overdue_duty=Exists(overdue))


def incidents(actor: Actor) -> QuerySet[Incident]:
    return _with_overdue(scoped(Incident, actor).select_related("ai_system"))


def api_incidents(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    return _with_overdue(qs).prefetch_related(*ids_only(Incident, "nonconformities"))


def filter_incidents(qs: QuerySet[Incident], filters) -> QuerySet[Incident]:
    """Search and filters; the same names in UI and API. ``q`` also finds a reference (INC-0007)."""
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        condition = Q(title__icontains=q) | Q(description__icontains=q)
        if match := _INCIDENT_REFERENCE.match(q):
            condition |= Q(number=int(match.group(1)))
        qs = qs.filter(condition)
    for name in ("status", "severity", "ai_system_id", "serious"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    overdue = get("overdue_notification")
    if overdue is True:
        qs = qs.filter(has_overdue_duty=True)
    elif overdue is False:
        qs = qs.filter(has_overdue_duty=False)
    return qs


def timeline_entries(actor: Actor) -> QuerySet[IncidentTimelineEntry]:
    return scoped(IncidentTimelineEntry, actor).select_related("incident")


def notification_duties(actor: Actor) -> QuerySet[NotificationDuty]:
    return scoped(NotificationDuty, actor).select_related("incident")


def filter_notification_duties(qs: QuerySet[NotificationDuty], filters) -> QuerySet[NotificationDuty]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(recipient__icontains=q) | Q(legal_basis__icontains=q) | Q(incident__title__icontains=q))
    for name in ("incident_id", "rule"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    sent = get("sent")
    if sent is True:
        qs = qs.filter(sent_at__isnull=False)
    elif sent is False:
        qs = qs.filter(sent_at__isnull=True)
    overdue = get("overdue")
    if overdue is True:
        qs = qs.filter(duty_overdue_q())
    elif overdue is False:
        qs = qs.exclude(duty_overdue_q())
    return qs


def concerns(actor: Actor) -> QuerySet[Concern]:
    """The organization's concerns, for its triage role only."""
    require_triage(actor)
    return Concern.objects.filter(organization=actor.organization).select_related("ai_system")


def api_concerns(qs: QuerySet[Concern]) -> QuerySet[Concern]:
    return qs.prefetch_related("replies")


def filter_concerns(qs: QuerySet[Concern], filters) -> QuerySet[Concern]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        condition = Q(description__icontains=q)
        if match := _CONCERN_REFERENCE.match(q):
            condition |= Q(number=int(match.group(1)))
        qs = qs.filter(condition)
    for name in ("status", "ai_system_id"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    return qs


def untriaged_concerns_of(organization: Organization) -> QuerySet[Concern]:
    return Concern.objects.filter(organization=organization, status__in=UNTRIAGED_STATUSES).order_by("number")


def reportable_systems(organization: Organization) -> QuerySet[AISystem]:
    """The AI systems a member of the public may name in a concern: those on the organization's public trust page
    (published) that are in scope and not retired. An unpublished system (an idea, an internal tool) stays unknown
    to the public."""
    from openaims.oversight.transparency.selectors import published_systems

    return published_systems(organization).filter(in_scope=True).exclude(lifecycle_stage=LifecycleStage.RETIRED)


def concern_by_code(organization: Organization, code: str) -> Concern | None:
    """The concern whose follow-up code is ``code``, or None. The stored hash is compared in constant time."""
    if not code or len(code) > 200:
        return None
    digest = follow_up_hash(code)
    found = Concern.objects.filter(organization=organization, follow_up_hash=digest).first()
    if found is None or not hmac.compare_digest(found.follow_up_hash, digest):
        return None
    return found


def dashboard_items(actor: Actor) -> dict:
    """What the dashboard's incidents card lists: overdue notifications; untriaged concerns for triage roles."""
    from openaims.oversight.incidents.services import can_triage

    organization = actor.organization
    triage = can_triage(actor)
    return {
        "overdue_notifications": list(overdue_duties_of(organization)[:10]),
        "untriaged_concerns": list(untriaged_concerns_of(organization)[:10]) if triage else [],
        "untriaged_concern_count": untriaged_concerns_of(organization).count() if triage else 0,
    }
