"""Reads of management reviews, their decisions and actions: shared by UI, API, CLI and the readiness rules."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.utils import timezone

from openaims.base.context import Actor
from openaims.base.selectors import filter_getter, scoped
from openaims.management_review.choices import ManagementReviewStatus, ReviewActionStatus
from openaims.management_review.models import ManagementReview, ReviewAction, ReviewDecision

REFERENCE = re.compile(r"^\s*MR-?0*(\d{1,9})\s*$", re.IGNORECASE)


def review_overdue_q() -> Q:
    """Planned, and its planned date has passed."""
    return Q(status=ManagementReviewStatus.PLANNED, planned_for__lt=timezone.localdate())


def action_overdue_q() -> Q:
    """Open, and its due date has passed."""
    return Q(status=ReviewActionStatus.OPEN, due_date__lt=timezone.localdate())


def management_reviews(actor: Actor) -> QuerySet[ManagementReview]:
    return scoped(ManagementReview, actor).select_related("chair", "issued_by")


def api_management_reviews(qs: QuerySet[ManagementReview]) -> QuerySet[ManagementReview]:
    return qs.select_related("chair").prefetch_related("attendees")


def filter_management_reviews(qs: QuerySet[ManagementReview], filters) -> QuerySet[ManagementReview]:
    """Search and filters; the same names in UI, API and CLI. ``q`` also finds a reference (MR-0002)."""
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        condition = Q(title__icontains=q)
        if match := REFERENCE.match(q):
            condition |= Q(number=int(match.group(1)))
        qs = qs.filter(condition)
    if status := get("status"):
        qs = qs.filter(status=status)
    overdue = get("overdue")
    if overdue is True:
        qs = qs.filter(review_overdue_q())
    elif overdue is False:
        qs = qs.exclude(review_overdue_q())
    return qs


def find_review(actor: Actor, reference: str) -> ManagementReview | None:
    """A review of the actor's organization by reference (MR-0001) or id; None when there is none."""
    import uuid

    qs = management_reviews(actor)
    if match := REFERENCE.match(reference):
        return qs.filter(number=int(match.group(1))).first()
    try:
        return qs.filter(pk=uuid.UUID(reference)).first()
    except ValueError:
        return None


def previous_held_review(review: ManagementReview) -> ManagementReview | None:
    """The latest review held before ``review`` (the start of the period its inputs cover)."""
    qs = ManagementReview.objects.filter(organization_id=review.organization_id, held_on__isnull=False).exclude(
        pk=review.pk
    )
    if review.held_on:
        qs = qs.filter(Q(held_on__lt=review.held_on) | Q(held_on=review.held_on, number__lt=review.number))
    return qs.order_by("-held_on", "-number").first()


def latest_held_review(organization) -> ManagementReview | None:
    return (
        ManagementReview.objects.filter(organization=organization, held_on__isnull=False)
        .order_by("-held_on", "-number")
        .first()
    )


def review_decisions(actor: Actor) -> QuerySet[ReviewDecision]:
    return scoped(ReviewDecision, actor).select_related("review")


def filter_review_decisions(qs: QuerySet[ReviewDecision], filters) -> QuerySet[ReviewDecision]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(text__icontains=q)
    for name in ("review_id", "category"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    return qs


def review_actions(actor: Actor) -> QuerySet[ReviewAction]:
    return scoped(ReviewAction, actor).select_related("review", "owner", "decision")


def filter_review_actions(qs: QuerySet[ReviewAction], filters) -> QuerySet[ReviewAction]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(title__icontains=q) | Q(closing_note__icontains=q))
    for name in ("review_id", "status", "owner_id"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    overdue = get("overdue")
    if overdue is True:
        qs = qs.filter(action_overdue_q())
    elif overdue is False:
        qs = qs.exclude(action_overdue_q())
    return qs


def review_inputs(review: ManagementReview) -> dict:
    """The inputs a review shows: its frozen snapshot once held; while planned, a live preview of the records."""
    from openaims.management_review.inputs import compile_inputs

    if review.is_held:
        return review.inputs or {}
    previous = previous_held_review(review)
    until = max(timezone.localdate(), previous.held_on) if previous else timezone.localdate()
    return compile_inputs(review.organization, previous.held_on if previous else None, until, exclude_review=review)
