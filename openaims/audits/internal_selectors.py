"""Reads of the internal audit and the improvement register, shared by UI, API, CLI and the readiness rules."""

from __future__ import annotations

import re
from collections import OrderedDict

from django.db.models import Q, QuerySet
from django.utils import timezone

from openaims.audits.choices import InternalAuditStatus
from openaims.audits.models import AuditChecklistItem, AuditProgramme, Improvement, InternalAudit
from openaims.base.context import Actor
from openaims.base.selectors import filter_getter, scoped

REFERENCE = re.compile(r"^\s*IA-?0*(\d{1,9})\s*$", re.IGNORECASE)


def audit_due_q() -> Q:
    """Planned, and its planned start has passed."""
    return Q(status=InternalAuditStatus.PLANNED, planned_start__lt=timezone.localdate())


def audit_programmes(actor: Actor) -> QuerySet[AuditProgramme]:
    return scoped(AuditProgramme, actor)


def filter_audit_programmes(qs: QuerySet[AuditProgramme], filters) -> QuerySet[AuditProgramme]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(objectives__icontains=q))
    if frequency := get("frequency"):
        qs = qs.filter(frequency=frequency)
    return qs


def internal_audits(actor: Actor) -> QuerySet[InternalAudit]:
    return scoped(InternalAudit, actor).select_related("programme", "lead_auditor")


def api_internal_audits(qs: QuerySet[InternalAudit]) -> QuerySet[InternalAudit]:
    return qs.select_related("programme").prefetch_related("ai_systems", "team", "sampled_systems")


def filter_internal_audits(qs: QuerySet[InternalAudit], filters) -> QuerySet[InternalAudit]:
    """Search and filters; the same names in UI, API and CLI. ``q`` also finds a reference (IA-0003)."""
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        condition = Q(title__icontains=q)
        if match := REFERENCE.match(q):
            condition |= Q(number=int(match.group(1)))
        qs = qs.filter(condition)
    for name in ("status", "programme_id", "lead_auditor_id"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    due = get("due")
    if due is True:
        qs = qs.filter(audit_due_q())
    elif due is False:
        qs = qs.exclude(audit_due_q())
    return qs


def audits_by_month(qs: QuerySet[InternalAudit]) -> OrderedDict[str, list[InternalAudit]]:
    """``{"2026-03": [audits starting that month]}``, earliest month first: the audit calendar."""
    months: OrderedDict[str, list[InternalAudit]] = OrderedDict()
    for audit in qs.order_by("planned_start", "number"):
        months.setdefault(f"{audit.planned_start:%Y-%m}", []).append(audit)
    return months


def checklist(audit: InternalAudit) -> QuerySet[AuditChecklistItem]:
    return (
        AuditChecklistItem.objects.filter(audit=audit)
        .select_related("ai_system", "nonconformity", "improvement", "audit")
        .prefetch_related("evidence")
        .order_by("position")
    )


def improvements(actor: Actor) -> QuerySet[Improvement]:
    return scoped(Improvement, actor).select_related("owner")


def filter_improvements(qs: QuerySet[Improvement], filters) -> QuerySet[Improvement]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    for name in ("status", "source", "owner_id"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    return qs
