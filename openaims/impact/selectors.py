"""Reads of impact assessments and harms, shared by UI, API, exports and the readiness rules."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from openaims.base.context import Actor
from openaims.base.selectors import filter_getter, scoped
from openaims.impact.choices import STANDING_STATUSES, AssessmentStatus
from openaims.impact.models import Harm, ImpactAssessment


def impact_assessments(actor: Actor) -> QuerySet[ImpactAssessment]:
    return scoped(ImpactAssessment, actor).select_related("ai_system", "author", "approved_by")


def blocked_q() -> Q:
    """Standing assessments that no longer count: stale, due, or past their review date."""
    return Q(status__in=STANDING_STATUSES) & (
        Q(stale=True) | Q(status=AssessmentStatus.DUE) | Q(next_review_date__lt=timezone.localdate())
    )


def filter_impact_assessments(qs: QuerySet[ImpactAssessment], filters) -> QuerySet[ImpactAssessment]:
    """Filters of the list (UI and API): ``q``, ``ai_system_id``, ``template_id``, ``status``, ``stale``, ``due``."""
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(title__icontains=q) | Q(ai_system__name__icontains=q) | Q(conclusion__icontains=q))
    for name in ("ai_system_id", "template_id", "status"):
        value = get(name)
        if value not in (None, ""):
            qs = qs.filter(**{name: value})
    stale = get("stale")
    if stale is not None:
        qs = qs.filter(stale=stale)
    due = get("due")
    if due is not None:
        qs = qs.filter(blocked_q()) if due else qs.exclude(blocked_q())
    return qs


def harms(actor: Actor) -> QuerySet[Harm]:
    return scoped(Harm, actor).select_related("assessment__ai_system", "linked_risk")


def filter_harms(qs: QuerySet[Harm], filters) -> QuerySet[Harm]:
    """Filters: ``q``, ``assessment_id``, ``ai_system_id``, ``min_severity``, ``linked`` (to a risk)."""
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(description__icontains=q) | Q(affected_groups__icontains=q) | Q(mitigations__icontains=q))
    if value := get("assessment_id"):
        qs = qs.filter(assessment_id=value)
    if value := get("ai_system_id"):
        qs = qs.filter(assessment__ai_system_id=value)
    if value := get("min_severity"):
        qs = qs.filter(severity__gte=value)
    linked = get("linked")
    if linked is not None:
        qs = qs.filter(linked_risk__isnull=not linked)
    return qs


def assessment_harms(assessment: ImpactAssessment) -> QuerySet[Harm]:
    return assessment.harms.select_related("linked_risk").order_by("-severity", "-likelihood", "created_at")
