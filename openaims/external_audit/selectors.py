"""Reads of the external audit, shared by UI, API and CLI (scoped to the organization and a guest's AI systems)."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.utils import timezone

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.selectors import filter_getter, scoped
from openaims.external_audit.choices import FINAL, InvitationStatus
from openaims.external_audit.models import EvidenceRequest, EvidenceRequestComment, GuestInvitation

REFERENCE = re.compile(r"^\s*ER-?0*(\d{1,9})\s*$", re.IGNORECASE)


def guest_invitations(actor: Actor) -> QuerySet[GuestInvitation]:
    """The organization's invitations: for those who manage members (e-mails of guests are not for everyone)."""
    actor.require(Permission.MANAGE_MEMBERS)
    return scoped(GuestInvitation, actor).prefetch_related("scope_systems")


def invitation_status_q(status: str) -> Q:
    now = timezone.now()
    return {
        InvitationStatus.REVOKED: Q(revoked_at__isnull=False),
        InvitationStatus.LAPSED: Q(revoked_at__isnull=True, expires_at__lte=now),
        InvitationStatus.ACTIVE: Q(revoked_at__isnull=True, expires_at__gt=now, accepted_at__isnull=False),
        InvitationStatus.PENDING: Q(revoked_at__isnull=True, expires_at__gt=now, accepted_at__isnull=True),
    }[status]


def filter_guest_invitations(qs: QuerySet[GuestInvitation], filters) -> QuerySet[GuestInvitation]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(firm__icontains=q))
    if status := get("status"):
        qs = qs.filter(invitation_status_q(status))
    return qs


def overdue_q() -> Q:
    """Past the due date, neither accepted nor withdrawn."""
    return Q(due_date__lt=timezone.localdate()) & ~Q(status__in=FINAL)


def evidence_requests(actor: Actor) -> QuerySet[EvidenceRequest]:
    return scoped(EvidenceRequest, actor).select_related("ai_system", "owner", "requested_by")


def api_evidence_requests(qs: QuerySet[EvidenceRequest]) -> QuerySet[EvidenceRequest]:
    return qs.prefetch_related("evidence")


def filter_evidence_requests(qs: QuerySet[EvidenceRequest], filters) -> QuerySet[EvidenceRequest]:
    """Search and filters; the same names in UI, API and CLI. ``q`` also finds a reference (ER-0003)."""
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        condition = Q(title__icontains=q)
        if match := REFERENCE.match(q):
            condition |= Q(number=int(match.group(1)))
        qs = qs.filter(condition)
    for name in ("status", "owner_id", "ai_system_id", "clause_id", "control_id"):
        value = get(name)
        if name in ("owner_id", "ai_system_id") and hasattr(value, "pk"):
            value = value.pk
        if value not in (None, ""):
            qs = qs.filter(**{name: value})
    overdue = get("overdue")
    if overdue is True:
        qs = qs.filter(overdue_q())
    elif overdue is False:
        qs = qs.exclude(overdue_q())
    return qs


def comments(request: EvidenceRequest) -> QuerySet[EvidenceRequestComment]:
    return EvidenceRequestComment.objects.filter(request=request).select_related("author").order_by("created_at")
