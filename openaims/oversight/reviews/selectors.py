"""Reads of the review queue, shared by UI, API and the monitoring runner; and the oversight metrics."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from openaims.base.context import Actor
from openaims.base.selectors import filter_getter, scoped
from openaims.metrics import wilson_interval
from openaims.oversight.reviews.choices import OPEN_STATUSES, ReviewStatus
from openaims.oversight.reviews.models import ReviewItem, ReviewSettings, RoutingRule


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Still open and past its due time."""
    return Q(status__in=OPEN_STATUSES, due_at__lt=now or timezone.now())


def review_items(actor: Actor) -> QuerySet[ReviewItem]:
    """The queue, oldest first."""
    return scoped(ReviewItem, actor).select_related("ai_system", "assigned_to").order_by("submitted_at", "id")


def filter_review_items(qs: QuerySet[ReviewItem], filters) -> QuerySet[ReviewItem]:
    """Filters of the queue; the same names in UI and API: ai_system_id, status, open, overdue, blind."""
    get = filter_getter(filters)
    if (system := get("ai_system_id")) not in (None, ""):
        qs = qs.filter(ai_system_id=system)
    if (status := get("status")) not in (None, ""):
        qs = qs.filter(status=status)
    if (decision_id := (get("decision_id") or "").strip()) != "":
        qs = qs.filter(decision_id=decision_id)
    for name, condition in (("open", Q(status__in=OPEN_STATUSES)), ("overdue", overdue_q())):
        value = get(name)
        if value is True:
            qs = qs.filter(condition)
        elif value is False:
            qs = qs.exclude(condition)
    if (blind := get("blind")) in (True, False):
        qs = qs.filter(blind=blind)
    return qs


def api_review_items(qs: QuerySet[ReviewItem]) -> QuerySet[ReviewItem]:
    return qs.prefetch_related("decisions")


def routing_rules(actor: Actor) -> QuerySet[RoutingRule]:
    return scoped(RoutingRule, actor).select_related("ai_system")


