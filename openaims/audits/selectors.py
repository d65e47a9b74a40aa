"""Reads of nonconformities and corrective actions, shared by UI, API, CLI and the readiness rule."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.utils import timezone

from openaims.audits.choices import CLOSED_STATUSES, ActionStatus
from openaims.audits.models import CorrectiveAction, Nonconformity
from openaims.base.context import Actor
from openaims.base.selectors import filter_getter, scoped

_REFERENCE = re.compile(r"^\s*NC-?0*(\d{1,9})\s*$", re.IGNORECASE)


def nonconformity_overdue_q() -> Q:
    """Not closed and past its due date."""
    return Q(due_date__lt=timezone.localdate()) & ~Q(status__in=CLOSED_STATUSES)


def action_overdue_q() -> Q:
    return Q(due_date__lt=timezone.localdate()) & ~Q(status=ActionStatus.DONE)


def nonconformities(actor: Actor) -> QuerySet[Nonconformity]:
    return scoped(Nonconformity, actor).select_related("ai_system", "owner", "monitor")


def api_nonconformities(qs: QuerySet[Nonconformity]) -> QuerySet[Nonconformity]:
    return qs.select_related("owner").prefetch_related("evidence", "verification_evidence", "follow_ups")


def filter_nonconformities(qs: QuerySet[Nonconformity], filters) -> QuerySet[Nonconformity]:
    """Search and filters; the same names in UI, API and CLI. ``q`` also finds a reference (NC-0007)."""
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        condition = Q(title__icontains=q) | Q(description__icontains=q)
        if match := _REFERENCE.match(q):
            condition |= Q(number=int(match.group(1)))
        qs = qs.filter(condition)
    for name in ("status", "source", "severity", "owner_id", "ai_system_id", "monitor_id"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    closed = get("closed")
    if closed is True:
        qs = qs.filter(status__in=CLOSED_STATUSES)
    elif closed is False:
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    overdue = get("overdue")
    if overdue is True:
        qs = qs.filter(nonconformity_overdue_q())
    elif overdue is False:
        qs = qs.exclude(nonconformity_overdue_q())
    return qs


def corrective_actions(actor: Actor) -> QuerySet[CorrectiveAction]:
    return scoped(CorrectiveAction, actor).select_related("nonconformity", "owner")


def filter_corrective_actions(qs: QuerySet[CorrectiveAction], filters) -> QuerySet[CorrectiveAction]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(description__icontains=q) | Q(root_cause__icontains=q) | Q(nonconformity__title__icontains=q))
    for name in ("status", "owner_id", "nonconformity_id"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    overdue = get("overdue")
    if overdue is True:
        qs = qs.filter(action_overdue_q())
    elif overdue is False:
        qs = qs.exclude(action_overdue_q())
    return qs


def open_for_monitor(monitor) -> QuerySet[Nonconformity]:
    """The nonconformities of a monitor not closed yet (for the monitoring pages)."""
    return Nonconformity.objects.filter(monitor=monitor).exclude(status__in=CLOSED_STATUSES).order_by("-number")


def open_for_system(ai_system) -> QuerySet[Nonconformity]:
    """The nonconformities of an AI system not closed yet (for the system's pages)."""
    return Nonconformity.objects.filter(ai_system=ai_system).exclude(status__in=CLOSED_STATUSES).order_by("-number")
