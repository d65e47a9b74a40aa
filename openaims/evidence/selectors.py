"""Reads of evidence, shared by UI, API and CLI, and the expiry queries other apps build on.

Other apps link to evidence (SoA entries, requirements, risks). To show how much of their evidence is
expired without one query per row, they annotate their own queryset::

    entries = annotate_evidence_status(entries, "evidence")    # evidence_count, expired_evidence_count

and render the linked items with ``{% include "evidence/evidence_links.html" with evidence=entry.evidence.all %}``
(prefetch ``evidence`` first; the include needs no further query).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from openaims.base.context import Actor
from openaims.base.selectors import scoped
from openaims.evidence.choices import EXPIRING_SOON_DAYS
from openaims.evidence.models import Evidence


def expired_q(prefix: str = "", *, today: dt.date | None = None) -> Q:
    """Evidence past its valid-until date; ``prefix`` reaches it through a relation (e.g. ``"evidence__"``)."""
    return Q(**{f"{prefix}valid_until__lt": today or timezone.localdate()})


def valid_q(prefix: str = "", *, today: dt.date | None = None) -> Q:
    """Evidence that has not expired: no valid-until date, or one today or later."""
    return Q(**{f"{prefix}valid_until__isnull": True}) | Q(
        **{f"{prefix}valid_until__gte": today or timezone.localdate()}
    )


def evidence_items(actor: Actor) -> QuerySet[Evidence]:
    """The organization's evidence with what list and detail pages show, in a fixed number of queries."""
    return (
        scoped(Evidence, actor)
        .select_related("owner")
        .prefetch_related("ai_systems")
        .annotate(expired=ExpressionWrapper(expired_q(), output_field=BooleanField()))
        .order_by("-collected_on", "title", "id")
    )


def filter_evidence(qs: QuerySet[Evidence], filters) -> QuerySet[Evidence]:
    """Apply the filters that the list page, the API and the CLI share."""
    get = filters.get if isinstance(filters, dict) else lambda name: getattr(filters, name, None)
    if q := (get("q") or "").strip():
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(description__icontains=q)
            | Q(file_name__icontains=q)
            | Q(url__icontains=q)
            | Q(file_sha256=q.lower())
        )
    if kind := get("kind"):
        qs = qs.filter(kind=kind)
    expired = get("expired")
    if expired is True:
        qs = qs.filter(expired_q())
    elif expired is False:
        qs = qs.filter(valid_q())
    if days := get("expiring_within_days"):
        today = timezone.localdate()
        qs = qs.filter(valid_until__gte=today, valid_until__lte=today + dt.timedelta(days=days))
    ai_system = get("ai_system_id") or get("ai_system")
    if ai_system:
        qs = qs.filter(ai_systems=getattr(ai_system, "pk", ai_system))
    if owner_id := get("owner_id"):
        qs = qs.filter(owner_id=owner_id)
    return qs


def annotate_evidence_status(qs: QuerySet, relation: str = "evidence") -> QuerySet:
    """Annotate another model's queryset with ``evidence_count`` and ``expired_evidence_count`` in one query.

    ``relation`` is the name of its many-to-many field (or reverse relation) to :class:`Evidence`.
    """
    return qs.annotate(
        evidence_count=Count(relation, distinct=True),
        expired_evidence_count=Count(relation, filter=expired_q(f"{relation}__"), distinct=True),
    )


def evidence_summary(qs: QuerySet[Evidence]) -> dict[str, int]:
    """``{"total", "expired", "expiring", "valid"}`` counts of an evidence queryset, in one query.

    ``expiring`` (within 30 days) is also counted in ``valid``: it has not expired yet.
    """
    today = timezone.localdate()
    soon = today + dt.timedelta(days=EXPIRING_SOON_DAYS)
    return qs.order_by().aggregate(
        total=Count("pk"),
        expired=Count("pk", filter=expired_q(today=today)),
        expiring=Count("pk", filter=Q(valid_until__gte=today, valid_until__lte=soon)),
        valid=Count("pk", filter=valid_q(today=today)),
    )


def expired_evidence_ids(ids) -> set:
    """Which of these evidence ids are expired (one query), for callers that hold ids, not objects."""
    return set(Evidence.objects.filter(expired_q(), pk__in=list(ids)).values_list("pk", flat=True))


def hash_in_use(sha256: str) -> bool:
    """Whether any evidence item, of any organization, still refers to stored content with this hash."""
    return Evidence.objects.filter(file_sha256=sha256).exists()