def filter_routing_rules(qs: QuerySet[RoutingRule], filters) -> QuerySet[RoutingRule]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(name__icontains=q)
    for name in ("ai_system_id", "kind"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    if (active := get("active")) in (True, False):
        qs = qs.filter(active=active)
    return qs


def review_settings(actor: Actor) -> QuerySet[ReviewSettings]:
    return scoped(ReviewSettings, actor).select_related("ai_system")


def filter_review_settings(qs: QuerySet[ReviewSettings], filters) -> QuerySet[ReviewSettings]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(ai_system__name__icontains=q)
    if (value := get("ai_system_id")) not in (None, ""):
        qs = qs.filter(ai_system_id=value)
    return qs


# --- Oversight metrics -----------------------------------------------------------------------------------


def _rate(successes: int, trials: int) -> tuple[float | None, list[float] | None]:
    if trials == 0:
        return None, None
    interval = wilson_interval(successes, trials)
    return successes / trials, list(interval) if interval else None


def _counts(now: dt.datetime) -> dict:
    """The counts behind the oversight figures, as aggregates the database computes."""
    decided = Q(status=ReviewStatus.DECIDED)
    open_items = Q(status__in=OPEN_STATUSES)
    agreed = Q(final_outcome=F("ai_output"))
    return {
        "items": Count("pk"),
        "decided": Count("pk", filter=decided),
        "overrides": Count("pk", filter=decided & ~agreed),
        "escalated": Count("pk", filter=Q(escalated=True)),
        "queue_length": Count("pk", filter=open_items),
        "overdue": Count("pk", filter=open_items & Q(due_at__lt=now)),
        "decided_late": Count("pk", filter=decided & Q(decided_at__gt=F("due_at"))),
        "blind_decided": Count("pk", filter=decided & Q(blind=True)),
        "blind_agreements": Count("pk", filter=decided & Q(blind=True) & agreed),
    }


def _quantile(histogram: list[tuple[int, int]], p: float) -> float | None:
    """The ``p``-quantile of values given as sorted ``(value, count)`` pairs, interpolated linearly between order
    statistics (``statistics.quantiles(method="inclusive")``; the median for 0.5)."""
    total = sum(n for _, n in histogram)
    if total == 0:
        return None
    position = p * (total - 1)
    lower_rank, fraction = int(position), position - int(position)
    lower = upper = None
    seen = 0
    for value, n in histogram:
        if lower is None and lower_rank < seen + n:
            lower = value
        if lower_rank + 1 < seen + n:
            upper = value
            break
        seen += n
    upper = lower if upper is None else upper
    return lower + (upper - lower) * fraction


def _figures(counts: dict, histogram: list[tuple[int, int]]) -> dict:
    """The oversight figures of one set of items, from its counts and the histogram of its seconds to decision."""
    override_rate, override_ci = _rate(counts["overrides"], counts["decided"])
    agreement, agreement_ci = _rate(counts["blind_agreements"], counts["blind_decided"])
    median, p90 = _quantile(histogram, 0.5), _quantile(histogram, 0.9)
    return {
        "items": counts["items"],
        "decided": counts["decided"],
        "overrides": counts["overrides"],
        "override_rate": override_rate,
        "override_rate_ci": override_ci,
        "escalated": counts["escalated"],
        "median_hours_to_decision": median / 3600 if median is not None else None,
        "p90_hours_to_decision": p90 / 3600 if p90 is not None else None,
        "queue_length": counts["queue_length"],
        "overdue": counts["overdue"],
        "decided_late": counts["decided_late"],
        "overdue_share": (counts["overdue"] + counts["decided_late"]) / counts["items"] if counts["items"] else None,
        "blind_decided": counts["blind_decided"],
        "blind_agreements": counts["blind_agreements"],
        "blind_agreement": agreement,
        "blind_agreement_ci": agreement_ci,
    }


def _grouped(qs: QuerySet[ReviewItem], key, now: dt.datetime) -> dict:
    """``{key value: figures}`` of ``qs`` grouped by the expression ``key``, from one aggregate query.

    The database groups by key and whole minute to decision (none while undecided) and counts each cell; the cells
    of a key add up to its counts, and its decided cells are the histogram its quantiles are read from.
    """
    minutes = ExpressionWrapper(F("seconds_to_decision") / 60, output_field=IntegerField())
    cells = (
        qs.annotate(key=key, minute=minutes).values("key", "minute").annotate(**_counts(now)).order_by("key", "minute")
    )
    counts: dict = {}
    histograms: dict = {}
    for cell in cells:
        value, minute = cell.pop("key"), cell.pop("minute")
        total = counts.setdefault(value, dict.fromkeys(cell, 0))
        for name, n in cell.items():
            total[name] += n
        if minute is not None and cell["decided"]:
            histograms.setdefault(value, []).append((minute * 60, cell["decided"]))
    return {value: _figures(c, histograms.get(value, [])) for value, c in counts.items()}


def oversight_metrics(ai_system, start: dt.datetime | None = None, end: dt.datetime | None = None, *, now=None) -> dict:
    """Oversight figures of one AI system's items submitted in ``[start, end)``: overall, per reviewer, per group.

    ``override_rate`` is the share of decided items whose final outcome differs from the AI's output (Wilson 95%
    interval); ``blind_agreement`` the share of blind decided items whose outcome equals the AI's output (automation
    bias shows as agreement that blind reviews do not reproduce); ``overdue`` counts open items past due now,
    ``decided_late`` items decided after their due time, ``overdue_share`` both over all items; hours to decision are
    counted in whole minutes. Per reviewer, the figures are those of the items whose final decision they made; per
    group (``attribute=value`` of ``subject_groups``), of its items. The database aggregates: one query per
    grouping (counts per minute to decision), never one row per item.
    """
    now = now or timezone.now()
    qs = ReviewItem.objects.filter(organization_id=ai_system.organization_id, ai_system=ai_system)
    if start is not None:
        qs = qs.filter(submitted_at__gte=start)
    if end is not None:
        qs = qs.filter(submitted_at__lt=end)
    overall = _grouped(qs, Value(""), now).get("", None) or _figures({name: 0 for name in _counts(now)}, [])
    by_reviewer = _grouped(
        qs.filter(status=ReviewStatus.DECIDED).exclude(decided_by_label=""), F("decided_by_label"), now
    )
    by_group: dict[str, dict] = {}
    attributes = sorted(
        {name for groups in qs.order_by().values_list("subject_groups", flat=True).distinct() for name in groups or {}}
    )
    for attribute in attributes:
        for value, figures in _grouped(
            qs.filter(subject_groups__has_key=attribute), KeyTextTransform(attribute, "subject_groups"), now
        ).items():
            by_group[f"{attribute}={value}"] = figures
    return {
        "ai_system_id": str(ai_system.pk),
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "overall": overall,
        "by_reviewer": dict(sorted(by_reviewer.items())),
        "by_group": dict(sorted(by_group.items())),
    }


#: The period of the oversight figures a system card states.
CARD_PERIOD_DAYS = 90


def oversight_arrangements(ai_system, *, now: dt.datetime | None = None) -> list[str]:
    """The human review arrangements of an AI system as sentences for its card: the active routing rules, the
    service level and blind review, and the override rate of the last 90 days with its interval."""
    sentences = [
        f"Human review of {rule.summary} (rule “{rule.name}”)."
        for rule in RoutingRule.objects.filter(
            organization_id=ai_system.organization_id, ai_system=ai_system, active=True
        ).order_by("order", "created_at")
    ]
    if not sentences:
        return []
    settings = ReviewSettings.objects.filter(organization_id=ai_system.organization_id, ai_system=ai_system).first()
    if settings is not None:
        sentences.append(f"Reviewers decide within {settings.hours_to_decide} hours.")
        if settings.blind_share:
            sentences.append(
                f"{settings.blind_share:.0%} of reviewed decisions are shown without the AI's suggestion, to measure "
                "automation bias."
            )
    now = now or timezone.now()
    figures = oversight_metrics(ai_system, now - dt.timedelta(days=CARD_PERIOD_DAYS), now, now=now)["overall"]
    if figures["decided"]:
        rate, interval = figures["override_rate"], figures["override_rate_ci"]
        sentences.append(
            f"In the last {CARD_PERIOD_DAYS} days reviewers overrode {rate:.1%} of {figures['decided']} reviewed "
            f"decisions (95% interval {interval[0]:.1%} to {interval[1]:.1%})."
        )
    return sentences
